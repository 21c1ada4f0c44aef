"""``bundle build --image``: what is not an image archive is refused before anything is built."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from deployer.errors import ExitCode
from tests.support.example_specs import example_spec
from tests.unit.conftest import CliResult


@pytest.mark.parametrize(
    ("name", "why"),
    [("sample-erp-1.0.zip", "not an image archive"), ("sample-erp-1.0.tar", "no such file")],
)
def test_an_image_that_is_not_an_archive_file_is_refused_in_one_line(
    tmp_path: Path, cli: Callable[[list[str]], CliResult], name: str, why: str
) -> None:
    spec = example_spec(tmp_path, "huadong-kubernetes.yml")
    key = tmp_path / "engineer"
    key.write_text("not read before the image is judged\n")
    image = tmp_path / name
    if name.endswith(".zip"):
        image.write_bytes(b"PK")
    output = tmp_path / "out.bundle.tar.gz"
    argv = ["bundle", "build", str(spec), "--sign-key", str(key), "--image", str(image)]
    done = cli([*argv, "-o", str(output)])
    assert done.code == ExitCode.USAGE, done.err
    assert f"--image {image}: {why}" in done.err and len(done.err.splitlines()) == 1
    assert not output.exists()
