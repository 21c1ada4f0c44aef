"""Commands over the system's OpenSSH client, with strict host key checking.

OpenSSH is used for command execution because it is what engineers already trust and debug,
it honours their ssh_config, agents and jump hosts, and its connection start-up is as fast as
SSH gets; connection reuse comes from ControlMaster. Host keys are always verified: against the
spec's pinned key, a lab's known_hosts, or the user's own known_hosts — never accepted blindly.
"""

from __future__ import annotations

import logging
import re
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from deployer.transport import mux
from deployer.transport.become import RootAccess
from deployer.transport.login import (
    forward_spec,
    login_environment,
    password_options,
    proxy_command,
)
from deployer.transport.result import CommandResult, Failure

log = logging.getLogger(__name__)

_HOST_KEY = re.compile(
    r"Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|"
    r"No .* host key is known|host key for .* has changed",
    re.I,
)
_AUTH = re.compile(r"Permission denied|Too many authentication failures|no such identity", re.I)


@dataclass(frozen=True)
class SshTarget:
    """Where and how to reach one host."""

    name: str
    address: str
    port: int = 22
    user: str = "deploy"
    key_file: Path | None = None
    known_hosts: Path | None = None  # None: the user's own known_hosts
    config_file: Path | None = None  # an ssh_config to honour (e.g. a lab's)
    #: The login password (transport.login); None: a key file or the agent.
    password: str | None = field(default=None, repr=False, compare=False)
    via: SshTarget | None = None  # the jump host this one is reached through
    root: RootAccess = field(default_factory=RootAccess)  # how commands become root


@dataclass(frozen=True)
class SshOptions:
    connect_timeout: float = 10.0
    command_timeout: float = 60.0
    control_dir: Path | None = None  # set to reuse connections (ControlMaster)
    askpass: Path | None = None  # the run's askpass helper, for password logins
    extra: tuple[str, ...] = field(default_factory=tuple)


