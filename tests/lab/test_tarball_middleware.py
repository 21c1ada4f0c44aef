"""Tomcat and the JDK from tarballs (``middleware.<x>.source: {tarball: PATH}``) on real lab
hosts (Debian 12): the product is served through nginx, a second apply changes nothing, another
tarball is a new folder that a rollback leaves again, and undoing the first apply leaves nothing
of deployer's under /opt, no unit and no health page.

The tarballs are built from Debian's own packages (tarballs.py), re-arranged the way Apache and
the JDK vendors ship them. One lab for the module, made from a copy of the example spec; the
tests run in order and build on each other.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labsupport import EXAMPLE, SCRATCH, Lab, cache_dir, deployer_with_secrets, upgrade_lab
from tarballs import lab_tarballs

from deployer import lab

pytestmark = pytest.mark.lab

FOLDER = SCRATCH / "tarball"
SPEC = FOLDER / "huadong-production.yml"
OURS = "ls -d /opt/jdk* /opt/tomcat* /etc/systemd/system/tomcat10.service 2>/dev/null"


@pytest.fixture(scope="module")
def tarballs() -> tuple[Path, Path]:
    # Outside the repository, kept for later runs: building the xz JDK takes minutes.
    return lab_tarballs(cache_dir().parent / "test-tarballs")


@pytest.fixture(scope="module")
def tarball_lab() -> Iterator[Lab]:
    with upgrade_lab("tarball") as started:
        yield started


#: The example's first migration has no undo script, so no rollback could take back the first
#: release's schema; these tests undo a first install, so their copy of the migrations has one.
UNDO_V1 = """-- Undo of V1__create_core_tables.sql (lab test copy): referencing tables first.
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE items;
DROP TABLE customers;
"""


def migrations_with_undo() -> Path:
    folder = FOLDER / "migrations-with-undo"
    shutil.copytree(
        EXAMPLE.parent / "sample-erp" / "migrations" / "erp", folder, dirs_exist_ok=True
    )
    (folder / "U1__create_core_tables.sql").write_text(UNDO_V1, encoding="utf-8")
    return folder


def with_sources(name: str, tomcat: Path, jdk: Path) -> Path:
    """The example's copy with Tomcat and the JDK from these tarballs, beside it."""
    data = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    data["middleware"]["tomcat"]["source"] = {"tarball": str(tomcat)}
    data["middleware"]["jdk"]["source"] = {"tarball": str(jdk)}
    data["database"]["schemas"][0]["migrations"] = str(migrations_with_undo())
    target = SPEC.with_name(f"huadong-production-{name}.yml")
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def sha8(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout[-4000:] + done.stderr[-4000:]


def apply(spec: Path, *options: str) -> dict[str, Any]:
    done = deployer_with_secrets("apply", str(spec), "--lab", "-y", *options)
    assert done.returncode == 0, output(done)
    shown = deployer_with_secrets("show", str(spec), "last", "--lab", "--json")
    assert shown.returncode == 0, shown.stderr
    return dict(json.loads(shown.stdout))


def rollback(spec: Path, run_id: str) -> None:
    done = deployer_with_secrets("rollback", str(spec), run_id, "--lab")
    assert done.returncode == 0, output(done)


def health(lab: Lab) -> subprocess.CompletedProcess[str]:
    """Through nginx on the app host, as a user's browser would come in."""
    return lab.ssh("app1", "curl -sf http://localhost/erp/health.jsp")


def link(lab: Lab, path: str) -> str:
    return lab.ssh("app1", f"readlink {path}").stdout.strip()


def test_plan_shows_each_tarball_with_its_sha256(
    tarball_lab: Lab, tarballs: tuple[Path, Path]
) -> None:
    tomcat, jdk = tarballs
    spec = with_sources("tarballs", tomcat, jdk)
    done = deployer_with_secrets("plan", str(spec), "--lab")
    assert done.returncode == 0, output(done)
    for name, path in (("tomcat", tomcat), ("jdk", jdk)):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"middleware.{name} from tarball {path} (sha256 {digest})" in done.stdout
    assert f"JDK 17 from tarball {jdk.name}, Tomcat 10.1 from tarball {tomcat.name}" in (
        done.stdout
    )


def test_apply_serves_the_product_from_tomcat_and_jdk_tarballs(
    tarball_lab: Lab, tarballs: tuple[Path, Path]
) -> None:
    tomcat, jdk = tarballs
    shown = apply(with_sources("tarballs", tomcat, jdk))
    assert shown["status"] == "successful"
    page = health(tarball_lab)
    assert page.returncode == 0, page.stderr
    assert json.loads(page.stdout)["version"] == "1.0"
    assert link(tarball_lab, "/opt/tomcat") == f"/opt/tomcat-10.1-{sha8(tomcat)}"
    assert link(tarball_lab, "/opt/jdk") == f"/opt/jdk-17-{sha8(jdk)}"
    # Tomcat runs from the tarball's tree on the tarball's JDK, as the tomcat user, and no
    # package brought another Tomcat or Java.
    process = tarball_lab.ssh("app1", "ps -o user=,args= -C java")
    assert process.stdout.startswith("tomcat ") and "/opt/jdk/bin/java" in process.stdout
    assert "-Dcatalina.home=/opt/tomcat" in process.stdout, process.stdout
    installed = tarball_lab.ssh("app1", "dpkg -l 'tomcat*' 'openjdk*' 2>/dev/null | grep ^ii")
    assert installed.stdout == "", installed.stdout
    unit = tarball_lab.ssh("app1", "systemctl cat tomcat10")
    assert 'Environment="JAVA_HOME=/opt/jdk"' in unit.stdout, unit.stdout
    assert "ExecStart=/opt/tomcat/bin/catalina.sh run" in unit.stdout
    # The journal keeps each tarball's sum with the run's variables.
    recorded = Path(shown["path"], "variables.yml").read_text(encoding="utf-8")
    for name, path in (("tomcat", tomcat), ("jdk", jdk)):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{name}_tarball_sha256: !unsafe '{digest}'" in recorded


def test_a_second_apply_changes_nothing(tarball_lab: Lab, tarballs: tuple[Path, Path]) -> None:
    # --full: every role runs again, and none changes anything (without it, nothing runs).
    shown = apply(with_sources("tarballs", *tarballs), "--full")
    assert {host: counts["changed"] for host, counts in shown["recap"].items()} == {
        "app1": 0,
        "db1": 0,
    }


def test_another_tarball_is_a_new_folder_and_its_rollback_returns_to_the_first(
    tarball_lab: Lab, tarballs: tuple[Path, Path], tmp_path: Path
) -> None:
    tomcat, jdk = tarballs
    first = link(tarball_lab, "/opt/tomcat")
    # The same Tomcat repacked with its tree at the top of the tarball, not in a folder: a
    # layout like Apache's, and another file (another sha256).
    flat = tmp_path / "tomcat-flat.tgz"
    unpacked = tmp_path / "unpacked"
    with tarfile.open(tomcat) as archive:
        archive.extractall(unpacked, filter="tar")
    with tarfile.open(flat, "w:gz") as archive:
        for member in sorted((unpacked / "apache-tomcat-10.1").iterdir()):
            archive.add(member, arcname=member.name)
    shown = apply(with_sources("flat", flat, jdk))
    assert link(tarball_lab, "/opt/tomcat") == f"/opt/tomcat-10.1-{sha8(flat)}"
    assert json.loads(health(tarball_lab).stdout)["version"] == "1.0"
    rollback(SPEC.with_name("huadong-production-flat.yml"), shown["id"])
    assert link(tarball_lab, "/opt/tomcat") == first
    gone = tarball_lab.ssh("app1", f"test -e /opt/tomcat-10.1-{sha8(flat)}")
    assert gone.returncode == 1
    page = health(tarball_lab)
    assert page.returncode == 0 and json.loads(page.stdout)["version"] == "1.0", page.stderr


def test_rollback_of_the_first_apply_leaves_nothing_of_ours(
    tarball_lab: Lab, tarballs: tuple[Path, Path]
) -> None:
    spec = with_sources("tarballs", *tarballs)
    runs = lab.lab_spec_path(SPEC).parent / "runs"
    metas = [json.loads(p.read_text()) for p in sorted(runs.glob("*/meta.json"))]
    first = next(m["id"] for m in metas if m["kind"] == "apply")
    rollback(spec, first)
    left = tarball_lab.ssh("app1", OURS)
    assert left.stdout == "", left.stdout
    assert tarball_lab.ssh("app1", "id tomcat").returncode != 0
    assert tarball_lab.ssh("app1", "systemctl cat tomcat10").returncode != 0
    assert health(tarball_lab).returncode != 0


def test_a_tarball_without_tomcats_layout_is_refused_naming_what_is_missing(
    tarball_lab: Lab, tarballs: tuple[Path, Path], tmp_path: Path
) -> None:
    jdk = tarballs[1]
    broken = tmp_path / "not-tomcat.tar.gz"
    with tarfile.open(broken, "w:gz") as archive:
        archive.add(Path(__file__), arcname="apache-tomcat-10.1/bin/catalina.sh")
    done = deployer_with_secrets("apply", str(with_sources("broken", broken, jdk)), "--lab", "-y")
    assert done.returncode == 6, output(done)
    assert (
        "not-tomcat.tar.gz is not a Tomcat tarball: it has no conf/server.xml, lib/catalina.jar"
        in output(done)
    )
    assert tarball_lab.ssh("app1", "ls -d /opt/tomcat*").stdout == ""
