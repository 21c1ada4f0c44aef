"""Go or no-go: a check counts as breached once it has been over its threshold in the
configured number of samples in a row, and a breach stays in the verdict after it clears
(the night's decision is about what happened, not only about the last sample)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from deployer.watch.readings import Reading


@dataclass(frozen=True)
class Breach:
    host: str
    check: str
    shown: str  # the reading that made it count
    since: int  # the sample number it counted at
    samples: int  # samples in a row it had been over


@dataclass
class Tracker:
    consecutive: int
    samples: int = 0
    over: dict[tuple[str, str], int] = field(default_factory=dict)
    breaches: dict[tuple[str, str], Breach] = field(default_factory=dict)

    def add(self, readings: Iterable[tuple[str, Reading]]) -> list[Breach]:
        """One round of readings (host, reading); the breaches that begin with it."""
        self.samples += 1
        new = []
        seen = set()
        for host, reading in readings:
            key = (host, reading.check)
            seen.add(key)
            self.over[key] = self.over.get(key, 0) + 1 if reading.over else 0
            if self.over[key] >= self.consecutive and key not in self.breaches:
                breach = Breach(host, reading.check, reading.shown, self.samples, self.over[key])
                self.breaches[key] = breach
                new.append(breach)
        for key in set(self.over) - seen:
            self.over[key] = 0  # not measured this time: a run of samples is broken
        return new

    @property
    def go(self) -> bool:
        return not self.breaches
