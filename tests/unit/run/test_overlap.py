"""Lanes side by side: all of them end before the call returns, and the first failure in
lane order is the one raised."""

from __future__ import annotations

import threading

import pytest

from deployer.run.overlap import side_by_side


def test_every_lane_runs_and_the_first_lane_runs_in_this_thread() -> None:
    seen: list[str] = []
    main = threading.current_thread()
    side_by_side(
        [
            lambda: seen.append("first" if threading.current_thread() is main else "?"),
            lambda: seen.append("second"),
        ]
    )
    assert sorted(seen) == ["first", "second"]


def test_a_failing_lane_lets_the_others_finish_then_its_failure_is_raised() -> None:
    finished = threading.Event()

    def slow() -> None:
        finished.wait(0.2)
        finished.set()

    def failing() -> None:
        raise ValueError("second lane")

    with pytest.raises(ValueError, match="second lane"):
        side_by_side([slow, failing])
    assert finished.is_set()


def test_the_first_lane_s_failure_wins() -> None:
    def first() -> None:
        raise KeyboardInterrupt

    def second() -> None:
        raise ValueError("later lane")

    with pytest.raises(KeyboardInterrupt):
        side_by_side([first, second])
