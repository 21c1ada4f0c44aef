"""The watch's loop: every interval, one sampler per host at once over the shared SSH
connections (and the database's status when there is one), turned into readings and fed to
the tracker. The clock, the pause and the database are passed in, so the loop's order and
its verdicts are tested without waiting."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from deployer.errors import DeployerError
from deployer.spec.watch import Thresholds
from deployer.transport.hosts import Hosts
from deployer.transport.result import CommandResult
from deployer.watch.baseline import Baseline
from deployer.watch.readings import Reading, database_readings, host_readings
from deployer.watch.sampler import (
    HostSample,
    SampleRequest,
    build_sampler,
    next_request,
    parse_sample,
)
from deployer.watch.verdict import Breach, Tracker

#: Where the database's readings are filed: it may be a host of the spec or not.
DATABASE = "database"

#: Hosts sampled at once.
PARALLEL = 32

DatabaseStatus = Callable[[], Mapping[str, int]]


@dataclass(frozen=True)
class Round:
    number: int
    time: float
    readings: dict[str, tuple[Reading, ...]]  # host (or "database") -> its readings
    breaches: tuple[Breach, ...]  # those that began with this round


@dataclass
class Watcher:
    hosts: Hosts
    requests: dict[str, SampleRequest]
    limits: Thresholds
    tracker: Tracker
    database: DatabaseStatus | None = None
    baseline: Baseline | None = None
    last: dict[str, HostSample] = field(default_factory=dict)
    last_status: Mapping[str, int] | None = None

    def sample(self, number: int, now: float) -> Round:
        """One round: every host sampled at once, then the database."""
        results = self._sampled()
        readings: dict[str, tuple[Reading, ...]] = {}
        for name, result in sorted(results.items()):
            if not result.ok:
                why = result.reason or result.stderr.strip().splitlines()[-1:] or ["no answer"]
                readings[name] = (Reading("reach", f"not sampled: {''.join(why)}", True),)
                continue
            sample = parse_sample(result.stdout)
            found = host_readings(self.last.get(name), sample, self.limits)
            readings[name] = self._judged(name, found)
            self.requests[name] = next_request(self.requests[name], sample)
            self.last[name] = sample
        if self.database is not None:
            readings[DATABASE] = self._judged(DATABASE, self._database())
        flat = [(host, reading) for host, found in readings.items() for reading in found]
        return Round(number, now, readings, tuple(self.tracker.add(flat)))

    def _judged(self, host: str, found: Iterable[Reading]) -> tuple[Reading, ...]:
        if self.baseline is None:
            return tuple(found)
        return tuple(self.baseline.judge(host, r) for r in found)

    def _sampled(self) -> dict[str, CommandResult]:
        # Each host gets its own script (its offsets, its paths), so each its own stdin.
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            futures = {
                name: pool.submit(
                    self.hosts.run_on,
                    name,
                    "sh -s",
                    stdin=build_sampler(request).encode(),
                    shown="watch sample",
                    root=True,  # logs under /var/log are root's or adm's
                )
                for name, request in self.requests.items()
            }
            return {name: future.result() for name, future in futures.items()}

    def _database(self) -> tuple[Reading, ...]:
        assert self.database is not None
        try:
            status = self.database()
        except (DeployerError, OSError) as exc:  # the server being down is a reading
            return (Reading("db.reach", f"no answer: {type(exc).__name__}", True),)
        found = tuple(database_readings(self.last_status, status, self.limits))
        self.last_status = status
        return found
