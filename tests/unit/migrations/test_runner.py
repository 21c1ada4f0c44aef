"""The runner's order of statements over a fake cursor: what it sends, and what it reports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from deployer.migrations import discover
from deployer.migrations.dialects import MYSQL
from deployer.migrations.runner import MigrationFailed, Runner


class FakeServer:
    """Answers the lock and an empty history; refuses statements containing ``refuse``."""

    def __init__(self, refuse: str = "\0") -> None:
        self.refuse = refuse
        self.sent: list[str] = []
        self._row: Sequence[Any] | None = None

    def execute(self, query: str, args: Any = None, /) -> int:
        self.sent.append(query)
        if self.refuse in query:
            raise RuntimeError(1146, "Table 'erp.nothing' doesn't exist")
        self._row = (1,) if "GET_LOCK" in query else None
        return 0

    def fetchall(self) -> Sequence[Sequence[Any]]:
        return []

    def fetchone(self) -> Sequence[Any] | None:
        return self._row


def _runner(server: FakeServer) -> Runner:
    return Runner(server, MYSQL, "erp", "run1", "tester@host")


def test_a_refused_statement_is_reported_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "V1__two.sql").write_text(
        "-- two statements\nCREATE TABLE a (x INT);\n\nINSERT INTO nothing\n  VALUES (1);\n"
    )
    server = FakeServer(refuse="nothing")
    with pytest.raises(MigrationFailed) as caught:
        _runner(server).migrate(discover(tmp_path))
    assert str(caught.value) == (
        "V1__two.sql:4: statement 2 of 2 failed: (1146) Table 'erp.nothing' doesn't exist"
    )


def test_autocommit_is_back_on_before_the_history_row_is_written(tmp_path: Path) -> None:
    # Dumps switch autocommit off and end with COMMIT; without the reset, the history row
    # would stay in an open transaction and vanish with the connection.
    (tmp_path / "V1__dump.sql").write_text(
        "SET AUTOCOMMIT=0;\nINSERT INTO a VALUES (1);\nCOMMIT;\n"
    )
    server = FakeServer()
    _runner(server).migrate(discover(tmp_path))
    after = server.sent[server.sent.index("COMMIT") + 1 :]
    assert after[0] == "SET autocommit = 1"
    assert any(s.startswith("INSERT INTO `deployer_schema_history`") for s in after[1:])


def test_a_failed_script_is_rolled_back_before_its_failure_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "V1__half.sql").write_text("SET AUTOCOMMIT=0;\nINSERT INTO nothing VALUES (1);\n")
    server = FakeServer(refuse="nothing")
    with pytest.raises(MigrationFailed):
        _runner(server).migrate(discover(tmp_path))
    failed = server.sent.index("INSERT INTO nothing VALUES (1)")
    assert server.sent[failed + 1 : failed + 3] == ["ROLLBACK", "SET autocommit = 1"]
    assert any("deployer_schema_history" in s for s in server.sent[failed + 3 :])


class LostServer(FakeServer):
    """Loses the connection at the statement holding ``refuse``: nothing answers after it."""

    def execute(self, query: str, args: Any = None, /) -> int:
        if self.refuse in query or any(self.refuse in sent for sent in self.sent):
            self.sent.append(query)
            raise ConnectionResetError(104, "Connection reset by peer")
        return super().execute(query, args)


def test_a_lost_connection_is_reported_at_the_statement_not_at_the_lock_release(
    tmp_path: Path,
) -> None:
    # The lock goes with the connection; failing to release it must not hide which
    # statement of which file the connection was lost at.
    (tmp_path / "V1__two.sql").write_text("CREATE TABLE a (x INT);\nINSERT INTO nothing VALUES (1)")
    lost = r"^V1__two.sql:2: statement 2 of 2 failed: \(104\) Connection reset by peer$"
    with pytest.raises(MigrationFailed, match=lost):
        _runner(LostServer(refuse="nothing")).migrate(discover(tmp_path))
