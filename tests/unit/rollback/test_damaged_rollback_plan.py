"""A rollback plan or package list damaged in the journal is refused by name, not a crash."""

from pathlib import Path

import pytest

from deployer.errors import ExitCode
from deployer.journal import Journal
from deployer.journal.records import PACKAGES_BEFORE
from deployer.journal.runs import JournalDamaged
from deployer.rollback import RollbackPlan, survey
from deployer.rollback.dumps import RollbackFailed
from deployer.rollback.recorder import load_plan
from deployer.rollback.survey import with_package_changes
from tests.support.fakes import FakeHosts


@pytest.mark.parametrize(
    "content",
    ["{", "[]", '{"run_id": "x"}', '{"run_id": 1, "product": "p", "version": "1", "hosts": [7]}'],
)
def test_a_damaged_rollback_plan_is_a_damaged_journal(tmp_path: Path, content: str) -> None:
    run = Journal(tmp_path).start("apply", tmp_path / "env.yml")
    (run.path / "rollback.json").write_text(content, encoding="utf-8")
    with pytest.raises(JournalDamaged, match=r"rollback\.json") as caught:
        load_plan(run)
    assert caught.value.exit_code == ExitCode.JOURNAL_DAMAGED


@pytest.mark.parametrize("content", ["{", "[1]", '{"app1": 5}', '{"app1": {"tomcat": 9}}'])
def test_a_damaged_package_list_is_a_damaged_journal(tmp_path: Path, content: str) -> None:
    run = Journal(tmp_path).start("apply", tmp_path / "env.yml")
    (run.path / PACKAGES_BEFORE).write_text(content, encoding="utf-8")
    with pytest.raises(JournalDamaged, match=PACKAGES_BEFORE):
        with_package_changes(RollbackPlan("r", "p", "1"), run, FakeHosts(("app1",)))


@pytest.mark.parametrize("marker", ["{", "[1]", '"1.0"', "\xff"])
def test_a_damaged_release_marker_on_a_host_is_named_not_a_crash(marker: str) -> None:
    """The product role writes the marker; a host whose copy is cut short or edited stops the
    run before its first change, naming the host and the file."""
    out = f"/opt/erp/releases/1.0\n{marker}\n"
    hosts = FakeHosts(("app1",))
    hosts.answer("readlink", (0, out))
    with pytest.raises(RollbackFailed, match=r"^app1: /opt/erp/current/WEB-INF/deployer-rel"):
        survey._live_releases(hosts, ["app1"], "/opt/erp")
