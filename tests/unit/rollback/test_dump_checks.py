"""The pre-migration dump is restored only if it is the very file that was taken: its size and
SHA-256 are in the rollback plan, and a dump that differs is refused before the schema is
touched. Its bytes are the customer's data as they were, secrets included."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from deployer.rollback import MigrationStep, RollbackPlan, SchemaStep, render_markdown
from deployer.rollback.dumps import RollbackFailed, dump_name, restore_dump, verified_dump
from deployer.transport.stream import digest
from tests.support.fakes import FakeHosts

#: A row holding what looks like a password, and bytes that are not UTF-8 (a --hex-blob dump
#: is ASCII, but a dump's bytes are never decoded on their way).
DATA = b"INSERT INTO notes VALUES (1,'lab Adm1n;pw\\'\"','\xe8\x8b\x8f\xe5\xb7\x9e');\n\xff\n"


def taken(folder: Path, data: bytes = DATA) -> SchemaStep:
    (folder / "dump-erp.sql").write_bytes(data)
    return SchemaStep(
        "erp",
        "db1",
        down_to=1,
        migrations=[MigrationStep("V2__x.sql", 2, None)],
        dump="dump-erp.sql",
        dump_bytes=len(data),
        dump_sha256=hashlib.sha256(data).hexdigest(),
    )


def judge(schema: SchemaStep, folder: Path) -> None:
    with verified_dump(schema, folder):
        pass


def test_the_dump_as_taken_is_the_one_restored(tmp_path: Path) -> None:
    schema = taken(tmp_path)
    with verified_dump(schema, tmp_path) as dump:
        assert dump.read() == DATA
    assert digest(tmp_path / "dump-erp.sql").sha256 == schema.dump_sha256


def test_the_bytes_judged_are_the_bytes_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dump is opened once: a file put in its place after the check is never read."""
    schema = taken(tmp_path)

    class Hosts(FakeHosts):
        def run_from_file(
            self, host: str, command: str, source: Any, timeout: float, **kw: Any
        ) -> Any:
            (tmp_path / "dump-erp.sql").unlink()
            (tmp_path / "dump-erp.sql").write_bytes(b"DROP DATABASE erp;\n")
            return super().run_from_file(host, command, source, timeout, **kw)

    hosts = Hosts(("db1",))
    restore_dump(hosts, schema, tmp_path)
    assert hosts.sent == [DATA]


def test_a_dump_cut_short_is_refused(tmp_path: Path) -> None:
    schema = taken(tmp_path)
    (tmp_path / "dump-erp.sql").write_bytes(DATA[:-5])
    expected = rf"is not the dump that was taken \({len(DATA) - 5} bytes, .* recorded {len(DATA)} "
    with pytest.raises(RollbackFailed, match=expected):
        judge(schema, tmp_path)


def test_a_dump_changed_in_place_is_refused(tmp_path: Path) -> None:
    """Same size, other bytes: what a redacted dump of a secret of eight characters was."""
    schema = taken(tmp_path)
    (tmp_path / "dump-erp.sql").write_bytes(DATA.replace(b"Adm1n;pw", b"********"))
    with pytest.raises(RollbackFailed, match="refusing to restore it"):
        judge(schema, tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dump_sha256": "", "dump_bytes": None}, "has no recorded size and SHA-256"),
        ({"dump": "../../etc/dump-erp.sql"}, "names an unexpected dump"),
        ({"schema": "crm"}, "names an unexpected dump"),
    ],
)
def test_a_dump_the_plan_does_not_vouch_for_is_refused(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    schema = taken(tmp_path)
    for key, value in change.items():
        setattr(schema, key, value)
    with pytest.raises(RollbackFailed, match=message):
        judge(schema, tmp_path)


def test_a_missing_dump_is_refused(tmp_path: Path) -> None:
    schema = taken(tmp_path)
    (tmp_path / "dump-erp.sql").unlink()
    with pytest.raises(RollbackFailed, match="is missing"):
        judge(schema, tmp_path)


def test_a_refused_dump_never_reaches_the_database_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = taken(tmp_path)
    (tmp_path / "dump-erp.sql").write_bytes(b"DROP DATABASE erp;\n")
    hosts = FakeHosts(("db1",))
    with pytest.raises(RollbackFailed):
        restore_dump(hosts, schema, tmp_path)
    assert hosts.sent == []
    assert hosts.log == []


def test_the_plan_records_and_shows_the_dump_size_and_sha256(tmp_path: Path) -> None:
    schema = taken(tmp_path)
    plan = RollbackPlan("r1", "sample-erp", "1.1", schemas=[schema])
    again = RollbackPlan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again.schemas[0].dump_bytes == len(DATA)
    assert again.schemas[0].dump_sha256 == hashlib.sha256(DATA).hexdigest()
    assert f"  - {len(DATA)} bytes, sha256 `{schema.dump_sha256}`" in render_markdown(plan)


def test_the_dump_is_named_by_its_schema_only() -> None:
    assert dump_name("erp") == "dump-erp.sql"
    with pytest.raises(RollbackFailed):
        dump_name("erp/../x")
