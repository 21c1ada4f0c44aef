"""Time `deployer rollback` against the apply it undoes, in the same run.

On a two-host lab made from the example (app1: web+app, db1: db): apply 1.0 (not timed),
apply the 1.1 upgrade (timed), then `deployer rollback --last` (timed). Prints both times,
the ratio rollback/apply, and where the rollback's time goes (its stages, from its journal:
stopping the product, the database, putting configuration and release back).

Run as root: `python bench/rollback.py` (`--events`: also every event of the rollback's journal,
with the seconds since the one before).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchsupport import byte_compiled, last_run_events, seconds
from deployer import lab
from deployer.lab.derive import derive_spec
from deployer.lab.network import free_subnet

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
WORK = ROOT / ".deployer" / "bench-rollback"
SECRETS = {"HUADONG_DB_ADMIN_PASSWORD": "bench-Admin-1", "HUADONG_DB_APP_PASSWORD": "bench-App-1"}
HOSTS = [("app1", ["web", "app"]), ("db1", ["db"])]


def timed(*args: str) -> float:
    argv = [sys.executable, "-m", "deployer", *args]
    started = time.perf_counter()
    done = subprocess.run(
        argv, capture_output=True, text=True, env={**os.environ, **SECRETS}, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:2])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


def stage_times(events: list[dict[str, Any]]) -> dict[str, float]:
    """Seconds per stage of a run, from its journal's events."""
    marks = [(e["name"], e["time"]) for e in events if e["event"] == "stage"]
    marks.append(("end", events[-1]["time"]))
    return {name: seconds(start, end) for (name, start), (_, end) in itertools.pairwise(marks)}


def slowest_tasks(events: list[dict[str, Any]], count: int = 6) -> list[tuple[float, str]]:
    """The tasks that took longest: the time from the event before each task's own event."""
    spans = [
        (seconds(before["time"], event["time"]), f"{event['host']}: {event['task']}")
        for before, event in itertools.pairwise(events)
        if event["event"] == "task"
    ]
    return sorted(spans, reverse=True)[:count]


def timeline(events: list[dict[str, Any]]) -> list[str]:
    """One line per event: seconds since the event before, then what it was."""
    lines = []
    for before, event in itertools.pairwise(events):
        what = event.get("task") or event.get("name") or ""
        where = f"{event['host']}: " if event.get("host") else ""
        lines.append(
            f"  {seconds(before['time'], event['time']):5.1f} s  {event['event']:<8} {where}{what}"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description="Time deployer rollback against its apply.")
    parser.add_argument("--events", action="store_true", help="print the rollback's events")
    args = parser.parse_args()
    byte_compiled()
    spec = derive_spec(EXAMPLE, WORK / "huadong-production.yml", HOSTS, database_host="db1")
    upgrade = derive_spec(
        EXAMPLE.with_name("huadong-production-1.1.yml"),
        WORK / "huadong-production-1.1.yml",
        HOSTS,
        database_host="db1",
    )
    lab.down(spec)
    options = lab.UpOptions(
        cache_dir=lab.cache_dir_from(os.environ, Path.home()), subnet=str(free_subnet())
    )
    try:
        lab.up(spec, options)
        timed("apply", str(spec), "--lab", "-y")
        applied = timed("apply", str(upgrade), "--lab", "-y")
        undone = timed("rollback", str(upgrade), "--lab", "--last")
        events = last_run_events(spec)
    finally:
        lab.down(spec)
    print(f"apply 1.0 -> 1.1    {applied:7.1f} s")
    print(f"rollback to 1.0     {undone:7.1f} s")
    stages = stage_times(events)
    for name, spent in stages.items():
        print(f"  {name:<17} {spent:7.1f} s")
    if args.events:
        print("events of the rollback (seconds since the one before):")
        print("\n".join(timeline(events)))
    print("slowest tasks of the rollback:")
    for spent, task in slowest_tasks(events):
        print(f"  {spent:5.1f} s  {task}")
    app = undone - stages.get("database", 0.0)
    print(
        f"rollback / apply = {undone / applied:.2f} (app part {app / applied:.2f}; target < 0.20)"
    )
    print(f"rollback {undone:.1f} s (target < 10 s); app part {app:.1f} s (goal < 3 s)")
    figures = {
        "apply_s": round(applied, 2),
        "rollback_s": round(undone, 2),
        "rollback_app_s": round(app, 2),
        "rollback_vs_apply": round(undone / applied, 3),
        "stages_s": {name: round(spent, 2) for name, spent in stages.items()},
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
