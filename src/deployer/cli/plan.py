"""``deployer plan SPEC [--out PLAN]``: what apply would do, touching nothing."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deployer.cli.bundle import add_bundle_arguments, opened_bundle
from deployer.cli.cluster import (
    cluster_part,
    plan_cluster,
    print_cluster_plan,
    refuse_plan_options,
)
from deployer.cli.common import (
    add_engine_argument,
    add_spec_arguments,
    add_wheelhouse_argument,
    load_target,
    run_context,
)
from deployer.cli.events import JsonEvents, add_json_argument
from deployer.cli.io import Streams
from deployer.cli.outputs import check_output, write_output
from deployer.errors import ExitCode
from deployer.spec.kube import KubernetesTarget

if TYPE_CHECKING:
    from deployer.executors.base import TaskEvent
    from deployer.plan.model import Plan


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "plan",
        help="show (and save) what apply would change",
        description="Ordered steps per host, what Ansible's check mode says would change, and "
        "pending migrations. A saved plan carries fingerprints of the spec and of the hosts; "
        "apply --plan refuses it once either has changed.",
    )
    add_spec_arguments(parser)
    parser.add_argument("--out", type=Path, metavar="PLAN", help="save the plan (JSON)")
    add_engine_argument(parser)
    add_wheelhouse_argument(parser)
    add_bundle_arguments(parser)
    add_json_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.executors.base import ExecutionOptions
    from deployer.journal import Journal, Redactor
    from deployer.run.plan import make_plan

    target = load_target(args, restrict=False)
    if isinstance(target.loaded.env.target, KubernetesTarget):
        if target.loaded.env.database is None:
            return plan_cluster(args, streams, target)
        refuse_plan_options(args)  # the database's stages are planned with the cluster's below
    check_output(args.out, "--out")

    def progress(stage: str, event: TaskEvent | None) -> None:
        if event is None:
            streams.detail(f"== {stage}")

    journal = Journal(target.journal_root, Redactor())
    events = JsonEvents(streams, "plan", journal.redact) if args.json_events else None
    shown = events.progress if events else progress
    cluster = cluster_part(target.loaded, journal)
    with (
        opened_bundle(args, target.loaded) as packages,
        run_context(
            args, streams, target, journal, shown, packages=packages, cluster=cluster
        ) as context,
    ):
        plan = make_plan(context, ExecutionOptions(limit=target.limit))
    if events is not None:
        events.emit("plan", plan=json.loads(journal.redact(plan.model_dump_json())))
    streams.say(
        f"plan {plan.run_id}: {plan.product} {plan.version} for {plan.customer} / "
        f"{plan.environment}",
        style="bold",
    )
    for step in plan.steps:
        streams.say(f"{step.order}. {step.stage:<24} {', '.join(step.hosts):<12} {step.action}")
    for host, engine in sorted(plan.engines.items()):
        streams.say(f"{host}: {describe_engine(engine)}")
    for schema, names in plan.pending_migrations.items():
        streams.say(f"migrations pending in {schema}: {', '.join(names) or 'none'}")
    for host, tasks in sorted(plan.would_change.items()):
        streams.say(f"{host}: {len(tasks)} task(s) would change", style="yellow")
        for task in tasks if streams.verbosity > 0 else []:
            streams.say(f"    {task}")
    if plan.cluster is not None:
        print_cluster_plan(streams, plan.cluster)
    _print_rollback(streams, plan)
    for note in plan.notes:
        streams.say(f"note: {journal.redact(note)}", style="dim")
    if args.out:
        write_output(args.out, plan.model_dump_json(indent=2), "--out")
        streams.say(f"saved: {args.out} (deployer apply {args.spec} --plan {args.out})")
    if events is not None:
        events.status(plan.run_id, ExitCode.OK)
    return ExitCode.OK


def describe_engine(engine: Mapping[str, Any]) -> str:
    """``engine 2.16 (ansible-core 2.16.19), Python 3.6.8 at /usr/bin/python3``."""
    return (
        f"engine {engine.get('engine')} (ansible-core {engine.get('ansible_core')}), "
        f"Python {engine.get('python')} at {engine.get('interpreter')}"
    )


def _print_rollback(streams: Streams, plan: Plan) -> None:
    """The rollback plan apply writes before its first change, as the reviewer will sign it."""
    streams.say("")
    for line in plan.rollback.splitlines():
        if line.startswith("#"):
            streams.say(line.lstrip("# "), style="bold")
        elif line:
            flagged = line.startswith("- **")
            streams.say(line.replace("**", ""), style="red" if flagged else None)
    if plan.irreversible:
        streams.say(
            f"apply refuses the {len(plan.irreversible)} step(s) above that cannot be undone "
            "unless given --allow-irreversible",
            style="red",
        )
