"""A whole watch on a fake clock: how many rounds a duration makes, slow rounds, Ctrl-C, and
the verdict's JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from deployer.watch.baseline import Baseline
from deployer.watch.readings import Reading
from deployer.watch.rounds import Round
from deployer.watch.session import watch_for
from deployer.watch.verdict import Tracker


@dataclass
class Clock:
    now: float = 1000.0
    pauses: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


@dataclass
class FakeWatcher:
    clock: Clock
    cost: float = 1.0  # seconds a round takes
    over_from: int = 10**9  # the round from which the health page is down
    interrupt_at: int = 0
    tracker: Tracker = field(default_factory=lambda: Tracker(consecutive=2))
    baseline: Baseline | None = None

    def sample(self, number: int, at: float) -> Round:
        if number == self.interrupt_at:
            raise KeyboardInterrupt
        self.clock.now += self.cost
        reading = Reading(
            "health:tomcat",
            "HTTP 502" if number >= self.over_from else "HTTP 200",
            number >= self.over_from,
        )
        breaches = tuple(self.tracker.add([("app1", reading)]))
        return Round(number, at, {"app1": (reading,)}, breaches)


def test_a_20_second_watch_every_5_seconds_takes_4_rounds() -> None:
    clock = Clock()
    rounds: list[Round] = []
    verdict = watch_for(
        FakeWatcher(clock),
        interval=5,
        duration=20,
        clock=clock,
        pause=clock.pause,
        on_round=rounds.append,
    )  # type: ignore[arg-type]
    assert [r.number for r in rounds] == [1, 2, 3, 4] and [r.time for r in rounds] == [0, 5, 10, 15]
    assert clock.pauses == [4.0, 4.0, 4.0]
    assert verdict.go and verdict.samples == 4 and not verdict.interrupted
    assert verdict.to_json()["verdict"] == "go"


def test_a_round_slower_than_the_interval_is_followed_at_once() -> None:
    clock = Clock()
    watch_for(
        FakeWatcher(clock, cost=7),
        interval=5,
        duration=20,
        clock=clock,
        pause=clock.pause,
        on_round=lambda r: None,
    )  # type: ignore[arg-type]
    assert clock.pauses == [0.0, 0.0]


def test_ctrl_c_ends_the_watch_with_its_verdict() -> None:
    clock = Clock()
    watcher = FakeWatcher(clock, over_from=2, interrupt_at=5)
    verdict = watch_for(
        watcher, interval=5, duration=None, clock=clock, pause=clock.pause, on_round=lambda r: None
    )  # type: ignore[arg-type]
    assert verdict.interrupted and not verdict.go and verdict.samples == 4
    assert verdict.to_json()["breaches"] == [
        {
            "host": "app1",
            "check": "health:tomcat",
            "reading": "HTTP 502",
            "sample": 3,
            "in_a_row": 2,
        }
    ]


def test_with_stop_on_breach_the_watch_ends_at_the_first_breach() -> None:
    clock = Clock()
    verdict = watch_for(
        FakeWatcher(clock, over_from=2),  # type: ignore[arg-type]
        interval=5,
        duration=600,
        clock=clock,
        pause=clock.pause,
        on_round=lambda r: None,
        stop_on_breach=True,
    )
    assert not verdict.go and verdict.samples == 3 and not verdict.interrupted
