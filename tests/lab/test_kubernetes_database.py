"""plan, apply and rollback of the Kubernetes example with its database, as a site runs them:
MariaDB on db1, a real lab host reached over SSH, and the product in kmock's emulator of the API
on 127.0.0.1 (no API server runs here; the test plays the Deployment controller).

plan shows the database's stages and the objects to create. apply runs the database server's
stage and the schema's migrations on db1, then puts the product's objects in the cluster and
waits for their rollout. The 1.1 upgrade migrates the schema to V2 and rolls the pods to the
1.1 image. ``rollback --last`` stops the pods, takes the schema back to V1 and puts the 1.0
revision back. An upgrade whose pods never start is undone by ``--atomic`` the same way (exit 8).
One lab for the module; tests run in order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labsupport import (
    ROOT,
    SCRATCH,
    Lab,
    deployer_ok,
    deployer_with_secrets,
    last_run,
    running_lab,
)

from deployer.errors import ExitCode
from deployer.lab import lab_spec_path
from deployer.lab.derive import derive_spec
from tests.integration.kubeemulator import DEPLOYMENTS, Controller, Emulator, emulated_cluster
from tests.integration.kubespec import write_kubeconfig

pytestmark = pytest.mark.lab

EXAMPLE = ROOT / "examples" / "huadong-kubernetes.yml"
FOLDER = SCRATCH / "kubernetes-database"
UPGRADE = FOLDER / "huadong-kubernetes-1.1.yml"


def _upgrade(data: dict[str, Any]) -> None:
    product = data["product"]
    product["version"] = "1.1"
    product["artifact"] = product["artifact"].replace("1.0.war", "1.1.war")
    product["image"] = product["image"].replace(":1.0", ":1.1")
    data["database"]["schemas"][0]["target"] = 2


def _write(spec: Path, change: Callable[[dict[str, Any]], None] | None = None) -> Path:
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    data["target"]["kubeconfig"] = "kubeconfig"
    if change is not None:
        change(data)
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def emulated() -> Iterator[tuple[Emulator, Controller]]:
    with emulated_cluster("erp") as both:
        yield both


@pytest.fixture(scope="module")
def cluster(emulated: tuple[Emulator, Controller]) -> Emulator:
    return emulated[0]


@pytest.fixture(scope="module")
def db_lab(cluster: Emulator) -> Iterator[Lab]:
    hosts = [("db1", ["db"])]
    spec = _write(derive_spec(EXAMPLE, FOLDER / EXAMPLE.name, hosts, database_host="db1"))
    _write(derive_spec(EXAMPLE, UPGRADE, hosts, database_host="db1"), _upgrade)
    write_kubeconfig(FOLDER / "kubeconfig", cluster.url)
    with running_lab(spec) as started:
        yield started


def stages(lab: Lab, run: dict[str, Any]) -> list[str]:
    """The stages run ``run`` went through, in order, as its journal has them."""
    events = lab_spec_path(lab.spec).parent / "runs" / run["id"] / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines()
    return [e["name"] for e in map(json.loads, lines) if e["event"] == "stage"]


def schema_version(lab: Lab) -> str:
    sql = "SELECT MAX(version) FROM deployer_schema_history"
    done = lab.ssh("db1", f"sudo mysql -N -B erp -e {sql!r}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def deployment(cluster: Emulator) -> dict[str, Any]:
    found = cluster.stored(DEPLOYMENTS, "erp", "sample-erp")
    assert found is not None
    return found


def image(cluster: Emulator) -> str:
    return str(deployment(cluster)["spec"]["template"]["spec"]["containers"][0]["image"])


def test_plan_shows_the_database_stages_and_each_object_to_create(
    db_lab: Lab, cluster: Emulator
) -> None:
    done = deployer_ok("plan", str(db_lab.spec), "--lab", "--json")
    (plan,) = [e["plan"] for e in map(json.loads, done.stdout.splitlines()) if e["type"] == "plan"]
    assert [s["stage"] for s in plan["steps"]] == [
        "database server",
        "schemas and migrations",
        "cluster",
    ]
    assert plan["pending_migrations"] == {"erp": ["V1__create_core_tables.sql"]}
    actions = {c["ref"]: c["action"] for c in plan["cluster"]["changes"]}
    assert actions["Deployment erp/sample-erp"] == "create", actions
    assert set(actions.values()) == {"create"}
    assert cluster.stored(DEPLOYMENTS, "erp", "sample-erp") is None  # a plan writes nothing


def test_apply_installs_the_database_migrates_it_then_rolls_the_product_out(
    db_lab: Lab, cluster: Emulator
) -> None:
    deployer_ok("apply", str(db_lab.spec), "--lab", "-y")
    assert schema_version(db_lab) == "1"
    assert image(cluster).endswith(":1.0")
    assert deployment(cluster)["status"]["availableReplicas"] == 2
    run = last_run(db_lab.spec)
    assert run["status"] == "successful", run
    assert stages(db_lab, run) == ["database server", "schemas and migrations", "cluster"]


def test_an_upgrade_migrates_and_rolls_the_pods_and_rollback_puts_both_back(
    db_lab: Lab, cluster: Emulator
) -> None:
    first = last_run(db_lab.spec)
    deployer_ok("apply", str(UPGRADE), "--lab", "-y")
    assert schema_version(db_lab) == "2"
    assert image(cluster).endswith(":1.1")
    upgrade = last_run(db_lab.spec)
    runs = lab_spec_path(db_lab.spec).parent / "runs"
    written = (runs / upgrade["id"] / "rollback.md").read_text(encoding="utf-8")
    assert f"## The cluster\n\n- the revision of run {first['id']} is applied again" in written
    deployer_ok("rollback", str(UPGRADE), "--lab", "--last")
    rollback = last_run(db_lab.spec)
    assert rollback["status"] == "successful", rollback
    order = stages(db_lab, rollback)
    assert order.index("stop") < order.index("database") < order.index("cluster"), order
    assert schema_version(db_lab) == "1"
    assert image(cluster).endswith(":1.0")
    assert deployment(cluster)["spec"]["replicas"] == 2
    assert deployment(cluster)["status"]["availableReplicas"] == 2


def test_an_upgrade_whose_pods_never_start_is_undone_by_atomic(
    db_lab: Lab, emulated: tuple[Emulator, Controller]
) -> None:
    cluster, controller = emulated
    _write(UPGRADE, lambda data: data["product"].update(health_timeout=5))
    controller.stuck.add(_upgraded_image())
    done = deployer_with_secrets("apply", str(UPGRADE), "--lab", "-y", "--atomic")
    assert done.returncode == ExitCode.APPLY_FAILED_ROLLED_BACK, done.stdout[-3000:]
    assert "Failed to pull image" in done.stdout + done.stderr
    assert schema_version(db_lab) == "1"
    assert image(cluster).endswith(":1.0")
    assert deployment(cluster)["status"]["availableReplicas"] == 2
    rollback = last_run(db_lab.spec)
    assert (rollback["kind"], rollback["status"]) == ("rollback", "successful"), rollback


def _upgraded_image() -> str:
    data = yaml.safe_load(UPGRADE.read_text(encoding="utf-8"))
    return str(data["product"]["image"])
