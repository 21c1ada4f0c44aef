"""Files a spec names are read only when they are regular files, and secrets only as UTF-8.

A FIFO in place of the spec, its matrix or a ``${file:...}`` secret used to make ``validate``
wait forever; a secret file in another encoding ended as an internal error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from deployer.errors import ExitCode
from deployer.spec.secrets import SecretRef, SecretUnavailable

REPO = Path(__file__).resolve().parents[3]
FILES = REPO / "tests" / "fixtures" / "spec-invalid" / "_files"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FILES, tmp_path, dirs_exist_ok=True)
    shutil.copy(FILES / "valid-environment.yml", tmp_path / "spec.yml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def replace_with_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def test_a_spec_that_is_a_fifo_is_refused_without_waiting(site: Path, cli: Callable) -> None:
    replace_with_fifo(site / "spec.yml")
    result = cli(["validate", "spec.yml"])
    assert result.code == ExitCode.INVALID_SPEC
    assert result.err_lines == ["spec.yml:1:1: (document): is a FIFO (named pipe), not a YAML file"]


def test_a_matrix_that_is_a_fifo_is_refused_without_waiting(site: Path, cli: Callable) -> None:
    replace_with_fifo(site / "matrix.yml")
    result = cli(["validate", "spec.yml"])
    assert result.code == ExitCode.INVALID_SPEC
    assert result.err_lines == [
        "spec.yml:15:9: matrix: not a regular file: matrix.yml is a FIFO (named pipe)"
    ]


def test_a_secret_file_that_is_a_fifo_is_refused_without_waiting(site: Path, cli: Callable) -> None:
    replace_with_fifo(site / "db_admin_password")
    result = cli(["validate", "spec.yml"])
    assert result.code == ExitCode.INVALID_SPEC
    message = "secret file db_admin_password is a FIFO (named pipe)"
    assert result.err_lines == [
        f"spec.yml:14:18: product.config.db_password: {message}",
        f"spec.yml:36:40: database.schemas[0].owner.password: {message}",
    ]


def test_reveal_of_a_fifo_fails_as_a_spec_problem(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pw")
    with pytest.raises(SecretUnavailable, match="is a FIFO") as caught:
        SecretRef("file", "pw").reveal(tmp_path)
    assert caught.value.exit_code == ExitCode.INVALID_SPEC


def test_reveal_of_a_file_that_is_not_utf8_fails_as_a_spec_problem(tmp_path: Path) -> None:
    (tmp_path / "pw").write_bytes("口令-Secret".encode("gb18030"))
    with pytest.raises(SecretUnavailable, match="is not UTF-8 text") as caught:
        SecretRef("file", "pw").reveal(tmp_path)
    assert caught.value.exit_code == ExitCode.INVALID_SPEC
    assert "Secret" not in str(caught.value)


def test_reveal_still_reads_a_utf8_file_without_its_line_break(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("口令-secret\n", encoding="utf-8")
    assert SecretRef("file", "pw").reveal(tmp_path) == "口令-secret"


def test_a_file_reference_with_a_control_character_is_malformed() -> None:
    with pytest.raises(ValueError, match="control characters"):
        SecretRef.parse("${file:pw\x1b}", allow_inline=False)
