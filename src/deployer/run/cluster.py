"""apply and rollback on a Kubernetes target.

apply puts the product's Secret and objects in the cluster in order (ConfigMap first, so the
pods find it), waits for the Deployment's rollout, and records the manifests it applied in the
run (``manifests.json``: no secret value is in them). A rollback, or ``--atomic`` after a
failed rollout, applies the manifests of the last run that went live before, ConfigMap
included. ConfigMaps are named by their content and never deleted, so the old one is still
there; it is applied again anyway, in case someone removed it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from deployer.errors import DeployerError, ExitCode
from deployer.executors.kubernetes import Manifests, render_manifests
from deployer.executors.kubernetes.cluster import Cluster, ObjectRef
from deployer.executors.kubernetes.lease import cluster_lock
from deployer.executors.kubernetes.rollout import wait_for_rollout
from deployer.journal import Journal, Redactor, Run, RunStatus
from deployer.locks.local import LockHolder
from deployer.run.lifecycle import run_lifecycle
from deployer.spec import LoadedEnvironment
from deployer.spec.kube import KubernetesTarget

MANIFESTS = "manifests.json"


class RolledBack(DeployerError):
    """The rollout failed and the previous revision is back."""

    exit_code = ExitCode.APPLY_FAILED_ROLLED_BACK


class NothingToRollBackTo(DeployerError):
    exit_code = ExitCode.ROLLBACK_FAILED


@dataclass(frozen=True)
class ClusterOptions:
    atomic: bool = False  # a failed rollout puts the previous revision back
    timeout: float | None = None  # seconds for the rollout; None: from the spec


@dataclass(frozen=True)
class ClusterOutcome:
    run_id: str
    exit_code: ExitCode
    failure: str | None = None


def rollout_timeout(loaded: LoadedEnvironment, options: ClusterOptions) -> float:
    """Each pod may take the health timeout to start; they start one after the other."""
    if options.timeout is not None:
        return options.timeout
    target = loaded.env.target
    replicas = target.replicas if isinstance(target, KubernetesTarget) else 1
    return float(loaded.env.product.health_timeout * replicas)


def secret_manifest(
    loaded: LoadedEnvironment, manifests: Manifests, redact: Redactor
) -> dict[str, Any] | None:
    """The product's Secret, values revealed (and registered with the redactor first)."""
    if not manifests.secrets:
        return None
    values = {}
    for key, reference in manifests.secrets.items():
        value = reference.reveal(loaded.base_dir)
        redact.add(value)
        values[key] = base64.b64encode(value.encode("utf-8")).decode("ascii")
    deployment = manifests.objects["deployment"]["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": manifests.secret_name,
            "namespace": deployment["namespace"],
            "labels": deployment["labels"],
        },
        "type": "Opaque",
        "data": values,
    }


def last_live(journal: Journal, before: str | None = None) -> tuple[Run, dict[str, Any]] | None:
    """The newest run (before run ``before``, in the journal's time order) that left a
    revision live in the cluster, and its manifests."""
    runs = journal.runs()
    ids = [run.id for run in runs]
    if before is not None and before in ids:
        runs = runs[: ids.index(before)]
    for run in reversed(runs):
        meta = run.meta()
        record = run.path / MANIFESTS
        if meta.get("status") == RunStatus.SUCCESSFUL.value and record.is_file():
            objects = json.loads(record.read_text(encoding="utf-8"))
            if isinstance(objects, dict):
                return run, objects
    return None


def last_went_live(journal: Journal) -> Run | None:
    """The newest apply that ended with its revision live: what ``rollback --last`` undoes
    (an apply that failed, --atomic or not, left the revision before it in place)."""
    for run in reversed(journal.runs()):
        meta = run.meta()
        if meta.get("kind") == "apply" and meta.get("status") == RunStatus.SUCCESSFUL.value:
            return run
    return None


def in_apply_order(
    objects: Mapping[str, dict[str, Any]], secret: dict[str, Any] | None
) -> list[tuple[str, dict[str, Any]]]:
    """(name, object) as apply writes them: the ConfigMap first, then the Secret, so that
    both are there before the pods that read them."""
    ordered = list(objects.items())
    if secret is not None:
        ordered.insert(1, ("secret", secret))
    return ordered


def put_in_place(
    cluster: Cluster,
    run: Run,
    objects: Mapping[str, dict[str, Any]],
    secret: dict[str, Any] | None,
    timeout: float,
) -> None:
    """Apply ``secret`` and ``objects`` in order, then wait for the Deployment's rollout."""
    generation = None
    for name, manifest in in_apply_order(objects, secret):
        applied = cluster.apply(manifest)
        run.event("object", name=name, ref=str(ObjectRef.of(manifest)))
        if manifest["kind"] == "Deployment":
            generation = applied.get("metadata", {}).get("generation")
    deployment = ObjectRef.of(objects["deployment"])
    run.event("rollout", ref=str(deployment), timeout=timeout)
    state = wait_for_rollout(cluster, deployment, generation, timeout)
    run.event("rollout done", ref=str(deployment), summary=state.summary)


