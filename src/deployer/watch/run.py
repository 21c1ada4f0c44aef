"""``deployer watch`` as a run of the journal: every round's readings and every breach as
events, the verdict as ``watch.json``, so the implementation report can tell the night."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from deployer.errors import DeployerError, ExitCode
from deployer.journal import Run, records
from deployer.run.context import RunContext
from deployer.run.lifecycle import run_lifecycle
from deployer.watch.baseline import Baseline, find_baseline
from deployer.watch.database import database_status
from deployer.watch.notify import notify
from deployer.watch.plan import sample_requests
from deployer.watch.rounds import DatabaseStatus, Round, Watcher
from deployer.watch.session import Clock, OnRound, Pause, Verdict, watch_for
from deployer.watch.verdict import Tracker


def run_watch(
    context: RunContext,
    *,
    duration: float | None,
    interval: float | None = None,
    on_round: OnRound,
    on_problem: Callable[[str], None] = lambda problem: None,
    stop_on_breach: bool = False,
    clock: Clock = time.monotonic,
    pause: Pause = time.sleep,
) -> tuple[Run, Verdict]:
    env = context.loaded.env
    every = interval or env.watch.interval
    name = f"{env.customer} {env.environment} {env.product.name} {env.product.version}"
    address = webhook_address(context)  # a missing secret is refused before the run starts
    baseline = _baseline(context, on_problem)
    run = context.journal.start(
        "watch",
        context.loaded.path,
        product_version=env.product.version,
        interval=every,
        baseline=baseline.run_id if baseline else None,
    )
    with run_lifecycle(run, context.redact) as ending:
        context.trust_first_contacts()
        watcher = Watcher(
            context.hosts,
            sample_requests(env),
            env.watch.thresholds,
            Tracker(env.watch.consecutive),
            _status(context) if env.database is not None else None,
            baseline,
        )

        tell = robot(context, run, address, on_problem)

        def recorded(done: Round) -> None:
            readings = {h: [asdict(r) for r in found] for h, found in done.readings.items()}
            run.event("sample", round=done.number, at=round(done.time, 1), readings=readings)
            for breach in done.breaches:
                run.event("breach", **asdict(breach))
                tell(
                    f"{name}: breach of {breach.check} on {breach.host}: {breach.shown}",
                    asdict(breach),
                )
            on_round(done)

        verdict = watch_for(
            watcher,
            interval=every,
            duration=duration,
            clock=clock,
            pause=pause,
            on_round=recorded,
            stop_on_breach=stop_on_breach,
        )
        run.record(records.WATCH_VERDICT, verdict.to_json())
        word = "go" if verdict.go else "no-go"
        tell(f"{name}: {word} after {verdict.samples} samples", verdict.to_json())
        ending.exit_code = ExitCode.OK if verdict.go else ExitCode.NO_GO
    return run, verdict


def _baseline(context: RunContext, on_problem: Callable[[str], None]) -> Baseline | None:
    """The watch before the last apply; a journal that cannot be read for it leaves the watch
    with its thresholds alone, and says so."""
    try:
        return find_baseline(context.journal, context.loaded.env.watch.baseline_margin_percent)
    except DeployerError as exc:
        on_problem(f"no baseline: {exc}")
        return None


def _status(context: RunContext) -> DatabaseStatus:
    def read() -> Mapping[str, int]:
        with context.database.session() as connection:
            return database_status(connection)

    return read


Tell = Callable[[str, dict[str, Any]], None]


def webhook_address(context: RunContext) -> str | None:
    webhook = context.loaded.env.watch.webhook
    if webhook is None:
        return None
    url = webhook.url.reveal(context.loaded.base_dir)
    context.journal.redact.add(url)  # the address carries the robot's token
    return url


def robot(
    context: RunContext, run: Run, url: str | None, on_problem: Callable[[str], None]
) -> Tell:
    """What tells the spec's webhook, if it has one; a post that fails is an event and a line
    for the engineer, never the watch's end."""
    webhook = context.loaded.env.watch.webhook
    if webhook is None or url is None:
        return lambda text, data: None

    def tell(text: str, data: dict[str, Any]) -> None:
        problem = notify(webhook, url, text, data)
        if problem is not None:
            run.event("notify", problem=problem)
            on_problem(problem)

    return tell
