"""``deployer apply SPEC``: install and deploy, stage by stage, with a run journal."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from deployer.cli.bundle import add_bundle_arguments, opened_bundle
from deployer.cli.common import (
    Target,
    add_bootstrap_argument,
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
    from deployer.executors.base import HostRecap
    from deployer.plan.model import Plan
    from deployer.run.apply import ApplyOutcome
    from deployer.run.context import RunContext
    from deployer.run.packages import LocalPackages


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "apply",
        help="install middleware, migrate the database and deploy the release",
        description="Run the database, middleware and release stages over SSH (Ansible), "
        "recording every step in the run journal.",
    )
    add_spec_arguments(parser)
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--forks", type=int, default=20, help="hosts worked on at once")
    parser.add_argument(
        "--serial", metavar="N|N%", help="release to this many app hosts (or percentage) at a time"
    )
    parser.add_argument(
        "--max-fail-percent",
        type=int,
        metavar="P",
        help="stop the release when more than P%% of a batch fails",
    )
    parser.add_argument(
        "--atomic",
        action="store_true",
        help="on any failure, roll the run back at once (exit 8; 7 if the rollback fails)",
    )
    parser.add_argument(
        "--allow-irreversible",
        action="store_true",
        help="run migrations that no rollback could undo (the plan flags them); "
        "without it apply refuses them before migrating (exit 12)",
    )
    parser.add_argument(
        "--break-lock",
        action="store_true",
        help="break the environment's deploy lock if its holder is no longer running",
    )
    parser.add_argument(
        "--plan",
        type=Path,
        metavar="PLAN",
        help="apply only if this saved plan still matches the spec and hosts",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="run every stage on every host, even where the inputs are unchanged and nothing "
        "drifted (by default those are skipped)",
    )
    add_engine_argument(parser)
    add_bootstrap_argument(parser)
    add_wheelhouse_argument(parser)
    add_bundle_arguments(parser)
    add_json_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    target = load_target(args, restrict=False)
    if target.loaded.env.target.type == "kubernetes":
        from deployer.cli.cluster import apply_cluster, refuse_host_options

        refuse_host_options(args)
        if target.loaded.env.database is not None:  # the database's stages on its host first
            return _apply(args, streams, target, None, None)
        env = target.loaded.env
        _confirm(
            args,
            streams,
            f"Apply {env.product.name} {env.product.version} to the cluster "
            f"({env.customer} / {env.environment})?",
        )
        return apply_cluster(args, streams, target)
    # Before the question: a wrong --plan is refused without asking anything.
    saved = read_plan(args.plan) if args.plan else None
    with opened_bundle(args, target.loaded) as packages:
        return _apply(args, streams, target, saved, packages)


def _apply(
    args: argparse.Namespace,
    streams: Streams,
    target: Target,
    saved: Plan | None,
    packages: LocalPackages | None,
) -> int:
    from deployer.cli.cluster import cluster_part
    from deployer.executors.base import ExecutionOptions
    from deployer.journal import Journal, Redactor
    from deployer.run.apply import ApplyOptions, run_apply

    env = target.loaded.env
    hosts = [h.name for h in env.hosts if not target.limit or h.name in target.limit]
    if env.target.type == "kubernetes":
        hosts.append("the cluster")
    _confirm(
        args,
        streams,
        f"Apply {env.product.name} {env.product.version} to "
        f"{', '.join(hosts)} ({env.customer} / {env.environment})?",
    )
    if args.serial is not None and not re.fullmatch(r"[1-9][0-9]*%?", args.serial):
        raise UsageError(f"--serial takes a number of hosts or a percentage, not {args.serial!r}")
    options = ApplyOptions(
        ExecutionOptions(
            limit=target.limit,
            forks=args.forks,
            serial=args.serial,
            max_fail_percent=args.max_fail_percent,
        ),
        allow_irreversible=args.allow_irreversible,
        bootstrap_python=args.bootstrap_python,
        full=args.full,
    )
    journal = Journal(target.journal_root, Redactor())
    events = JsonEvents(streams, "apply", journal.redact) if args.json_events else None
    progress = events.progress if events else task_progress(streams, journal.redact)
    cluster = cluster_part(target.loaded, journal)
    # One context for the lock, the apply and an --atomic rollback: one connection per host.
    with run_context(
        args, streams, target, journal, progress, packages=packages, cluster=cluster
    ) as context:
        if saved is not None:
            from deployer.run.plan import verify_plan

            verify_plan(saved, args.plan, context)
        with deploy_locks(args, context, "apply"):
            outcome = run_apply(context, options)
            _print_recap(streams, outcome.recap)
            code = int(outcome.exit_code)
            if outcome.failure:
                streams.error(f"apply failed: {outcome.failure}")
                if args.atomic and _changed_anything(outcome):
                    code = _roll_back(context, outcome.run_id, streams)
    if events is not None:
        events.recap(outcome.recap)
        events.status(outcome.run_id, code, outcome.failure)
    streams.say(
        f"run {outcome.run_id}: deployer show {args.spec} {outcome.run_id}"
        + (" --lab" if args.lab else "")
    )
    return code


#: A saved plan is a list of steps, not a data set: anything larger is not one.
MAX_PLAN_BYTES = 64 * 1024 * 1024


def read_plan(path: Path) -> Plan:
    """The saved plan at ``path``; only a regular file is read, judged on the open descriptor
    (a FIFO would block forever, also one swapped in after a look at the path)."""
    from deployer.files import NotRegularFileError, read_regular_file
    from deployer.plan.saved import SAVE_HINT, NotAPlan, parse_plan

    try:
        data = read_regular_file(path, MAX_PLAN_BYTES)
    except FileNotFoundError:
        raise NotAPlan(f"{path}: no such plan file; {SAVE_HINT}") from None
    except NotRegularFileError as exc:
        if path.is_dir():
            raise NotAPlan(f"{path}: is a folder, not a saved plan; {SAVE_HINT}") from None
        raise NotAPlan(f"{path}: {exc}, not a regular file, so not a saved plan") from None
    except OSError as exc:
        raise NotAPlan(f"{path}: cannot read the plan: {exc.strerror}") from None
    if data is None:
        raise NotAPlan(f"{path}: larger than {MAX_PLAN_BYTES >> 20} MiB, so not a saved plan")
    return parse_plan(data, str(path))


def _changed_anything(outcome: ApplyOutcome) -> bool:
    """A refusal before the first change leaves nothing to roll back."""
    if outcome.exit_code != ExitCode.IRREVERSIBLE:
        return True
    return any(recap.changed for recap in outcome.recap.values())


def _confirm(args: argparse.Namespace, streams: Streams, question: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("refusing to change hosts without confirmation; pass -y to proceed")
    answer = input(f"{question} [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise UsageError("not confirmed; nothing was changed")


def _print_recap(streams: Streams, recap: dict[str, HostRecap]) -> None:
    for host, counts in sorted(recap.items()):
        style = "red" if counts.failed or counts.unreachable else "green"
        streams.say(
            f"{host:<10} ok={counts.ok:<4} changed={counts.changed:<4} "
            f"failed={counts.failed:<3} unreachable={counts.unreachable}",
            style=style,
        )


def _roll_back(context: RunContext, run_id: str, streams: Streams) -> int:
    """--atomic: undo the failed run at once; the exit code tells whether that worked."""
    from deployer.cli.rollback import rollback

    code = rollback(context, context.journal.get(run_id), streams)
    if code == 0:
        return int(ExitCode.APPLY_FAILED_ROLLED_BACK)
    return int(ExitCode.ROLLBACK_FAILED)
