"""A rollback plan or package list damaged in the journal is refused by name, not a crash."""

from pathlib import Path

import pytest

from deployer.errors import ExitCode
from deployer.journal import Journal
from deployer.journal.runs import JournalDamaged
from deployer.pipeline import rollback_plan
from deployer.pipeline.rollback_plan import (
    PACKAGES_BEFORE,
    RollbackFailed,
    load_plan,
    with_package_changes,
)
from deployer.rollback import RollbackPlan
from deployer.transport import SshOptions
from deployer.transport.result import CommandResult


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
        with_package_changes(RollbackPlan("r", "p", "1"), run, [], None)  # type: ignore[arg-type]


@pytest.mark.parametrize("marker", ["{", "[1]", '"1.0"', "\xff"])
def test_a_damaged_release_marker_on_a_host_is_named_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, marker: str
) -> None:
    """The product role writes the marker; a host whose copy is cut short or edited stops the
    run before its first change, naming the host and the file."""
    out = f"/opt/erp/releases/1.0\n{marker}\n"
    answer = {"app1": CommandResult("app1", "read", 0, out, "", 0.1)}
    monkeypatch.setattr(rollback_plan, "run_everywhere", lambda *args, **kwargs: answer)
    with pytest.raises(RollbackFailed, match=r"^app1: /opt/erp/current/WEB-INF/deployer-rel"):
        rollback_plan._live_releases([], "/opt/erp", SshOptions())
