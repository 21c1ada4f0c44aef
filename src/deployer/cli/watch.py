"""``deployer watch SPEC``: the new release watched after go-live, then go or no-go."""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from rich.live import Live
from rich.table import Table

from deployer.cli.common import add_spec_arguments, host_key_prompt, load_target
from deployer.cli.io import Streams
from deployer.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from deployer.watch.rounds import Round
    from deployer.watch.session import Verdict


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "watch",
        help="watch the hosts after a go-live (CPU, memory, disks, health pages, errors, "
        "5xx, database) and end with go or no-go",
        description="Sample every host at an interval over SSH with a POSIX sh script "
        "(nothing installed), and the database's status; a check over its threshold in "
        "watch.consecutive samples in a row is a breach. Ends after --for, or at Ctrl-C, with "
        "the verdict: go (exit 0) or no-go (exit 18) and the rollback command.",
    )
    add_spec_arguments(parser)
    parser.add_argument("--for", dest="duration", metavar="DURATION", help="90s, 30m, 2h")
    parser.add_argument("--interval", metavar="DURATION", help="between samples (watch.interval)")
    parser.add_argument(
        "--json", dest="json_file", type=Path, metavar="FILE", help="a JSON line per sample"
    )
    parser.add_argument(
        "--rollback-on-breach",
        action="store_true",
        help="stop at the first breach and roll the last apply back (deployer rollback --last)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.journal import Journal, Redactor
    from deployer.run.context import open_context
    from deployer.spec.watch import DurationError, parse_duration
    from deployer.watch.run import run_watch

    try:
        duration = parse_duration(args.duration) if args.duration else None
        interval = parse_duration(args.interval) if args.interval else None
    except DurationError as exc:
        raise UsageError(f"--for/--interval: {exc}") from None
    target = load_target(args)
    journal = Journal(target.journal_root, Redactor())
    rollback = f"deployer rollback {args.spec} --last" + (" --lab" if args.lab else "")
    with (
        open_context(
            target.loaded, journal, _quiet, decide_host_key=host_key_prompt(streams)
        ) as context,
        _lines(args.json_file) as lines,
        _view(streams) as show,
    ):
        if target.loaded.env.database is not None:
            context.resolve_secrets()  # a missing secret is refused before the run starts

        def on_round(done: Round) -> None:
            show(done)
            if lines is not None:
                lines.write(json.dumps(_line(done), ensure_ascii=False) + "\n")
                lines.flush()

        record, verdict = run_watch(
            context,
            duration=duration,
            interval=interval,
            on_round=on_round,
            on_problem=streams.error,
            stop_on_breach=args.rollback_on_breach,
        )
    _summary(streams, verdict, rollback)
    streams.detail(f"run {record.id} recorded in {record.path}")
    if not verdict.go and args.rollback_on_breach:
        return _roll_back(args, streams)
    return ExitCode.OK if verdict.go else ExitCode.NO_GO


def _line(done: Round) -> dict[str, object]:
    return {
        "round": done.number,
        "at": round(done.time, 1),
        "readings": {
            host: {r.check: {"reading": r.shown, "over": r.over} for r in found}
            for host, found in done.readings.items()
        },
        "breaches": [f"{b.check}@{b.host}" for b in done.breaches],
    }


@contextlib.contextmanager
def _lines(path: Path | None) -> Iterator[IO[str] | None]:
    if path is None:
        yield None
        return
    with path.open("a", encoding="utf-8") as handle:
        yield handle


@contextlib.contextmanager
def _view(streams: Streams) -> Iterator[Callable[[Round], None]]:
    """A live table on a terminal; elsewhere a line per round and one per breach."""
    if not streams.console.is_terminal or streams.verbosity < 0:

        def plain(done: Round) -> None:
            over = [f"{r.check}@{h}" for h, found in done.readings.items() for r in found if r.over]
            shown = ", ".join(over) or "all within limits"
            streams.say(f"sample {done.number} at {done.time:.0f} s: {shown}")
            for breach in done.breaches:
                streams.error(f"breach: {breach.check} on {breach.host}: {breach.shown}")

        yield plain
        return
    with Live(Table(), console=streams.console, auto_refresh=False) as live:

        def table(done: Round) -> None:
            shown = Table(title=f"sample {done.number} at {done.time:.0f} s")
            for column in ("host", "check", "reading", ""):
                shown.add_column(column)
            for host, found in sorted(done.readings.items()):
                for reading in found:
                    mark = "OVER" if reading.over else "ok"
                    shown.add_row(
                        host,
                        reading.check,
                        reading.shown,
                        mark,
                        style="red" if reading.over else None,
                    )
            live.update(shown, refresh=True)
            for breach in done.breaches:
                live.console.print(
                    f"breach: {breach.check} on {breach.host}: {breach.shown}", style="red"
                )

        yield table


def _summary(streams: Streams, verdict: Verdict, rollback: str) -> None:
    ended = " (ended by Ctrl-C)" if verdict.interrupted else ""
    if verdict.baseline:
        streams.say(f"compared with run {verdict.baseline}, the watch before the last apply")
    if verdict.go:
        streams.say(
            f"go: {verdict.samples} samples in {verdict.seconds:.0f} s, no breach{ended}",
            style="green",
        )
        return
    streams.error(f"no-go: {len(verdict.breaches)} breach(es) in {verdict.samples} samples{ended}")
    for breach in verdict.breaches:
        streams.error(f"  {breach.check} on {breach.host}: {breach.shown}")
    streams.say(f"to roll back: {rollback}")


def _roll_back(args: argparse.Namespace, streams: Streams) -> int:
    """``deployer rollback SPEC --last`` with this command's spec and options."""
    from deployer.cli import rollback

    parser = argparse.ArgumentParser(prog="deployer")
    rollback.register(parser.add_subparsers())
    argv = ["rollback", args.spec, "--last", *(["--lab"] if args.lab else [])]
    if args.journal is not None:
        argv += ["--journal", str(args.journal)]
    again = parser.parse_args(argv)
    code = rollback.run(again, streams)
    return code if code != ExitCode.OK else ExitCode.NO_GO


def _quiet(stage: str, event: object) -> None:
    """The watch shows its rounds, not the transport's progress."""
