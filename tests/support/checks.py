"""Inputs for the check tests: the example spec and matrix, real probe outputs, and the scans
of the scenario fixtures."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from deployer.checks import Acceptance, CheckReport, evaluate
from deployer.checks.model import CheckResult, HostReport, Status
from deployer.facts import DatabaseFacts, HostFacts, parse_probe
from deployer.spec.environment import Environment
from deployer.spec.matrix import SupportMatrix

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
FIXTURES = REPO / "tests" / "fixtures"
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def deep_merge(base: Any, patch: Any) -> Any:
    """Mappings merge key by key; anything else (lists included) is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return copy.deepcopy(patch)


def example_hosts_changed(
    changes: dict[str, dict[str, Any]], **top: Any
) -> tuple[Environment, SupportMatrix]:
    """The example with some hosts' fields replaced (``changes``: host name -> fields) and
    top-level sections added (``bastions=[...]``)."""
    env, matrix = example()
    data = env.model_dump(by_alias=True, mode="json")
    data.update(top)
    for host in data["hosts"]:
        host.update(changes.get(host["name"], {}))
    return Environment.model_validate(data), matrix


def example(
    spec_patch: dict[str, Any] | None = None, matrix_patch: dict[str, Any] | None = None
) -> tuple[Environment, SupportMatrix]:
    """The example environment and matrix, optionally changed (validated, not cross-checked)."""
    spec = yaml.safe_load((EXAMPLES / "huadong-production.yml").read_text(encoding="utf-8"))
    matrix = yaml.safe_load((EXAMPLES / "sample-erp-matrix.yml").read_text(encoding="utf-8"))
    env = Environment.model_validate(
        deep_merge(spec, spec_patch or {}), context={"allow_inline_secrets": False}
    )
    return env, SupportMatrix.model_validate(deep_merge(matrix, matrix_patch or {}))


def probe_facts(name: str) -> HostFacts:
    return parse_probe((FIXTURES / "facts" / "probe" / f"{name}.txt").read_text(encoding="utf-8"))


def fact_fixture(fact_id: str, case: str) -> Any:
    path = FIXTURES / "facts" / fact_id / f"{case}.json"
    return json.loads(path.read_text(encoding="utf-8"))["expected"]


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


def run_scenario(case: dict[str, Any]) -> CheckReport:
    """The scan of one tests/fixtures/checks/scenarios case (see test_checks_scenarios.py)."""
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


def db_host(*results: CheckResult, facts: HostFacts | None = None) -> HostReport:
    """db1 of the example, reachable, with ``results`` (for fixup scripts)."""
    return HostReport(
        host="db1",
        address="10.20.30.21",
        roles=("db",),
        reachable=True,
        facts=facts,
        results=results,
    )


def fixup_result(
    check_id: str, lines: tuple[str, ...], status: Status = Status.FAIL
) -> CheckResult:
    """A result of db1 carrying fixup ``lines``; its observed text holds a line break and a
    shell comment, which a fixup script must never let through as a command."""
    return CheckResult(
        check_id=check_id,
        host="db1",
        title="t",
        title_zh="t",
        status=status,
        observed="line one\nrm -rf / # sneaky",
        required="r",
        fixup=lines,
    )
