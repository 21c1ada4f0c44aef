"""The site as it was before the release: a watch run the journal holds that ended before the
last apply began. A check that was already over its threshold then is not the new release's
doing, so it counts as over again only once it is worse than it was by the spec's margin
(``watch.baseline_margin_percent``). A check that was within its threshold then keeps its
threshold: the baseline never makes the watch more lenient for what used to be fine."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from deployer.journal import Journal
from deployer.watch.readings import Reading


@dataclass(frozen=True)
class Baseline:
    run_id: str  # the watch run it was taken from
    values: Mapping[tuple[str, str], float]  # (host, check) -> the median of its samples
    margin_percent: float  # how much worse than before a check must be to be over again

    def judge(self, host: str, reading: Reading) -> Reading:
        """``reading``, no longer over when it is over only as much as it was before."""
        before = self.values.get((host, reading.check))
        value, limit = reading.value, reading.limit
        if before is None or value is None or limit is None or not reading.over:
            return reading
        if before <= limit or value > before * (1 + self.margin_percent / 100):
            return reading
        shown = f"{reading.shown}; {before:g} before the release (run {self.run_id})"
        return replace(reading, shown=shown, over=False)


def find_baseline(journal: Journal, margin_percent: float) -> Baseline | None:
    """The newest watch that ended before the last apply began, if it took any sample."""
    runs = [(run, run.meta()) for run in journal.runs()]
    applies = [meta for _, meta in runs if meta.get("kind") == "apply"]
    if not applies:
        return None
    began = str(applies[-1].get("started", ""))
    watches = [
        run
        for run, meta in runs
        if meta.get("kind") == "watch" and str(meta.get("finished") or "~") <= began
    ]
    for run in reversed(watches):
        values = medians(run.events())
        if values:
            return Baseline(run.id, values, margin_percent)
    return None


def medians(events: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], float]:
    """Each (host, check)'s median value over a watch run's samples."""
    seen: dict[tuple[str, str], list[float]] = {}
    for event in events:
        if event.get("event") != "sample" or not isinstance(event.get("readings"), dict):
            continue
        for host, readings in event["readings"].items():
            for reading in readings if isinstance(readings, list) else ():
                value = reading.get("value") if isinstance(reading, dict) else None
                if isinstance(value, int | float) and not isinstance(value, bool):
                    seen.setdefault((str(host), str(reading.get("check"))), []).append(value)
    return {key: float(statistics.median(values)) for key, values in seen.items()}
