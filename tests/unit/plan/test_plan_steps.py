"""The steps a plan shows: Tomcat's port as each app host will have it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from deployer.plan.steps import plan_steps
from deployer.spec.environment import Environment

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml"


def environment(overrides: dict[str, dict[str, Any]]) -> Environment:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["hosts"].append({**data["hosts"][0], "name": "app2", "address": "10.20.30.12"})
    for entry in data["hosts"]:
        entry["overrides"] = overrides.get(entry["name"], {})
    return Environment.model_validate(data, context={"allow_inline_secrets": False})


def tomcat_step(env: Environment) -> str:
    return next(s.action for s in plan_steps(env) if s.action.startswith("JDK"))


def test_one_port_for_every_app_host() -> None:
    assert tomcat_step(environment({})).endswith("Tomcat 10.1 on port 8080")


def test_each_app_hosts_port_when_an_override_moves_one() -> None:
    env = environment({"app2": {"tomcat": {"port": 8081}}})
    assert tomcat_step(env).endswith("Tomcat 10.1 on ports app1 8080, app2 8081")
