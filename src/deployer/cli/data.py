"""``deployer data import SPEC MAPPING``: legacy data into the product's table, as a run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from deployer.cli.common import add_spec_arguments, host_key_prompt, load_target
from deployer.cli.io import Streams
from deployer.errors import ExitCode
from deployer.files import write_atomic

BUCKETS = ("read", "loaded", "updated", "skipped", "duplicates", "rejected")


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
    importing.add_argument("mapping", metavar="MAPPING", help="the DataImport mapping (YAML)")
    importing.add_argument(
        "--dry-run", action="store_true", help="do everything but commit: count, check, reject"
    )
    importing.add_argument(
        "--json", metavar="REPORT", type=Path, dest="report", help="also write the report here"
    )
    importing.set_defaults(handler=run_import)
    parser.set_defaults(handler=lambda _args, streams: _usage(parser, streams))


def _usage(parser: argparse.ArgumentParser, streams: Streams) -> int:
    parser.print_help(streams.err)
    return ExitCode.USAGE


def run_import(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.data.run import run_import as import_data
    from deployer.journal import Journal, Redactor
    from deployer.run.context import open_context
    from deployer.spec.loader import load_data_import

    loaded = load_data_import(Path(args.mapping), args.mapping)
    target = load_target(args)
    journal = Journal(target.journal_root, Redactor())
    prompt = host_key_prompt(streams)
    with open_context(target.loaded, journal, _no_progress, decide_host_key=prompt) as context:
        context.resolve_secrets()
        outcome = import_data(context, loaded, dry_run=args.dry_run)
    report = outcome.report
    if args.report is not None:
        write_atomic(args.report, json.dumps(report, ensure_ascii=False, indent=2) + "\n", 0o644)
    for line in describe(report):
        streams.say(line)
    rejects = outcome.run.path / "rejects.csv"
    if report["rejected"] or report["duplicates"]:
        streams.say(f"lines set aside, with their reasons: {rejects}")
    streams.detail(f"run {outcome.run.id} recorded in {outcome.run.path}")
    return ExitCode.OK


def describe(report: dict[str, Any]) -> list[str]:
    verb = "would load" if report["dry_run"] else "loaded"
    lines = [f"{report['table']} {verb} from {report['source']}"]
    lines += [f"  {name:<11}{report[name]:>10}" for name in BUCKETS]
    lines += [f"    {reason:<20}{count:>7}" for reason, count in report["reasons"].items()]
    count = report["count"]
    lines.append(
        f"  rows in the table: {count['before']} before, {count['after']} after"
        + ("" if count["holds"] else f" (expected {count['expected']}: someone else wrote too)")
    )
    if not report["balanced"]:
        lines.append("  the counts do not add up to the lines read: this is a bug in deployer")
    return lines


def _no_progress(stage: str, event: object) -> None:
    """The import shows its balance at the end."""
