"""``check`` on the Kubernetes example as a site runs it: the database host db1 is a real lab
host, probed over SSH, and the cluster is kmock's emulator of the API on 127.0.0.1 (no API
server runs here), reached through a kubeconfig the test writes. One report holds both."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import yaml
from labsupport import ROOT, SCRATCH, Lab, deployer_with_secrets, running_lab

from deployer.errors import ExitCode
from deployer.lab.derive import derive_spec
from tests.integration.kubeemulator import ApiServerPart, ClusterObjects, Emulator
from tests.integration.kubespec import write_kubeconfig

pytestmark = pytest.mark.lab

EXAMPLE = ROOT / "examples" / "huadong-kubernetes.yml"
FOLDER = SCRATCH / "kubernetes-check"


@pytest.fixture(scope="module")
def cluster() -> Iterator[ClusterObjects]:
    emulator = Emulator().start()
    try:
        ApiServerPart(emulator, ("1", "24"))
        yield ClusterObjects(emulator)
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def db_lab(cluster: ClusterObjects) -> Iterator[Lab]:
    spec = derive_spec(EXAMPLE, FOLDER / EXAMPLE.name, [("db1", ["db"])], database_host="db1")
    write_kubeconfig(FOLDER / "kubeconfig", cluster.url)
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    data["target"]["kubeconfig"] = "kubeconfig"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with running_lab(spec) as started:
        yield started


def test_one_report_holds_the_database_host_and_the_cluster(
    db_lab: Lab, cluster: ClusterObjects
) -> None:
    report = FOLDER / "report.json"
    report.unlink(missing_ok=True)
    done = deployer_with_secrets("check", str(db_lab.spec), "--lab", "--json", str(report))
    assert done.returncode == ExitCode.OK, done.stdout[-3000:] + done.stderr[-2000:]
    hosts = {h["host"]: h for h in json.loads(report.read_text(encoding="utf-8"))["hosts"]}
    assert set(hosts) == {"db1", "cluster"}
    db1 = hosts["db1"]
    assert db1["reachable"] and db1["facts"]["os"]["id"] == "debian", db1
    assert {r["check_id"] for r in db1["results"]} >= {"os.version", "cpu.arch"}
    statuses = {r["check_id"]: r["status"] for r in hosts["cluster"]["results"]}
    assert set(statuses.values()) == {"PASS"}, statuses
    assert len(statuses) == 6
