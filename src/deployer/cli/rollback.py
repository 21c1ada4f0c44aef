"""``deployer rollback SPEC [RUN | --last]``: undo an apply — app, configuration, database."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from deployer.cli.bundle import add_bundle_arguments, opened_bundle
from deployer.cli.common import (
    add_engine_argument,
    add_spec_arguments,
    add_wheelhouse_argument,
    deploy_locks,
    load_target,
    run_context,
)
from deployer.cli.events import JsonEvents, add_json_argument
from deployer.cli.io import Streams
from deployer.cli.progress import task_progress
from deployer.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from deployer.journal import Run
    from deployer.run.context import RunContext


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "rollback",
        help="undo an apply: release, configuration and database",
        description="Stop the product, restore the database and the configuration the run "
        "changed, make the previous release live again and check its health. A run of its own "
        "in the journal; running it twice is safe.",
    )
    add_spec_arguments(parser)
    parser.add_argument(
        "run_id", nargs="?", metavar="RUN", help="the apply (or data import) run to undo"
    )
    parser.add_argument("--last", action="store_true", help="undo the last apply run")
    parser.add_argument(
        "--break-lock",
        action="store_true",
        help="break the environment's deploy lock if its holder is no longer running",
    )
    add_engine_argument(parser)
    add_wheelhouse_argument(parser)
    add_bundle_arguments(parser)
    add_json_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.cli.cluster import cluster_part
    from deployer.journal import Journal, Redactor

    if bool(args.run_id) == bool(args.last):
        raise UsageError("name the run to undo, or pass --last (one of the two)")
    target = load_target(args, restrict=False)
    journal = Journal(target.journal_root, Redactor())
    if args.run_id and journal.get(args.run_id).meta().get("kind") == "import":
        from deployer.cli.data import rollback_import

        return rollback_import(args, streams, target, journal.get(args.run_id))
    if target.loaded.env.target.type == "kubernetes" and target.loaded.env.database is None:
        from deployer.cli.cluster import rollback_cluster

        return rollback_cluster(args, streams, target, journal)
    if args.last:
        undone = journal.last("apply")
        if undone is None:
            raise UsageError(f"no apply run in {journal.root} to roll back")
    else:
        undone = journal.get(args.run_id)
        if undone.meta().get("kind") != "apply":
            kind = undone.meta().get("kind")
            raise UsageError(f"run {undone.id} is a {kind} run, not an apply or an import")
    events = JsonEvents(streams, "rollback", journal.redact) if args.json_events else None
    progress = events.progress if events else task_progress(streams, journal.redact)
    cluster = cluster_part(target.loaded, journal)
    # One connection per host for the lock and the whole rollback: the product is down meanwhile.
    with (
        opened_bundle(args, target.loaded) as packages,
        run_context(
            args, streams, target, journal, progress, packages=packages, cluster=cluster
        ) as context,
        deploy_locks(args, context, "rollback"),
    ):
        code = rollback(context, undone, streams, events)
    streams.say(f"deployer runs {args.spec}" + (" --lab" if args.lab else ""))
    return code


def rollback(
    context: RunContext, undone: Run, streams: Streams, events: JsonEvents | None = None
) -> int:
    """Run the rollback of ``undone`` with live progress; its exit code (0 or ROLLBACK_FAILED).
    With ``events`` (--json), the rollback's own status is one more event."""
    from deployer.run.rollback import run_rollback

    streams.say(f"rolling back run {undone.id}", style="bold")
    outcome = run_rollback(context, undone)
    code = int(ExitCode.ROLLBACK_FAILED) if outcome.failure else int(ExitCode.OK)
    if events is not None:
        events.status(outcome.run_id, code, outcome.failure)
    if outcome.failure:
        streams.error(f"rollback failed: {outcome.failure}")
        return code
    streams.say(f"run {outcome.run_id}: rolled back {undone.id}", style="green")
    return code
