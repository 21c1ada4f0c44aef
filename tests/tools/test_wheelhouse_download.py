"""The wheelhouse's pip command for real, with the package index: an aarch64 download gets
aarch64 manylinux wheels on this x86_64 machine, and a folder of downloaded wheels installs
with no index at all (the engineer's machine at a site); without an index, building one fails
naming the pip command and ending with pip's own words."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deployer.bundle.wheelhouse import WheelTarget, build_wheelhouse, download_argv
from deployer.errors import BundleError

PYTHON = Path(sys.executable)
#: pip with no configuration and an index that refuses connections: a machine offline.
OFFLINE = {
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "PIP_EXTRA_INDEX_URL": "",
    "PIP_FIND_LINKS": "",
}


def pip(argv: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_aarch64_download_gets_aarch64_manylinux_wheels(tmp_path: Path) -> None:
    target = WheelTarget("aarch64")
    pip(download_argv(target, ["PyYAML", "MarkupSafe"], tmp_path, PYTHON))
    wheels = sorted(path.name for path in tmp_path.iterdir())
    assert [name.split("-")[0].lower() for name in wheels] == ["markupsafe", "pyyaml"]
    abi = target.abis()[0]
    for name in wheels:
        tags = name.removesuffix(".whl").split("-")
        assert tags[-2] == abi, name  # compiled for this Python, not pure
        platforms = tags[-1].split(".")
        assert all(tag.startswith("manylinux") for tag in platforms), name
        assert all(tag.endswith("_aarch64") for tag in platforms), name


def test_downloaded_wheels_install_with_no_index(tmp_path: Path) -> None:
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    pip(download_argv(WheelTarget("x86_64"), ["six"], wheels, PYTHON))
    assert [path.name.split("-")[0] for path in wheels.iterdir()] == ["six"]
    install = [str(PYTHON), "-m", "pip", "install", "--no-index", "--find-links", str(wheels)]
    pip([*install, "--target", str(site), "six"], env={**os.environ, **OFFLINE})
    assert (site / "six.py").is_file()


def test_without_an_index_the_error_names_the_command_and_ends_with_pip_s_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(BundleError) as caught:
        build_wheelhouse(tmp_path / "wheels", WheelTarget("aarch64", "3.11"), None)
    message = str(caught.value)
    assert message.startswith("wheels of deployer for aarch64 Python 3.11 glibc 2.28: ")
    assert " -m pip download " in message and "--platform manylinux_2_28_aarch64" in message
    assert re.search(r"\n  ERROR: No matching distribution found for \S+$", message), message
