"""Inputs for the rule tests: the example spec and matrix, and real probe outputs."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from deployer.facts import HostFacts, parse_probe
from deployer.spec.environment import Environment
from deployer.spec.matrix import SupportMatrix

REPO = Path(__file__).resolve().parents[3]
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
