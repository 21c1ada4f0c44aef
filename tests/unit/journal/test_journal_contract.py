"""Runs recorded by an earlier deployer (format 1, no ``format`` key) are read by this one.

The fixture is a real journal of the example on lab hosts (see its README.md): a check, the
first apply (1.0), the plan of the 1.1 upgrade and its apply, which migrated the schema and
dumped it first.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deployer.errors import ExitCode
from deployer.journal import Journal
from deployer.journal.models import FIRST_FORMAT
from deployer.journal.runs import read_json
from deployer.rollback import RollbackPlan, observe, rollback_host_vars

REPO = Path(__file__).resolve().parents[3]
FIXTURE = REPO / "tests" / "fixtures" / "journal" / "main-2026-12-01"
SPEC = str(REPO / "examples" / "huadong-production.yml")
KINDS = ["check", "apply", "plan", "apply"]


@pytest.fixture
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the recorded journal (commands may write beside its runs)."""
    monkeypatch.setenv("HUADONG_DB_ADMIN_PASSWORD", "x")
    monkeypatch.setenv("HUADONG_DB_APP_PASSWORD", "y")
    root = tmp_path / "runs"
    shutil.copytree(FIXTURE, root)
    return root


def _run_ids() -> list[str]:
    return sorted(p.name for p in FIXTURE.iterdir() if (p / "meta.json").is_file())


def test_the_fixture_is_a_journal_of_the_first_format() -> None:
    metas = [json.loads((FIXTURE / run / "meta.json").read_text()) for run in _run_ids()]
    assert [meta["kind"] for meta in metas] == KINDS
    assert all("format" not in meta for meta in metas)


def test_runs_lists_every_recorded_run(journal: Path, cli: Callable[[list[str]], Any]) -> None:
    result = cli(["runs", SPEC, "--journal", str(journal), "--json"])
    assert result.code == ExitCode.OK, result.err
    listed = json.loads(result.out)
    assert [entry["id"] for entry in listed] == _run_ids()
    assert [entry["kind"] for entry in listed] == KINDS
    assert {entry["status"] for entry in listed} == {"successful"}
    assert [entry["product_version"] for entry in listed[1:]] == ["1.0", "1.1", "1.1"]
    assert set(listed[1]["recap"]) == {"app1", "db1"}


@pytest.mark.parametrize("run_id", _run_ids())
def test_show_reads_each_recorded_run(
    journal: Path, cli: Callable[[list[str]], Any], run_id: str
) -> None:
    result = cli(["show", SPEC, run_id, "--journal", str(journal), "--json"])
    assert result.code == ExitCode.OK, result.err
    shown = json.loads(result.out)
    lines = (FIXTURE / run_id / "events.jsonl").read_text().splitlines()
    assert shown["id"] == run_id and shown["events"] == len(lines)
    assert shown["failed_tasks"] == [] and shown["exit_code"] == 0


def test_show_last_is_the_upgrade(journal: Path, cli: Callable[[list[str]], Any]) -> None:
    result = cli(["show", SPEC, "last", "--journal", str(journal), "--json"])
    assert result.code == ExitCode.OK, result.err
    assert json.loads(result.out)["id"] == _run_ids()[-1]


def test_every_recorded_run_reads_through_the_models(journal: Path) -> None:
    for run in Journal(journal).runs():
        assert run.info().format == FIRST_FORMAT
        kinds = {event["event"] for event in run.events()}
        assert "status" in kinds


def test_the_upgrade_rollback_plan_loads_as_on_disk(journal: Path) -> None:
    upgrade = Journal(journal).last("apply")
    assert upgrade is not None
    path = upgrade.path / "rollback.json"
    plan = RollbackPlan.from_json(read_json(path), str(path))
    # The run wrote its plan with every event folded in: folding them again changes nothing.
    observed = observe(plan, upgrade.events())
    assert observed == plan
    # And it is written back as the earlier version wrote it, byte for byte.
    written = json.dumps(observed.to_json(), ensure_ascii=False, indent=2)
    assert written == path.read_text(encoding="utf-8")

    values = rollback_host_vars(observed)["app1"]
    assert values["product_rollback_version"] == "1.0"
    assert values["product_rollback_release"].startswith("/opt/sample-erp/releases/1.0-")
    assert values["product_rollback_failed_release"].startswith("/opt/sample-erp/releases/1.1-")
    schema = observed.schemas[0]
    assert (schema.schema, schema.down_to, schema.dump) == ("erp", 1, "dump-erp.sql")
    assert [m.name for m in schema.migrations] == ["V2__add_order_status.sql"]


def test_the_upgrade_dump_is_the_one_its_plan_names(journal: Path) -> None:
    upgrade = Journal(journal).last("apply")
    assert upgrade is not None
    schema = RollbackPlan.from_json(read_json(upgrade.path / "rollback.json")).schemas[0]
    dump = (upgrade.path / "dump-erp.sql").read_bytes()
    assert len(dump) == schema.dump_bytes
    assert hashlib.sha256(dump).hexdigest() == schema.dump_sha256
