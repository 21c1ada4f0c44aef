"""Output files the user names (--out, --json, --html) that cannot be written are usage errors,
found before the plan or the scan runs (both are faked here: they are never reached)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.plan.model import Plan
from deployer.run import check as check_pipeline
from deployer.run import plan as plan_pipeline

SPEC = "examples/huadong-production.yml"
ran: list[str] = []


@pytest.fixture(autouse=True)
def fake_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan and a scan that record being run and succeed, so that only the writing fails."""
    ran.clear()

    def make_plan(*args: Any) -> Plan:
        ran.append("plan")
        return Plan(
            run_id="r",
            created_at=datetime(2026, 11, 22, tzinfo=timezone.utc),
            customer="c",
            environment="e",
            product="p",
            version="1",
            spec_sha256="0",
            facts_sha256="0",
            steps=(),
        )

    def run_check(*args: Any) -> Any:
        ran.append("check")
        raise AssertionError("the scan must not start")

    monkeypatch.setattr(plan_pipeline, "make_plan", make_plan)
    monkeypatch.setattr(check_pipeline, "run_check", run_check)


def _folder(tmp: Path) -> Path:
    tmp.mkdir()
    return tmp


def _under_a_file(tmp: Path) -> Path:
    tmp.mkdir()
    (tmp / "report").write_text("a file", encoding="utf-8")
    return tmp / "report" / "out.json"


WHERE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "a folder": (_folder, "is a folder; name a file to write"),
    "under a file": (_under_a_file, "is not a folder"),
}


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("option", ["--json", "--html"])
@pytest.mark.parametrize(("where", "message"), WHERE.values(), ids=WHERE.keys())
def test_check_refuses_an_output_it_could_not_write(
    cli, tmp_path: Path, option: str, where: Callable[[Path], Path], message: str
) -> None:
    target = where(tmp_path / "out")
    done = cli(["check", SPEC, "--journal", str(tmp_path / "runs"), option, str(target)])
    assert done.code == ExitCode.USAGE, done.err
    assert len(done.err_lines) == 1 and done.err.startswith(f"error: {option} {target}: ")
    assert message in done.err and ran == []


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize(("where", "message"), WHERE.values(), ids=WHERE.keys())
def test_plan_refuses_an_output_it_could_not_write(
    cli, tmp_path: Path, where: Callable[[Path], Path], message: str
) -> None:
    target = where(tmp_path / "out")
    done = cli(["plan", SPEC, "--journal", str(tmp_path / "runs"), "--out", str(target)])
    assert done.code == ExitCode.USAGE, done.err
    assert len(done.err_lines) == 1 and message in done.err and ran == [], done.err


@pytest.mark.usefixtures("in_repo")
def test_plan_writes_a_new_file_in_a_new_folder(cli, tmp_path: Path) -> None:
    target = tmp_path / "new" / "plan.json"
    done = cli(["plan", SPEC, "--journal", str(tmp_path / "runs"), "--out", str(target)])
    assert done.code == ExitCode.OK, done.err
    assert Plan.model_validate_json(target.read_text(encoding="utf-8")).run_id == "r"
