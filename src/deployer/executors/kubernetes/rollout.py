"""Waiting for a Deployment's rollout: done when the controller has seen the new spec and
every wanted pod runs it and is available, with no old pod left; failed at the deadline,
with the events that say why."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deployer.executors.kubernetes.cluster import Cluster, ClusterError, ObjectRef


class RolloutFailed(ClusterError):
    """The rollout did not finish (apply failed: exit 6, as every ClusterError)."""


@dataclass(frozen=True)
class RolloutState:
    done: bool
    summary: str


def rollout_state(deployment: dict[str, Any], generation: int | None) -> RolloutState:
    """Where the rollout of ``deployment`` stands; ``generation``: the one the apply made
    (None: whatever the object says)."""
    wanted = int(deployment.get("spec", {}).get("replicas", 1))
    status = deployment.get("status") or {}
    meta_generation = deployment.get("metadata", {}).get("generation")
    target = generation if generation is not None else meta_generation
    observed = status.get("observedGeneration")
    seen = target is None or (observed is not None and observed >= target)
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    total = int(status.get("replicas") or 0)
    summary = (
        f"{updated} of {wanted} updated, {available} available, {total - updated} old"
        if seen
        else "the controller has not seen the new spec yet"
    )
    done = seen and updated == wanted and available >= wanted and total == wanted
    return RolloutState(done, summary)


def wait_for_rollout(
    cluster: Cluster,
    ref: ObjectRef,
    generation: int | None,
    timeout: float,
    *,
    poll: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> RolloutState:
    """Return once the rollout is done; raise RolloutFailed after ``timeout`` seconds."""
    deadline = clock() + timeout
    while True:
        found = cluster.get(ref)
        if found is None:
            raise RolloutFailed(f"{ref}: gone while its rollout was awaited")
        state = rollout_state(found, generation)
        if state.done:
            return state
        if clock() >= deadline:
            events = cluster.events(ref.namespace, {ref.name})
            told = "; ".join(events[-5:]) if events else "no events"
            raise RolloutFailed(
                f"{ref}: not available within {timeout:g} s ({state.summary}); events: {told}"
            )
        sleep(poll)
