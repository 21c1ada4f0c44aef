from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deployer.errors import ExitCode
from deployer.migrations import discover
from deployer.migrations.sqlplus import split_sqlplus
from deployer.migrations.sqltext import SqlTextError, Statement, split_script, split_statements


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);",
            ["CREATE TABLE a (x INT)", "INSERT INTO a VALUES (1)"],
        ),
        ("INSERT INTO t VALUES ('a;b', \"c;d\");", ["INSERT INTO t VALUES ('a;b', \"c;d\")"]),
        ("INSERT INTO t VALUES ('it''s; fine');", ["INSERT INTO t VALUES ('it''s; fine')"]),
        ("INSERT INTO t VALUES ('back\\';slash');", ["INSERT INTO t VALUES ('back\\';slash')"]),
        ("-- a comment; with semicolon\nSELECT 1; # another; one\n", ["SELECT 1"]),
        ("/* block; comment */ SELECT 2;", ["SELECT 2"]),
        ("SELECT `we;ird` FROM t", ["SELECT `we;ird` FROM t"]),
        (
            "INSERT INTO c (name) VALUES ('华东精密；公司');",
            ["INSERT INTO c (name) VALUES ('华东精密；公司')"],
        ),
        ("-- only a comment\n", []),
        (";;\n;", []),
    ],
)
def test_statements_split_on_semicolons_outside_quotes_and_comments(
    script: str, expected: list[str]
) -> None:
    assert split_statements(script) == expected


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        # "--" is a comment only before whitespace, a control character or the end.
        ("SELECT 1--1;", ["SELECT 1--1"]),
        ("SELECT 5 --1;\nSELECT 6;", ["SELECT 5 --1", "SELECT 6"]),
        ("SELECT 1 --\tnote ; here\n;", ["SELECT 1"]),
        ("SELECT 2;\n--", ["SELECT 2"]),
        ("SELECT 3 # note ; here\n;", ["SELECT 3"]),
        # Version comments and hints are code the server runs; plain comments are not.
        ("/*!50700 SET @x = 1 */;", ["/*!50700 SET @x = 1 */"]),
        (
            "INSERT INTO a VALUES (1,/*!50705 0x00,*/'x');",
            ["INSERT INTO a VALUES (1,/*!50705 0x00,*/'x')"],
        ),
        ("SELECT /*+ MAX_EXECUTION_TIME(1) */ 1;", ["SELECT /*+ MAX_EXECUTION_TIME(1) */ 1"]),
        ("/*M!100100 SET @y = 2 */;", ["/*M!100100 SET @y = 2 */"]),
        ("SELECT 1/* gone */+2;", ["SELECT 1 +2"]),
        # Quotes hide terminators and comment starters; escapes and doubled quotes stay.
        ('SELECT \'a\\\'b;--\', "c""d;#", `e``f;`;', ['SELECT \'a\\\'b;--\', "c""d;#", `e``f;`']),
        ("SELECT '/* not a comment';", ["SELECT '/* not a comment'"]),
    ],
)
def test_comments_follow_the_mysql_client(script: str, expected: list[str]) -> None:
    assert split_statements(script) == expected


TRIGGER = """\
CREATE TABLE t (a INT);
DELIMITER ;;
CREATE TRIGGER t_ins AFTER INSERT ON t FOR EACH ROW BEGIN
  INSERT INTO log VALUES (NEW.a);
  UPDATE c SET n = n + 1;
END;;
delimiter //
CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END //
  Delimiter $$
CREATE FUNCTION f() RETURNS INT DETERMINISTIC BEGIN RETURN 1; END$$
DELIMITER ;
SELECT 'DELIMITER ;;';
"""


def test_delimiter_lines_change_the_terminator() -> None:
    assert split_script(TRIGGER) == [
        Statement("CREATE TABLE t (a INT)", 1),
        Statement(
            "CREATE TRIGGER t_ins AFTER INSERT ON t FOR EACH ROW BEGIN\n"
            "  INSERT INTO log VALUES (NEW.a);\n  UPDATE c SET n = n + 1;\nEND",
            3,
        ),
        Statement("CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", 8),
        Statement("CREATE FUNCTION f() RETURNS INT DETERMINISTIC BEGIN RETURN 1; END", 10),
        Statement("SELECT 'DELIMITER ;;'", 12),
    ]


def test_delimiter_is_a_command_only_where_no_statement_is_pending() -> None:
    # A column called "delimiter" at the start of a line is SQL, as for the mysql client.
    assert split_statements("SELECT a,\ndelimiter FROM t;\nSELECT delimiters FROM t;") == [
        "SELECT a,\ndelimiter FROM t",
        "SELECT delimiters FROM t",
    ]


