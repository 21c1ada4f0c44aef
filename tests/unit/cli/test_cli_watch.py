"""``deployer watch`` refusals that need no host."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from deployer.errors import ExitCode
from tests.support.example_specs import example_spec
from tests.unit.conftest import CliResult

Cli = Callable[[list[str]], CliResult]


@pytest.mark.parametrize(("option", "value"), [("--for", "1d"), ("--interval", "soon")])
def test_a_bad_duration_is_a_usage_error(cli: Cli, tmp_path: Path, option: str, value: str) -> None:
    done = cli(["watch", str(example_spec(tmp_path)), option, value])
    assert done.code == ExitCode.USAGE
    assert len(done.err_lines) == 1 and value in done.err
