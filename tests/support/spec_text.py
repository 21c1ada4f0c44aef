"""A spec's text in other encodings, and the one problem reading it reports: shared by the
encoding tests and the test that runs the iconv command the problem suggests."""

from __future__ import annotations

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
