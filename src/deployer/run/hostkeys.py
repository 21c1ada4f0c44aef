"""First contact with a host whose key nobody has vouched for, as ``ssh`` handles it.

A host is known when the spec pins its key or the user's known_hosts (or the system's) has an
entry for it. For any other host, before a command connects for real, its key is fetched (an
ssh of its own that records the key in a scratch file, the way in the spec's: through its jump
hosts, nearest first) and shown by fingerprint; the operator accepts it (it is added to
~/.ssh/known_hosts) or the command stops with exit 5, showing the key to pin in the spec. It
is never accepted without being asked, and never in batch mode.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from deployer.errors import DeployerError, ExitCode
from deployer.transport.knownhosts import known_host_keys
from deployer.transport.login import login_environment, way_in
from deployer.transport.ssh import SshOptions, SshTarget, ssh_argv

SYSTEM_KNOWN_HOSTS = Path("/etc/ssh/ssh_known_hosts")


class HostKeyUnknown(DeployerError):
    exit_code = ExitCode.HOST_UNREACHABLE


@dataclass(frozen=True)
class FirstContact:
    """An unknown host's key as it presented it: ``line`` as known_hosts holds it."""

    name: str
    address: str
    port: int
    line: str  # "10.0.0.21 ssh-ed25519 AAAA..."
    fingerprint: str  # "ED25519 SHA256:..."

    @property
    def key(self) -> str:
        """``type base64``, as the spec's ``host_key`` takes it."""
        return " ".join(self.line.split()[1:3])


Decide = Callable[[FirstContact], bool]


def trust_first_contacts(
    targets: list[SshTarget], options: SshOptions, known_hosts: Path, decide: Decide
) -> int:
    """Ask ``decide`` about every target (and jump) nobody vouched for, nearest first; an
    accepted key is added to ``known_hosts`` at once, so the hosts behind it can be reached
    next. Returns how many were added; HostKeyUnknown at the first one refused."""
    added = 0
    with tempfile.TemporaryDirectory(prefix="dpl-keys-") as scratch:
        folder = Path(scratch)
        fetching = replace(options, control_dir=None, command_timeout=30)
        for target in _nearest_first(targets):
            if target.known_hosts is not None or _known(target, known_hosts):
                continue
            contact = _fetch(target, fetching, folder / f"{target.name}.known_hosts")
            if not decide(contact):
                raise HostKeyUnknown(
                    f"{contact.name} ({contact.address}): first contact, host key "
                    f"{contact.fingerprint} is not known; pin it in the spec as host_key: "
                    f"'{contact.key}', or run on a terminal to be asked"
                )
            known_hosts.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with known_hosts.open("a", encoding="utf-8") as handle:
                handle.write(contact.line + "\n")
            known_hosts.chmod(0o600)
            added += 1
    return added


def _nearest_first(targets: list[SshTarget]) -> Iterator[SshTarget]:
    seen: set[str] = set()
    for target in targets:
        for member in reversed(way_in(target)):
            if member.name not in seen:
                seen.add(member.name)
                yield member


def _known(target: SshTarget, known_hosts: Path) -> bool:
    files = (known_hosts, SYSTEM_KNOWN_HOSTS)
    return any(known_host_keys(target.address, target.port, file) for file in files)


def _fetch(target: SshTarget, options: SshOptions, scratch: Path) -> FirstContact:
    """The key ``target`` presents, recorded in ``scratch`` by ssh itself (accept-new there
    only: the user's own known_hosts is untouched until the operator accepts)."""
    argv = ssh_argv(replace(target, known_hosts=scratch), options)
    # ssh keeps the first value of an option: these come before the strict policy's.
    argv[1:1] = ["-o", "StrictHostKeyChecking=accept-new", "-o", "GlobalKnownHostsFile=none"]
    env = login_environment(target, options.askpass)
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(  # noqa: S603 - an argument list
            [*argv, "--", "true"],
            capture_output=True,
            timeout=options.command_timeout,
            env=env,
            start_new_session=env is not None,
            check=False,
        )
    lines = scratch.read_text(encoding="utf-8").split("\n") if scratch.is_file() else []
    entries = [line for line in lines if line.strip() and not line.startswith("#")]
    if not entries:
        raise HostKeyUnknown(f"{target.name} ({target.address}): no host key could be read")
    fingerprint = _fingerprint(scratch)
    return FirstContact(target.name, target.address, target.port, entries[0], fingerprint)


def _fingerprint(known_hosts: Path) -> str:
    """``ED25519 SHA256:...`` of the first key in ``known_hosts`` (``ssh-keygen -l``)."""
    done = subprocess.run(  # noqa: S603 - an argument list
        ["ssh-keygen", "-lf", str(known_hosts)],  # noqa: S607 - from PATH, as ssh itself
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    words = done.stdout.split() if done.returncode == 0 else []
    return f"{words[3].strip('()')} {words[1]}" if len(words) >= 4 else "?"
