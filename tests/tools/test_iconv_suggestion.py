"""The iconv command a non-UTF-8 spec's error suggests converts the file back, run for real."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.spec_text import TEXT, problem_of, write


@pytest.mark.skipif(shutil.which("iconv") is None, reason="needs iconv")
@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-16-le", "utf-16-be"])
def test_the_suggested_iconv_command_works(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, TEXT.encode(encoding))
    command = problem_of(path).split("convert it: ")[1].split()
    done = subprocess.run([*command[:-1], command[-1], str(path)], capture_output=True, check=True)
    assert done.stdout.decode("utf-8") == TEXT
