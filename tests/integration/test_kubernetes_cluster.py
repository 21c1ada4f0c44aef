"""apply, --atomic and rollback on a Kubernetes target, through the kubernetes client, against
kmock's emulator of the API on 127.0.0.1. The test plays the Deployment controller (its pods
become ready, or never do) and the API server's generation count (kubeemulator.py). No
Kubernetes API server runs here: this proves deployer's requests, waiting and bookkeeping, not
a cluster's behaviour."""

from __future__ import annotations

import io
import json
import secrets
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import kmock
import pytest

from deployer.cli.io import Streams
from deployer.cli.main import run
from deployer.errors import ExitCode
from deployer.executors.kubernetes.cluster import Cluster
from tests.integration.kubeemulator import DEPLOYMENTS, Controller, Emulator, emulated_cluster
from tests.integration.kubespec import deployer, write_spec

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "huadong-kubernetes.yml"
CONFIGMAPS = kmock.resource("v1/configmaps")
SECRETS = kmock.resource("v1/secrets")
LEASES = kmock.resource("coordination.k8s.io/v1/leases")
LOCK = "sample-erp-deploy-lock"
NAMESPACE = "erp"
PASSWORD = secrets.token_urlsafe(18)


@pytest.fixture
def cluster() -> Iterator[tuple[Emulator, Controller]]:
    with emulated_cluster(NAMESPACE) as found:
        yield found


def journal_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K8S_TEST_TOKEN", PASSWORD)


def image_of(emulator: Emulator) -> str:
    stored = emulator.stored(DEPLOYMENTS, NAMESPACE, "sample-erp")
    assert stored is not None
    return str(stored["spec"]["template"]["spec"]["containers"][0]["image"])


def config_name(emulator: Emulator) -> str:
    stored = emulator.stored(DEPLOYMENTS, NAMESPACE, "sample-erp")
    assert stored is not None
    return str(stored["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"])


def test_apply_upgrade_atomic_failure_and_rollback(
    tmp_path: Path, cluster: tuple[Emulator, Controller]
) -> None:
    emulator, controller = cluster
    first = write_spec(tmp_path, emulator.url, lambda d: None)
    journal = tmp_path / "runs"

    code, said = deployer("apply", str(first), "-y", "--journal", str(journal))
    assert code == ExitCode.OK, said
    assert image_of(emulator) == "registry.huadong-precision.cn/erp/sample-erp:1.0"
    first_config = config_name(emulator)
    stored_secret = emulator.stored(SECRETS, NAMESPACE, "sample-erp-secrets")
    assert stored_secret is not None and len(stored_secret["data"]) == 1

    # An upgrade with a config change: a new ConfigMap, the pods pointed at it; the old stays.
    def upgrade(data: dict[str, Any]) -> None:
        data["product"]["version"] = "1.1"
        data["product"]["image"] = "registry.huadong-precision.cn/erp/sample-erp:1.1"
        data["product"]["config"]["jdbc_pool_size"] = 40

    second = write_spec(tmp_path, emulator.url, upgrade)
    code, said = deployer("apply", str(second), "-y", "--journal", str(journal))
    assert code == ExitCode.OK, said
    assert config_name(emulator) != first_config
    assert {first_config, config_name(emulator)} <= emulator.names(CONFIGMAPS, NAMESPACE)

    # An upgrade whose pods never become available: --atomic puts 1.1 and its ConfigMap back.
    def broken(data: dict[str, Any]) -> None:
        upgrade(data)
        data["product"]["version"] = "1.2"
        data["product"]["image"] = "registry.huadong-precision.cn/erp/sample-erp:1.2"
        data["product"]["config"]["jdbc_pool_size"] = 50
        data["product"]["health_timeout"] = 5

    controller.stuck.add("registry.huadong-precision.cn/erp/sample-erp:1.2")
    good_config = config_name(emulator)
    third = write_spec(tmp_path, emulator.url, broken)
    code, said = deployer("apply", str(third), "-y", "--atomic", "--journal", str(journal))
    assert code == ExitCode.APPLY_FAILED_ROLLED_BACK, said
    assert "not available within" in said and "Failed to pull image" in said
    assert image_of(emulator).endswith(":1.1")
    assert config_name(emulator) == good_config

    # rollback --last undoes the last apply that went live (1.1): 1.0 and its ConfigMap.
    code, said = deployer("rollback", str(second), "--last", "--journal", str(journal))
    assert code == ExitCode.OK, said
    assert image_of(emulator).endswith(":1.0")
    assert config_name(emulator) == first_config

    assert PASSWORD not in journal_text(journal) and PASSWORD not in said


