"""Whole scans from fixtures: tests/fixtures/checks/scenarios/<case>.json.

A scenario starts from the example spec and matrix (``spec``/``matrix`` deep-merge changes
into them) and gives each host the facts of a real probe output (``probe``), optionally
changed: ``os_release`` takes an os.release fixture case, ``set`` replaces HostFacts fields
(JSON), ``add_listeners`` appends listening sockets. It then lists the statuses expected
per host and check id, and the exact set of blocking results (``CHECK_ID@HOST``). The
scenarios' fixup scripts are read by real shells in tests/tools/test_fixup_scripts_in_shells.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deployer.checks import CheckReport
from tests.support.checks import SCENARIOS, run_scenario


def _scenarios() -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in sorted(SCENARIOS.glob("*.json"))]


@pytest.mark.parametrize("path", _scenarios())
def test_scenario(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    report = run_scenario(case)
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
def test_scenario_report_round_trips(path: Path) -> None:
    report = run_scenario(json.loads(path.read_text(encoding="utf-8")))
    text = json.dumps(report.to_dict(), ensure_ascii=False)
    assert CheckReport.from_dict(json.loads(text)) == report
