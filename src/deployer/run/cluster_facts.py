"""What ``check`` reads from the cluster (target kubernetes): its version, the namespace, the
ingress class and pull Secret the spec names, whether the account may do what apply and
rollback do, and the nodes the pods may be scheduled on.

Nothing is written. A read the account is refused becomes "unread" (reported as unknown),
not a failure of the whole scan; an API that cannot be reached is the cluster unreachable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from deployer.executors.kubernetes import Manifests
from deployer.executors.kubernetes.cluster import (
    PLURALS,
    Cluster,
    ClusterError,
    ClusterUnreachable,
)
from deployer.facts.cluster import ClusterFacts, quantity
from deployer.spec.kube import KubernetesTarget, Toleration

#: What apply and rollback do to each kind they write; events are read to say why pods fail;
#: the deploy lock is a Lease, taken, taken over and let go.
WRITE_VERBS = ("get", "create", "patch")
READ_EVENTS = ("list", "", "events")
LOCK_VERBS = ("get", "create", "update", "delete")
T = TypeVar("T")


def needed_access(manifests: Manifests) -> list[tuple[str, str, str]]:
    """(verb, API group, resource) for everything apply and rollback do."""
    kinds = {(o["apiVersion"], o["kind"]) for o in manifests.objects.values()}
    kinds.add(("v1", "Secret"))
    wanted = []
    for api_version, kind in sorted(kinds):
        group = api_version.rpartition("/")[0]
        wanted += [(verb, group, PLURALS[kind]) for verb in WRITE_VERBS]
    lease = [(verb, "coordination.k8s.io", "leases") for verb in LOCK_VERBS]
    return [*wanted, READ_EVENTS, *lease]


def gather_cluster_facts(
    cluster: Cluster, target: KubernetesTarget, manifests: Manifests
) -> ClusterFacts:
    """Raises ClusterUnreachable when the API does not answer at all."""
    unread: list[str] = []
    space = target.namespace
    found: dict[str, Any] = {"server": cluster.api.configuration.host}
    found["version"] = cluster.version()

    def answer(what: str, ask: Callable[[], T]) -> T | None:
        """What the API said, or None (noted as unread) where it refused or failed: unknown,
        not missing. An API that does not answer at all ends the whole read."""
        try:
            return ask()
        except ClusterUnreachable:
            raise
        except ClusterError as exc:
            unread.append(f"{what}: {exc}")
            return None

    def exists(what: str, path: str) -> bool | None:
        return answer(what, lambda: cluster.read(path) is not None)

    found["namespace"] = exists(f"namespace {space}", f"/api/v1/namespaces/{space}")
    if target.ingress is not None and target.ingress.class_name:
        name = target.ingress.class_name
        path = f"/apis/networking.k8s.io/v1/ingressclasses/{name}"
        found["ingress_class"] = exists(f"ingress class {name}", path)
    if target.pull_secret:
        path = f"/api/v1/namespaces/{space}/secrets/{target.pull_secret}"
        found["pull_secret"] = exists(f"Secret {space}/{target.pull_secret}", path)
    found["denied"] = answer(
        "access reviews",
        lambda: tuple(
            f"{verb} {resource}.{group}".rstrip(".")
            for verb, group, resource in needed_access(manifests)
            if not cluster.allowed(verb, group, resource, space)
        ),
    )
    listed = answer("nodes", lambda: cluster.read("/api/v1/nodes") or {})
    if listed is not None:
        found.update(_capacity(listed.get("items", []), target))
    return ClusterFacts(**found, unread=tuple(unread))


def _capacity(nodes: list[dict[str, Any]], target: KubernetesTarget) -> dict[str, Any]:
    usable = [n.get("status", {}).get("allocatable", {}) for n in _schedulable(nodes, target)]
    cpu = sum((quantity(a.get("cpu", "0")) for a in usable), start=0)
    memory = sum((quantity(a.get("memory", "0")) for a in usable), start=0)
    return {"nodes": len(usable), "allocatable_cpu": float(cpu), "allocatable_memory": int(memory)}


def _schedulable(nodes: list[dict[str, Any]], target: KubernetesTarget) -> Iterator[dict[str, Any]]:
    """The nodes the scheduler could put the pods on: not cordoned, carrying the node
    selector's labels, with every NoSchedule/NoExecute taint tolerated."""
    for node in nodes:
        spec, labels = node.get("spec", {}), node.get("metadata", {}).get("labels", {})
        if spec.get("unschedulable"):
            continue
        if any(labels.get(key) != value for key, value in target.node_selector.items()):
            continue
        taints = [t for t in spec.get("taints", []) if t.get("effect") != "PreferNoSchedule"]
        if all(_tolerated(taint, target.tolerations) for taint in taints):
            yield node


def _tolerated(taint: Mapping[str, Any], tolerations: list[Toleration]) -> bool:
    """Kubernetes' rule: Exists matches the key (no key: every taint), Equal the key and value;
    an effect, if given, must be the taint's."""
    for toleration in tolerations:
        if toleration.effect and toleration.effect != taint.get("effect"):
            continue
        if toleration.operator == "Exists":
            if toleration.key in (None, taint.get("key")):
                return True
        elif (toleration.key, toleration.value or "") == (taint.get("key"), taint.get("value", "")):
            return True
    return False