def test_a_second_apply_changes_nothing(
    tmp_path: Path, cluster: tuple[Emulator, Controller]
) -> None:
    emulator, _ = cluster
    spec = write_spec(tmp_path, emulator.url, lambda d: None)
    journal = tmp_path / "runs"
    assert deployer("apply", str(spec), "-y", "--journal", str(journal))[0] == ExitCode.OK
    before = emulator.stored(DEPLOYMENTS, NAMESPACE, "sample-erp")
    assert deployer("apply", str(spec), "-y", "--journal", str(journal))[0] == ExitCode.OK
    after = emulator.stored(DEPLOYMENTS, NAMESPACE, "sample-erp")
    assert before is not None and after is not None
    assert after["spec"] == before["spec"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    # Every write after the first was a server-side apply by deployer, taking fields back.
    applies = emulator.call(lambda: [dict(r.params) for r in emulator.kmock["patch"]])
    assert applies and all(p == {"fieldManager": "deployer", "force": "true"} for p in applies)
    runs = sorted(p for p in journal.iterdir() if p.is_dir())
    records = [json.loads((r / "manifests.json").read_text(encoding="utf-8")) for r in runs]
    assert records[0] == records[1]
    assert emulator.stored(LEASES, NAMESPACE, LOCK) is None  # the deploy lock was let go


def a_lease(holder: str, renewed: datetime, seconds: int) -> dict[str, Any]:
    stamp = renewed.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    record = {"command": "apply", "user": holder, "host": "laptop-2", "pid": 4242,
              "since": renewed.isoformat(timespec="seconds")}  # fmt: skip
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": LOCK, "namespace": NAMESPACE,
                     "annotations": {"deployer/holder": json.dumps(record)}},
        "spec": {"holderIdentity": f"{holder}@laptop-2", "leaseDurationSeconds": seconds,
                 "acquireTime": stamp, "renewTime": stamp},
    }  # fmt: skip


def test_a_namespace_another_engineer_is_deploying_to_refuses_the_apply(
    tmp_path: Path, cluster: tuple[Emulator, Controller]
) -> None:
    emulator, _ = cluster
    Cluster(emulator.api_client()).create(a_lease("wang", datetime.now(timezone.utc), 900))
    spec = write_spec(tmp_path, emulator.url, lambda d: None)
    journal = tmp_path / "runs"
    code, said = deployer("apply", str(spec), "-y", "--journal", str(journal))
    assert code == ExitCode.LOCKED, said
    assert "erp is locked by apply by wang@laptop-2 (pid 4242" in said
    assert emulator.stored(DEPLOYMENTS, NAMESPACE, "sample-erp") is None
    assert not journal.exists() or not any(p.is_dir() for p in journal.iterdir())
    held = emulator.stored(LEASES, NAMESPACE, LOCK)
    assert held is not None and held["spec"]["holderIdentity"] == "wang@laptop-2"


def test_a_lease_left_by_a_deployer_that_died_is_taken_over_once_expired(
    tmp_path: Path, cluster: tuple[Emulator, Controller]
) -> None:
    emulator, _ = cluster
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    Cluster(emulator.api_client()).create(a_lease("wang", an_hour_ago, 600))
    spec = write_spec(tmp_path, emulator.url, lambda d: None)
    code, said = deployer("apply", str(spec), "-y", "--journal", str(tmp_path / "runs"))
    assert code == ExitCode.OK, said
    assert image_of(emulator).endswith(":1.0")
    assert emulator.stored(LEASES, NAMESPACE, LOCK) is None


