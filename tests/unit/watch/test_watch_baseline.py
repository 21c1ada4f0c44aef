"""The baseline: the newest watch that ended before the last apply, read back from a journal
written through the journal's own API, and what it does to a reading: a check already over
its threshold before the release is over again only when worse by the margin."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from deployer.journal import Journal, RunStatus
from deployer.spec.watch import Thresholds
from deployer.watch.baseline import Baseline, find_baseline, medians
from deployer.watch.readings import Reading, database_readings
from deployer.watch.rounds import Watcher
from deployer.watch.verdict import Tracker

SPEC = Path("/site/huadong-production.yml")


def memory(percent: float) -> Reading:
    return Reading("memory", f"{percent:.1f} % (limit 90 %)", percent > 90, percent, 90)


def watched(journal: Journal, *percents: float) -> str:
    run = journal.start("watch", SPEC)
    for number, percent in enumerate(percents, 1):
        run.event("sample", round=number, readings={"app1": [asdict(memory(percent))]})
    run.set_status(RunStatus.SUCCESSFUL, exit_code=0)
    return run.id


def applied(journal: Journal) -> None:
    journal.start("apply", SPEC).set_status(RunStatus.SUCCESSFUL, exit_code=0)


def test_the_watch_before_the_last_apply_is_the_baseline(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "runs")
    assert find_baseline(journal, 10) is None  # no apply yet
    watched(journal, 50, 60, 70)
    applied(journal)
    before = watched(journal, 93, 94, 99)
    applied(journal)
    watched(journal, 20)  # after the last apply: the night itself, not a baseline
    found = find_baseline(journal, 10)
    assert found is not None and found.run_id == before
    assert found.values == {("app1", "memory"): 94.0}


def test_a_watch_with_no_sample_is_passed_over(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "runs")
    first = watched(journal, 95)
    watched(journal)
    applied(journal)
    found = find_baseline(journal, 10)
    assert found is not None and found.run_id == first


def test_over_as_before_the_release_is_not_over_until_worse_by_the_margin() -> None:
    baseline = Baseline("20261203-0100", {("app1", "memory"): 94.0}, margin_percent=10)
    same = baseline.judge("app1", memory(95))
    assert not same.over and "94 before the release (run 20261203-0100)" in same.shown
    worse = baseline.judge("app1", memory(104))
    assert worse.over and "before the release" not in worse.shown
    assert baseline.judge("db1", memory(95)).over  # no baseline for that host
    fine_before = Baseline("r", {("app1", "memory"): 60.0}, 10)
    assert fine_before.judge("app1", memory(91)).over  # was within its limit: no leniency
    down = Reading("health:tomcat", "HTTP 502, 3 ms (limit 3000 ms)", True, None, 3000)
    assert Baseline("r", {("app1", "health:tomcat"): 5000.0}, 10).judge("app1", down).over


def test_the_watcher_compares_with_the_baseline(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "runs")
    run = journal.start("watch", SPEC)
    readings = database_readings(None, {"Threads_running": 60}, Thresholds())
    run.event("sample", round=1, readings={"database": [asdict(r) for r in readings]})
    run.set_status(RunStatus.SUCCESSFUL, exit_code=0)
    assert medians(run.events()) == {("database", "db.threads_running"): 60.0}
    applied(journal)
    answers = iter([{"Threads_running": 62}, {"Threads_running": 80}])
    watcher = Watcher(
        hosts=None,  # type: ignore[arg-type]
        requests={},
        limits=Thresholds(),
        tracker=Tracker(consecutive=1),
        database=lambda: next(answers),
        baseline=find_baseline(journal, 10),
    )
    calm, busy = watcher.sample(1, 0.0), watcher.sample(2, 10.0)
    assert calm.breaches == () and "60 before the release" in calm.readings["database"][0].shown
    assert [b.check for b in busy.breaches] == ["db.threads_running"]
