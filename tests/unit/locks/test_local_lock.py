"""The deploy lock: one apply or rollback per environment; stale locks broken only on request."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import DeployerError, ExitCode
from deployer.locks import local as lock
from deployer.locks.local import LOCK_FILE, DeployLocked, LockHolder, deploy_lock, holder_of

REPO = Path(__file__).resolve().parents[3]


def dead_pid() -> int:
    # A pid that has surely exited; this interpreter, so that no other program is needed.
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def take(root: Path, *, break_stale: bool = False) -> None:
    with deploy_lock(root, "rollback", break_stale=break_stale):
        pass


def write_lock(root: Path, pid: int, host: str | None = None) -> None:
    root.mkdir(parents=True, exist_ok=True)
    holder = {
        "command": "apply",
        "user": "alice",
        "host": host or socket.gethostname(),
        "pid": pid,
        "since": "2026-11-22T03:00:00+00:00",
    }
    (root / LOCK_FILE).write_text(json.dumps(holder), encoding="utf-8")


def test_the_lock_is_held_while_the_block_runs_and_released_after(tmp_path: Path) -> None:
    with deploy_lock(tmp_path, "apply") as me:
        assert holder_of(tmp_path) == me
        assert (tmp_path / LOCK_FILE).stat().st_mode & 0o777 == 0o600
        with pytest.raises(DeployLocked, match=rf"locked by apply by .*\(pid {os.getpid()}, "):
            take(tmp_path)
        assert holder_of(tmp_path) == me
    assert holder_of(tmp_path) is None


def test_a_live_holder_is_never_broken(tmp_path: Path) -> None:
    write_lock(tmp_path, os.getppid())
    with pytest.raises(DeployLocked) as caught:
        take(tmp_path, break_stale=True)
    assert caught.value.exit_code == ExitCode.LOCKED
    assert "alice@" in str(caught.value) and "since 2026-11-22T03:00:00+00:00" in str(caught.value)


def test_a_stale_lock_is_broken_only_when_asked(tmp_path: Path) -> None:
    write_lock(tmp_path, dead_pid())
    with pytest.raises(DeployLocked, match="no longer running; pass --break-lock"):
        take(tmp_path)
    with deploy_lock(tmp_path, "apply", break_stale=True) as me:
        assert holder_of(tmp_path) == me
    assert holder_of(tmp_path) is None


def test_a_lock_from_another_machine_counts_as_live(tmp_path: Path) -> None:
    write_lock(tmp_path, dead_pid(), host="other-workstation")
    with pytest.raises(DeployLocked, match="other-workstation"):
        take(tmp_path, break_stale=True)


def test_apply_is_refused_before_touching_any_host(
    tmp_path: Path, cli: Callable[[list[str]], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_lock(tmp_path, os.getppid())
    spec = str(REPO / "examples" / "huadong-production.yml")
    monkeypatch.setenv("HUADONG_DB_ADMIN_PASSWORD", "x")
    monkeypatch.setenv("HUADONG_DB_APP_PASSWORD", "y")
    result = cli(["apply", spec, "-y", "--journal", str(tmp_path)])
    assert result.code == ExitCode.LOCKED
    assert "locked by apply by alice@" in result.err
    assert [p.name for p in tmp_path.iterdir()] == [LOCK_FILE]


def test_two_breakers_never_remove_each_others_fresh_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both breakers judge the same dead holder; the second one to act must find the lock
    the first took since, and leave it."""
    write_lock(tmp_path, dead_pid())
    real_alive = LockHolder.alive.fget  # type: ignore[attr-defined]
    first: ExitStack = ExitStack()
    taken: list[LockHolder] = []
    interleaved: list[bool] = []

    def alive(holder: LockHolder) -> bool:
        if holder.command == "apply" and not interleaved:
            interleaved.append(True)
            # The other breaker runs now, between this one's judgement and its break.
            taken.append(first.enter_context(deploy_lock(tmp_path, "rollback", break_stale=True)))
        return bool(real_alive(holder))

    monkeypatch.setattr(LockHolder, "alive", property(alive))
    with first:
        with pytest.raises(DeployLocked, match="changed hands"):
            take(tmp_path, break_stale=True)
        assert taken and holder_of(tmp_path) == taken[0]
    assert holder_of(tmp_path) is None  # released by its own holder


