"""`deployer check` output: what hosts and engineers wrote is printed as written.

The scan itself is faked here (tests/lab/test_check.py runs it on real hosts): these tests are
about how the command prints a report whose values contain rich markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from deployer.checks import Acceptance, CheckReport, CheckResult, HostReport, Status
from deployer.checks.acceptance import apply_acceptances
from deployer.cli.common import ENGINE_NAMES
from deployer.errors import ExitCode
from deployer.facts.engines import ENGINES
from deployer.run import check as check_pipeline
from deployer.run.check import CheckOutcome, ScanOptions
from tests.unit.conftest import CliResult

#: A process name as `ss -p` reports it from the host: any bytes its owner chose.
PROCESS = "[bold]ja[/x]va"


def _port_taken(acceptances: Sequence[Acceptance]) -> CheckReport:
    taken = CheckResult(
        check_id="port.free:8080",
        host="app1",
        title="Port free",
        title_zh="端口空闲",
        status=Status.FAIL,
        observed=f"listening: 0.0.0.0:8080 ({PROCESS})",
        required="free for tomcat",
        remediation=f"Stop or move the service listening on port 8080 ({PROCESS}) on app1.",
        remediation_zh="请停止占用端口的服务。",
        blocking=True,
    )
    host = HostReport(
        host="app1", address="10.20.30.11", roles=("web", "app"), reachable=True, results=(taken,)
    )
    report = CheckReport(
        customer="c",
        environment="e",
        product="sample-erp",
        product_version="1.0",
        generated_at=datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc),
        hosts=(host,),
    )
    return apply_acceptances(report, acceptances)


@pytest.fixture
def fake_scan(monkeypatch: pytest.MonkeyPatch) -> list[ScanOptions | None]:
    """The options each scan ran with."""
    seen: list[ScanOptions | None] = []

    def run_check(
        context: Any, acceptances: Sequence[Acceptance], options: ScanOptions | None = None
    ) -> CheckOutcome:
        seen.append(options)
        return CheckOutcome(report=_port_taken(acceptances))

    monkeypatch.setattr(check_pipeline, "run_check", run_check)
    monkeypatch.setenv("COLUMNS", "400")  # table cells on one line each, to find them whole
    return seen


@pytest.mark.usefixtures("in_repo")
def test_engine_and_bootstrap_options_reach_the_scan(
    cli: Callable[[list[str]], CliResult], tmp_path: Path, fake_scan: list[ScanOptions | None]
) -> None:
    spec = "examples/huadong-production.yml"
    cli(["check", spec, "--journal", str(tmp_path)])
    cli(["check", spec, "--journal", str(tmp_path), "--ansible-engine", "2.16"])
    cli(["check", spec, "--journal", str(tmp_path), "--bootstrap-python"])
    assert fake_scan == [
        ScanOptions(None, bootstrap_python=False),
        ScanOptions("2.16", bootstrap_python=False),
        ScanOptions(None, bootstrap_python=True),
    ]


@pytest.mark.usefixtures("in_repo")
def test_an_unknown_engine_is_refused_by_the_parser(
    cli: Callable[[list[str]], CliResult],
) -> None:
    done = cli(["check", "examples/huadong-production.yml", "--ansible-engine", "2.17"])
    assert done.code == ExitCode.USAGE
    assert "invalid choice: '2.17'" in done.err


def test_the_parsers_engine_names_are_the_engines() -> None:
    assert tuple(ENGINES) == ENGINE_NAMES


@pytest.mark.usefixtures("fake_scan", "in_repo")
def test_a_process_name_with_markup_is_printed_as_written(cli, tmp_path: Path) -> None:
    done = cli(["check", "examples/huadong-production.yml", "--journal", str(tmp_path)])
    assert done.code == ExitCode.CHECKS_FAILED, done.err
    assert f"({PROCESS})" in done.out


@pytest.mark.usefixtures("fake_scan", "in_repo")
def test_an_accepted_risk_reason_with_markup_is_printed_as_written(cli, tmp_path: Path) -> None:
    reason = "[/x] customer signed [bold]ticket 42[/bold]"
    html = tmp_path / "report.html"
    argv = ["check", "examples/huadong-production.yml", "--journal", str(tmp_path / "runs")]
    done = cli([*argv, "--accept", "port.free:8080@app1", "--reason", reason, "--html", str(html)])
    assert done.code == ExitCode.OK, done.err
    assert reason in done.out
    assert reason in html.read_text(encoding="utf-8")
