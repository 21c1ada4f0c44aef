"""Which port a rollback reads the restored product's health page on: the one the product was
served on before the undone run, found in the journal, per app host."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.executors.ansible.variables import host_vars
from deployer.journal import Journal, RunStatus
from deployer.rollback import HostStep, RollbackPlan, render_markdown, rollback_host_vars
from deployer.rollback.survey import served_ports
from deployer.spec import load_environment
from deployer.spec.environment import HostOverrides, TomcatOverride

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml"
SPEC = Path("spec.yml")


OK, FAILED = RunStatus.SUCCESSFUL, RunStatus.FAILED
History = list[tuple[str, RunStatus, dict[str, int]]]


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param(
            [
                ("apply", OK, {"app1": 8080}),
                ("plan", OK, {"app1": 9999}),
                ("apply", FAILED, {"app1": 8081}),
            ],
            {"app1": 8080},
            id="the last run that ended well tells the port",
        ),
        pytest.param(
            [
                ("apply", OK, {"app1": 8080}),
                ("apply", OK, {"app1": 8081}),
                ("rollback", OK, {"app1": 8080}),
            ],
            {"app1": 8080},
            id="a rollback leaves the ports it went back to",
        ),
        pytest.param([], {}, id="an empty journal knows no port"),
    ],
)
def test_the_served_port_comes_from_the_journal(
    tmp_path: Path, history: History, expected: dict[str, int]
) -> None:
    journal = Journal(tmp_path)
    for kind, status, ports in history:
        run = journal.start(kind, SPEC, ports=ports)
        run.set_status(status, exit_code=0 if status is OK else 6)
    undone = journal.start("apply", SPEC, ports={"app1": 8082})
    assert served_ports(journal, undone.id) == expected


def test_the_rollback_checks_health_on_the_previous_port() -> None:
    moved = HostStep("app1", app=True, previous_release="/r/1.0-a", previous_version="1.0")
    moved.previous_port = 8080
    unknown = HostStep("app2", app=True, previous_release="/r/1.0-a", previous_version="1.0")
    plan = RollbackPlan("r2", "sample-erp", "1.1", hosts=[moved, unknown])
    values = rollback_host_vars(plan)
    assert values["app1"]["product_health_port"] == 8080
    assert "product_health_port" not in values["app2"]
    assert "check its health page on port 8080" in render_markdown(plan)


def test_each_app_host_reads_health_on_its_own_tomcat_port() -> None:
    env = load_environment(EXAMPLE).env
    app1 = env.host("app1")
    assert app1 is not None
    assert env.tomcat_ports() == {"app1": 8080}
    assert host_vars(env, app1)["product_health_port"] == 8080
    moved = app1.model_copy(update={"overrides": HostOverrides(tomcat=TomcatOverride(port=8443))})
    env = env.model_copy(update={"hosts": [moved, *env.hosts[1:]]})
    assert env.tomcat_ports() == {"app1": 8443}
    assert host_vars(env, moved)["product_health_port"] == 8443
