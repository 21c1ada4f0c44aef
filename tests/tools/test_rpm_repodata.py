"""``deployer.bundle.rpmrepo`` over real RPMs built here with rpmbuild: gzip metadata whose
repomd.xml checksums hold, read back by our reader and by createrepo_c's own, a rebuild that
replaces the old repodata whole, and a broken download refused by name with the old repodata
kept.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import createrepo_c as cr
import pytest

from deployer.bundle.build import BuildOptions, build
from deployer.bundle.rpmrepo import RpmEntry, read_primary, write_repodata
from deployer.bundle.verify import verify
from deployer.errors import BundleError
from deployer.spec import load_environment
from tests.support.example_specs import example_spec

pytestmark = pytest.mark.skipif(shutil.which("rpmbuild") is None, reason="needs rpmbuild")

REPO_NS = "{http://linux.duke.edu/metadata/repo}"

SPEC = """\
Name: hello
Version: %{ver}
Release: 1
Summary: A tiny package for repository metadata tests
License: MIT
BuildArch: noarch

%description
A tiny package for repository metadata tests.

%install
mkdir -p %{buildroot}/opt/hello
echo hello > %{buildroot}/opt/hello/hello.txt

%files
/opt/hello/hello.txt
"""


def rpmbuild(work: Path, version: str) -> Path:
    spec = work / "hello.spec"
    spec.write_text(SPEC)
    # HOME is the test's own, so a developer's ~/.rpmmacros cannot change the build.
    env = {**os.environ, "HOME": str(work)}
    subprocess.run(
        [
            "rpmbuild",
            "-bb",
            "--define",
            f"_topdir {work / 'top'}",
            "--define",
            f"ver {version}",
            str(spec),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return work / "top" / "RPMS" / "noarch" / f"hello-{version}-1.noarch.rpm"


@pytest.fixture(scope="module")
def built_rpms(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    work = tmp_path_factory.mktemp("rpmbuild")
    return [rpmbuild(work, "1.0"), rpmbuild(work, "1.1")]


@pytest.fixture
def el9(tmp_path: Path, built_rpms: list[Path]) -> Path:
    folder = tmp_path / "el9"
    folder.mkdir()
    for rpm in built_rpms:
        shutil.copy2(rpm, folder)
    return folder


def test_metadata_is_gzip_and_repomd_checksums_match(el9: Path) -> None:
    repodata = write_repodata(el9)

    assert repodata == el9 / "repodata"
    records = ET.parse(repodata / "repomd.xml").getroot().findall(f"{REPO_NS}data")
    assert sorted(r.get("type", "") for r in records) == ["filelists", "other", "primary"]
    for record in records:
        href = record.find(f"{REPO_NS}location").get("href", "")  # type: ignore[union-attr]
        assert href.startswith("repodata/")
        assert href.endswith(f"-{record.get('type')}.xml.gz")
        checksum = record.find(f"{REPO_NS}checksum")
        assert checksum is not None
        assert checksum.get("type") == "sha256"
        data = (el9 / href).read_bytes()
        assert checksum.text == hashlib.sha256(data).hexdigest()
        gzip.decompress(data)
    assert sorted(p.name for p in repodata.iterdir() if not p.name.endswith(".xml.gz")) == [
        "repomd.xml"
    ]
    assert not list(el9.rglob("*.zst"))


def test_primary_reads_back_both_versions(el9: Path) -> None:
    entries = read_primary(write_repodata(el9))

    assert entries == [
        RpmEntry("hello", 0, "1.0", "1", "noarch", "hello-1.0-1.noarch.rpm"),
        RpmEntry("hello", 0, "1.1", "1", "noarch", "hello-1.1-1.noarch.rpm"),
    ]
    packages, warnings = cr.RepositoryReader.from_path(str(el9)).parse_packages()
    assert warnings == []
    assert sorted(
        (p.name, p.epoch, p.version, p.release, p.arch, p.location_href) for p in packages.values()
    ) == [
        ("hello", "0", "1.0", "1", "noarch", "hello-1.0-1.noarch.rpm"),
        ("hello", "0", "1.1", "1", "noarch", "hello-1.1-1.noarch.rpm"),
    ]
    assert {p.files[0][1] + p.files[0][2] for p in packages.values()} == {"/opt/hello/hello.txt"}


def test_a_rebuild_replaces_the_old_repodata_whole(el9: Path) -> None:
    write_repodata(el9)
    (el9 / "repodata" / "stale-primary.xml.gz").write_bytes(b"")
    (el9 / "hello-1.0-1.noarch.rpm").unlink()

    repodata = write_repodata(el9)

    assert not (repodata / "stale-primary.xml.gz").exists()
    assert [e.version for e in read_primary(repodata)] == ["1.1"]
    assert sorted(p.name for p in el9.iterdir()) == ["hello-1.1-1.noarch.rpm", "repodata"]


def test_a_broken_download_is_named_and_the_old_repodata_kept(el9: Path) -> None:
    repodata = write_repodata(el9)
    before = sorted(p.name for p in repodata.iterdir())
    (el9 / "hello-1.2-1.noarch.rpm").write_bytes(b"<html>404 Not Found</html>\n")

    with pytest.raises(BundleError, match=r"hello-1\.2-1\.noarch\.rpm: not a readable RPM"):
        write_repodata(el9)

    assert sorted(p.name for p in repodata.iterdir()) == before
    assert not [p for p in el9.iterdir() if p.name.startswith(".repodata")]


def test_an_rpm_bundle_is_built_signed_and_read_back(tmp_path: Path, el9: Path) -> None:
    """``bundle build --os el9 --rpms el9=DIR``: no apt, no lab; the bundle verifies, and its
    repodata reads back from gzip metadata."""
    key = tmp_path / "engineer"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = (tmp_path / "engineer.pub").read_text().split()
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"engineer {public[0]} {public[1]}\n")
    spec = example_spec(tmp_path)
    options = BuildOptions(
        signing_key=key,
        gnupg_home=tmp_path / "gnupg",
        cache_dir=tmp_path / "cache",
        output=tmp_path / "el9.bundle.tar.gz",
        os=("el9",),
        rpms={"el9": el9},
    )
    built = build(load_environment(spec), options, lambda _: None)
    verified = verify(built.path, allowed, unpack_to=tmp_path / "unpacked")
    assert verified.manifest.releases == ("el9",)
    assert verified.root is not None
    repo = verified.root / "packages" / "el9"
    assert sorted(p.name for p in repo.glob("*.rpm")) == [
        "hello-1.0-1.noarch.rpm",
        "hello-1.1-1.noarch.rpm",
    ]
    assert [(e.name, e.version) for e in read_primary(repo / "repodata")] == [
        ("hello", "1.0"),
        ("hello", "1.1"),
    ]
    assert not list((verified.root / "packages").glob("debian-*"))
