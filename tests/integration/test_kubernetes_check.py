"""``check`` on a Kubernetes target, against kmock's emulator of the API on 127.0.0.1.

The test plays what the emulator does not hold: the namespace, the ingress class and the
nodes (cluster-scoped objects), and the API server's answers to access reviews, with a set of
denied verbs. The spec has no SSH host, so the cluster is all that is scanned."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kmock
import pytest

from deployer.errors import ExitCode
from tests.integration.kubeemulator import ApiServerPart, Emulator
from tests.integration.kubespec import deployer, write_spec

NAMESPACE = "erp"


class ClusterObjects:
    """The cluster-scoped objects and access answers the test decides."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.denied: set[str] = set()  # "patch deployments"
        # Ahead of the emulator's own handling (it would store an access review as an object).
        mock = emulator.kmock.override
        self.namespace: dict[str, Any] | None = {
            "kind": "Namespace",
            "metadata": {"name": NAMESPACE},
        }
        self.nodes = [node("n1", cpu="4", memory="8Gi"), node("n2", cpu="4", memory="8Gi")]
        self.ingress_class = True
        self.pull_secret = True
        mock[f"get /api/v1/namespaces/{NAMESPACE}"] << (lambda: self._or_404(self.namespace))
        mock["get /apis/networking.k8s.io/v1/ingressclasses/nginx"] << (
            lambda: self._or_404({"kind": "IngressClass"} if self.ingress_class else None)
        )
        mock[f"get /api/v1/namespaces/{NAMESPACE}/secrets/plant-registry"] << (
            lambda: self._or_404({"kind": "Secret"} if self.pull_secret else None)
        )
        mock["get /api/v1/nodes"] << (lambda: {"kind": "NodeList", "items": self.nodes})
        mock["post /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"] << self._review

    @staticmethod
    def _or_404(found: dict[str, Any] | None) -> Any:
        return found if found is not None else kmock.Response(status=404, payload={})

    def _review(self, request: Any) -> dict[str, Any]:
        # The emulator stores every create, this one too; an API server keeps no review.
        del self.emulator.kmock.objects[(request.resource, None, None)]
        asked = request.data["spec"]["resourceAttributes"]
        allowed = f"{asked['verb']} {asked['resource']}" not in self.denied
        return {**request.data, "status": {"allowed": allowed}}


def node(name: str, *, cpu: str, memory: str, **spec: Any) -> dict[str, Any]:
    return {
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/os": "linux"}},
        "spec": spec,
        "status": {"allocatable": {"cpu": cpu, "memory": memory}},
    }


@pytest.fixture
def cluster() -> Iterator[ClusterObjects]:
    emulator = Emulator().start()
    try:
        ApiServerPart(emulator, ("1", "27"))
        objects = ClusterObjects(emulator)
        objects.url = emulator.url  # type: ignore[attr-defined]
        yield objects
    finally:
        emulator.stop()


def scan(folder: Path, url: str, version: str = "1.27") -> tuple[int, str, dict[str, Any]]:
    def cluster_version(data: dict[str, Any]) -> None:
        data["target"]["version"] = version

    spec = write_spec(folder, url, cluster_version)
    report = folder / "report.json"
    code, said = deployer(
        "check", str(spec), "--json", str(report), "--journal", str(folder / "runs")
    )
    found = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    hosts = {h["host"]: h for h in found.get("hosts", [])}
    results = {r["check_id"]: r for r in hosts.get("cluster", {}).get("results", [])}
    return code, said, results


def test_a_cluster_with_everything_the_spec_names_passes(
    cluster: ClusterObjects, tmp_path: Path
) -> None:
    code, said, results = scan(tmp_path, cluster.url)  # type: ignore[attr-defined]
    assert code == ExitCode.OK, said
    assert {k: r["status"] for k, r in results.items()} == {
        "kubernetes.version": "PASS",
        "kubernetes.namespace": "PASS",
        "kubernetes.ingress_class": "PASS",
        "kubernetes.pull_secret": "PASS",
        "kubernetes.access": "PASS",
        "kubernetes.capacity": "PASS",
    }
    assert results["kubernetes.version"]["observed"] == "1.27"
    assert results["kubernetes.capacity"]["observed"] == (
        "8 CPU, 16.0 GiB allocatable on 2 schedulable node(s)"
    )


def test_each_thing_missing_from_the_cluster_is_named_and_blocks(
    cluster: ClusterObjects, tmp_path: Path
) -> None:
    cluster.namespace = None
    cluster.ingress_class = False
    cluster.pull_secret = False
    cluster.denied = {"patch deployments", "list events"}
    # Cordoned, or tainted without a toleration, or of another OS: none takes the pods.
    cluster.nodes = [
        node("small", cpu="1", memory="2Gi"),
        node("cordoned", cpu="64", memory="256Gi", unschedulable=True),
        node("gpu", cpu="64", memory="256Gi",
             taints=[{"key": "gpu", "value": "yes", "effect": "NoSchedule"}]),
        {**node("win", cpu="64", memory="256Gi"), "metadata": {"name": "win", "labels": {}}},
    ]  # fmt: skip
    code, said, results = scan(tmp_path, cluster.url, version="1.24")  # type: ignore[attr-defined]
    assert code == ExitCode.CHECKS_FAILED, said
    statuses = {k: r["status"] for k, r in results.items()}
    assert statuses == {
        "kubernetes.version": "WARN",
        "kubernetes.namespace": "FAIL",
        "kubernetes.ingress_class": "FAIL",
        "kubernetes.pull_secret": "FAIL",
        "kubernetes.access": "FAIL",
        "kubernetes.capacity": "FAIL",
    }
    assert results["kubernetes.version"]["required"] == ">=1.24; the spec says 1.24"
    assert results["kubernetes.access"]["observed"] == (
        "denied: patch deployments.apps, list events"
    )
    assert results["kubernetes.capacity"]["observed"] == (
        "1 CPU, 2.0 GiB allocatable on 1 schedulable node(s)"
    )
    assert results["kubernetes.capacity"]["required"] == (
        "1.5 CPU, 3.0 GiB for 3 pods (a rolling update's surge included)"
    )


def test_a_tolerated_taint_leaves_the_node_schedulable(
    cluster: ClusterObjects, tmp_path: Path
) -> None:
    cluster.nodes = [
        node("erp", cpu="4", memory="8Gi",
             taints=[{"key": "dedicated", "value": "erp", "effect": "NoSchedule"}]),
    ]  # fmt: skip
    code, said, results = scan(tmp_path, cluster.url)  # type: ignore[attr-defined]
    assert code == ExitCode.OK, said
    assert results["kubernetes.capacity"]["status"] == "PASS"


def test_a_cluster_that_does_not_answer_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, said, _ = scan(tmp_path, f"http://127.0.0.1:{port}")
    assert code == ExitCode.HOST_UNREACHABLE, said
    assert "cannot reach the cluster's API" in said
