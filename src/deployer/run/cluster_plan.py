"""plan on a Kubernetes target: each object apply would write, compared with the cluster's,
and the revision a rollback would put back. Nothing is written to the cluster.

An object is compared on the fields deployer sets, the way its server-side apply owns them:
a field the API server filled in (defaults, status, managed fields) is not a change. The
Secret is compared too, and a change in it is named by its key, never by its value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from deployer.executors.kubernetes import render_manifests
from deployer.executors.kubernetes.cluster import Cluster, ObjectRef
from deployer.journal import Journal, Redactor, Run
from deployer.run.cluster import in_apply_order, last_live, secret_manifest
from deployer.run.lifecycle import run_lifecycle
from deployer.spec import LoadedEnvironment

PLAN = "cluster-plan.json"
Action = Literal["create", "update", "unchanged"]


@dataclass(frozen=True)
class ObjectChange:
    ref: str  # "Deployment erp/sample-erp"
    action: Action
    fields: tuple[str, ...] = ()  # where an update differs: "spec.replicas", "data.KEY"


@dataclass(frozen=True)
class ClusterPlan:
    run_id: str
    changes: tuple[ObjectChange, ...]
    rolls_pods: bool  # the pod template changes: every pod is replaced, one by one
    rollback_to: str | None  # the run whose revision a rollback would put back

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "changes": [
                {"ref": c.ref, "action": c.action, "fields": list(c.fields)} for c in self.changes
            ],
            "rolls_pods": self.rolls_pods,
            "rollback_to": self.rollback_to,
        }


def plan_cluster(
    loaded: LoadedEnvironment, journal: Journal, redact: Redactor, cluster: Cluster
) -> ClusterPlan:
    """The plan, recorded as a run of its own (``cluster-plan.json``)."""
    run = journal.start("plan", loaded.path, product_version=loaded.env.product.version)
    with run_lifecycle(run, redact):
        plan = compare_cluster(loaded, journal, redact, cluster, run)
    return plan


def compare_cluster(
    loaded: LoadedEnvironment, journal: Journal, redact: Redactor, cluster: Cluster, run: Run
) -> ClusterPlan:
    """Each object compared with the cluster's, recorded in ``run`` (``cluster-plan.json``)."""
    plan = _compare(loaded, journal, redact, cluster, run.id)
    run.record(PLAN, plan.to_dict())
    return plan


def _compare(
    loaded: LoadedEnvironment, journal: Journal, redact: Redactor, cluster: Cluster, run_id: str
) -> ClusterPlan:
    manifests = render_manifests(loaded)
    secret = secret_manifest(loaded, manifests, redact)
    changes = []
    rolls = False
    for _, manifest in in_apply_order(manifests.objects, secret):
        ref = ObjectRef.of(manifest)
        live = cluster.get(ref)
        if live is None:
            changes.append(ObjectChange(str(ref), "create"))
            rolls = rolls or manifest["kind"] == "Deployment"
            continue
        fields = tuple(_differences(manifest, live, ""))
        changes.append(ObjectChange(str(ref), "update" if fields else "unchanged", fields))
        if manifest["kind"] == "Deployment":
            rolls = rolls or any(f.startswith("spec.template") for f in fields)
    previous = last_live(journal)
    return ClusterPlan(run_id, tuple(changes), rolls, previous[0].id if previous else None)


def _differences(wanted: Any, live: Any, where: str) -> Iterator[str]:
    """The paths at which ``wanted`` is not found in ``live``: every key deployer sets must
    hold the same value; lists must have the same items, compared the same way."""
    if isinstance(wanted, dict) and isinstance(live, dict):
        for key, value in wanted.items():
            inner = f"{where}.{key}" if where else key
            if key not in live:
                yield inner
            else:
                yield from _differences(value, live[key], inner)
    elif isinstance(wanted, list) and isinstance(live, list):
        if len(wanted) != len(live):
            yield where
        else:
            for index, (item, found) in enumerate(zip(wanted, live, strict=True)):
                yield from _differences(item, found, f"{where}[{index}]")
    elif wanted != live:
        yield where