def test_an_unreachable_cluster_is_said_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port of our own that nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    spec = write_spec(tmp_path, f"http://127.0.0.1:{port}", lambda d: None)
    code, said = deployer("apply", str(spec), "-y", "--journal", str(tmp_path / "runs"))
    assert code == ExitCode.HOST_UNREACHABLE, said
    assert f"cannot reach the cluster's API at http://127.0.0.1:{port}: [Errno 111]" in said
    assert "Traceback" not in said


def test_json_events_are_one_status_line(
    tmp_path: Path, cluster: tuple[Emulator, Controller]
) -> None:
    emulator, _ = cluster
    spec = write_spec(tmp_path, emulator.url, lambda d: None)
    out, err = io.StringIO(), io.StringIO()
    code = run(
        ["apply", str(spec), "-y", "--json", "--journal", str(tmp_path / "runs")],
        Streams(out=out, err=err),
    )
    assert code == ExitCode.OK, err.getvalue()
    (status,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (status["type"], status["exit_code"]) == ("status", 0)


def test_options_for_hosts_are_refused_before_anything_runs(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "http://127.0.0.1:1", lambda d: None)
    code, said = deployer("apply", str(spec), "-y", "--plan", str(tmp_path / "saved.json"))
    assert code == ExitCode.USAGE
    assert "--plan is not taken under target kubernetes yet; nothing was run" in said


def writes(emulator: Emulator) -> int:
    """Requests that could change the cluster's objects, so far."""
    return int(
        emulator.call(
            lambda: len(
                [r for r in emulator.kmock if r.method in ("POST", "PATCH", "PUT", "DELETE")]
            )
        )
    )


def test_plan_compares_each_object_with_the_cluster_and_writes_nothing(
    tmp_path: Path, cluster: tuple[Emulator, Controller]
) -> None:
    emulator, _ = cluster
    first = write_spec(tmp_path, emulator.url, lambda d: None)
    journal = str(tmp_path / "runs")

    code, said = deployer("plan", str(first), "--journal", journal)
    assert code == ExitCode.OK, said
    assert writes(emulator) == 0
    lines = said.splitlines()
    assert [line.split()[0] for line in lines[1:7]] == ["create"] * 6, said
    assert "rollback: no earlier revision in this journal" in said

    assert deployer("apply", str(first), "-y", "--journal", journal)[0] == ExitCode.OK
    code, said = deployer("plan", str(first), "--journal", journal)
    assert code == ExitCode.OK, said
    assert "nothing would change" in said and "create" not in said and "update" not in said

    def upgrade(data: dict[str, Any]) -> None:
        data["product"]["version"] = "1.1"
        data["product"]["image"] = "registry.huadong-precision.cn/erp/sample-erp:1.1"
        data["product"]["config"]["jdbc_pool_size"] = 40

    before = writes(emulator)
    second = write_spec(tmp_path, emulator.url, upgrade)
    code, said = deployer("plan", str(second), "--journal", journal, "--json")
    assert code == ExitCode.OK, said
    assert writes(emulator) == before
    plan = json.loads(said.splitlines()[0])["plan"]
    actions = {c["ref"].split()[0]: (c["action"], c["fields"]) for c in plan["changes"]}
    assert actions["ConfigMap"] == ("create", [])  # a new config is a new ConfigMap
    action, fields = actions["Deployment"]
    assert action == "update"
    assert "spec.template.spec.containers[0].image" in fields
    assert plan["rolls_pods"] is True
    # Every object carries the release's version as a label; the Service changes in no other.
    assert actions["Service"] == ("update", ["metadata.labels.app.kubernetes.io/version"])
    assert plan["rollback_to"] is not None
    assert PASSWORD not in said
