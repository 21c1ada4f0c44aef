"""Shared helpers for the unit tests: the repository root and an in-process CLI; and the guard
that keeps them pure."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


_PYTHON = os.path.realpath(sys.executable)


class _PythonOnly(subprocess.Popen):  # type: ignore[type-arg]
    """A unit test may start this interpreter (deployer as a real process), never another
    program: tests that run shells, linters, browsers or ip live in tests/tools."""

    def __init__(self, args: Any, *rest: Any, **options: Any) -> None:
        single = isinstance(args, (str, bytes, os.PathLike))
        program = os.fsdecode(args if single else args[0])
        if options.get("shell") or os.path.realpath(program) != _PYTHON:
            raise AssertionError(f"tests/unit runs no program ({program}): move it to tests/tools")
        super().__init__(args, *rest, **options)


@pytest.fixture(autouse=True)
def no_other_programs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(subprocess, "Popen", _PythonOnly)
    yield
