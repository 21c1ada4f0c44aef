"""``deployer check SPEC``: the pre-installation compatibility scan."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from deployer.cli.common import add_spec_arguments, load_target
from deployer.cli.io import Streams
from deployer.cli.outputs import check_output, write_output
from deployer.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from deployer.checks import Acceptance
    from deployer.journal import Redactor
    from deployer.pipeline.check import CheckOutcome

# The scan's machinery is imported when the command runs, not when the parser is built:
# every other command (and --help) starts without it.


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="pre-installation compatibility scan over SSH",
        description="Probe every host over SSH (one round trip each, in parallel), query the "
        "database, and evaluate the product's support matrix. Nothing is changed on the hosts.",
    )
    add_spec_arguments(parser)
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
    from deployer.journal import Journal, Redactor, RunStatus
    from deployer.pipeline.check import run_check
    from deployer.report.jsonout import render_json
    from deployer.report.text import render_text
    from deployer.transport import SshOptions

    acceptances = _acceptances(args)
    check_output(args.json_file, "--json")
    check_output(args.html_file, "--html")
    target = load_target(args)
    redact = Redactor()
    journal = Journal(target.journal_root, redact)
    record = journal.start("check", target.loaded.path)
    record.set_status(RunStatus.RUNNING)
    options = SshOptions(connect_timeout=min(10.0, args.timeout), command_timeout=args.timeout)
    outcome = run_check(target.loaded, record.path, options, acceptances, redact)
    code = _exit_code(outcome)
    _write_outputs(args, outcome, record.path, redact)
    record.record("report.json", render_json(outcome.report))
    status = RunStatus.SUCCESSFUL if code == ExitCode.OK else RunStatus.FAILED
    record.set_status(status, exit_code=int(code))
    streams.console.print(render_text(outcome.report, args.lang, streams.verbosity > 0))
    for acceptance in outcome.report.unused_acceptances:
        streams.error(f"warning: --accept {acceptance} matched no failing or warning check")
    for host in sorted(outcome.fixups):
        streams.say(
            f"fixup script for {host}: {record.path / f'fixup-{host}.sh'} (review, then run "
            "it on the host yourself)"
        )
    streams.detail(f"run {record.id} recorded in {record.path}")
    return code


def _write_outputs(
    args: argparse.Namespace, outcome: CheckOutcome, run_dir: Path, redact: Redactor
) -> None:
    from deployer.journal.files import write_atomic
    from deployer.report.html import render_html
    from deployer.report.jsonout import render_json

    for host, script in outcome.fixups.items():
        write_atomic(run_dir / f"fixup-{host}.sh", redact(script))
    if args.json_file:
        write_output(args.json_file, redact(render_json(outcome.report)), "--json")
    if args.html_file:
        write_output(args.html_file, redact(render_html(outcome.report, args.lang)), "--html")


def _exit_code(outcome: CheckOutcome) -> ExitCode:
    """Unreachable hosts first: their checks could not even run."""
    if outcome.report.unreachable:
        return ExitCode.HOST_UNREACHABLE
    if outcome.report.blocking:
        return ExitCode.CHECKS_FAILED
    return ExitCode.OK