def roll_out(
    cluster: Cluster,
    run: Run,
    manifests: Manifests,
    secret: dict[str, Any] | None,
    timeout: float,
) -> None:
    """The cluster's part of an apply: the product's objects recorded in the run (what a
    rollback puts back), then put in place."""
    run.record(MANIFESTS, manifests.objects)
    put_in_place(cluster, run, manifests.objects, secret, timeout)


def apply_to_cluster(
    loaded: LoadedEnvironment,
    journal: Journal,
    redact: Redactor,
    cluster: Cluster,
    options: ClusterOptions,
) -> ClusterOutcome:
    manifests = render_manifests(loaded)
    secret = secret_manifest(loaded, manifests, redact)
    timeout = rollout_timeout(loaded, options)
    previous = last_live(journal)
    # Twice the rollout's time: --atomic may wait for the previous revision's rollout too.
    with namespace_lock(loaded, cluster, "apply", 2 * timeout):
        run = journal.start("apply", loaded.path, product_version=loaded.env.product.version)
        with run_lifecycle(run, redact, keep_going=True) as ending:
            try:
                roll_out(cluster, run, manifests, secret, timeout)
            except DeployerError as failure:
                if not options.atomic or previous is None:
                    raise
                run.event("atomic", message=str(failure), back_to=previous[0].id)
                put_in_place(cluster, run, previous[1], secret, timeout)
                raise RolledBack(f"{failure}; revision of run {previous[0].id} put back") from None
    return ClusterOutcome(run.id, ending.exit_code, ending.failure)


def rollback_cluster(
    loaded: LoadedEnvironment,
    journal: Journal,
    redact: Redactor,
    cluster: Cluster,
    *,
    undo: Run,
    options: ClusterOptions,
) -> ClusterOutcome:
    """Put back the revision that was live before run ``undo``."""
    previous = last_live(journal, before=undo.id)
    if previous is None:
        raise NothingToRollBackTo(f"no run before {undo.id} left a revision in the cluster")
    secret = secret_manifest(loaded, render_manifests(loaded), redact)
    timeout = rollout_timeout(loaded, options)
    with namespace_lock(loaded, cluster, "rollback", timeout):
        run = journal.start("rollback", loaded.path, undoes=undo.id, back_to=previous[0].id)
        with run_lifecycle(run, redact, keep_going=True) as ending:
            put_revision_back(journal, cluster, run, undo=undo, secret=secret, timeout=timeout)
    return ClusterOutcome(run.id, ending.exit_code, ending.failure)


def put_revision_back(
    journal: Journal,
    cluster: Cluster,
    run: Run,
    *,
    undo: Run,
    secret: dict[str, Any] | None,
    timeout: float,
) -> None:
    """The revision live before run ``undo``, ConfigMap included, applied again and rolled
    out, and recorded in ``run``. With none before it, the pods stay stopped."""
    previous = last_live(journal, before=undo.id)
    if previous is None:
        run.event("cluster", message="no earlier revision in the journal: no pod is started")
        return
    run.event("cluster", back_to=previous[0].id)
    run.record(MANIFESTS, previous[1])
    put_in_place(cluster, run, previous[1], secret, timeout)


def stop_pods(manifest: dict[str, Any], cluster: Cluster, run: Run, timeout: float) -> None:
    """Before the database is restored: the Deployment ``manifest`` names scaled to no pods,
    and waited for, so that no pod of the undone revision writes to a schema being put back."""
    deployment = ObjectRef.of(manifest)
    if cluster.get(deployment) is None:
        run.event("stop", ref=str(deployment), message="no Deployment: no pod to stop")
        return
    metadata = {"name": deployment.name, "namespace": deployment.namespace}
    scale = {"apiVersion": deployment.api_version, "kind": deployment.kind, "metadata": metadata}
    scaled = cluster.update({**scale, "spec": {"replicas": 0}})
    run.event("stop", ref=str(deployment), replicas=0)
    wait_for_rollout(cluster, deployment, scaled.get("metadata", {}).get("generation"), timeout)


def namespace_lock(
    loaded: LoadedEnvironment, cluster: Cluster, command: str, seconds: float
) -> AbstractContextManager[LockHolder]:
    """The product's deploy lock in its namespace, taken before the run starts: a run that
    finds it held is refused (exit 9) and leaves no run in the journal."""
    target = loaded.env.target
    assert isinstance(target, KubernetesTarget)
    return cluster_lock(cluster, target.namespace, loaded.env.product.name, command, seconds)
