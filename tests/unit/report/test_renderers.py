"""The three renderings of one report: terminal table, JSON, and the signable HTML page (drawn
in a real browser in tests/tools/test_report_in_chromium.py)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest
from rich.console import Console

from deployer.checks import Acceptance, CheckReport, HostReport, Status
from deployer.checks.acceptance import apply_acceptances
from deployer.report.html import render_html
from deployer.report.jsonout import render_json
from deployer.report.text import render_text
from tests.support.check_reports import result, sample_report


@pytest.fixture
def report() -> CheckReport:
    return sample_report()


def test_text_lists_failures_first_and_the_verdict(report: CheckReport) -> None:
    out = io.StringIO()
    Console(file=out, width=200).print(render_text(report, "en"))
    text = out.getvalue()
    assert text.index("db1") < text.index("app1")  # the unreachable host comes first
    assert text.index("port.free:8080") < text.index("time.zone")
    assert "os.version" not in text and "+ 1 PASS (-v)" in text
    assert "ACCEPTED" in text and "客户确认：下月扩容" in text
    assert "Some hosts could not be checked." in text


#: Text that rich would read as markup (raising on the unmatched closing tag, styling the rest)
#: and a terminal escape: a process name a host reports, a reason an engineer types.
HOSTILE_PROCESS = "[bold]ja[/x]va\x1b[2J"
HOSTILE_REASON = "[/x] <script>alert(1)</script> [bold]下月扩容"


def hostile_report() -> CheckReport:
    taken = result("port.free:8080", Status.FAIL, f"listening: 0.0.0.0:8080 ({HOSTILE_PROCESS})")
    app1 = HostReport(
        host="app1",
        address="10.0.0.1",
        roles=("web", "app"),
        reachable=True,
        results=(taken, result("memory.total", Status.FAIL, "1024 MB")),
    )
    db1 = HostReport(
        host="db1", address="10.0.0.2", roles=("db",), reachable=False, error=HOSTILE_PROCESS
    )
    bare = CheckReport(
        customer="c",
        environment="e",
        product="p",
        product_version="1.0",
        generated_at=datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc),
        hosts=(app1, db1),
    )
    return apply_acceptances(
        bare, [Acceptance(check_id="memory.total", host="app1", reason=HOSTILE_REASON)]
    )


def test_text_shows_what_hosts_and_users_wrote_literally() -> None:
    out = io.StringIO()
    # A console with markup on, as any caller's might be: the renderables must not need it off.
    Console(file=out, width=400, markup=True).print(render_text(hostile_report(), "en"))
    text = out.getvalue()
    assert text.count("[bold]ja[/x]va\\x1b[2J") == 2  # observed, and the unreachable host
    assert f"Accepted risks: {HOSTILE_REASON}" in text
    assert "\x1b" not in text


def test_html_escapes_what_hosts_and_users_wrote() -> None:
    page = render_html(hostile_report(), "en")
    assert "<script>" not in page
    assert "[/x] &lt;script&gt;alert(1)&lt;/script&gt; [bold]下月扩容" in page
    assert "[bold]ja[/x]va" in page


def test_json_carries_the_model_and_the_summary(report: CheckReport) -> None:
    data = json.loads(render_json(report))
    assert data["summary"]["blocking"] == ["port.free:8080@app1"]
    assert data["summary"]["unreachable"] == ["db1"]
    assert data["summary"]["counts"] == {"PASS": 1, "WARN": 1, "FAIL": 2, "UNKNOWN": 0}
    assert CheckReport.from_dict({k: v for k, v in data.items() if k != "summary"}) == report


def test_html_escapes_what_hosts_report(report: CheckReport) -> None:
    page = render_html(report, "en")
    assert "<listening>" not in page and "&lt;listening&gt;" in page
