"""A whole watch: rounds every interval until its time is up (or Ctrl-C), then the verdict.
The clock and the pause are passed in, so a test runs an hour's watch at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deployer.watch.rounds import Round, Watcher
from deployer.watch.verdict import Breach

Clock = Callable[[], float]
Pause = Callable[[float], None]
OnRound = Callable[[Round], None]


@dataclass(frozen=True)
class Verdict:
    go: bool
    breaches: tuple[Breach, ...]
    samples: int
    seconds: float
    interrupted: bool  # ended by Ctrl-C before its time was up
    baseline: str | None = None  # the watch run before the last apply it was compared with

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": "go" if self.go else "no-go",
            "samples": self.samples,
            "seconds": round(self.seconds, 1),
            "interrupted": self.interrupted,
            "baseline": self.baseline,
            "breaches": [
                {
                    "host": b.host,
                    "check": b.check,
                    "reading": b.shown,
                    "sample": b.since,
                    "in_a_row": b.samples,
                }
                for b in self.breaches
            ],
        }


def watch_for(
    watcher: Watcher,
    *,
    interval: float,
    duration: float | None,
    clock: Clock,
    pause: Pause,
    on_round: OnRound,
    stop_on_breach: bool = False,
) -> Verdict:
    """Sample every ``interval`` seconds for ``duration`` (None: until Ctrl-C), or, with
    ``stop_on_breach``, until the first breach. A round that takes longer than the interval
    is followed at once by the next, never by two."""
    started = clock()
    number = 0
    interrupted = False
    try:
        while True:
            number += 1
            began = clock()
            done = watcher.sample(number, began - started)
            on_round(done)
            if stop_on_breach and done.breaches:
                break
            elapsed = clock() - started
            if duration is not None and elapsed + interval > duration + 1e-9:
                break
            pause(max(0.0, began + interval - clock()))
    except KeyboardInterrupt:
        interrupted = True
    tracker = watcher.tracker
    return Verdict(
        tracker.go,
        tuple(tracker.breaches.values()),
        tracker.samples,
        clock() - started,
        interrupted,
        watcher.baseline.run_id if watcher.baseline else None,
    )
