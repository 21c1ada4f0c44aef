"""The go-live watch's pure parts: durations, the spec's ``watch:``, the sampler's output read
back, readings against thresholds, and breaches counted over samples in a row."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from deployer.spec.watch import DurationError, Thresholds, Watch, parse_duration
from deployer.watch.database import database_status
from deployer.watch.readings import Reading, cpu_busy, database_readings, host_readings
from deployer.watch.sampler import (
    HostSample,
    SampleRequest,
    WatchedLog,
    build_sampler,
    next_request,
    parse_sample,
)
from deployer.watch.verdict import Tracker

OUTPUT = """cpu 100 0 50 800 50 0 0 0
cpus 2
load 0.50
mem 2000000 500000
conns 17
disk 900 100 /
disk 10 90 /srv/up loads
log tomcat errors 4242 1200 2 7
log nginx access 4343 900 1 4
log old missing
health direct 200 0.012
health nginx 502 0.003
health elsewhere unavailable
"""


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("45", 45), (20, 20)],
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1d", "m", "-5s", "0s", "37h", "1.5h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_the_watch_section_has_defaults_and_reads_durations() -> None:
    assert Watch().interval == 10 and Watch().consecutive == 3
    watch = Watch.model_validate({"interval": "1m", "thresholds": {"cpu_percent": 85}})
    assert watch.interval == 60 and watch.thresholds.cpu_percent == 85
    with pytest.raises(ValidationError):
        Watch.model_validate({"paths": ["relative/path"]})
    with pytest.raises(ValidationError):
        Watch.model_validate({"thresholds": {"cpu_pct": 85}})


def test_the_sampler_output_is_read_back() -> None:
    sample = parse_sample(OUTPUT + "what is this\n")
    assert sample.unreadable == ("what is this",)
    assert sample.cpus == 2 and sample.load == 0.5 and sample.connections == 17
    assert [(d.path, d.percent) for d in sample.disks] == [("/", 90.0), ("/srv/up loads", 10.0)]
    assert sample.logs["tomcat"] is not None and sample.logs["tomcat"].matches == 2
    assert sample.logs["old"] is None and sample.health["elsewhere"] is None
    assert sample.health["nginx"] is not None and sample.health["nginx"].status == 502


def test_logs_are_read_on_from_where_the_last_sample_stopped() -> None:
    request = SampleRequest(
        logs=(WatchedLog("tomcat", "/var/log/t", "errors"), WatchedLog("old", "/x", "errors"))
    )
    again = next_request(request, parse_sample(OUTPUT))
    assert [(log.inode, log.offset) for log in again.logs] == [(4242, 1200), (0, 0)]


def test_spec_values_are_quoted_in_the_script() -> None:
    script = build_sampler(SampleRequest(paths=("/a b; rm -rf /",)))
    assert "deployer_disk '/a b; rm -rf /'" in script


def test_readings_against_the_thresholds() -> None:
    before = parse_sample(OUTPUT)
    now = parse_sample(OUTPUT.replace("cpu 100 0 50 800 50", "cpu 1000 0 50 850 50"))
    assert cpu_busy(before, now) == pytest.approx(900 / 950 * 100)
    readings = {r.check: r for r in host_readings(before, now, Thresholds())}
    assert readings["cpu"].over and readings["memory"].shown.startswith("75.0 %")
    assert not readings["memory"].over and not readings["load"].over
    assert readings["disk:/"].over is False  # exactly at the limit is not over it
    assert readings["health:direct"].over is False and readings["health:nginx"].over is True
    assert "elsewhere" not in str(readings) and "errors:old" not in readings
    assert readings["errors:tomcat"].over and "2 new error lines" in readings["errors:tomcat"].shown
    assert readings["5xx:nginx"].over and "25.0 %" in readings["5xx:nginx"].shown
    assert host_readings(None, now, Thresholds())[0].check == "memory"  # no CPU from one sample


def test_database_readings() -> None:
    before = {"Slow_queries": 3}
    now = {
        "Threads_connected": 90,
        "max_connections": 100,
        "Threads_running": 4,
        "Slow_queries": 20,
    }
    readings = {r.check: r for r in database_readings(before, now, Thresholds())}
    assert readings["db.connections"].over and not readings["db.threads_running"].over
    assert readings["db.slow_queries"].over and "17 new" in readings["db.slow_queries"].shown


def test_a_breach_counts_after_samples_in_a_row_and_stays() -> None:
    tracker = Tracker(consecutive=3)
    over, fine = (
        Reading("health:direct", "HTTP 502", True),
        Reading("health:direct", "HTTP 200", False),
    )
    assert tracker.add([("app1", over)]) == []
    assert tracker.add([("app1", fine)]) == []  # the run is broken
    assert tracker.add([("app1", over)]) == [] and tracker.add([("app1", over)]) == []
    assert tracker.go
    [breach] = tracker.add([("app1", over)])
    assert (breach.host, breach.check, breach.since, breach.samples) == (
        "app1",
        "health:direct",
        5,
        3,
    )
    assert tracker.add([("app1", over)]) == []  # counted once
    tracker.add([("app1", fine)])
    assert not tracker.go  # it happened


def test_a_check_not_measured_breaks_the_run() -> None:
    tracker = Tracker(consecutive=2)
    over = Reading("cpu", "99 %", True)
    tracker.add([("app1", over)])
    tracker.add([])
    tracker.add([("app1", over)])
    assert tracker.go
    assert HostSample().cpu == ()


class StatusCursor:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __enter__(self) -> StatusCursor:
        return self

    def __exit__(self, *args: object) -> None:
        pass

    def execute(self, statement: str) -> None:
        self.statements.append(statement)

    def fetchall(self) -> list[tuple[str, str]]:
        return [("Threads_connected", "12"), ("Threads_running", "2"), ("Slow_queries", "x")]

    def fetchone(self) -> tuple[int]:
        return (151,)


class StatusConnection:
    def __init__(self) -> None:
        self.made = StatusCursor()

    def cursor(self) -> StatusCursor:
        return self.made


def test_the_database_status_is_read_as_integers() -> None:
    connection = StatusConnection()
    status = database_status(connection)
    assert status == {"Threads_connected": 12, "Threads_running": 2, "max_connections": 151}
    assert connection.made.statements[0] == (
        "SHOW GLOBAL STATUS WHERE Variable_name IN "
        "('Threads_connected', 'Threads_running', 'Slow_queries')"
    )
