"""Files given to `deployer lab from-vagrant` that it cannot read: one line, exit 2."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from deployer.errors import ExitCode

SPEC = "examples/huadong-production.yml"


def _latin1(folder: Path) -> Path:
    path = folder / "ssh-config"
    path.write_bytes("Host app1\n  HostName 10.0.0.1 # café\n".encode("latin-1"))
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "ssh-config"
    os.mkfifo(path)  # reading it would wait for a writer that never comes
    return path


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "not utf-8": (_latin1, "not UTF-8 (byte 35)"),
    "fifo": (_fifo, "not a regular file"),
    "folder": (lambda folder: folder, "not a regular file"),
    "missing": (lambda folder: folder / "nothing", "No such file or directory"),
}


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("option", ["--ssh-config", "--known-hosts"])
@pytest.mark.parametrize(("make", "message"), CASES.values(), ids=CASES.keys())
def test_an_unreadable_input_file_is_a_usage_error(
    cli, tmp_path: Path, option: str, make: Callable[[Path], Path], message: str
) -> None:
    given = make(tmp_path)
    other = tmp_path / "other"
    other.write_text("", encoding="utf-8")
    paths = {"--ssh-config": other, "--known-hosts": other, option: given}
    argv = ["lab", "from-vagrant", SPEC]
    done = cli([*argv, *(word for name, path in paths.items() for word in (name, str(path)))])
    assert done.code == ExitCode.USAGE, done.err
    assert done.err_lines == [f"error: cannot read {given}: {message}"]
