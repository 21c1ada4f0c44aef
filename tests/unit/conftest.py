"""Shared helpers for the unit tests: the repository root and an in-process CLI."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from deployer.cli.io import Streams
from deployer.cli.main import run

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def run_cli(argv: list[str]) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, Streams(out=out, err=err))
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Callable[[list[str]], CliResult]:
    return run_cli


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, so spec paths are shown as typed there."""
    monkeypatch.chdir(REPO)
    return REPO
