"""The iconv command a non-UTF-8 spec's error suggests converts the file back, run for real."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from deployer.spec.encoding import read_text
from deployer.spec.problems import SpecError

TEXT = "# 华东精密机械有限公司\napiVersion: deployer/v1\ncustomer: 华东精密机械有限公司\n"


def problem_of(path: Path) -> str:
    with pytest.raises(SpecError) as caught:
        read_text(path, "s.yml")
    (problem,) = caught.value.problems
    return str(problem)


def write(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "s.yml"
    path.write_bytes(raw)
    return path


@pytest.mark.skipif(shutil.which("iconv") is None, reason="needs iconv")
@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-16-le", "utf-16-be"])
def test_the_suggested_iconv_command_works(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, TEXT.encode(encoding))
    command = problem_of(path).split("convert it: ")[1].split()
    done = subprocess.run([*command[:-1], command[-1], str(path)], capture_output=True, check=True)
    assert done.stdout.decode("utf-8") == TEXT
