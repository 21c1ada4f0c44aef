"""The deploy lock of a product in a namespace: a Lease, so that two engineers applying from
two laptops (two journals) cannot roll the same Deployment at once.

Taking it is creating the Lease, which the API server refuses to a second taker. Its holder
(command, user, machine, pid, since) is in an annotation, and its duration covers the whole
run (the rollout's time limit and a margin): a deployer that died leaves a Lease that expires
by itself and is then taken over. Taking over changes the Lease as read (its
resourceVersion), so of two takers only one wins. The Lease is deleted at the end, only if it
is still ours.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from typing import Any

from deployer.executors.kubernetes.cluster import Cluster, ClusterConflict, ObjectRef
from deployer.locks.local import DeployLocked, LockHolder, parse_holder

API_VERSION = "coordination.k8s.io/v1"
HOLDER = "deployer/holder"
#: Seconds a Lease outlives the run's own time limit, for the steps around the rollout.
MARGIN = 300


def lease_ref(namespace: str, product: str) -> ObjectRef:
    return ObjectRef(API_VERSION, "Lease", namespace, f"{product}-deploy-lock")


@contextmanager
def cluster_lock(
    cluster: Cluster, namespace: str, product: str, command: str, seconds: float
) -> Iterator[LockHolder]:
    """Hold the product's Lease in ``namespace`` while the block runs (DeployLocked when
    someone else holds it and it has not expired)."""
    now = datetime.now(timezone.utc)
    me = LockHolder.here(command)
    ref = lease_ref(namespace, product)
    wanted = _lease(ref, me, now, int(seconds) + MARGIN)
    try:
        cluster.create(wanted)
    except ClusterConflict:
        _take_over(cluster, ref, wanted, now)
    try:
        yield me
    finally:
        held = cluster.get(ref)
        if held is not None and _holder(held) == me:
            cluster.delete(ref)


def _take_over(cluster: Cluster, ref: ObjectRef, wanted: dict[str, Any], now: datetime) -> None:
    held = cluster.get(ref)
    if held is not None:
        until = _expires(held)
        if until is None or until > now:
            holder = _holder(held)
            who = holder.describe() if holder else held.get("spec", {}).get("holderIdentity")
            raise DeployLocked(
                f"{ref.namespace} is locked by {who or 'someone'} (Lease {ref.name}"
                + (f", until {until.isoformat(timespec='seconds')}" if until else "")
                + "): wait for that run to end"
            )
        wanted["metadata"]["resourceVersion"] = held["metadata"].get("resourceVersion")
    try:
        if held is None:
            cluster.create(wanted)
        else:
            cluster.update(wanted)
    except ClusterConflict:
        raise DeployLocked(
            f"{ref.namespace}: Lease {ref.name} changed hands while it was being taken over"
        ) from None


def _lease(ref: ObjectRef, me: LockHolder, now: datetime, seconds: int) -> dict[str, Any]:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # the API's MicroTime
    return {
        "apiVersion": ref.api_version,
        "kind": ref.kind,
        "metadata": {
            "name": ref.name,
            "namespace": ref.namespace,
            "annotations": {HOLDER: json.dumps(asdict(me), sort_keys=True)},
        },
        "spec": {
            "holderIdentity": f"{me.user}@{me.host}",
            "leaseDurationSeconds": seconds,
            "acquireTime": stamp,
            "renewTime": stamp,
        },
    }


def _holder(lease: dict[str, Any]) -> LockHolder | None:
    record = lease.get("metadata", {}).get("annotations", {}).get(HOLDER)
    return parse_holder(record) if isinstance(record, str) else None


def _expires(lease: dict[str, Any]) -> datetime | None:
    """When the Lease ends; None when it does not say (it is then held)."""
    spec = lease.get("spec", {})
    renewed, seconds = spec.get("renewTime"), spec.get("leaseDurationSeconds")
    if not isinstance(renewed, str) or not isinstance(seconds, int):
        return None
    try:
        since = datetime.fromisoformat(renewed.replace("Z", "+00:00"))
    except ValueError:
        return None
    return since + timedelta(seconds=seconds)
