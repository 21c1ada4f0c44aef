"""Which port a rollback reads the restored product's health page on: the one the product was
served on before the undone run, found in the journal, per app host."""

from __future__ import annotations

from pathlib import Path

from deployer.executors.ansible.variables import host_vars
from deployer.journal import Journal, RunStatus
from deployer.pipeline.rollback_plan import served_ports
from deployer.rollback import HostStep, RollbackPlan, render_markdown, rollback_host_vars
from deployer.spec import load_environment
from deployer.spec.environment import HostOverrides, TomcatOverride

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "huadong-production.yml"
SPEC = Path("spec.yml")


def finished(journal: Journal, kind: str, status: RunStatus, ports: dict[str, int]) -> str:
    run = journal.start(kind, SPEC, ports=ports)
    run.set_status(status, exit_code=0 if status is RunStatus.SUCCESSFUL else 6)
    return run.id


def test_the_last_run_that_ended_well_tells_the_port(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    finished(journal, "apply", RunStatus.SUCCESSFUL, {"app1": 8080})
    finished(journal, "plan", RunStatus.SUCCESSFUL, {"app1": 9999})
    finished(journal, "apply", RunStatus.FAILED, {"app1": 8081})
    undone = journal.start("apply", SPEC, ports={"app1": 8082})
    assert served_ports(journal, undone.id) == {"app1": 8080}


def test_a_rollback_leaves_the_ports_it_went_back_to(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    finished(journal, "apply", RunStatus.SUCCESSFUL, {"app1": 8080})
    finished(journal, "apply", RunStatus.SUCCESSFUL, {"app1": 8081})
    finished(journal, "rollback", RunStatus.SUCCESSFUL, {"app1": 8080})
    undone = journal.start("apply", SPEC, ports={"app1": 8081})
    assert served_ports(journal, undone.id) == {"app1": 8080}


def test_an_empty_journal_knows_no_port(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    undone = journal.start("apply", SPEC, ports={"app1": 8080})
    assert served_ports(journal, undone.id) == {}


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
