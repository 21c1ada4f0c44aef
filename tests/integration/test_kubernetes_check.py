"""``check`` on a Kubernetes target, against kmock's emulator of the API on 127.0.0.1.

The test plays what the emulator does not hold (ClusterObjects): the namespace, the ingress
class and the nodes, and the API server's answers to access reviews, with a set of denied
verbs. The spec has no SSH host, so the cluster is all that is scanned."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from tests.integration.kubeemulator import ApiServerPart, ClusterObjects, Emulator, node
from tests.integration.kubespec import deployer, write_spec


@pytest.fixture
def cluster() -> Iterator[ClusterObjects]:
    emulator = Emulator().start()
    try:
        ApiServerPart(emulator, ("1", "27"))
        yield ClusterObjects(emulator)
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
    code, said, results = scan(tmp_path, cluster.url)
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
    code, said, results = scan(tmp_path, cluster.url, version="1.24")
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
    code, said, results = scan(tmp_path, cluster.url)
    assert code == ExitCode.OK, said
    assert results["kubernetes.capacity"]["status"] == "PASS"


def test_a_cluster_that_does_not_answer_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, said, _ = scan(tmp_path, f"http://127.0.0.1:{port}")
    assert code == ExitCode.HOST_UNREACHABLE, said
    assert "cannot reach the cluster's API" in said
