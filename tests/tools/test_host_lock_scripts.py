"""The deploy lock on a host: the lock scripts run for real with sh, on a local folder (the
host is this machine, reached without SSH)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from deployer.locks import hosts as locks
from deployer.locks import local as lock
from deployer.locks.local import DeployLocked, LockHolder
from deployer.transport.result import CommandResult


class HereHosts:
    """One host, app1, whose commands run here: as root already, so without sudo."""

    names = ("app1",)

    def run_on(
        self,
        host: str,
        command: str,
        *,
        stdin: bytes | None = None,
        shown: str | None = None,
        root: bool = False,
    ) -> CommandResult:
        assert root, f"the lock's commands run as root: {command}"
        done = subprocess.run(
            ["sh", "-c", command],
            input=stdin or b"",
            capture_output=True,
            check=False,
        )
        return CommandResult(
            host, command, done.returncode, done.stdout.decode(), done.stderr.decode(), 0.0
        )


HOSTS = HereHosts()


def holder(pid: int, command: str = "apply") -> LockHolder:
    return LockHolder(command, "alice", socket.gethostname(), pid, "2026-11-22T03:00:00+00:00")


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def take(folder: Path, me: LockHolder, *, break_stale: bool = False) -> None:
    locks.take_host_lock(HOSTS, "app1", str(folder), me, break_stale=break_stale)  # type: ignore[arg-type]


def record_of(folder: Path) -> LockHolder:
    return LockHolder(**json.loads((folder / "holder.json").read_text()))


def age(folder: Path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(folder, (old, old))


def test_the_lock_is_taken_once_and_names_its_holder(tmp_path: Path) -> None:
    folder = tmp_path / "locks" / "sample-erp"
    me = holder(os.getpid())
    take(folder, me)
    assert record_of(folder) == me
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    with pytest.raises(DeployLocked, match=r"app1 is locked by apply by alice@"):
        take(folder, holder(os.getpid(), "rollback"), break_stale=True)
    locks.release_host_lock(HOSTS, "app1", str(folder), me)  # type: ignore[arg-type]
    assert not folder.exists()


def test_a_lock_folder_without_its_record_is_stale_once_old(tmp_path: Path) -> None:
    folder = tmp_path / "sample-erp"
    folder.mkdir(mode=0o700)  # its taker died between mkdir and writing the record
    me = holder(os.getpid())
    with pytest.raises(DeployLocked, match=r"has no holder record yet\); try again"):
        take(folder, me, break_stale=True)
    age(folder, lock.STALE_AFTER + 5)
    with pytest.raises(DeployLocked, match=r"no holder record and is 6\d s old.*--break-lock"):
        take(folder, me)
    take(folder, me, break_stale=True)
    assert record_of(folder) == me


def test_two_breakers_never_remove_each_others_fresh_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both judge the same dead holder; the one acting second finds the lock the first took
    since, and leaves it."""
    folder = tmp_path / "sample-erp"
    folder.mkdir()
    (folder / "holder.json").write_text(json.dumps(asdict(holder(dead_pid()))))
    first = holder(os.getpid(), "rollback")
    real_alive = LockHolder.alive.fget  # type: ignore[attr-defined]
    interleaved: list[bool] = []

    def alive(judged: LockHolder) -> bool:
        if judged.command == "apply" and not interleaved:
            interleaved.append(True)
            take(folder, first, break_stale=True)  # the other breaker, between judge and break
        return bool(real_alive(judged))

    monkeypatch.setattr(LockHolder, "alive", property(alive))
    with pytest.raises(DeployLocked, match="changed hands"):
        take(folder, holder(os.getpid(), "apply --atomic"), break_stale=True)
    assert record_of(folder) == first
    assert [p.name for p in tmp_path.iterdir()] == ["sample-erp"]


def run_script(script: str, *args: str, stdin: bytes = b"") -> str:
    done = subprocess.run(
        ["sh", "-c", script, "deployer-lock", *args],
        input=stdin,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def test_the_break_script_leaves_a_fresh_recordless_lock(tmp_path: Path) -> None:
    """Judged record-less and old, but taken anew (fresh, record not yet written) since."""
    folder = tmp_path / "sample-erp"
    folder.mkdir()
    answer = run_script(locks.BREAK_SCRIPT, str(folder), str(lock.STALE_AFTER))
    assert answer.strip() == locks.CHANGED
    assert folder.is_dir() and [p.name for p in tmp_path.iterdir()] == ["sample-erp"]


def test_the_take_script_reports_the_age_and_record_of_a_held_lock(tmp_path: Path) -> None:
    folder = tmp_path / "sample-erp"
    record = json.dumps(asdict(holder(1234)))
    assert run_script(locks.TAKE_SCRIPT, str(folder), stdin=record.encode()).strip() == locks.TAKEN
    age(folder, 120)
    answer = run_script(locks.TAKE_SCRIPT, str(folder), stdin=b"{}")
    seconds, judged = locks.parse_held(answer)
    assert answer.startswith(locks.HELD) and 119 <= seconds <= 200 and judged == record


def test_the_break_script_never_puts_a_lock_back_over_a_new_one(tmp_path: Path) -> None:
    """Between the rename aside and the put back, a new taker made the folder (its record not
    written yet): the break must leave that folder alone."""
    folder = tmp_path / "sample-erp"
    folder.mkdir()
    (folder / "holder.json").write_text("{}", encoding="utf-8")  # not the record judged
    script = locks.BREAK_SCRIPT.replace(
        "judged=$(cat; echo x)", 'mkdir "$lock"; judged=$(cat; echo x)'
    )
    answer = run_script(script, str(folder), "60", stdin=b'{"judged": 1}')
    assert answer.strip() == locks.CHANGED
    assert folder.is_dir() and not (folder / "holder.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["sample-erp"]
