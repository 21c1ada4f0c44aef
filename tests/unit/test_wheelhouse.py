"""The wheelhouse's pure parts: the pip command lines (platform tags, wheels only, the target
Python), the requirement sets (deployer's runtime dependencies and each engine's ansible-core),
and the metadata read from a built wheel."""

from __future__ import annotations

import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from deployer.bundle.wheelhouse import (
    WheelTarget,
    download_argv,
    requirements_for_bundle,
    source_checkout,
    wheel_argv,
    wheel_distribution,
)
from deployer.errors import UsageError
from deployer.facts.engines import LEGACY

REPO = Path(__file__).resolve().parents[2]
PYTHON = Path("/opt/py/bin/python3")
DEST = Path("/tmp/wheels")
DECLARED = [
    "PyYAML<7,>=6.0.1",
    "ansible-core<2.20,>=2.16",
    'tomli>=2; python_version < "3.11"',
    'pytest<10,>=8.0; extra == "test"',
    'ruff<1,>=0.6; extra == "test"',
]


def values(argv: list[str], option: str) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == option]


def fake_dist(folder: Path, requires: list[str], requires_python: str = ">=3.10") -> Path:
    """An installed distribution's metadata folder, as importlib.metadata reads it."""
    lines = ["Metadata-Version: 2.4", "Name: deployer", "Version: 0.1.0"]
    lines += [f"Requires-Python: {requires_python}"]
    lines += [f"Requires-Dist: {line}" for line in requires]
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_an_x86_64_download_takes_wheels_only_for_manylinux_x86_64() -> None:
    argv = download_argv(WheelTarget("x86_64", "3.11"), ["PyYAML", "jinja2"], DEST, PYTHON)
    assert argv[:4] == [str(PYTHON), "-m", "pip", "download"]
    assert "--only-binary=:all:" in argv
    platforms = values(argv, "--platform")
    assert platforms[0] == "manylinux_2_28_x86_64"  # the newest first: pip prefers it
    for tag in ("manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64"):
        assert tag in platforms
    assert all(tag.endswith("_x86_64") for tag in platforms)
    assert values(argv, "--python-version") == ["3.11"]
    assert values(argv, "--implementation") == ["cp"]
    assert values(argv, "--abi") == ["cp311", "abi3", "none"]
    assert values(argv, "--dest") == [str(DEST)]
    assert argv[-2:] == ["PyYAML", "jinja2"]


def test_an_aarch64_download_takes_aarch64_wheels_from_manylinux2014_on() -> None:
    argv = download_argv(WheelTarget("aarch64", "3.12"), ["MarkupSafe"], DEST, PYTHON)
    platforms = values(argv, "--platform")
    assert platforms[0] == "manylinux_2_28_aarch64"
    assert platforms[-2:] == ["manylinux_2_17_aarch64", "manylinux2014_aarch64"]
    assert all(tag.endswith("_aarch64") for tag in platforms)
    assert "--only-binary=:all:" in argv
    assert values(argv, "--python-version") == ["3.12"]
    assert values(argv, "--abi")[0] == "cp312"


def test_the_glibc_bounds_the_platform_tags() -> None:
    assert WheelTarget("aarch64", "3.11", "2.17").platforms() == (
        "manylinux_2_17_aarch64",
        "manylinux2014_aarch64",
    )
    x86 = WheelTarget("x86_64", "3.11", "2.17").platforms()
    assert x86[:2] == ("manylinux_2_17_x86_64", "manylinux2014_x86_64")
    assert x86[-2:] == ("manylinux_2_5_x86_64", "manylinux1_x86_64")
    assert "manylinux2010_x86_64" in x86


