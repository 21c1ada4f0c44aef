"""Lab hosts as running things: is sshd answering, and stopping them."""

from __future__ import annotations

import logging
import re
import signal
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from deployer.errors import LabError
from deployer.lab import processes
from deployer.lab.processes import ProcessRecord

log = logging.getLogger(__name__)
#: A clean poweroff under systemd takes 2-10 s; after this, nspawn is killed.
POWEROFF_GRACE = 20.0


@dataclass(frozen=True)
class Booting:
    name: str
    address: str
    port: int
    process: ProcessRecord | None
    log_file: Path


def ssh_answers(address: str, port: int, timeout: float = 0.5) -> bool:
    """True if an SSH server greets us at address:port (reads its banner, sends nothing)."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            return conn.recv(8).startswith(b"SSH-")
    except OSError:
        return False


def wait_for_ssh(hosts: Sequence[Booting], timeout: float) -> None:
    """Until every host's sshd answers; LabError naming the first that died or hung."""
    deadline = time.monotonic() + timeout
    waiting = list(hosts)
    while waiting:
        for host in list(waiting):
            if host.process is not None and not host.process.alive():
                raise LabError(
                    f"host {host.name} stopped while booting: "
                    f"{boot_story(host.log_file) or 'no output'} "
                    f"(log: {host.log_file})"
                )
            if ssh_answers(host.address, host.port, 0.3):
                log.info("host %s answers on %s:%d", host.name, host.address, host.port)
                waiting.remove(host)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(h.name for h in waiting)
            raise LabError(
                f"sshd on {names} did not answer within {timeout:.0f} s "
                f"(log: {waiting[0].log_file})"
            )
        if waiting:
            time.sleep(0.1)


#: Console lines that say why a boot has not finished.
_STALLED = re.compile(r"start job is running|FAILED|Dependency failed|Timed out")
_ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def boot_story(log_file: Path) -> str:
    """The console lines of a host's boot that say what it still waits for or what failed
    (the last three), else its last line; one line, without colours."""
    try:
        text = log_file.read_text(errors="replace")
    except OSError:
        return ""
    lines = [_ESCAPES.sub("", line).strip() for line in text.replace("\r", "\n").splitlines()]
    lines = [line for line in lines if line]
    telling = [line for line in lines if _STALLED.search(line)]
    return " | ".join(telling[-3:] or lines[-1:])


def stop_hosts(records: Sequence[ProcessRecord], backend: str) -> None:
    """Power hosts off: SIGTERM to nspawn (clean shutdown) or SIGKILL to unshare."""
    live = [r for r in records if r.alive()]
    if not live:
        return
    # Remember each host's init: if nspawn itself has to be killed, its container's
    # init must not outlive it.
    inits = [_child_record(r) for r in live]
    if backend == "systemd":
        processes.stop(live, POWEROFF_GRACE, signal.SIGTERM)
    else:
        processes.stop(live, 0.0, signal.SIGKILL)
    leftovers = [r for r in inits if r is not None and r.alive()]
    processes.stop(leftovers, 0.0, signal.SIGKILL)


def _child_record(parent: ProcessRecord) -> ProcessRecord | None:
    for pid in parent.children():
        record = processes.record_of(pid)
        if record is not None:
            return record
    return None
