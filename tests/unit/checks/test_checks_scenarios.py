"""Whole scans from fixtures: tests/fixtures/checks/scenarios/<case>.json.

A scenario starts from the example spec and matrix (``spec``/``matrix`` deep-merge changes
into them) and gives each host the facts of a real probe output (``probe``), optionally
changed: ``os_release`` takes an os.release fixture case, ``set`` replaces HostFacts fields
(JSON), ``add_listeners`` appends listening sockets. It then lists the statuses expected
per host and check id, and the exact set of blocking results (``CHECK_ID@HOST``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from checks_helpers import FIXTURES, WHEN, example, fact_fixture, probe_facts

from deployer.checks import Acceptance, CheckReport, evaluate, fixup_script
from deployer.facts import DatabaseFacts, HostFacts

SCENARIOS = FIXTURES / "checks" / "scenarios"


def _host_facts(spec: dict[str, Any]) -> HostFacts | None:
    if spec.get("probe") is None:
        return None
    data = probe_facts(spec["probe"]).to_dict()
    if "os_release" in spec:
        data["os"] = fact_fixture("os.release", spec["os_release"])
    data.update(spec.get("set", {}))
    data["listening"] = [*(data["listening"] or []), *spec.get("add_listeners", [])]
    return HostFacts.from_dict(data)


def run(case: dict[str, Any]) -> CheckReport:
    env, matrix = example(case.get("spec"), case.get("matrix"))
    facts = {name: _host_facts(spec) for name, spec in case.get("hosts", {}).items()}
    db = case.get("db")
    return evaluate(
        env,
        matrix,
        facts,
        DatabaseFacts.from_dict(db) if db else None,
        case.get("unreachable", {}),
        db_error=case.get("db_error"),
        acceptances=[Acceptance.from_dict(a) for a in case.get("acceptances", [])],
        generated_at=WHEN,
    )


def _scenarios() -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in sorted(SCENARIOS.glob("*.json"))]


@pytest.mark.parametrize("path", _scenarios())
def test_scenario(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    report = run(case)
    for host, checks in case.get("expect", {}).items():
        host_report = report.host(host)
        assert host_report is not None, f"no report for {host}"
        for check_id, wanted in checks.items():
            result = host_report.result(check_id)
            if wanted == "absent":
                assert result is None, f"{check_id}@{host} should not be reported"
                continue
            assert result is not None, f"{check_id}@{host} missing"
            expected = wanted if isinstance(wanted, dict) else {"status": wanted}
            assert result.status.value == expected["status"], (check_id, host, result)
            if "observed" in expected:
                assert expected["observed"] in result.observed, (check_id, result.observed)
            if "accepted" in expected:
                assert (result.accepted is not None) == expected["accepted"]
    blocking = sorted(f"{r.check_id}@{r.host}" for r in report.blocking)
    assert blocking == sorted(case["blocking"])
    assert sorted(h.host for h in report.unreachable) == sorted(case.get("unreachable_hosts", []))
    unused = sorted(str(a) for a in report.unused_acceptances)
    assert unused == sorted(case.get("unused_acceptances", []))


@pytest.mark.parametrize("path", _scenarios())
def test_scenario_report_round_trips_and_fixups_parse(path: Path, tmp_path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    report = run(case)
    text = json.dumps(report.to_dict(), ensure_ascii=False)
    assert CheckReport.from_dict(json.loads(text)) == report
    engine = case.get("spec", {}).get("database", {}).get("engine", "mariadb")
    for host in report.hosts:
        script = fixup_script(host, engine)
        if script is None:
            continue
        target = tmp_path / f"{host.host}.sh"
        target.write_text(script, encoding="utf-8")
        checked = subprocess.run(
            ["sh", "-n", str(target)], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stderr
