"""The deploy lock: one apply or rollback per environment; stale locks broken only on request."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.journal.lock import LOCK_FILE, DeployLocked, deploy_lock, holder_of

REPO = Path(__file__).resolve().parents[3]


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
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
