"""When a Deployment's rollout is done: the controller has seen the new spec, every wanted
pod runs it and is available, and no old pod is left."""

from __future__ import annotations

from typing import Any

import pytest

from deployer.executors.kubernetes.rollout import rollout_state


def deployment(generation: int, **status: Any) -> dict[str, Any]:
    """Two pods wanted; ``status`` as the controller wrote it."""
    return {"metadata": {"generation": generation}, "spec": {"replicas": 2}, "status": status}


def test_done_when_every_pod_runs_the_new_spec_and_is_available() -> None:
    found = deployment(3, observedGeneration=3, replicas=2, updatedReplicas=2, availableReplicas=2)
    assert rollout_state(found, 3).done


@pytest.mark.parametrize(
    ("status", "why"),
    [
        # The controller has not seen the spec the apply made: its counts are the old ones.
        (
            {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2},
            "not seen",
        ),
        # One new pod is up, but not available yet.
        (
            {"observedGeneration": 3, "replicas": 3, "updatedReplicas": 1, "availableReplicas": 2},
            "1 of 2 updated",
        ),
        # Every pod is new, but an old one is still terminating.
        (
            {"observedGeneration": 3, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 2},
            "1 old",
        ),
        ({}, "not seen"),
    ],
)
def test_not_done_while_the_rollout_is_under_way(status: dict[str, Any], why: str) -> None:
    state = rollout_state(deployment(3, **status), 3)
    assert not state.done
    assert why in state.summary


def test_the_generation_the_apply_made_wins_over_a_stale_read() -> None:
    # A read from before the apply's change took: generation 2, all of it live.
    stale = deployment(2, observedGeneration=2, replicas=2, updatedReplicas=2, availableReplicas=2)
    assert not rollout_state(stale, 3).done
    assert rollout_state(stale, None).done
