"""Processes the lab starts, remembered by PID *and* start time.

The start time (field 22 of ``/proc/PID/stat``) guards against PID reuse: after a
crash or a reboot, a recorded PID may belong to someone else, and the lab must never
signal a process it did not start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from deployer.errors import LabError

log = logging.getLogger(__name__)
POLL = 0.05


@dataclass(frozen=True)
class ProcessRecord:
    pid: int
    start_time: int
    command: str

    def alive(self) -> bool:
        """True while this very process (not a later one with its PID) runs."""
        stat = _read_stat(self.pid)
        if stat is None or stat[1] != self.start_time:
            return False
        if stat[0] == "Z":
            _reap(self.pid)
            return False
        return True

    def children(self) -> list[int]:
        """Direct children (e.g. the container's init under systemd-nspawn)."""
        found: list[int] = []
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{self.pid}/task").iterdir():
                with contextlib.suppress(OSError):
                    found += [int(p) for p in (task / "children").read_text().split()]
        return found


def record_of(pid: int) -> ProcessRecord | None:
    """A record of a running process found by PID (e.g. a child of one we started)."""
    stat = _read_stat(pid)
    if stat is None:
        return None
    try:
        command = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None
    return ProcessRecord(pid, stat[1], command)


def in_network_namespaces(netns_files: Sequence[Path]) -> list[ProcessRecord]:
    """Processes living in any of these named network namespaces: the processes of lab
    hosts, found even when no state recorded them (a crash between start and save)."""
    wanted = set()
    for path in netns_files:
        with contextlib.suppress(OSError):
            info = os.stat(path)
            wanted.add((info.st_dev, info.st_ino))
    if not wanted:
        return []
    found: list[ProcessRecord] = []
    for pid in _pids():
        try:
            info = os.stat(f"/proc/{pid}/ns/net")
        except OSError:
            continue
        record = record_of(pid) if (info.st_dev, info.st_ino) in wanted else None
        if record is not None:
            found.append(record)
    return found


def with_argv(argv: Sequence[str]) -> list[ProcessRecord]:
    """Processes running exactly this command line (e.g. a lab's own proxy)."""
    wanted = "\0".join(argv) + "\0"
    found: list[ProcessRecord] = []
    for pid in _pids():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
        except OSError:
            continue
        record = record_of(pid) if cmdline == wanted else None
        if record is not None:
            found.append(record)
    return found


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _read_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time) of a process, or None if there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: split after the last ')'.
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[19])


def _reap(pid: int) -> None:
    """Collect our own exited child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def start(argv: Sequence[str], log_file: Path, cwd: Path | None = None) -> ProcessRecord:
    """Start a long-lived process in its own session, output appended to ``log_file``."""
    try:
        with log_file.open("ab") as out:
            proc = subprocess.Popen(  # noqa: S603 (an argument list, no shell)
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=cwd,
            )
    except OSError as exc:
        raise LabError(f"cannot start {argv[0]}: {exc.strerror}") from exc
    stat = _read_stat(proc.pid)
    start_time = stat[1] if stat else 0
    # The Popen object is dropped on purpose: the process outlives this command, and
    # ProcessRecord.alive() reaps it if it exits while we are still running.
    proc.returncode = 0
    return ProcessRecord(proc.pid, start_time, os.path.basename(argv[0]))


def signal_process(record: ProcessRecord, signum: int) -> bool:
    """Send ``signum`` if the recorded process still runs; True if it was sent."""
    if not record.alive():
        return False
    try:
        os.kill(record.pid, signum)
    except ProcessLookupError:
        return False
    return True


def wait_gone(records: Sequence[ProcessRecord], timeout: float) -> list[ProcessRecord]:
    """Wait until every process has exited; return those still running at the deadline."""
    deadline = time.monotonic() + timeout
    remaining = [r for r in records if r.alive()]
    while remaining and time.monotonic() < deadline:
        time.sleep(POLL)
        remaining = [r for r in remaining if r.alive()]
    return remaining


def stop(records: Sequence[ProcessRecord], grace: float, term: int = signal.SIGTERM) -> None:
    """SIGTERM (or ``term``) all, wait up to ``grace`` seconds, then SIGKILL the rest."""
    for record in records:
        if signal_process(record, term):
            log.info("sent signal %d to %s (pid %d)", term, record.command, record.pid)
    stubborn = wait_gone(records, grace) if term != signal.SIGKILL else []
    for record in stubborn:
        if signal_process(record, signal.SIGKILL):
            log.info("killed %s (pid %d)", record.command, record.pid)
    left = wait_gone(records, 10.0)
    if left:
        names = ", ".join(f"{r.command} (pid {r.pid})" for r in left)
        raise LabError(f"could not stop {names}")


def run(argv: Sequence[str], *, check: bool = True, input_text: str | None = None) -> str:
    """Run a short command; its stdout, or LabError naming the command and its output."""
    try:
        done = subprocess.run(  # noqa: S603 (an argument list, no shell)
            list(argv), input=input_text, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise LabError(f"cannot run {argv[0]}: {exc.strerror}") from exc
    if check and done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise LabError(
            f"'{' '.join(argv)}' failed with exit code {done.returncode}: {' / '.join(tail)}"
        )
    return done.stdout


def run_logged(argv: Sequence[str], log_file: Path) -> int:
    """Run a long command to completion with its output in ``log_file``; its exit code."""
    try:
        with log_file.open("ab") as out:
            done = subprocess.run(  # noqa: S603 (an argument list, no shell)
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
    except OSError as exc:
        raise LabError(f"cannot run {argv[0]}: {exc.strerror}") from exc
    return done.returncode
