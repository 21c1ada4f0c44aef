"""The common role's ``unpack-tarball`` entry point (which the jdk and tomcat roles use for
middleware from tarballs), run by the real ansible-playbook on this machine (connection local,
into a temporary folder): the layouts it takes, the ones it refuses naming what is missing, and
a file whose sha256 is not the one recorded.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.tools.test_ansible_lint import ansible_env, tool

MARKERS = ["bin/catalina.sh", "conf/server.xml", "lib/catalina.jar"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the entry point chowns to root")


def tarball(path: Path, names: list[str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name in names:
            member = tarfile.TarInfo(name)
            member.size = len(name)
            archive.addfile(member, io.BytesIO(name.encode()))
    return path


def unpack(tmp_path: Path, source: Path, sha256: str = "") -> subprocess.CompletedProcess[str]:
    play = [
        {
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "tasks": [
                {
                    "ansible.builtin.include_role": {
                        "name": "common",
                        "tasks_from": "unpack-tarball",
                    },
                    "vars": {
                        "deployer_platform": {"family": "Debian"},
                        "common_tarball": str(source),
                        "common_tarball_sha256": sha256
                        or hashlib.sha256(source.read_bytes()).hexdigest(),
                        "common_tarball_dest": str(tmp_path / "opt" / "tomcat-10.1-0a1b2c3d"),
                        "common_tarball_markers": MARKERS,
                        "common_tarball_what": "Tomcat",
                        "common_tarball_group": "root",
                        "common_tarball_mode": "u=rwX,g=rX,o=",
                    },
                }
            ],
        }
    ]
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(play), encoding="utf-8")
    (tmp_path / "opt").mkdir(exist_ok=True)
    return subprocess.run(
        [tool("ansible-playbook"), "-i", "localhost,", str(playbook), "-e", _INTERPRETER],
        env=ansible_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# This interpreter runs the modules: discovery could pick any Python on this machine.
_INTERPRETER = f"ansible_python_interpreter={sys.executable}"


def installed(tmp_path: Path) -> list[str]:
    root = tmp_path / "opt"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("top", ["apache-tomcat-10.1.34/", "", "./"])
def test_apaches_layout_is_taken_at_the_top_or_in_one_folder(tmp_path: Path, top: str) -> None:
    source = tarball(tmp_path / "t.tar.gz", [top + name for name in MARKERS])
    done = unpack(tmp_path, source)
    assert done.returncode == 0, done.stdout[-3000:]
    assert installed(tmp_path) == [f"tomcat-10.1-0a1b2c3d/{name}" for name in MARKERS]
    again = unpack(tmp_path, source)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]


def test_a_tree_without_the_layout_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    source = tarball(tmp_path / "t.tar.gz", ["tomcat/bin/catalina.sh", "tomcat/README"])
    done = unpack(tmp_path, source)
    assert done.returncode != 0
    assert (
        "t.tar.gz is not a Tomcat tarball: it has no conf/server.xml, lib/catalina.jar"
        in done.stdout
    ), done.stdout[-3000:]
    assert installed(tmp_path) == []


def test_a_file_other_than_the_recorded_one_is_refused(tmp_path: Path) -> None:
    source = tarball(tmp_path / "t.tar.gz", MARKERS)
    done = unpack(tmp_path, source, sha256="0" * 64)
    assert done.returncode != 0
    assert "refusing a different file" in done.stdout, done.stdout[-3000:]
    assert installed(tmp_path) == []
