"""The rollback plan from a run's journal: pure, from fixture journals."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.journal.runs import JournalDamaged
from deployer.rollback import RollbackPlan, observe, render_markdown, rollback_host_vars
from deployer.rollback.model import HostStep, irreversible, release_only

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rollback"
RELEASES = "/opt/sample-erp/releases"


def journal(name: str) -> tuple[RollbackPlan, list[dict[str, Any]]]:
    folder = FIXTURES / name
    plan = RollbackPlan.from_json(json.loads((folder / "rollback.json").read_text()))
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    return plan, events


def test_a_killed_upgrade_gives_every_input_of_the_rollback_playbook() -> None:
    plan, events = journal("upgrade-killed")
    values = rollback_host_vars(observe(plan, events))
    assert values["app1"]["product_rollback_release"] == f"{RELEASES}/1.0-20261122-030000-cd34"
    assert values["app1"]["product_rollback_version"] == "1.0"
    assert values["app1"]["product_rollback_failed_release"] == (
        f"{RELEASES}/1.1-20261122-031500-ab12"
    )
    assert values["app1"]["product_rollback_changes"]["restore"] == {
        "/opt/sample-erp/shared/config/erp.properties": (
            "/opt/sample-erp/shared/config/erp.properties.3001.2026-11-22@03:15:39~"
        )
    }
    assert values["db1"]["mysql_rollback_changes"] == {"restore": {}, "remove": [], "relink": {}}
    assert "product_rollback_release" not in values["db1"]


def test_backups_stand_in_for_a_fact_the_role_never_recorded() -> None:
    plan, events = journal("upgrade-killed")
    values = rollback_host_vars(observe(plan, events))
    assert values["app1"]["tomcat_rollback_changes"] == {
        "restore": {
            "/etc/tomcat10/server.xml": "/etc/tomcat10/server.xml.2211.2026-11-22@03:15:19~"
        },
        "remove": [],
        "relink": {},
    }
    assert values["app1"]["nginx_rollback_changes"] == {}
    assert values["app1"]["jdk_rollback_remove"] is False


def test_observing_twice_or_after_a_round_trip_gives_the_same_plan() -> None:
    plan, events = journal("upgrade-killed")
    once = observe(plan, events)
    assert observe(once, events) == once
    assert RollbackPlan.from_json(json.loads(json.dumps(once.to_json()))) == once


def test_the_first_release_is_undone_by_removing_current() -> None:
    plan, events = journal("upgrade-killed")
    plan.hosts[0].previous_release = ""
    first = [e for e in events if (e.get("facts") or {}).get("product_previous_release") is None]
    values = rollback_host_vars(observe(plan, first))["app1"]
    assert values["product_rollback_release"] == ""
    assert values["product_rollback_version"] == ""


def test_the_previous_release_comes_from_the_fact_when_it_was_not_read() -> None:
    plan, events = journal("upgrade-killed")
    plan.hosts[0].previous_release = None
    values = rollback_host_vars(observe(plan, events))["app1"]
    assert values["product_rollback_release"] == f"{RELEASES}/1.0-20261122-030000-cd34"


INPUTS = {
    "current": "/opt/sample-erp/current",
    "releases": RELEASES,
    "marker": "WEB-INF/deployer-release.json",
    "failed_marker": "WEB-INF/deployer-failed",
    "health_path": "/erp/health.jsp",
    "health_port": 8080,
    "health_require_database": True,
    "health_timeout": 120,
}


def release_plan(**app: Any) -> RollbackPlan:
    step = HostStep("app1", app=True, previous_release=f"{RELEASES}/1.0-a", **app)
    return RollbackPlan("r", "sample-erp", "1.1", [step, HostStep("db1")])


def test_a_release_goes_back_without_a_play_only_when_nothing_else_is_to_be_undone() -> None:
    assert release_only(release_plan(product_inputs=INPUTS))
    product = {"restore": {"/opt/sample-erp/shared/config/erp.properties": "x~"}}
    assert release_only(release_plan(product_inputs=INPUTS, changes={"product": product}))
    tomcat = {"tomcat": {"restore": {"/etc/tomcat10/server.xml": "x~"}, "remove": []}}
    assert not release_only(release_plan(product_inputs=INPUTS, changes=tomcat))
    assert not release_only(release_plan(product_inputs=INPUTS, jdk_installed=["openjdk"]))
    assert not release_only(release_plan())  # recorded by a deployer before the inputs were
    assert not release_only(release_plan(product_inputs={**INPUTS, "health_port": "http"}))
    unknown = release_plan(product_inputs=INPUTS)
    unknown.hosts[0].previous_release = None
    assert not release_only(unknown)
    assert not release_only(RollbackPlan("r", "sample-erp", "1.1", [HostStep("db1")]))


def test_the_recorded_inputs_survive_the_plan_and_are_left_out_when_there_are_none() -> None:
    plan = release_plan(product_inputs=INPUTS)
    assert RollbackPlan.from_json(json.loads(json.dumps(plan.to_json()))) == plan
    assert "product_inputs" not in release_plan().to_json()["hosts"][0]


def test_a_migration_without_undo_or_dump_is_flagged_as_irreversible() -> None:
    plan, _events = journal("upgrade-killed")
    assert irreversible(plan) == []
    plan.schemas[0].dump = None
    plan.schemas[0].no_dump = "erp (12000.0 MB) is over the dump limit of 10240 MB"
    assert irreversible(plan) == []  # V2 has an undo script
    plan.schemas[0].migrations[0].undo = None
    assert irreversible(plan) == [
        "erp: V2__add_order_status.sql has no undo script, and erp (12000.0 MB) is over the "
        "dump limit of 10240 MB"
    ]
    assert "**erp: V2__add_order_status.sql has no undo script" in render_markdown(plan)


def test_a_destructive_migration_needs_the_dump_even_with_an_undo_script() -> None:
    plan, _events = journal("upgrade-killed")
    schema = plan.schemas[0]
    schema.migrations[0].destructive = ["statement 1 drops a table: DROP TABLE legacy"]
    assert schema.prefers_dump and irreversible(plan) == []
    assert "undone with the dump\n  - destroys data: statement 1" in render_markdown(plan)
    schema.dump, schema.no_dump = None, "db9 is not one of the spec's hosts"
    assert irreversible(plan) == [
        "erp: V2__add_order_status.sql destroys data (statement 1 drops a table: DROP TABLE "
        "legacy), and db9 is not one of the spec's hosts"
    ]


def test_a_schema_made_by_the_run_is_never_irreversible() -> None:
    plan, _events = journal("upgrade-killed")
    schema = plan.schemas[0]
    schema.existed, schema.dump, schema.no_dump = False, None, "no dump needed"
    schema.migrations[0].undo = None
    assert irreversible(plan) == []
    assert "- `V2__add_order_status.sql`: stays with the schema" in render_markdown(plan)


def test_the_markdown_says_per_host_and_step_what_is_restored_and_how() -> None:
    plan, events = journal("upgrade-killed")
    text = render_markdown(observe(plan, events))
    assert text.startswith("# Rollback plan of run 20261122-031500-ab12\n")
    assert "- `V2__add_order_status.sql`: undone with undo script `U2__add_order_status.sql`" in (
        text
    )
    assert "dump taken before the first migration: `dump-erp.sql`" in text
    assert "- tomcat: restore `/etc/tomcat10/server.xml` from `" in text
    assert f"make `{RELEASES}/1.0-20261122-030000-cd34` live again (version 1.0)" in text
    assert f"mark `{RELEASES}/1.1-20261122-031500-ab12` as failed" in text
    assert "## Host db1" in text and "- nothing: every step below has an undo" in text


def test_a_lab_upgrade_journal_undoes_to_the_release_before_it() -> None:
    plan, events = journal("upgrade-lab")
    observed = observe(plan, events)
    values = rollback_host_vars(observed)["app1"]
    previous = values["product_rollback_release"]
    assert previous.startswith(f"{RELEASES}/1.0-") and values["product_rollback_version"] == "1.0"
    assert values["product_rollback_failed_release"].startswith(f"{RELEASES}/1.1-")
    assert list(values["product_rollback_changes"]["restore"]) == [
        "/opt/sample-erp/shared/config/erp.properties"
    ]
    assert values["nginx_rollback_changes"] == {"restore": {}, "remove": [], "relink": {}}
    assert observed.schemas[0].down_to == 1 and observed.schemas[0].dump == "dump-erp.sql"
    assert [m.name for m in observed.schemas[0].migrations] == ["V2__add_order_status.sql"]


def test_a_lab_first_release_journal_removes_what_the_run_made() -> None:
    plan, events = journal("first-release")
    observed = observe(plan, events)
    values = rollback_host_vars(observed)
    assert values["app1"]["product_rollback_release"] == ""
    assert values["app1"]["jdk_rollback_remove"] is True
    assert (
        "/etc/nginx/sites-enabled/sample-erp.conf"
        in (values["app1"]["nginx_rollback_changes"]["remove"])
    )
    assert values["db1"]["mysql_rollback_changes"]["remove"] == [
        "/etc/mysql/mariadb.conf.d/90-deployer.cnf"
    ]
    text = render_markdown(observed)
    assert "- made by this run: a rollback keeps it" in text
    assert "- `V1__create_core_tables.sql`: stays with the schema" in text
    assert irreversible(observed) == []


def _without(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda plan: {k: v for k, v in plan.items() if k != key}


def _with(**change: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda plan: {**plan, **change}


DAMAGED_PLANS = [
    pytest.param(lambda _plan: [], "the record: input should be an object", id="a-list"),
    pytest.param(_without("product"), "product: missing", id="no-product"),
    pytest.param(_with(version=2), "version: input should be a valid string", id="version-number"),
    pytest.param(_with(hosts=[7]), r"hosts\[0\]: input should be an object", id="host-number"),
    pytest.param(
        _with(hosts=[{"host": "app1", "rollback_everything": True}]),
        r"hosts\[0\]\.rollback_everything: not a field this deployer knows",
        id="unknown-field",
    ),
    pytest.param(
        _with(schemas=[{"schema": "erp", "host": "db1", "dump_bytes": "12"}]),
        r"schemas\[0\]\.dump_bytes: input should be a valid integer",
        id="dump-size-text",
    ),
    pytest.param(
        _with(schemas=[{"schema": "erp", "host": "db1", "migrations": [{"name": "V2"}]}]),
        r"schemas\[0\]\.migrations\[0\]\.version: missing",
        id="migration-without-version",
    ),
    pytest.param(
        _with(hosts=[{"host": "app1", "packages": {"tomcat10": "10.1"}}]),
        r"hosts\[0\]\.packages\.tomcat10: input should be a valid array",
        id="package-versions-text",
    ),
]


@pytest.mark.parametrize(("damage", "message"), DAMAGED_PLANS)
def test_a_damaged_plan_is_refused_naming_the_field(
    damage: Callable[[dict[str, Any]], Any], message: str
) -> None:
    good = json.loads((FIXTURES / "upgrade-lab" / "rollback.json").read_text())
    with pytest.raises(JournalDamaged, match=f"^rollback.json: .*: {message}") as caught:
        RollbackPlan.from_json(damage(good))
    assert caught.value.exit_code == ExitCode.JOURNAL_DAMAGED


def test_a_cluster_plan_names_the_revision_put_back_and_older_plans_read_as_before() -> None:
    plan = RollbackPlan("r2", "sample-erp", "1.1", cluster_back_to="r1")
    data = plan.to_json()
    assert RollbackPlan.from_json(json.loads(json.dumps(data))) == plan
    text = render_markdown(plan)
    assert "stop the product's pods, restore the database" in text
    assert "## The cluster\n\n- the revision of run r1 is applied again" in text
    assert "the pods stay stopped" in render_markdown(
        RollbackPlan("r1", "sample-erp", "1.0", cluster_back_to="")
    )
    ansible = RollbackPlan("r3", "sample-erp", "1.0")
    assert "cluster_back_to" not in ansible.to_json()  # as earlier versions wrote it
    assert "## The cluster" not in render_markdown(ansible)
