"""The lab logging in to its hosts the way the spec does: through the same transport as every
deployer command (key or password, through the jump host), so ``lab up`` returns only once
that way works."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from deployer.errors import LabError
from deployer.lab.access import LabAccess
from deployer.lab.hosts import boot_story
from deployer.lab.state import LabState
from deployer.transport.result import CommandResult
from deployer.transport.ssh import SshOptions, SshTarget, run_everywhere


def lab_targets(
    lab: LabState, access: Mapping[str, LabAccess], known_hosts: Path
) -> list[SshTarget]:
    """One target per lab host, each reached as ``access`` says."""
    built: dict[str, SshTarget] = {}

    def target(name: str) -> SshTarget:
        if name not in built:
            host = lab.host(name)
            if host is None:
                raise LabError(f"the lab has no host named {name}")
            way = access.get(name, LabAccess())
            built[name] = SshTarget(
                name=name,
                address=host.address,
                port=host.port,
                user=host.user,
                key_file=Path(host.key or lab.user_key) if way.key_login else None,
                known_hosts=known_hosts,
                password=way.login_password,
                via=target(way.via) if way.via else None,
            )
        return built[name]

    return [target(host.name) for host in lab.hosts]


def wait_for_login(
    targets: list[SshTarget],
    options: SshOptions,
    timeout: float,
    boot_log: Callable[[str], Path] | None = None,
) -> None:
    """Until the login user can log in everywhere: sshd answers before systemd has finished
    booting, and until then pam_nologin turns every user but root away. ``boot_log`` gives
    a host's console log, whose boot lines the error quotes (the lab removes the file when
    a start fails, so the message is where they survive)."""
    deadline = time.monotonic() + timeout
    waiting = list(targets)
    while waiting:
        results = run_everywhere(waiting, "true", options)
        waiting = [t for t in waiting if not results[t.name].ok]
        if waiting and time.monotonic() > deadline:
            names = ", ".join(t.name for t in waiting)
            last = results[waiting[-1].name]
            story = boot_story(boot_log(last.host)) if boot_log is not None else ""
            raise LabError(
                f"cannot log in to {names} within {timeout:.0f} s: {_refusal(last)}"
                + (f"; its console: {story}" if story else "")
            )
        if waiting:
            time.sleep(0.2)


def _refusal(result: CommandResult) -> str:
    if result.exit_status == 255 and not result.stderr.strip():
        # What a client is told when pam_nologin refuses it: nothing, the connection closes.
        return (
            f"{result.describe()} with no word from ssh: sshd closed the connection, as it "
            "does while the host is still booting (/run/nologin)"
        )
    return result.describe()
