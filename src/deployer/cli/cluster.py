"""``plan``, ``apply`` and ``rollback`` when the spec's target is kubernetes: the product's
objects in the cluster, through its API. A spec with a database runs its stages on its host
first, through the SSH commands' own path, with the cluster's part (``cluster_part``) in it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from deployer.cli.common import Target
from deployer.cli.io import Streams
from deployer.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from deployer.executors.kubernetes.cluster import Cluster
    from deployer.journal import Journal
    from deployer.run.cluster import ClusterOutcome
    from deployer.run.cluster_part import ClusterPart
    from deployer.spec import LoadedEnvironment


def connect(loaded: LoadedEnvironment) -> Cluster:
    from deployer.executors.kubernetes.cluster import Cluster
    from deployer.spec.kube import KubernetesTarget
    from deployer.spec.secrets import resolve_file

    target = loaded.env.target
    assert isinstance(target, KubernetesTarget)
    kubeconfig = resolve_file(target.kubeconfig, loaded.base_dir) if target.kubeconfig else None
    return Cluster.connect(kubeconfig, target.context)


def cluster_part(loaded: LoadedEnvironment, journal: Journal) -> ClusterPart | None:
    """Under target kubernetes, the cluster's stages of an apply or rollback that runs the
    database's stages on SSH hosts too; None under target ansible."""
    if loaded.env.target.type != "kubernetes":
        return None
    from deployer.run.cluster_part import ClusterPart

    return ClusterPart(loaded, journal, connect(loaded))


#: apply's options that act on SSH hosts, which a cluster apply has none of.
HOST_OPTIONS = (("plan", "--plan"), ("bundle", "--bundle"), ("limit", "--limit"))


def refuse_host_options(args: argparse.Namespace) -> None:
    for dest, option in HOST_OPTIONS:
        if getattr(args, dest, None):
            raise UsageError(f"{option} is not taken under target kubernetes yet; nothing was run")


def apply_cluster(args: argparse.Namespace, streams: Streams, target: Target) -> int:
    from deployer.journal import Journal, Redactor
    from deployer.run.cluster import ClusterOptions, apply_to_cluster

    loaded = target.loaded
    journal = Journal(target.journal_root, Redactor())
    options = ClusterOptions(atomic=args.atomic)
    outcome = apply_to_cluster(loaded, journal, journal.redact, connect(loaded), options)
    return _report(streams, args, "apply", outcome, journal)


def rollback_cluster(
    args: argparse.Namespace, streams: Streams, target: Target, journal: Journal
) -> int:
    from deployer.run.cluster import ClusterOptions, last_went_live
    from deployer.run.cluster import rollback_cluster as roll_back

    loaded = target.loaded
    undone = last_went_live(journal) if args.last else journal.get(args.run_id)
    if undone is None or undone.meta().get("kind") != "apply":
        raise UsageError(f"no apply in {journal.root} left a revision live to roll back")
    outcome = roll_back(
        loaded, journal, journal.redact, connect(loaded), undo=undone, options=ClusterOptions()
    )
    return _report(streams, args, "rollback", outcome, journal)


def _report(
    streams: Streams,
    args: argparse.Namespace,
    verb: str,
    outcome: ClusterOutcome,
    journal: Journal,
) -> int:
    if getattr(args, "json_events", False):  # --json: one status line, nothing else
        from deployer.cli.events import JsonEvents

        JsonEvents(streams, verb, journal.redact).status(
            outcome.run_id, int(outcome.exit_code), outcome.failure
        )
        return int(outcome.exit_code)
    if outcome.failure:
        streams.error(f"{verb} failed: {outcome.failure}")
    else:
        streams.say(f"{verb} done: the rollout is complete", style="green")
    streams.say(f"run {outcome.run_id}: deployer show {args.spec} {outcome.run_id}")
    return int(outcome.exit_code)


def plan_cluster(args: argparse.Namespace, streams: Streams, target: Target) -> int:
    """What apply would write, object by object, against what the cluster holds."""
    from deployer.journal import Journal, Redactor
    from deployer.run.cluster_plan import plan_cluster as compare

    refuse_plan_options(args)
    loaded = target.loaded
    journal = Journal(target.journal_root, Redactor())
    plan = compare(loaded, journal, journal.redact, connect(loaded))
    if getattr(args, "json_events", False):
        from deployer.cli.events import JsonEvents

        events = JsonEvents(streams, "plan", journal.redact)
        events.emit("plan", plan=plan.to_dict())
        events.status(plan.run_id, ExitCode.OK)
        return ExitCode.OK
    product = loaded.env.product
    streams.say(f"plan {plan.run_id}: {product.name} {product.version}", style="bold")
    print_cluster_plan(streams, plan.to_dict())
    return ExitCode.OK


def refuse_plan_options(args: argparse.Namespace) -> None:
    if args.out:
        raise UsageError("--out is not taken under target kubernetes yet (nor apply --plan)")
    refuse_host_options(args)


def print_cluster_plan(streams: Streams, plan: dict[str, Any]) -> None:
    """A cluster plan (ClusterPlan.to_dict()): each object's action, whether the pods roll,
    and which revision a rollback would put back."""
    changes = plan["changes"]
    for change in changes:
        fields = f": {', '.join(change['fields'])}" if change["fields"] else ""
        style = None if change["action"] == "unchanged" else "yellow"
        streams.say(f"{change['action']:<9} {change['ref']}{fields}", style=style)
    if plan["rolls_pods"]:
        streams.say("the pods are replaced one by one: their template changes", style="yellow")
    elif all(change["action"] == "unchanged" for change in changes):
        streams.say("nothing would change in the cluster", style="green")
    if plan["rollback_to"]:
        streams.say(f"rollback: the revision of run {plan['rollback_to']} is put back")
    else:
        streams.say("rollback: no earlier revision in this journal (nothing went live yet)")
