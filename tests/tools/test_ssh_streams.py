"""Streams to and from files through an ``ssh`` on PATH that runs the command locally, with the
real sh and cat."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from deployer.transport.ssh import SshOptions, SshTarget, run_on
from deployer.transport.stream import run_from_file, run_to_file

# Every byte value, a CRLF and invalid UTF-8: nothing on the way may decode or rewrite them.
DATA = bytes(range(256)) * 64 + b"\r\n\xff\xfe"
TARGET = SshTarget("db1", "10.0.0.9")


@pytest.fixture(autouse=True)
def local_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ``ssh`` that runs its last argument (the remote command) with sh, here."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ssh = bin_dir / "ssh"
    ssh.write_text('#!/bin/sh\nfor last; do :; done\nexec sh -c "$last"\n', encoding="utf-8")
    ssh.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")


def test_output_lands_in_a_private_file_byte_for_byte(tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(DATA)
    dest = tmp_path / "run" / "dump.sql"
    result, digest = run_to_file(TARGET, f"cat '{source}'", SshOptions(), dest)
    assert result.ok and result.stdout == ""
    assert dest.read_bytes() == DATA and dest.stat().st_mode & 0o777 == 0o600
    assert digest is not None and digest.size == len(DATA)
    assert digest.sha256 == hashlib.sha256(DATA).hexdigest()


def test_a_failed_command_leaves_no_file(tmp_path: Path) -> None:
    dest = tmp_path / "dump.sql"
    result, digest = run_to_file(TARGET, "printf partial; exit 3", SshOptions(), dest)
    assert result.exit_status == 3 and digest is None
    assert list(tmp_path.iterdir()) == [tmp_path / "bin"]


def test_input_comes_from_a_file_byte_for_byte(tmp_path: Path) -> None:
    source = tmp_path / "dump.sql"
    source.write_bytes(DATA)
    copy = tmp_path / "copy.bin"
    with source.open("rb") as handle:
        result = run_from_file(TARGET, f"cat > '{copy}'", SshOptions(), handle)
    assert result.ok and copy.read_bytes() == DATA


def test_run_on_feeds_bytes_and_reads_text() -> None:
    result = run_on(TARGET, "tr a-z A-Z; echo oops >&2", SshOptions(), stdin=b"abc")
    assert (result.exit_status, result.stdout, result.stderr) == (0, "ABC", "oops\n")


def test_no_answer_in_time_is_a_timeout_result() -> None:
    result = run_on(TARGET, "sleep 5", SshOptions(command_timeout=0.2), shown="wait")
    assert not result.ok and "no answer within 0.2 s" in result.describe()
