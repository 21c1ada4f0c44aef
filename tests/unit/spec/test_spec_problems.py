"""problems: one line per problem, sorted, never more than one line."""

from __future__ import annotations

from deployer.errors import DeployerError, ExitCode
from deployer.spec.problems import DOCUMENT, Problem, SpecError, file_problem, format_path


def test_format_path() -> None:
    assert format_path(("hosts", 2, "auth", "key_file")) == "hosts[2].auth.key_file"
    assert format_path((0, "a")) == "[0].a"
    assert format_path(()) == DOCUMENT == "(document)"


def test_a_problem_is_one_line_naming_file_line_column_and_field() -> None:
    problem = Problem("env.yml", 12, 5, "hosts[0].port", "must be at most 65535")
    assert str(problem) == "env.yml:12:5: hosts[0].port: must be at most 65535"
    assert problem.as_dict() == {
        "file": "env.yml",
        "line": 12,
        "col": 5,
        "field": "hosts[0].port",
        "message": "must be at most 65535",
    }


def test_line_breaks_in_messages_are_folded() -> None:
    problem = Problem("f", 1, 1, "a\nb", "first\n  second\r\nthird\n")
    assert str(problem) == "f:1:1: a b: first second third"


def test_spec_error_sorts_by_position_keeps_file_order_and_drops_repeats() -> None:
    spec_late = Problem("spec.yml", 9, 1, "b", "late")
    spec_early = Problem("spec.yml", 2, 3, "a", "early")
    matrix = Problem("a-matrix.yml", 1, 1, "os", "bad")
    error = SpecError([spec_late, matrix, spec_early, spec_late])
    assert error.problems == (spec_early, spec_late, matrix)
    assert str(error).splitlines() == [str(spec_early), str(spec_late), str(matrix)]


def test_spec_error_is_a_deployer_error_with_the_invalid_spec_code() -> None:
    error = file_problem("x.yml", "file is empty", line=3, col=2)
    assert isinstance(error, DeployerError)
    assert error.exit_code == ExitCode.INVALID_SPEC == 3
    assert str(error) == "x.yml:3:2: (document): file is empty"


def test_control_characters_are_shown_escaped() -> None:
    problem = Problem("f", 1, 1, "\x1b[2Jkey", "unknown field '\x1b[2Jkey\x07'\ttab")
    assert str(problem) == "f:1:1: \\x1b[2Jkey: unknown field '\\x1b[2Jkey\\x07'\\x09tab"


def test_odd_keys_are_quoted_in_field_paths() -> None:
    assert format_path(("labels", "a b")) == 'labels["a b"]'
    assert format_path(("", "x.y", 0, "中文")) == '[""]["x.y"][0].中文'
    assert format_path(("a", "\r")) == 'a["\\r"]'
