import pytest

from deployer.migrations.sqltext import split_statements


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