def test_the_second_breaker_judging_the_same_dead_holder_refuses(tmp_path: Path) -> None:
    write_lock(tmp_path, dead_pid())
    path = tmp_path / LOCK_FILE
    seen_by_first, seen_by_second = lock.look(path), lock.look(path)
    assert seen_by_first is not None and seen_by_second is not None
    assert lock.break_lock(path, seen_by_first)
    with deploy_lock(tmp_path, "apply") as first:
        assert not lock.break_lock(path, seen_by_second)
        assert holder_of(tmp_path) == first
    assert not list(tmp_path.glob(".*broken*"))


def age(path: Path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_a_lock_without_a_holder_record_is_stale_once_old(tmp_path: Path) -> None:
    path = tmp_path / LOCK_FILE
    path.write_bytes(b"")  # its taker died before writing the record
    with pytest.raises(DeployLocked, match="no holder record yet; try again"):
        take(tmp_path, break_stale=True)
    age(path, lock.STALE_AFTER + 5)
    with pytest.raises(DeployLocked, match=r"older than 60 s.*pass --break-lock"):
        take(tmp_path)
    with deploy_lock(tmp_path, "apply", break_stale=True) as me:
        assert holder_of(tmp_path) == me


def test_a_journal_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    journal = tmp_path / "runs"
    journal.write_text("not a folder\n", encoding="utf-8")
    with pytest.raises(DeployerError, match="is a file, not a folder") as caught:
        take(journal)
    assert caught.value.exit_code == ExitCode.USAGE


def test_a_journal_under_a_file_is_a_usage_error_for_the_lock(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(DeployerError, match="cannot make the journal folder") as caught:
        take(tmp_path / "file" / "runs")
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    "record",
    [
        pytest.param({"pid": "12"}, id="pid-as-text"),
        pytest.param({"pid": True}, id="pid-a-boolean"),
        pytest.param({"pid": 0}, id="pid-zero-names-our-process-group"),
        pytest.param({"user": ["alice"]}, id="user-a-list"),
    ],
)
def test_a_holder_record_of_the_wrong_types_counts_as_no_record(
    tmp_path: Path, record: dict[str, Any]
) -> None:
    write_lock(tmp_path, 4242)
    path = tmp_path / LOCK_FILE
    path.write_text(json.dumps({**json.loads(path.read_text()), **record}), encoding="utf-8")
    with pytest.raises(DeployLocked, match="no holder record yet; try again"):
        take(tmp_path, break_stale=True)


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_lock_that_is_not_a_file_is_refused_without_waiting_on_it(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / LOCK_FILE
    path.mkdir() if kind == "folder" else os.mkfifo(path)
    # A reader blocked on the FIFO fails the test instead of hanging it.
    previous = signal.signal(signal.SIGALRM, _give_up)
    signal.alarm(10)
    try:
        with pytest.raises(DeployLocked, match=r"deploy.lock is not a deploy lock .*by hand"):
            take(tmp_path, break_stale=True)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _give_up(signum: int, frame: object) -> None:
    raise TimeoutError("blocked opening the lock")


def test_a_data_import_is_refused_before_touching_any_host_or_the_database(
    tmp_path: Path, cli: Callable[[list[str]], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_lock(tmp_path, os.getppid())
    spec = str(REPO / "examples" / "huadong-production.yml")
    mapping = str(REPO / "examples" / "legacy" / "customers.yml")
    monkeypatch.setenv("HUADONG_DB_ADMIN_PASSWORD", "x")
    monkeypatch.setenv("HUADONG_DB_APP_PASSWORD", "y")
    result = cli(["data", "import", spec, mapping, "--journal", str(tmp_path)])
    assert result.code == ExitCode.LOCKED, result.err
    assert [p.name for p in tmp_path.iterdir()] == [LOCK_FILE]
