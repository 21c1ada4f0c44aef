"""The CLI frame: --version, usage errors, verbosity and the mapping to exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deployer import __version__
from deployer.cli import validate
from deployer.errors import ExitCode

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = "examples/huadong-production.yml"
INVALID = "tests/fixtures/spec-invalid/host-port-range.yml"


def test_version(cli) -> None:
    result = cli(["--version"])
    assert (result.code, result.out, result.err) == (ExitCode.OK, f"deployer {__version__}\n", "")


def test_help(cli) -> None:
    result = cli(["--help"])
    assert result.code == ExitCode.OK
    assert "validate" in result.out
    assert "schema" in result.out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["validate"],
        ["validate", "--nope", EXAMPLE],
        ["schema", "cluster"],
        ["-q", "-v", "validate", EXAMPLE],
    ],
)
def test_usage_errors_exit_2_on_stderr(cli, argv: list[str]) -> None:
    result = cli(argv)
    assert result.code == ExitCode.USAGE == 2
    assert result.out == ""
    assert "usage: deployer" in result.err


def test_exit_codes_of_validate(cli, in_repo) -> None:
    assert cli(["validate", EXAMPLE]).code == ExitCode.OK
    assert cli(["validate", INVALID]).code == ExitCode.INVALID_SPEC
    assert cli(["validate", EXAMPLE, INVALID]).code == ExitCode.INVALID_SPEC
    assert cli(["validate", "no/such/spec.yml"]).code == ExitCode.INVALID_SPEC


def test_valid_files_are_confirmed_unless_quiet(cli, in_repo) -> None:
    assert cli(["validate", EXAMPLE]).out == f"{EXAMPLE}: valid Environment\n"
    quiet = cli(["-q", "validate", EXAMPLE])
    assert (quiet.code, quiet.out, quiet.err) == (ExitCode.OK, "", "")


def test_quiet_never_hides_problems(cli, in_repo) -> None:
    result = cli(["-q", "validate", INVALID])
    assert result.code == ExitCode.INVALID_SPEC
    assert result.err_lines == [f"{INVALID}:15:11: hosts[0].port: must be at most 65535"]


def test_an_unexpected_error_is_a_bug_with_a_debug_log(
    cli, in_repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(spec: str) -> dict[str, object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(validate, "_validate_one", explode)
    result = cli(["validate", EXAMPLE])
    assert result.code == ExitCode.INTERNAL_ERROR
    assert result.err.startswith("internal error: this is a bug in deployer; details in ")
    log = Path(result.err.strip().rsplit(" ", 1)[1])
    try:
        assert "RuntimeError: boom" in log.read_text(encoding="utf-8")
        assert "Traceback" not in result.err
    finally:
        log.unlink()


def test_interrupted(cli, in_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(spec: str) -> dict[str, object]:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate, "_validate_one", interrupt)
    result = cli(["validate", EXAMPLE])
    assert (result.code, result.err) == (ExitCode.INTERRUPTED, "interrupted\n")


def run_process(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    return subprocess.run(
        [sys.executable, "-m", "deployer", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_real_process_exits_with_the_codes() -> None:
    version = run_process("--version")
    assert (version.returncode, version.stdout) == (0, f"deployer {__version__}\n")
    usage = run_process("validate")
    assert usage.returncode == ExitCode.USAGE
    assert "Traceback" not in usage.stderr
    valid = run_process("validate", EXAMPLE)
    assert (valid.returncode, valid.stderr) == (0, "")
