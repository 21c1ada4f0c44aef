"""The cluster's stages of a plan, apply or rollback whose spec has SSH hosts too (the
database's, under target kubernetes): the run, its lock and its journal are the hosts' (run.plan,
run.apply, run.rollback); these are the steps in the cluster."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from deployer.executors.kubernetes import Manifests, render_manifests
from deployer.executors.kubernetes.cluster import Cluster
from deployer.journal import Journal, Run
from deployer.locks.local import LockHolder
from deployer.run.cluster import (
    ClusterOptions,
    last_live,
    namespace_lock,
    put_revision_back,
    roll_out,
    rollout_timeout,
    secret_manifest,
    stop_pods,
)
from deployer.run.cluster_plan import ClusterPlan, compare_cluster
from deployer.spec import LoadedEnvironment


@dataclass(frozen=True)
class ClusterPart:
    """The cluster's stages of an apply or rollback whose spec also has SSH hosts (the
    database's): the run and its lock are the hosts' (run.apply, run.rollback)."""

    loaded: LoadedEnvironment
    journal: Journal
    cluster: Cluster

    @cached_property
    def manifests(self) -> Manifests:
        """The spec's objects, rendered once for every step of the run."""
        return render_manifests(self.loaded)

    @cached_property
    def secret(self) -> dict[str, Any] | None:
        """The product's Secret, its values revealed (and registered with the redactor) once."""
        return secret_manifest(self.loaded, self.manifests, self.journal.redact)

    def roll_out(self, run: Run) -> None:
        """After the database's stages: the product's objects put in place, rolled out."""
        roll_out(self.cluster, run, self.manifests, self.secret, self._timeout())

    def stop(self, run: Run) -> None:
        deployment = self.manifests.objects["deployment"]
        stop_pods(deployment, self.cluster, run, self._timeout())

    def put_back(self, run: Run, undone: Run) -> None:
        """After the database is restored: the revision live before ``undone``."""
        put_revision_back(
            self.journal,
            self.cluster,
            run,
            undo=undone,
            secret=self.secret,
            timeout=self._timeout(),
        )

    def lock(self, command: str) -> AbstractContextManager[LockHolder]:
        # Twice the rollout's time: an --atomic rollback may wait for a second rollout.
        return namespace_lock(self.loaded, self.cluster, command, 2 * self._timeout())

    def compare(self, run: Run) -> ClusterPlan:
        """What apply would write, object by object, against the cluster; recorded in
        ``run`` (``cluster-plan.json``)."""
        return compare_cluster(self.loaded, self.journal, self.journal.redact, self.cluster, run)

    def back_to(self) -> str:
        """The run whose revision a rollback of the next run would apply again; "" for none."""
        previous = last_live(self.journal)
        return previous[0].id if previous else ""

    def _timeout(self) -> float:
        return rollout_timeout(self.loaded, ClusterOptions())
