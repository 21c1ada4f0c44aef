"""The managed-state program run by real Pythons on this machine, as a host runs it: it
records files, links, packages, services and users, and reads them back for drift. Python 2.7
and 3.6 (CentOS 7's python, EL8's platform-python) are used where this machine has them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deployer.state.drift import DriftKind, drift
from deployer.state.model import ManagedItems
from deployer.state.program import (
    COMMAND,
    again_program,
    parse_output,
    read_program,
    record_program,
)

PYENV = Path.home() / ".pyenv" / "versions"


def _pythons() -> list[str]:
    found = [sys.executable]
    for version in ("2.7", "3.6"):
        found += sorted(str(p) for p in PYENV.glob(f"{version}.*/bin/python"))[:1]
    return found


def _run(python: str, program: str) -> str:
    done = subprocess.run(
        [python, "-"], input=program, capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("python", _pythons())
def test_a_record_is_written_privately_and_read_back_with_what_changed(
    tmp_path: Path, python: str
) -> None:
    config = tmp_path / "server.xml"
    config.write_text("<Server/>\n")
    config.chmod(0o640)
    other = tmp_path / "site.conf"
    other.write_text("listen 80;\n")
    releases = tmp_path / "releases"
    (releases / "1.0").mkdir(parents=True)
    (releases / "0.9").mkdir()
    current = tmp_path / "current"
    current.symlink_to(releases / "1.0")
    record = tmp_path / "state" / "managed.json"
    package = "dpkg" if shutil.which("dpkg-query") else "rpm"
    items = {
        "tomcat": ManagedItems(
            files=(str(config),), packages=(package,), users=("root", "no-such-user-here")
        ),
        "nginx": ManagedItems(files=(str(other),)),
        "product": ManagedItems(links=(str(current),)),
    }
    meta = {"host": "app1", "run": "run-1", "stages": {"middleware": "abc"}}

    written = parse_output(_run(python, record_program(items, meta, str(record))))

    assert written.record is not None
    assert oct(record.stat().st_mode & 0o777) == "0o600"
    tomcat = written.record.roles["tomcat"]
    assert tomcat.files[str(config)].mode == "0640"
    assert tomcat.packages[package]  # a version: the package is installed here
    assert tomcat.users == {"root": True, "no-such-user-here": False}
    assert written.record.stages == {"middleware": "abc"}

    config.write_text("<Server/>\n<!-- by hand -->\n")
    other.chmod(0o666)
    current.unlink()
    current.symlink_to(releases / "0.9")
    observed = parse_output(_run(python, read_program(str(record))))

    assert observed.record == written.record
    found = {(d.role, d.kind, d.item) for d in drift("app1", observed.record, observed.now)}
    assert found == {
        ("tomcat", DriftKind.FILE_EDITED, str(config)),
        ("nginx", DriftKind.MODE_CHANGED, str(other)),
        ("product", DriftKind.LINK_MOVED, str(current)),
    }

    other.unlink()
    observed = parse_output(_run(python, read_program(str(record))))
    assert observed.record is not None
    kinds = {d.kind for d in drift("app1", observed.record, observed.now)}
    assert DriftKind.FILE_MISSING in kinds


def test_a_host_without_a_record_says_so(tmp_path: Path) -> None:
    observed = parse_output(_run(sys.executable, read_program(str(tmp_path / "none.json"))))
    assert observed.record is None
    assert not observed.damaged


def test_a_damaged_record_is_reported_not_trusted(tmp_path: Path) -> None:
    record = tmp_path / "managed.json"
    record.write_text("{not json")
    observed = parse_output(_run(sys.executable, read_program(str(record))))
    assert observed.record is None
    assert observed.damaged


def test_the_program_runs_as_the_host_command_finds_a_python(tmp_path: Path) -> None:
    done = subprocess.run(
        ["sh", "-c", COMMAND],
        input=read_program(str(tmp_path / "none.json")),
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert parse_output(done.stdout).record is None


@pytest.mark.parametrize("python", _pythons())
def test_a_record_written_again_keeps_its_items_as_they_are_now(
    tmp_path: Path, python: str
) -> None:
    config = tmp_path / "erp.properties"
    config.write_text("pool=20\n")
    record = tmp_path / "managed.json"
    items = {"product": ManagedItems(files=(str(config),))}
    meta = {"run": "apply-1", "stages": {"release": "abc"}}
    _run(python, record_program(items, meta, str(record)))
    config.write_text("pool=10\n")  # as a rollback puts it back

    again = parse_output(_run(python, again_program({"run": "rollback-1"}, str(record))))

    assert again.record is not None
    assert (again.record.run, again.record.stages) == ("rollback-1", {})
    observed = parse_output(_run(python, read_program(str(record))))
    assert observed.record == again.record
    assert drift("app1", observed.record, observed.now) == []
    none = parse_output(_run(python, again_program({"run": "r"}, str(tmp_path / "none.json"))))
    assert none.record is None and not (tmp_path / "none.json").exists()
