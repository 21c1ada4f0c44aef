"""Every invalid spec in tests/fixtures/spec-invalid prints exactly the lines it declares.

A fixture declares its expected stderr lines as ``# expect: FILE:LINE:COL: field: message``
comments at its top (``FILE`` as passed on the command line from the repository root), and
values that must never be printed as ``# secret: VALUE``. Fixtures that cannot hold a
comment (other encodings, NUL bytes, empty or generated files) keep those lines in a sidecar
``NAME.expect``. Names starting with ``_`` are shared files, not fixtures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from deployer.errors import ExitCode

REPO = Path(__file__).resolve().parents[3]
FIXTURES = "tests/fixtures/spec-invalid"  # as typed on the command line from the repository

# Too big to commit: written at test time, at the same relative path under a temporary root.
GENERATED: dict[str, Callable[[], bytes]] = {
    "huge-file.yml": lambda: (
        b"apiVersion: deployer/v1\nkind: Environment\n"
        + b"# padding to exceed the size limit\n" * 32_000
    ),
}


def fixture_names() -> list[str]:
    folder = REPO / FIXTURES
    names = {p.name for p in folder.glob("*.yml") if not p.name.startswith("_")}
    names |= {p.stem + ".yml" for p in folder.glob("*.expect")}
    return sorted(names)


def declared(name: str, tag: str) -> list[str]:
    """The ``# expect:`` or ``# secret:`` lines of a fixture (sidecar first)."""
    sidecar = REPO / FIXTURES / (name.removesuffix(".yml") + ".expect")
    source = sidecar if sidecar.exists() else REPO / FIXTURES / name
    found = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith(f"# {tag}: "):
            found.append(line.removeprefix(f"# {tag}: "))
    return found


NAMES = fixture_names()


@pytest.fixture
def fixture_root(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Change to the folder the fixture's path is relative to (a temporary one if generated)."""
    if name in GENERATED:
        target = tmp_path / FIXTURES / name
        target.parent.mkdir(parents=True)
        target.write_bytes(GENERATED[name]())
        monkeypatch.chdir(tmp_path)
        return tmp_path
    monkeypatch.chdir(REPO)
    return REPO


def test_there_are_at_least_45_fixtures() -> None:
    assert len(NAMES) >= 45, NAMES


def test_every_sidecar_belongs_to_a_committed_or_generated_fixture() -> None:
    for sidecar in (REPO / FIXTURES).glob("*.expect"):
        name = sidecar.stem + ".yml"
        assert (REPO / FIXTURES / name).exists() or name in GENERATED, sidecar


def test_the_shared_base_spec_is_valid(cli, in_repo) -> None:
    """The fixtures are variations of it, so each fails only for its own reason."""
    result = cli(["validate", f"{FIXTURES}/_files/valid-environment.yml"])
    assert (result.code, result.err) == (ExitCode.OK, "")


@pytest.mark.parametrize("name", NAMES)
def test_fixture_prints_exactly_its_expected_lines(name: str, fixture_root: Path, cli) -> None:
    expected = declared(name, "expect")
    assert expected, f"{name} declares no '# expect:' line"
    result = cli(["validate", f"{FIXTURES}/{name}"])
    assert result.code == ExitCode.INVALID_SPEC
    assert result.err_lines == expected
    assert result.out == ""
    for secret in declared(name, "secret"):
        assert secret not in result.err


@pytest.mark.parametrize("name", NAMES)
def test_fixture_json_output_carries_the_same_problems(name: str, fixture_root: Path, cli) -> None:
    result = cli(["validate", "--json", f"{FIXTURES}/{name}"])
    assert result.code == ExitCode.INVALID_SPEC
    report = json.loads(result.out)
    assert report["valid"] is False
    (entry,) = report["files"]
    assert [p["text"] for p in entry["problems"]] == declared(name, "expect")
    for problem in entry["problems"]:
        assert problem["text"] == (
            f"{problem['file']}:{problem['line']}:{problem['col']}: "
            f"{problem['field']}: {problem['message']}"
        )
    for secret in declared(name, "secret"):
        assert secret not in result.out


# A handful through a real process: exit status, stderr, and no traceback.
SUBPROCESS_NAMES = [
    "yaml-python-tag.yml",
    "yaml-alias-bomb.yml",
    "encoding-gb18030.yml",
    "empty.yml",
    "secret-plaintext-password.yml",
    "several-kinds-of-problems.yml",
]


@pytest.mark.parametrize("name", SUBPROCESS_NAMES)
def test_fixture_through_a_real_process(name: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env["NO_COLOR"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "deployer", "validate", f"{FIXTURES}/{name}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == ExitCode.INVALID_SPEC
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.splitlines() == declared(name, "expect")
    for secret in declared(name, "secret"):
        assert secret not in done.stderr + done.stdout


def test_several_fixtures_in_one_call_report_each_file(cli, in_repo) -> None:
    names = ["host-port-range.yml", "database-host-unknown.yml", "kind-typo.yml"]
    result = cli(["validate", *(f"{FIXTURES}/{name}" for name in names)])
    assert result.code == ExitCode.INVALID_SPEC
    assert result.err_lines == [line for name in names for line in declared(name, "expect")]
