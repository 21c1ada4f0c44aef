"""Shared helpers for the unit tests: the repository root and an in-process CLI; and the guards
that keep them pure (no other program, no traffic beyond this machine's loopback)."""

from __future__ import annotations

import io
import ipaddress
import os
import socket
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


def _loopback(host: object) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a name: resolving it would ask the machine's resolver


@pytest.fixture(autouse=True)
def no_traffic_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Unit tests reach nothing but this machine's loopback: the examples' addresses
    (10.20.30.x) belong to a customer's network, and a patch that misses a connect function
    must fail the test rather than knock on them. Kept in a list as well as raised, so that a
    caller that catches every error cannot hide it."""
    attempts: list[str] = []
    connect, connect_ex, getaddrinfo = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.getaddrinfo,
    )

    def refused(what: str) -> AssertionError:
        attempts.append(what)
        return AssertionError(f"tests/unit reach only loopback, not {what}: patch the connection")

    def vet(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise refused(f"{address[0]}:{address[1]}")

    def guarded_connect(self: socket.socket, address: Any) -> None:
        vet(self, address)
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        vet(self, address)
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _loopback(host if isinstance(host, str) else os.fsdecode(host)):
            raise refused(f"a lookup of {host}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield
    assert not attempts, f"the test tried to reach {', '.join(attempts)}"
