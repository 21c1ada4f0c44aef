"""``deployer check SPEC``: the pre-installation compatibility scan."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from deployer.cli.bundle import add_bundle_arguments, bundle_coverage, opened_bundle
from deployer.cli.cluster import connect
from deployer.cli.common import (
    add_bootstrap_argument,
    add_engine_argument,
    add_spec_arguments,
    host_key_prompt,
    load_target,
)
from deployer.cli.io import Streams
from deployer.cli.outputs import check_output, write_output
from deployer.errors import UsageError
from deployer.spec.kube import KubernetesTarget

if TYPE_CHECKING:
    from deployer.checks import Acceptance
    from deployer.journal import Redactor
    from deployer.run.check import CheckOutcome

# The scan's machinery is imported when the command runs, not when the parser is built:
# every other command (and --help) starts without it.


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="pre-installation compatibility scan over SSH",
        description="Probe every host over SSH (one round trip each, in parallel), query the "
        "database, read the cluster under target kubernetes, and evaluate the product's "
        "support matrix. Nothing is changed on the hosts or in the cluster.",
    )
    add_spec_arguments(parser)
    add_engine_argument(parser)
    add_bootstrap_argument(parser, dry=True)
    add_bundle_arguments(parser)
    parser.add_argument(
        "--accept",
        action="append",
        default=[],
        metavar="CHECK_ID[@HOST]",
        help="accept a failing check as a recorded risk (needs --reason)",
    )
    parser.add_argument("--reason", default="", help="why the accepted risks are acceptable")
    parser.add_argument(
        "--json", dest="json_file", type=Path, metavar="FILE", help="write the report as JSON"
    )
    parser.add_argument(
        "--html", dest="html_file", type=Path, metavar="FILE", help="write a signable HTML report"
    )
    parser.add_argument("--lang", choices=["en", "zh"], default="en", help="report language")
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="per-host time limit (default 60)",
    )
    parser.set_defaults(handler=run)


def _acceptances(args: argparse.Namespace) -> list[Acceptance]:
    from deployer.checks import Acceptance

    if args.accept and not args.reason.strip():
        raise UsageError("--accept needs --reason: accepted risks are recorded with why")
    try:
        return [Acceptance.parse(text, args.reason) for text in args.accept]
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.journal import Journal, Redactor, records
    from deployer.report.text import render_text
    from deployer.run.check import ScanOptions, scan
    from deployer.run.context import open_context
    from deployer.transport import SshOptions

    acceptances = _acceptances(args)
    check_output(args.json_file, "--json")
    check_output(args.html_file, "--html")
    target = load_target(args)
    redact = Redactor()
    journal = Journal(target.journal_root, redact)
    options = SshOptions(connect_timeout=min(10.0, args.timeout), command_timeout=args.timeout)
    prompt = host_key_prompt(streams)
    with (
        opened_bundle(args, target.loaded) as packages,
        open_context(
            target.loaded, journal, _no_progress, options, decide_host_key=prompt
        ) as context,
    ):
        coverage = bundle_coverage(args.bundle, packages)
        in_cluster = isinstance(target.loaded.env.target, KubernetesTarget)
        scan_options = ScanOptions(
            args.ansible_engine,
            args.bootstrap_python,
            coverage,
            (lambda: connect(target.loaded)) if in_cluster else None,
        )
        record, outcome = scan(context, acceptances, scan_options)
    _write_outputs(args, outcome, redact)
    streams.console.print(render_text(outcome.report, args.lang, streams.verbosity > 0))
    for acceptance in outcome.report.unused_acceptances:
        streams.error(f"warning: --accept {acceptance} matched no failing or warning check")
    for host in sorted(outcome.fixups):
        script = record.path / records.fixup_script(host)
        streams.say(f"fixup script for {host}: {script} (review, then run it on the host yourself)")
    streams.detail(f"run {record.id} recorded in {record.path}")
    return outcome.exit_code


def _no_progress(stage: str, event: object) -> None:
    """The scan shows its report at the end, not stage by stage."""


def _write_outputs(args: argparse.Namespace, outcome: CheckOutcome, redact: Redactor) -> None:
    if args.json_file:
        from deployer.report.jsonout import render_json

        write_output(args.json_file, redact(render_json(outcome.report)), "--json")
    if args.html_file:
        # Jinja's import is a tenth of a second of every check that writes no page.
        from deployer.report.html import render_html

        write_output(args.html_file, redact(render_html(outcome.report, args.lang)), "--html")
