"""Which nodes ``check`` counts for the pods: Kubernetes' own rules for cordons, the node
selector and taints against the spec's tolerations."""

from __future__ import annotations

from typing import Any

import pytest

from deployer.run.cluster_facts import _capacity, _tolerated
from deployer.spec.kube import KubernetesTarget, Toleration

TAINT = {"key": "dedicated", "value": "erp", "effect": "NoSchedule"}


@pytest.mark.parametrize(
    ("toleration", "tolerated"),
    [
        (Toleration(key="dedicated", operator="Equal", value="erp"), True),
        (Toleration(key="dedicated", operator="Equal", value="crm"), False),
        (Toleration(key="dedicated", operator="Exists"), True),
        (Toleration(operator="Exists"), True),
        (Toleration(key="dedicated", operator="Exists", effect="NoExecute"), False),
        (Toleration(key="other", operator="Exists"), False),
    ],
)
def test_a_taint_is_tolerated_as_kubernetes_decides(
    toleration: Toleration, tolerated: bool
) -> None:
    assert _tolerated(TAINT, [toleration]) is tolerated


def node(cpu: str, memory: str, labels: dict[str, str], **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"labels": labels},
        "spec": spec,
        "status": {"allocatable": {"cpu": cpu, "memory": memory}},
    }


def test_only_nodes_the_pods_may_run_on_are_counted() -> None:
    target = KubernetesTarget(
        context="c", namespace="erp", node_selector={"disktype": "ssd"},
        tolerations=[Toleration(key="dedicated", operator="Exists")],
    )  # fmt: skip
    ssd = {"disktype": "ssd"}
    nodes = [
        node("3500m", "4Gi", ssd),
        node("2", "2Gi", ssd, taints=[TAINT]),
        node("2", "2Gi", ssd, taints=[{"key": "gpu", "effect": "PreferNoSchedule"}]),
        node("64", "64Gi", ssd, unschedulable=True),
        node("64", "64Gi", {"disktype": "hdd"}),
        node("64", "64Gi", ssd, taints=[{"key": "gpu", "value": "y", "effect": "NoExecute"}]),
    ]
    assert _capacity(nodes, target) == {
        "nodes": 3,
        "allocatable_cpu": 7.5,
        "allocatable_memory": 8 * 2**30,
    }