def test_statements_remember_the_line_they_start_on() -> None:
    script = "-- header\n\n/* block\ncomment */ SELECT 1;\n\n  SELECT\n 2; SELECT 3"
    assert [(s.line, s.text) for s in split_script(script)] == [
        (4, "SELECT 1"),
        (6, "SELECT\n 2"),
        (7, "SELECT 3"),
    ]


@pytest.mark.parametrize(
    ("script", "line", "message"),
    [
        ("SELECT 1;\n/* never\nclosed;\nSELECT 2;", 2, "comment /\\* is never closed"),
        ("SELECT 1;\nSELECT 'open;\nSELECT 2;", 2, "string opened with ' is never closed"),
        ('SELECT "open', 1, 'string opened with " is never closed'),
        ("SELECT 1;\n\n`open", 3, "identifier opened with ` is never closed"),
        ("SELECT 'a\\'", 1, "string opened with ' is never closed"),
        ("SELECT 1;\nDELIMITER\nSELECT 2", 2, "DELIMITER must be followed"),
        ("DELIMITER \\\\\n", 1, "a backslash cannot delimit"),
    ],
)
def test_unterminated_text_is_an_error_naming_its_line(
    script: str, line: int, message: str
) -> None:
    with pytest.raises(SqlTextError, match=message) as caught:
        split_script(script)
    assert caught.value.line == line
    assert caught.value.exit_code == ExitCode.INVALID_SPEC


def test_extended_inserts_keep_every_row() -> None:
    row = "(1,'a;b','c\\'d',/*!50705 0x00,*/NULL)"
    script = "\n".join(["INSERT INTO t VALUES " + ",\n".join([row] * 5000) + ";"] * 4)
    statements = split_statements(script)
    assert len(statements) == 4 and all(s.count("(1,'a;b'") == 5000 for s in statements)


SAKILA = Path(__file__).resolve().parents[4] / "shared" / "testdata" / "sakila"
needs_sakila = pytest.mark.skipif(
    not SAKILA.is_dir(), reason=f"the shared test data is absent ({SAKILA})"
)


@needs_sakila
def test_sakila_schema_splits_with_its_triggers_and_routines_whole() -> None:
    [schema] = [m for m in discover(SAKILA) if m.version == 1]
    statements = schema.statements
    assert len(statements) == 39
    kinds = [" ".join(s.split()[:2]).upper() for s in statements]
    assert kinds.count("CREATE TABLE") == 16
    assert kinds.count("CREATE TRIGGER") == 3
    assert kinds.count("CREATE PROCEDURE") == 3
    assert kinds.count("CREATE FUNCTION") == 3
    for routine in (s for s in statements if s.startswith(("CREATE TRIGGER", "CREATE PROC"))):
        assert routine.rstrip().upper().endswith("END"), routine[-40:]
        assert routine.count(";") >= 1
    assert "/*!50705 location GEOMETRY NOT NULL,*/" in statements[4]
    assert "/*!50610 ALTER TABLE film_text engine=InnoDB */" in statements
    assert not any("DELIMITER" in s.upper().split() for s in statements)
    assert schema.line_of(15) == 187


@needs_sakila
def test_sakila_data_splits_into_its_extended_inserts() -> None:
    [data] = [m for m in discover(SAKILA) if m.version == 2]
    inserts = [s for s in data.statements if s.startswith("INSERT INTO")]
    assert len(data.statements) == 60 and len(inserts) == 17
    assert sum(s.startswith("CREATE TRIGGER") for s in data.statements) == 3
    assert not any("\r" in s for s in data.statements)
    assert any(",/*!50705 0x" in s for s in inserts)


@given(st.text(alphabet="ab;'\"`\\#-/*!+\n DELIMITER$q", max_size=60))
def test_any_text_splits_or_names_a_line(script: str) -> None:
    for split in (split_script, split_sqlplus):
        try:
            statements = split(script)
        except SqlTextError as exc:
            assert 1 <= exc.line <= script.count("\n") + 1
        else:
            assert all(s.text and s.text == s.text.strip() for s in statements)
            assert all(1 <= s.line <= script.count("\n") + 1 for s in statements)


def test_a_version_comment_is_read_as_code_as_the_client_reads_it() -> None:
    # Its body may hold a string with "*/" in it (a trigger's, as mysqldump writes them).
    script = "SELECT 1 /*!50003 , '*/' */;\nSELECT 2;"
    assert split_statements(script) == ["SELECT 1 /*!50003 , '*/' */", "SELECT 2"]
