"""``deployer runs SPEC`` and ``deployer show SPEC RUN``: the run journal, read back."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from deployer.cli.common import add_spec_arguments, load_target
from deployer.cli.io import Streams
from deployer.cli.plan import describe_engine
from deployer.errors import ExitCode

if TYPE_CHECKING:
    from deployer.journal import Journal


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    runs = commands.add_parser("runs", help="list the runs recorded for an environment")
    add_spec_arguments(runs)
    runs.add_argument("--json", action="store_true", help="print JSON")
    runs.set_defaults(handler=run_list)
    show = commands.add_parser("show", help="show one run: status, recap per host, events")
    add_spec_arguments(show)
    show.add_argument("run", metavar="RUN", help="run id, or 'last'")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=run_show)


def _journal(args: argparse.Namespace) -> Journal:
    from deployer.journal import Journal

    return Journal(load_target(args).journal_root)


def run_list(args: argparse.Namespace, streams: Streams) -> int:
    runs = [r.summary() for r in _journal(args).runs()]
    if args.json:
        streams.data(json.dumps(runs, ensure_ascii=False, indent=2))
        return ExitCode.OK
    if not runs:
        streams.say("no runs recorded yet")
    for entry in runs:
        streams.say(
            f"{entry['id']}  {entry['kind']:<8} {entry['status']:<10} "
            f"exit={entry['exit_code']!s:<4} {entry.get('product_version') or '':<6} "
            f"{entry['started']}"
        )
    return ExitCode.OK


def run_show(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.journal.runs import RunNotFound

    journal = _journal(args)
    record = journal.last() if args.run == "last" else journal.get(args.run)
    if record is None:
        raise RunNotFound(f"no runs in {journal.root}")
    entry = record.summary()
    events = list(record.events())
    failed = [e for e in events if e.get("event") == "task" and e.get("outcome") == "failed"]
    entry["failed_tasks"] = failed
    entry["events"] = len(events)
    if args.json:
        streams.data(json.dumps(entry, ensure_ascii=False, indent=2))
        return ExitCode.OK
    streams.say(
        f"run {entry['id']} ({entry['kind']}): {entry['status']}, exit {entry['exit_code']}"
    )
    streams.say(f"started {entry['started']}, finished {entry['finished']}, by {entry['user']}")
    for host, counts in entry["recap"].items():
        streams.say(f"  {host:<10} " + " ".join(f"{k}={v}" for k, v in counts.items()))
    for host, engine in (entry.get("engines") or {}).items():
        streams.say(f"  {host:<10} {describe_engine(engine)}")
    for task in failed:
        where = f"{task.get('host', '?')}: {task.get('task', '?')}"
        streams.error(f"  failed: {where}: {task.get('message', '')}")
    if entry.get("error"):
        streams.error(f"  error: {entry['error']}")
    streams.say(f"  {entry['events']} events in {entry['path']}/events.jsonl")
    return ExitCode.OK
