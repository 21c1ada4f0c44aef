"""``deployer drift SPEC``: what changed on the hosts since deployer last left them."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from deployer.cli.common import add_spec_arguments, host_key_prompt, load_target
from deployer.cli.io import Streams

if TYPE_CHECKING:
    from deployer.run.drift import DriftOutcome


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "drift",
        help="what changed on the hosts since the last apply (files, packages, services, links)",
        description="Read every host's managed-state record (left by the last successful "
        "apply or rollback) and compare it with the host now, one round trip per host in "
        "parallel. Nothing is changed. Exit 16 when anything drifted.",
    )
    add_spec_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.journal import Journal, Redactor
    from deployer.run.context import open_context
    from deployer.run.drift import detect_drift

    target = load_target(args)
    journal = Journal(target.journal_root, Redactor())
    prompt = host_key_prompt(streams)
    with open_context(target.loaded, journal, _no_progress, decide_host_key=prompt) as context:
        record, outcome = detect_drift(context)
    if args.json:
        streams.console.print_json(json.dumps(outcome.to_json()))
    else:
        for line in describe(outcome):
            streams.say(line)
    streams.detail(f"run {record.id} recorded in {record.path}")
    return outcome.exit_code


def describe(outcome: DriftOutcome) -> list[str]:
    """Per host: its differences, one line each, or why there is nothing to compare."""
    lines = []
    for host, state in sorted(outcome.states.items()):
        if state.problem:
            lines.append(f"{host}: cannot tell: {state.problem}")
        elif state.record is None:
            lines.append(f"{host}: no record: deployer has not applied here yet")
        elif not state.drifted:
            lines.append(f"{host}: no drift since run {state.record.run}")
        else:
            count = len(state.drifted)
            lines.append(
                f"{host}: {count} difference{'s' if count > 1 else ''} since run "
                f"{state.record.run} ({state.record.recorded})"
            )
            lines += [
                f"  {found.role:<8} {found.kind.value:<16} {found.item}{found.change}"
                for found in state.drifted
            ]
    return lines


def _no_progress(stage: str, event: object) -> None:
    """drift shows its findings at the end."""
