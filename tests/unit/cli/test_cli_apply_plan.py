"""`deployer apply --plan PLAN` with something that is not a saved plan: one line saying so,
and the exit code of a usage error (or of a stale plan, for a plan this deployer cannot read).

Every case is refused before any host is contacted, so no lab is needed.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from deployer.errors import ExitCode
from deployer.plan.model import Plan

SPEC = "examples/huadong-production.yml"


def saved_plan(**changes: object) -> str:
    plan = Plan(
        run_id="20261122T030000-abcd",
        created_at=datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc),
        customer="c",
        environment="e",
        product="sample-erp",
        version="1.0",
        spec_sha256="0" * 64,
        facts_sha256="0" * 64,
        steps=(),
    )
    return json.dumps({**plan.model_dump(mode="json"), **changes})


def _write(text: str | bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / "plan.json"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return path

    return make


def _fifo(folder: Path) -> Path:
    path = folder / "plan.json"
    os.mkfifo(path)  # reading it would wait for a writer that never comes
    return path


CASES = {
    "missing": (lambda folder: folder / "plan.json", "no such plan file"),
    "folder": (lambda folder: folder, "is a folder, not a saved plan"),
    "fifo": (_fifo, "not a regular file"),
    "empty": (_write(""), "the plan file is empty"),
    "blank": (_write(" \n"), "the plan file is empty"),
    "not json": (_write("steps: []\n"), "invalid JSON at line 1 column 1"),
    "not utf-8": (_write(b'{"run_id": "\xff"}'), "not UTF-8 at byte 12"),
    "a list": (_write("[1, 2]"), "not a saved plan (a JSON list)"),
    "null": (_write("null"), "not a saved plan (a JSON null)"),
    "nested": (_write("[" * 100_000), "not a saved plan"),
    "other json": (_write('{"name": "x"}'), "not a saved plan (no spec_sha256 in it)"),
}


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize(("make", "message"), CASES.values(), ids=CASES.keys())
def test_what_is_not_a_plan_is_a_usage_error(
    cli, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    plan = make(tmp_path)
    done = cli(["apply", SPEC, "-y", "--journal", str(tmp_path / "runs"), "--plan", str(plan)])
    assert done.code == ExitCode.USAGE, done.err
    assert done.err_lines == [done.err_lines[0]] and message in done.err, done.err
    assert done.err.startswith(f"error: {plan}: ")


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize(
    "changes",
    [{"steps": "all of them"}, {"created_at": None}, {"spec_sha256": 1, "would_change": []}],
    ids=["steps", "created_at", "two fields"],
)
def test_a_plan_this_deployer_cannot_read_is_refused_as_stale(
    cli, tmp_path: Path, changes: dict[str, object]
) -> None:
    plan = _write(saved_plan(**changes))(tmp_path)
    done = cli(["apply", SPEC, "-y", "--journal", str(tmp_path / "runs"), "--plan", str(plan)])
    assert done.code == ExitCode.STALE_PLAN, done.err
    assert len(done.err_lines) == 1 and "run deployer plan again" in done.err, done.err


@pytest.mark.usefixtures("in_repo")
def test_a_readable_plan_goes_on_to_be_verified(cli, tmp_path: Path) -> None:
    """The plan's spec fingerprint is checked before any host is asked: zeros never match."""
    plan = _write(saved_plan())(tmp_path)
    done = cli(["apply", SPEC, "-y", "--journal", str(tmp_path / "runs"), "--plan", str(plan)])
    assert done.code == ExitCode.STALE_PLAN, done.err
    assert "is stale: the spec or a file it references changed" in done.err


@pytest.mark.usefixtures("in_repo")
def test_a_plan_swapped_for_a_fifo_after_a_look_is_never_read(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judged on the open descriptor: a stat of the path that still saw a regular file (the
    file swapped in between) must not lead to a read that waits for a writer forever."""
    regular = _write(saved_plan())(tmp_path).rename(tmp_path / "regular.json")
    plan = _fifo(tmp_path)
    real_stat = Path.stat

    def stale_stat(self: Path, *, follow_symlinks: bool = True) -> os.stat_result:
        return real_stat(regular if self == plan else self, follow_symlinks=follow_symlinks)

    monkeypatch.setattr(Path, "stat", stale_stat)
    previous = signal.signal(signal.SIGALRM, _give_up)
    signal.alarm(10)
    try:
        done = cli(["apply", SPEC, "-y", "--journal", str(tmp_path / "runs"), "--plan", str(plan)])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert done.code == ExitCode.USAGE, done.err
    assert "is a FIFO" in done.err and "not a saved plan" in done.err, done.err


def _give_up(signum: int, frame: object) -> None:
    raise TimeoutError("blocked reading the plan")