def config_quoted(text: str) -> str:
    """``text`` as one ssh_config argument, as ssh reads ``-o Name=value``: double-quoted,
    since a blank would split a file list such as UserKnownHostsFile in two."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def path_option(name: str, path: Path | str) -> str:
    """``Name="path"`` for an option whose value ssh expands %-tokens in (IdentityFile,
    UserKnownHostsFile, ControlPath...): a literal '%' is written '%%'."""
    return f"{name}={config_quoted(str(path).replace('%', '%%'))}"


def control_path_option(control_dir: Path) -> str:
    """ControlPath in ``control_dir``, one socket per connection (ssh's own %C token)."""
    escaped = str(control_dir).replace("%", "%%")
    return f"ControlPath={config_quoted(escaped + '/%C')}"


#: How long a shared connection outlives its last command. The run ends its connections
#: itself (close_masters); this only bounds one left behind by a killed run.
CONTROL_PERSIST = "120"


def policy_options(target: SshTarget, control_dir: Path | None, depth: int = 0) -> list[str]:
    """The one SSH policy, as ``-o`` options for ssh and for Ansible's ssh alike: strict host
    key checking (against the pinned keys when there are any), the key file, the way through
    the jump hosts, one shared connection per host in ``control_dir``, and keepalives that
    notice a lost host. ``depth``: jumps back from the host the command is for."""
    options = ["-o", "StrictHostKeyChecking=yes"]
    if target.via is not None:
        options += ["-o", "ProxyCommand=" + _through(target, target.via, depth + 1)]
    if target.known_hosts is not None:
        options += ["-o", path_option("UserKnownHostsFile", target.known_hosts)]
        options += ["-o", "GlobalKnownHostsFile=none"]
    if target.key_file is not None:
        # Not -i: ssh checks -i's path as given, then expands %-tokens in it, so no spelling
        # of a path with '%' passes both; IdentityFile takes the escaped form.
        options += ["-o", path_option("IdentityFile", target.key_file)]
        options += ["-o", "IdentitiesOnly=yes"]
    if control_dir is not None:
        options += [
            "-o",
            "ControlMaster=auto",
            "-o",
            control_path_option(control_dir),
            "-o",
            f"ControlPersist={CONTROL_PERSIST}",
        ]
    # A connection to a host that dropped off the network is noticed in about 15 s, instead
    # of hanging until TCP gives up: a shared connection and every command through it, and
    # the database tunnel, whose end would otherwise keep a database session waiting.
    options += ["-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"]
    return options


def _through(target: SshTarget, jump: SshTarget, depth: int) -> str:
    """ProxyCommand reaching ``target`` through ``jump``: an ssh of its own to the jump,
    checked by the same policy, forwarding its standard streams (-W). Never a shared
    connection: the jump's master must not end with a forward it opened."""
    argv = ["ssh", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-p", str(jump.port)]
    argv += ["-l", jump.user, *password_options(jump), *policy_options(jump, None, depth)]
    argv += ["-W", forward_spec(target.address, target.port), jump.address]
    return proxy_command(argv, jump, depth)


def ssh_argv(target: SshTarget, options: SshOptions) -> list[str]:
    """The ssh command line (without the remote command) for ``target``."""
    argv = ["ssh"]
    if target.config_file is not None:
        argv += ["-F", str(target.config_file)]
    argv += password_options(target)
    argv += [
        "-o",
        f"ConnectTimeout={max(1, int(options.connect_timeout))}",
        "-o",
        "LogLevel=ERROR",
        "-p",
        str(target.port),
        "-l",
        target.user,
    ]
    argv += policy_options(target, options.control_dir)
    argv += list(options.extra)
    argv.append(target.address)
    return argv


def run_on(
    target: SshTarget,
    command: str,
    options: SshOptions,
    stdin: bytes | None = None,
    shown: str | None = None,
) -> CommandResult:
    """Run ``command`` (a remote shell command line) on one host; never raises for host trouble.

    The caller builds ``command`` from quoted parts; ``shown`` is what messages display.
    """
    return run_through(target, command, options, shown, stdin=stdin or b"", stdout=None)


def run_through(
    target: SshTarget,
    command: str,
    options: SshOptions,
    shown: str | None,
    *,
    stdin: bytes | IO[bytes],
    stdout: IO[bytes] | None,
) -> CommandResult:
    """``run_on`` with standard input from bytes or an open file, and standard output to a
    file when ``stdout`` is given (the result's stdout is then empty)."""
    shown = shown if shown is not None else command
    argv = [*ssh_argv(target, options), "--", command]
    env = login_environment(target, options.askpass)
    started = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603 - argv list, no shell on this side
            argv,
            env=env,
            # No terminal: ssh asks the askpass helper, never a person, for a password.
            start_new_session=env is not None,
            input=stdin if isinstance(stdin, bytes) else None,
            stdin=None if isinstance(stdin, bytes) else stdin,
            stdout=stdout if stdout is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=options.command_timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        reason = f"no answer within {options.command_timeout:g} s"
        seconds = time.monotonic() - started
        return CommandResult(target.name, shown, None, "", "", seconds, Failure.TIMEOUT, reason)
    except FileNotFoundError:
        reason = "ssh client not installed"
        return CommandResult(target.name, shown, None, "", "", 0.0, Failure.UNREACHABLE, reason)
    seconds = time.monotonic() - started
    out = (done.stdout or b"").decode("utf-8", "replace")
    err = done.stderr.decode("utf-8", "replace")
    failure = _classify(done.returncode, err)
    if failure is not None:
        reason = _last_line(err) or f"ssh exited {done.returncode}"
        log.debug("%s: %s (%s)", target.name, failure.value, reason)
        return CommandResult(target.name, shown, None, out, err, seconds, failure, reason)
    return CommandResult(target.name, shown, done.returncode, out, err, seconds)


def close_masters(control_dir: Path) -> None:
    """Ask every shared connection in ``control_dir`` to end now, rather than linger for its
    ControlPersist time after the run that opened it: through its control socket from this
    process (transport.mux, all at once), then with ``ssh -O exit`` (all at once) for any
    that did not answer there. Five seconds in all: a master left after that ends at
    ControlPersist."""
    sockets = (
        [path for path in control_dir.iterdir() if path.is_socket()] if control_dir.is_dir() else []
    )
    deadline = time.monotonic() + 5
    ended = mux.terminate_all(sockets, deadline - time.monotonic())
    unanswered = [path for path in sockets if ended[path] is mux.Ended.UNANSWERED]
    if unanswered and time.monotonic() >= deadline:
        log.debug(
            "no time left to end %d shared connections: they end at ControlPersist", len(unanswered)
        )
        return
    closing = [
        subprocess.Popen(  # noqa: S603 - argv list, no shell on this side
            _exit_argv(path),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for path in unanswered
    ]
    for path, process in zip(unanswered, closing, strict=True):
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            log.debug("shared connection %s did not answer exit", path.name)


def _exit_argv(socket_path: Path) -> list[str]:
    return ["ssh", "-o", path_option("ControlPath", socket_path), "-O", "exit", "shared-connection"]


def run_everywhere(
    targets: Sequence[SshTarget],
    command: str,
    options: SshOptions,
    stdin: bytes | None = None,
    shown: str | None = None,
) -> Mapping[str, CommandResult]:
    """Run the same command on every host at once; one result per host name."""
    return in_parallel(targets, lambda target: run_on(target, command, options, stdin, shown))


def in_parallel(
    targets: Sequence[SshTarget], call: Callable[[SshTarget], CommandResult]
) -> dict[str, CommandResult]:
    """``call`` for every target at once (up to 32); one result per host name."""
    if not targets:
        return {}
    with ThreadPoolExecutor(max_workers=min(32, len(targets))) as pool:
        futures = {target.name: pool.submit(call, target) for target in targets}
        return {name: future.result() for name, future in futures.items()}


def _classify(returncode: int, stderr: str) -> Failure | None:
    """ssh exits 255 for its own errors; anything else is the remote command's status."""
    if returncode != 255:
        return None
    if _HOST_KEY.search(stderr):
        return Failure.HOST_KEY
    if _AUTH.search(stderr):
        return Failure.AUTH
    if "timed out" in stderr.lower():
        return Failure.TIMEOUT
    if re.search(r"ssh:|kex_exchange|Connection (refused|closed|reset)|No route|resolve", stderr):
        return Failure.UNREACHABLE
    return None  # the remote command itself exited 255


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
