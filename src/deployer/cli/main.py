"""Entry point: parse arguments, run one command, map the outcome to an exit code.

This is the only place that turns exceptions into exit statuses.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NoReturn

from deployer import __version__
from deployer.cli import (
    apply,
    bundle,
    check,
    data,
    docs,
    drift,
    image,
    keys,
    lab,
    manifests,
    plan,
    rollback,
    runs,
    schema,
    validate,
    watch,
)
from deployer.cli.events import JsonEvents
from deployer.cli.io import Streams
from deployer.errors import DeployerError, ExitCode
from deployer.spec.problems import SpecError

COMMANDS = (
    validate,
    schema,
    check,
    drift,
    plan,
    apply,
    rollback,
    manifests,
    image,
    runs,
    keys,
    bundle,
    data,
    docs,
    watch,
    lab,
)


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit with our USAGE code through the normal path."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deployer",
        description="Install, upgrade and roll back an enterprise "
        "Java product at customer sites, from one environment spec.",
    )
    parser.add_argument("--version", action="version", version=f"deployer {__version__}")
    _add_volume(parser, default=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        command.register(commands)
    for subparser in _subparsers(parser):
        _add_volume(subparser, default=False)
    return parser


def _add_volume(parser: argparse.ArgumentParser, *, default: bool) -> None:
    """-v/-q before or after the command; only the top level sets defaults, so a
    subcommand that is not given them leaves the top level's values alone."""
    volume = parser.add_mutually_exclusive_group()
    count_default = 0 if default else argparse.SUPPRESS
    flag_default = False if default else argparse.SUPPRESS
    volume.add_argument("-v", "--verbose", action="count", default=count_default, help="say more")
    volume.add_argument(
        "-q", "--quiet", action="store_true", default=flag_default, help="only errors and data"
    )


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += [child, *_subparsers(child)]
    return found


def run(argv: Sequence[str], streams: Streams | None = None) -> int:
    streams = streams if streams is not None else Streams()
    parser = build_parser()
    try:
        # argparse prints --help, --version and usage errors itself, then exits.
        with redirect_stdout(streams.out), redirect_stderr(streams.err):
            args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else ExitCode.USAGE
    streams.verbosity = -1 if args.quiet else args.verbose
    _configure_logging(streams.verbosity)
    if not getattr(args, "handler", None):
        parser.print_help(streams.err)
        return ExitCode.USAGE
    return _dispatch(args, streams)


def _dispatch(args: argparse.Namespace, streams: Streams) -> int:
    """Run the command; the one place where exceptions become exit codes."""
    try:
        return int(args.handler(args, streams))
    except SpecError as exc:
        for problem in exc.problems:
            streams.error(str(problem))
        _json_status(args, streams, exc.exit_code, "; ".join(str(p) for p in exc.problems))
        return exc.exit_code
    except DeployerError as exc:
        streams.error(f"error: {exc}")
        _json_status(args, streams, exc.exit_code, str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        streams.error("interrupted")
        _json_status(args, streams, ExitCode.INTERRUPTED, "interrupted")
        return ExitCode.INTERRUPTED
    except Exception:
        log = _write_debug_log()
        streams.error(f"internal error: this is a bug in deployer; details in {log}")
        return ExitCode.INTERNAL_ERROR


def _json_status(args: argparse.Namespace, streams: Streams, code: int, error: str) -> None:
    """With --json, a command that ends on an error still ends its stream with a status."""
    if getattr(args, "json_events", False):
        JsonEvents(streams, str(args.command), str).status(None, int(code), error)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    sys.exit(run(sys.argv[1:] if argv is None else argv))


def _configure_logging(verbosity: int) -> None:
    level = logging.DEBUG if verbosity > 1 else logging.INFO if verbosity == 1 else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _write_debug_log() -> Path:
    fd, name = tempfile.mkstemp(prefix="deployer-crash-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"deployer {__version__}\n{traceback.format_exc()}")
    return Path(name)
