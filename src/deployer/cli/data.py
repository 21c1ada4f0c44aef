"""``deployer data import SPEC MAPPING``: legacy data into the product's table, as a run."""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deployer.cli.common import (
    Target,
    add_spec_arguments,
    deploy_locks,
    host_key_prompt,
    load_target,
)
from deployer.cli.io import Streams
from deployer.errors import ExitCode
from deployer.files import write_atomic

if TYPE_CHECKING:
    from deployer.data.tally import Tally
    from deployer.journal import Journal, Run
    from deployer.run.context import RunContext

PROGRESS_SECONDS = 5.0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "data",
        help="import legacy data into the product's tables",
        description="Move a customer's legacy exports into the product's tables.",
    )
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION")
    importing = actions.add_parser(
        "import",
        help="load a CSV, TSV or xlsx export into a table, as a DataImport mapping says",
        description="Stream the mapping's source, decode it strictly with its declared "
        "encoding, convert and check every row against the mapping and the table's real "
        "columns, and load it in one transaction per batch. Rows that cannot load are in the "
        "run's rejects.csv with their line and reason; read = loaded + updated + skipped + "
        "duplicates + rejected always holds.",
    )
    add_spec_arguments(importing)
    importing.add_argument(
        "--break-lock",
        action="store_true",
        help="break the environment's deploy lock if its holder is no longer running",
    )
    importing.add_argument("mapping", metavar="MAPPING", help="the DataImport mapping (YAML)")
    importing.add_argument(
        "--dry-run", action="store_true", help="do everything but commit: count, check, reject"
    )
    importing.add_argument(
        "--json", metavar="REPORT", type=Path, dest="report", help="also write the report here"
    )
    importing.set_defaults(handler=run_import)
    verifying = actions.add_parser(
        "verify",
        help="prove the table still holds what an import loaded (checksums per column)",
        description="Read the rows an import wrote and compare their checksums per column "
        "with those the import took. Exit 16 when a row or a value changed since.",
    )
    add_spec_arguments(verifying)
    verifying.add_argument("mapping", metavar="MAPPING", help="the DataImport mapping (YAML)")
    verifying.add_argument(
        "--run", metavar="RUN", help="the import to verify (default: the last one into the table)"
    )
    verifying.add_argument("--json", action="store_true", help="print the findings as JSON")
    verifying.set_defaults(handler=run_verify)
    parser.set_defaults(handler=lambda _args, streams: _usage(parser, streams))


def _usage(parser: argparse.ArgumentParser, streams: Streams) -> int:
    parser.print_help(streams.err)
    return ExitCode.USAGE


def run_import(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.data.run import run_import as import_data
    from deployer.journal import Journal, Redactor
    from deployer.spec.loader import load_data_import

    loaded = load_data_import(Path(args.mapping), args.mapping)
    target = load_target(args)
    journal = Journal(target.journal_root, Redactor())
    with _context(target, journal, streams) as context, deploy_locks(args, context, "import"):
        outcome = import_data(context, loaded, dry_run=args.dry_run, progress=_progress(streams))
    report = {"run": outcome.run.id, **outcome.report}
    if args.report is not None:
        write_atomic(args.report, json.dumps(report, ensure_ascii=False, indent=2) + "\n", 0o644)
    for line in describe(report):
        streams.say(line)
    rejects = outcome.run.path / "rejects.csv"
    if report["rejected"] or report["duplicates"]:
        streams.say(f"lines set aside, with their reasons: {rejects}")
    streams.detail(f"run {outcome.run.id} recorded in {outcome.run.path}")
    return ExitCode.OK


def run_verify(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.data.verify import chosen_import, verify_import
    from deployer.journal import Journal, Redactor
    from deployer.spec.loader import load_data_import

    loaded = load_data_import(Path(args.mapping), args.mapping)
    target = load_target(args)
    journal = Journal(target.journal_root, Redactor())
    imported = chosen_import(journal, loaded.mapping, args.run)
    with _context(target, journal, streams) as context, context.database.session() as session:
        verified = verify_import(session, journal, target.loaded.path, imported)
    report = verified.report
    if args.json:
        streams.console.print_json(json.dumps(report, ensure_ascii=False))
    elif verified.holds:
        found = report["rows"]["found"]
        held = f"{report['table']} holds the {found} rows run {imported.id} loaded"
        streams.say(held, style="green")
    else:
        rows = report["rows"]
        streams.say(
            f"{report['table']} no longer holds what run {imported.id} loaded: "
            f"{rows['found']} of {rows['loaded']} rows found; "
            f"columns that differ: {', '.join(report['columns_differing']) or 'none'}",
            style="red",
        )
    return ExitCode.OK if verified.holds else ExitCode.DRIFT


def rollback_import(args: argparse.Namespace, streams: Streams, target: Target, undone: Run) -> int:
    """``deployer rollback SPEC RUN`` of an import run: its rows out, its before-images back."""
    from deployer.data.rollback import rollback_import as undo_import
    from deployer.journal import Journal, Redactor

    journal = Journal(target.journal_root, Redactor())
    with (
        _context(target, journal, streams) as context,
        deploy_locks(args, context, "rollback"),
        context.database.session() as session,
    ):
        outcome = undo_import(session, journal, target.loaded.path, undone)
    report = outcome.report
    streams.say(
        f"run {outcome.run.id}: rolled back import {undone.id} into {report['table']}: "
        f"{report['deleted']} rows deleted, {report['restored']} rows restored; "
        f"{report['count']['before']} rows before, {report['count']['after']} after",
        style="green",
    )
    return ExitCode.OK


def _progress(streams: Streams) -> Callable[[Tally], None]:
    """A line every few seconds while a long import runs: lines read and where they went."""
    shown = [time.monotonic()]

    def show(tally: Tally) -> None:
        if time.monotonic() - shown[0] >= PROGRESS_SECONDS:
            shown[0] = time.monotonic()
            streams.say(
                f"  {tally.read} lines read: {tally.loaded} loaded, {tally.updated} updated, "
                f"{tally.skipped} skipped, {tally.duplicates} repeated, {tally.rejected} rejected"
            )

    return show


@contextlib.contextmanager
def _context(target: Target, journal: Journal, streams: Streams) -> Iterator[RunContext]:
    """The run's context, its secrets resolved (and registered for redaction) first."""
    from deployer.run.context import open_context

    prompt = host_key_prompt(streams)
    with open_context(target.loaded, journal, _no_progress, decide_host_key=prompt) as context:
        context.resolve_secrets()
        yield context


def describe(report: dict[str, Any]) -> list[str]:
    verb = "would load" if report["dry_run"] else "loaded"
    from deployer.data.tally import BUCKETS

    lines = [f"{report['table']} {verb} from {report['source']}"]
    lines += [f"  {name:<11}{report[name]:>10}" for name in ("read", *BUCKETS)]
    lines += [f"    {reason:<20}{count:>7}" for reason, count in report["reasons"].items()]
    count = report["count"]
    lines.append(
        f"  rows in the table: {count['before']} before, {count['after']} after"
        + ("" if count["holds"] else f" (expected {count['expected']}: someone else wrote too)")
    )
    if report.get("undecodable_look_like"):
        lines.append(
            f"  the lines that did not decode look like {report['undecodable_look_like']}: "
            "is source.encoding right?"
        )
    if not report["balanced"]:
        lines.append("  the counts do not add up to the lines read: this is a bug in deployer")
    return lines


def _no_progress(stage: str, event: object) -> None:
    """The import shows its balance at the end."""
