"""Oracle scripts read as SQL*Plus reads them: ``/`` alone on a line ends a PL/SQL block."""

import pytest

from deployer.migrations.dialects import MYSQL, ORACLE
from deployer.migrations.sqlplus import split_sqlplus
from deployer.migrations.sqltext import SqlTextError, Statement

SCRIPT = """\
CREATE TABLE orders (id NUMBER PRIMARY KEY, note VARCHAR2(200));
-- a comment; with a semicolon
CREATE OR REPLACE PROCEDURE touch(p_id IN NUMBER) AS
BEGIN
  UPDATE orders SET note = 'touched; again' WHERE id = p_id;
  COMMIT;
END;
/
create or replace package body erp_pkg as
  procedure p is begin null; end;
end erp_pkg;
  /
DECLARE
  n NUMBER;
BEGIN
  SELECT COUNT(*) INTO n FROM orders;
END;
/
INSERT INTO orders VALUES (1, q'[it's; here]')
/
/
CREATE OR REPLACE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW
BEGIN :NEW.note := '/'; END;
/
SELECT 1 FROM dual;
"""


def test_plsql_blocks_end_at_a_slash_line_and_keep_their_semicolons() -> None:
    assert split_sqlplus(SCRIPT) == [
        Statement("CREATE TABLE orders (id NUMBER PRIMARY KEY, note VARCHAR2(200))", 1),
        Statement(
            "CREATE OR REPLACE PROCEDURE touch(p_id IN NUMBER) AS\nBEGIN\n"
            "  UPDATE orders SET note = 'touched; again' WHERE id = p_id;\n  COMMIT;\nEND;",
            3,
        ),
        Statement(
            "create or replace package body erp_pkg as\n  procedure p is begin null; end;\n"
            "end erp_pkg;",
            9,
        ),
        Statement("DECLARE\n  n NUMBER;\nBEGIN\n  SELECT COUNT(*) INTO n FROM orders;\nEND;", 13),
        # A second "/" after an ended statement runs nothing again.
        Statement("INSERT INTO orders VALUES (1, q'[it's; here]')", 19),
        Statement(
            "CREATE OR REPLACE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW\n"
            "BEGIN :NEW.note := '/'; END;",
            22,
        ),
        Statement("SELECT 1 FROM dual", 25),
    ]


def test_the_dialect_chooses_the_client_rules() -> None:
    script = "BEGIN\n  NULL;\nEND;\n/\n"
    assert [s.text for s in ORACLE.split(script)] == ["BEGIN\n  NULL;\nEND;"]
    assert [s.text for s in MYSQL.split("SELECT 1--1;")] == ["SELECT 1--1"]


@pytest.mark.parametrize(
    ("script", "line", "message"),
    [
        ("SELECT 1 FROM dual;\nBEGIN\n  NULL;\nEND;\n", 2, "not ended by a line with /"),
        ("SELECT 'x FROM dual;\n/\n", 1, "string opened with ' is never closed"),
        ("SELECT q'{x FROM dual;\n", 1, "q'\\{ is never closed"),
        ("SELECT 1 FROM dual;\n/* open\n", 2, "comment /\\* is never closed"),
    ],
)
def test_unterminated_text_is_an_error_naming_its_line(
    script: str, line: int, message: str
) -> None:
    with pytest.raises(SqlTextError, match=message) as caught:
        split_sqlplus(script)
    assert caught.value.line == line
