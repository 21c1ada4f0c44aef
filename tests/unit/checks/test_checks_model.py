"""The result model: acceptances, blocking, serialisation."""

from __future__ import annotations

import json

import pytest

from deployer.checks import (
    Acceptance,
    CheckReport,
    CheckResult,
    HostReport,
    Status,
    apply_acceptances,
    evaluate,
)
from deployer.facts import HostFacts
from tests.support.checks import WHEN, example


@pytest.mark.parametrize(
    ("text", "check_id", "host"),
    [
        ("port.free:8080", "port.free:8080", None),
        ("port.free:8080@app1", "port.free:8080", "app1"),
        ("disk.free:/opt@10.20.30.11", "disk.free:/opt", "10.20.30.11"),
        ("  os.version@db1 ", "os.version", "db1"),
    ],
)
def test_acceptance_parse(text: str, check_id: str, host: str | None) -> None:
    accepted = Acceptance.parse(text, "signed off by the customer")
    assert (accepted.check_id, accepted.host, accepted.reason) == (
        check_id,
        host,
        "signed off by the customer",
    )
    assert str(accepted) == text.strip()


@pytest.mark.parametrize(
    ("text", "reason"), [("", "r"), ("@app1", "r"), ("os.version@", "r"), ("os.version", " ")]
)
def test_acceptance_parse_refuses(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=r"CHECK_ID\[@HOST\]"):
        Acceptance.parse(text, reason)


def _result(status: Status, check_id: str = "port.free:8080", host: str = "app1") -> CheckResult:
    return CheckResult(
        check_id=check_id,
        host=host,
        title="Port is free",
        title_zh="端口未被占用",
        status=status,
        observed="listening",
        required="free",
        blocking=status is Status.FAIL,
    )


def _report(*results: CheckResult) -> CheckReport:
    return CheckReport(
        customer="华东精密机械有限公司",
        environment="production",
        product="sample-erp",
        product_version="1.0",
        generated_at=WHEN,
        hosts=(
            HostReport(
                host="app1",
                address="10.20.30.11",
                roles=("web", "app"),
                reachable=True,
                results=results,
            ),
            HostReport(
                host="db1", address="10.20.30.21", roles=("db",), reachable=False, error="timed out"
            ),
        ),
    )


def test_status_serialises_as_its_name() -> None:
    assert json.dumps(_result(Status.WARN).to_dict()["status"]) == '"WARN"'
    assert str(Status.UNKNOWN) == "UNKNOWN"
    assert Status("FAIL") is Status.FAIL


def test_blocking_and_unreachable() -> None:
    report = _report(
        _result(Status.FAIL), _result(Status.WARN, "time.zone"), _result(Status.PASS, "os.version")
    )
    assert [r.check_id for r in report.blocking] == ["port.free:8080"]
    assert [h.host for h in report.unreachable] == ["db1"]
    assert report.counts()[Status.FAIL] == 1 and report.counts()[Status.UNKNOWN] == 0


def test_acceptance_clears_blocking_and_keeps_status_and_reason() -> None:
    accepted = Acceptance(check_id="port.free:8080", host="app1", reason="stopped at cut-over")
    report = apply_acceptances(_report(_result(Status.FAIL)), [accepted])
    result = report.hosts[0].results[0]
    assert result.status is Status.FAIL
    assert result.accepted == accepted
    assert report.blocking == ()
    assert report.acceptances == (accepted,)
    assert report.unused_acceptances == ()


def test_host_specific_acceptance_wins_and_address_matches() -> None:
    blanket = Acceptance(check_id="port.free:8080", reason="everywhere")
    specific = Acceptance(check_id="port.free:8080", host="10.20.30.11", reason="this one host")
    report = apply_acceptances(_report(_result(Status.FAIL)), [blanket, specific])
    assert report.hosts[0].results[0].accepted == specific


def test_acceptances_of_passing_checks_or_other_hosts_are_unused() -> None:
    other_host = Acceptance(check_id="port.free:8080", host="db1", reason="wrong host")
    passing = Acceptance(check_id="os.version", reason="nothing to accept")
    report = apply_acceptances(
        _report(_result(Status.FAIL), _result(Status.PASS, "os.version")), [other_host, passing]
    )
    assert report.unused_acceptances == (other_host, passing)
    assert len(report.blocking) == 1


def test_full_report_round_trips_through_json(lab_facts: HostFacts) -> None:
    env, matrix = example()
    report = evaluate(
        env,
        matrix,
        {"app1": lab_facts, "db1": None},
        None,
        {"db1": "connection refused"},
        acceptances=[Acceptance(check_id="time.zone", reason="UTC by policy")],
        generated_at=WHEN,
    )
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["generated_at"] == "2026-03-02T09:30:00Z"
    assert data["hosts"][0]["facts"]["os"]["family"] == "debian"
    assert CheckReport.from_dict(data) == report
    assert report.hosts[1].error == "connection refused" and report.hosts[1].facts is None


def test_generated_at_defaults_to_now_in_utc(lab_facts: HostFacts) -> None:
    env, matrix = example()
    report = evaluate(env, matrix, {"app1": lab_facts, "db1": lab_facts}, None, {})
    assert report.generated_at.tzinfo is not None


def test_every_result_has_both_languages(lab_facts: HostFacts) -> None:
    env, matrix = example()
    report = evaluate(
        env, matrix, {"app1": lab_facts, "db1": lab_facts}, None, {}, generated_at=WHEN
    )
    for result in report.results():
        assert result.title and result.title_zh
        assert bool(result.remediation) == bool(result.remediation_zh)
        assert bool(result.remediation) == (result.status is not Status.PASS)
