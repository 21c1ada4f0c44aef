"""``deployer lab ...``: throwaway local SSH hosts made from an environment spec."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

from deployer import lab
from deployer.cli.io import Streams
from deployer.errors import ExitCode, LabError, UsageError
from deployer.run.targets import ssh_targets
from deployer.spec import load_environment
from deployer.transport.login import login_environment
from deployer.transport.ssh import SshOptions, ssh_argv

FLAVOURS = ("systemd", "unshare")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "lab",
        help="throwaway local SSH hosts made from a spec",
        description="Build real, isolated Linux hosts reachable over SSH from a spec's hosts "
        "(network namespaces, an overlay root filesystem, systemd, a package proxy).",
    )
    sub = parser.add_subparsers(dest="lab_command", metavar="LAB_COMMAND", required=True)
    up = sub.add_parser("up", help="start one lab host per spec host")
    _spec_and_build_options(up)
    up.set_defaults(handler=run_up)
    down = sub.add_parser("down", help="stop the lab and remove everything it created")
    down.add_argument("spec", metavar="SPEC", type=Path)
    down.set_defaults(handler=run_down)
    status = sub.add_parser("status", help="show the lab's hosts and whether they answer")
    status.add_argument("spec", metavar="SPEC", type=Path)
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(handler=run_status)
    ssh = sub.add_parser("ssh", help="open ssh to a lab host (or run a command there)")
    ssh.add_argument("spec", metavar="SPEC", type=Path)
    ssh.add_argument("host", metavar="HOST")
    ssh.add_argument("command", metavar="COMMAND", nargs=argparse.REMAINDER)
    ssh.set_defaults(handler=run_ssh)
    rebuild = sub.add_parser("rebuild", help="down, then up again from a clean root filesystem")
    _spec_and_build_options(rebuild)
    rebuild.set_defaults(handler=run_rebuild)
    vagrant = sub.add_parser(
        "from-vagrant", help="write the lab spec overlay from 'vagrant ssh-config' output"
    )
    vagrant.add_argument("spec", metavar="SPEC", type=Path)
    vagrant.add_argument(
        "--ssh-config", type=Path, metavar="FILE", help="saved output (default: read stdin)"
    )
    vagrant.add_argument(
        "--known-hosts", type=Path, metavar="FILE", help="known_hosts file to pin host keys from"
    )
    vagrant.set_defaults(handler=run_from_vagrant)


def _spec_and_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", type=Path)
    parser.add_argument(
        "--subnet",
        metavar="CIDR",
        help=f"private IPv4 network for the lab's bridge and hosts (default "
        f"{lab.DEFAULT_SUBNET}; rebuild keeps the lab's current one)",
    )
    parser.add_argument(
        "--flavour",
        choices=FLAVOURS,
        help="systemd: real systemd as PID 1 under systemd-nspawn (default where installed); "
        "unshare: sshd under tini, no systemd",
    )
    parser.add_argument(
        "--os",
        action="append",
        default=[],
        metavar="[HOST=]RELEASE",
        help=f"the Debian release of every host (RELEASE) or of one (HOST=RELEASE); "
        f"repeatable. The lab builds {lab.buildable_releases()}; rebuild keeps each "
        f"host's release",
    )
    parser.add_argument(
        "--offline",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="hosts with no package proxy and no package sources, to prove an install needs "
        "nothing from outside what is brought to them (rebuild keeps the lab's choice; "
        "--no-offline gives hosts the proxy again)",
    )


def _options(args: argparse.Namespace) -> lab.UpOptions:
    cache_dir = lab.cache_dir_from(os.environ, Path.home())
    return lab.UpOptions(
        cache_dir=cache_dir,
        subnet=args.subnet,
        flavour=args.flavour,
        os=lab.parse_os(args.os),
        offline=args.offline,
    )


def run_up(args: argparse.Namespace, streams: Streams) -> int:
    started = time.monotonic()
    lab.up(args.spec, _options(args), streams.say)
    _summary(args.spec, streams, f"lab up in {time.monotonic() - started:.1f} s")
    return ExitCode.OK


def run_rebuild(args: argparse.Namespace, streams: Streams) -> int:
    started = time.monotonic()
    lab.rebuild(args.spec, _options(args), streams.say)
    _summary(args.spec, streams, f"lab rebuilt in {time.monotonic() - started:.1f} s")
    return ExitCode.OK


def run_down(args: argparse.Namespace, streams: Streams) -> int:
    found = lab.down(args.spec)
    streams.say(
        f"lab for {args.spec} is down" if found else f"no lab for {args.spec}; nothing to do"
    )
    return ExitCode.OK


def run_status(args: argparse.Namespace, streams: Streams) -> int:
    current = lab.status(args.spec)
    if args.json:
        streams.data(json.dumps(dataclasses.asdict(current), indent=2, ensure_ascii=False))
    elif current.state == "absent":
        streams.say(f"no lab for {args.spec}; start one with: deployer lab up {args.spec}")
    else:
        _print_status(current, streams)
    # Scripts ask "is the lab usable?": yes when every host runs, or, for a Vagrant lab whose
    # VMs deployer does not probe, when its hosts are known.
    unprobed = bool(current.hosts) and all(h.state == "unknown" for h in current.hosts)
    return ExitCode.OK if current.state == "up" or unprobed else ExitCode.LAB_FAILED


def _summary(spec: Path, streams: Streams, headline: str) -> None:
    current = lab.status(spec)
    streams.say(f"{headline}: {current.backend} hosts on {current.subnet}", style="green")
    _print_status(current, streams)
    streams.say(f"try: deployer lab ssh {spec} {current.hosts[0].name}")


def _print_status(current: lab.LabStatus, streams: Streams) -> None:
    packages = "offline" if current.offline else f"proxy {current.proxy or '-'}"
    streams.say(f"lab {current.state} ({current.backend}, {current.subnet}, {packages})")
    width = max((len(h.name) for h in current.hosts), default=4)
    for host in current.hosts:
        where = f"{host.user}@{host.address}:{host.port}"
        streams.say(f"  {host.name:<{width}}  {where:<24}  {host.release or '-':<9}  {host.state}")
    streams.say(f"ssh_config:   {current.ssh_config}")
    streams.say(f"known_hosts:  {current.known_hosts}")
    streams.say(f"spec overlay: {current.spec_overlay}")


def run_ssh(args: argparse.Namespace, streams: Streams) -> int:
    current = lab.status(args.spec)
    names = [h.name for h in current.hosts]
    if current.state == "absent":
        raise LabError(f"no lab is up for {args.spec}; run deployer lab up {args.spec}")
    if args.host not in names:
        raise UsageError(f"no host '{args.host}' in the lab; its hosts: {', '.join(names)}")
    # The way every command goes: the spec's login (key or password) through its jump hosts.
    folder = lab.state_dir_for(args.spec)
    loaded = load_environment(lab.lab_spec_path(args.spec))
    (target,) = ssh_targets(loaded, folder / "ssh", {args.host})
    options = SshOptions(askpass=folder / "askpass")
    argv = ssh_argv(target, options) + (["--", *args.command] if args.command else [])
    env = login_environment(target, options.askpass)
    streams.out.flush()
    # ssh from PATH, an argument list; it replaces this process.
    os.execvpe("ssh", argv, dict(env or os.environ))  # noqa: S606,S607


def run_from_vagrant(args: argparse.Namespace, streams: Streams) -> int:
    if args.ssh_config is not None:
        source = str(args.ssh_config)
        text = _read(args.ssh_config)
    elif sys.stdin.isatty():
        raise UsageError("pipe 'vagrant ssh-config' into this command, or pass --ssh-config FILE")
    else:
        source, text = "<stdin>", sys.stdin.read()
    known = _read(args.known_hosts) if args.known_hosts else None
    state = lab.from_vagrant(args.spec, text, source, known)
    overlay = lab.lab_spec_path(args.spec)
    streams.say(f"spec overlay for {len(state.hosts)} Vagrant host(s): {overlay}", style="green")
    if any(not h.host_key for h in state.hosts):
        streams.say(
            "host keys are not pinned (vagrant ssh-config carries none): pass --known-hosts, "
            f"or add them to {lab.lab_known_hosts(args.spec)}"
        )
    return ExitCode.OK


def _read(path: Path) -> str:
    from deployer.files import NotRegularFileError, open_regular

    try:
        # Only a regular file: a FIFO (or a device) would keep the command waiting.
        with open_regular(path) as handle:
            return handle.read().decode("utf-8")
    except NotRegularFileError as exc:
        raise UsageError(f"cannot read {path}: not a regular file") from exc
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read {path}: not UTF-8 (byte {exc.start})") from None