def test_the_target_python_defaults_to_the_running_one() -> None:
    assert WheelTarget("aarch64").python == f"{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.mark.parametrize(
    ("arch", "python", "glibc", "message"),
    [
        ("arm64", "3.11", "2.28", "no wheels for the architecture 'arm64'; known: x86_64, aarch64"),
        ("x86_64", "3", "2.28", "Python '3': name a Python 3 release, e.g. 3.11"),
        ("aarch64", "3.11", "2.12", "glibc '2.12': name a release from 2.17 on, e.g. 2.28"),
    ],
)
def test_a_target_that_cannot_be_is_refused(
    arch: str, python: str, glibc: str, message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        WheelTarget(arch, python, glibc)
    assert str(caught.value) == message


def test_the_own_wheel_is_built_without_its_dependencies() -> None:
    argv = wheel_argv(Path("/tmp/src"), DEST, PYTHON)
    assert argv[:4] == [str(PYTHON), "-m", "pip", "wheel"]
    assert "--no-deps" in argv and values(argv, "--wheel-dir") == [str(DEST)]
    assert argv[-1] == "/tmp/src"


def test_the_bundle_holds_deployer_s_runtime_requirements_and_each_engine(tmp_path: Path) -> None:
    dist = metadata.PathDistribution(fake_dist(tmp_path / "deployer.dist-info", DECLARED))
    own, engine = requirements_for_bundle(WheelTarget("aarch64", "3.11"), dist)
    assert own.name == "deployer" and own.target == WheelTarget("aarch64", "3.11")
    # No test extras; tomli is for Pythons older than the target's.
    assert own.requirements == ("PyYAML<7,>=6.0.1", "ansible-core<2.20,>=2.16")
    assert engine.name == "engine 2.16"
    assert engine.requirements == (LEGACY.requirement,)
    assert engine.target == WheelTarget("aarch64", "3.11")


def test_markers_are_judged_by_the_target_and_left_out(tmp_path: Path) -> None:
    dist = metadata.PathDistribution(fake_dist(tmp_path / "deployer.dist-info", DECLARED))
    own, _ = requirements_for_bundle(WheelTarget("x86_64", "3.10"), dist)
    assert own.requirements == ("PyYAML<7,>=6.0.1", "ansible-core<2.20,>=2.16", "tomli>=2")


def test_the_216_engine_gets_wheels_for_the_python_its_venv_is_made_from(tmp_path: Path) -> None:
    dist = metadata.PathDistribution(fake_dist(tmp_path / "deployer.dist-info", DECLARED))
    own, engine = requirements_for_bundle(WheelTarget("aarch64", "3.13", "2.31"), dist)
    assert own.target.python == "3.13"
    # 2.16 runs on 3.10-3.12: the venv is made from the newest of them on that machine.
    assert engine.target == WheelTarget("aarch64", "3.12", "2.31")


def test_a_python_deployer_does_not_run_on_is_refused(tmp_path: Path) -> None:
    dist = metadata.PathDistribution(fake_dist(tmp_path / "deployer.dist-info", DECLARED))
    with pytest.raises(UsageError, match=r"^Python 3.9: deployer runs on Python >=3.10$"):
        requirements_for_bundle(WheelTarget("x86_64", "3.9"), dist)


def test_the_installed_deployer_brings_both_engines_and_no_test_tools() -> None:
    own, engine = requirements_for_bundle(WheelTarget("x86_64", "3.11"))
    names = [requirement.split("<")[0].split(">")[0].lower() for requirement in own.requirements]
    assert "ansible-core" in names and "pydantic" in names
    assert not {"pytest", "ruff", "mypy", "hypothesis"} & set(names)
    assert engine.requirements == ("ansible-core>=2.16,<2.17",)


def test_a_built_wheel_s_metadata_is_read_from_inside_it(tmp_path: Path) -> None:
    info = fake_dist(tmp_path / "deployer-0.1.0.dist-info", DECLARED)
    wheel = tmp_path / "deployer-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(info / "METADATA", "deployer-0.1.0.dist-info/METADATA")
        archive.writestr("deployer/__init__.py", "")
    dist = wheel_distribution(wheel)
    assert dist.version == "0.1.0"
    assert dist.requires == DECLARED


def test_deployer_runs_from_this_checkout() -> None:
    assert source_checkout() == REPO
