"""``deployer data``: a mapping's mistakes are refused in one line before anything connects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from deployer.errors import ExitCode
from tests.support.example_specs import example_spec
from tests.support.sample_erp import EXAMPLES
from tests.unit.conftest import CliResult


def test_data_without_an_action_prints_its_usage(cli: Callable[[list[str]], CliResult]) -> None:
    done = cli(["data"])
    assert done.code == ExitCode.USAGE and "import" in done.err and "verify" in done.err


def test_a_mapping_with_an_unknown_type_is_one_line_exit_3(
    tmp_path: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    spec = example_spec(tmp_path, "huadong-production.yml")
    text = (EXAMPLES / "legacy" / "customers.yml").read_text(encoding="utf-8")
    mapping = tmp_path / "customers.yml"
    mapping.write_text(text.replace("type: datetime", "type: timestamp"), encoding="utf-8")
    done = cli(["data", "import", str(spec), str(mapping)])
    assert done.code == ExitCode.INVALID_SPEC, done.err
    (line,) = done.err.splitlines()
    assert line.startswith(f"{mapping}:") and "columns.created_at.type:" in line


def test_the_example_mapping_is_valid(cli: Callable[[list[str]], CliResult]) -> None:
    done = cli(["validate", str(EXAMPLES / "legacy" / "customers.yml")])
    assert done.code == ExitCode.OK and "valid DataImport" in done.out
