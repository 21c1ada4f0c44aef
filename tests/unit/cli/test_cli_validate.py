"""``deployer validate``: text and JSON reports, one or several files."""

from __future__ import annotations

import json

from deployer.errors import ExitCode

EXAMPLE = "examples/huadong-production.yml"
MATRIX = "examples/sample-erp-matrix.yml"
FIXTURES = "tests/fixtures/spec-invalid"


def test_json_for_a_valid_spec(cli, in_repo) -> None:
    result = cli(["validate", "--json", EXAMPLE])
    assert result.code == ExitCode.OK
    assert result.err == ""
    assert json.loads(result.out) == {
        "valid": True,
        "files": [{"file": EXAMPLE, "kind": "Environment", "valid": True, "problems": []}],
    }


def test_json_for_an_invalid_spec(cli, in_repo) -> None:
    spec = f"{FIXTURES}/database-host-unknown.yml"
    message = "unknown host 'db2' (did you mean 'db1'?)"
    result = cli(["validate", "--json", spec])
    assert result.code == ExitCode.INVALID_SPEC
    assert result.err == ""
    assert json.loads(result.out) == {
        "valid": False,
        "files": [
            {
                "file": spec,
                "kind": "Environment",
                "valid": False,
                "problems": [
                    {
                        "text": f"{spec}:26:9: database.host: {message}",
                        "file": spec,
                        "line": 26,
                        "col": 9,
                        "field": "database.host",
                        "message": message,
                    }
                ],
            }
        ],
    }


def test_json_for_several_files_keeps_their_order(cli, in_repo) -> None:
    files = [MATRIX, "no/such.yml", f"{FIXTURES}/empty.yml", EXAMPLE]
    result = cli(["-q", "validate", "--json", *files])
    assert result.code == ExitCode.INVALID_SPEC
    report = json.loads(result.out)
    assert report["valid"] is False
    assert [(f["file"], f["kind"], f["valid"]) for f in report["files"]] == [
        (MATRIX, "SupportMatrix", True),
        ("no/such.yml", None, False),
        (f"{FIXTURES}/empty.yml", None, False),
        (EXAMPLE, "Environment", True),
    ]
    assert report["files"][1]["problems"][0]["message"] == "file not found"


def test_json_problems_of_a_referenced_matrix_name_the_matrix_file(cli, in_repo) -> None:
    spec = f"{FIXTURES}/matrix-referenced-invalid.yml"
    (entry,) = json.loads(cli(["validate", "--json", spec]).out)["files"]
    assert {p["file"] for p in entry["problems"]} == {f"{FIXTURES}/_files/matrix-invalid.yml"}


def test_text_for_several_files(cli, in_repo) -> None:
    bad = f"{FIXTURES}/kind-typo.yml"
    result = cli(["validate", EXAMPLE, bad, MATRIX])
    assert result.code == ExitCode.INVALID_SPEC
    assert result.out.splitlines() == [
        f"{EXAMPLE}: valid Environment",
        f"{MATRIX}: valid SupportMatrix",
    ]
    assert result.err_lines == [
        f"{bad}:4:7: kind: unknown kind 'Enviroment' (did you mean 'Environment'?)"
    ]
