"""What ``deployer.bundle.rpmrepo`` refuses, and how it says so: a folder without RPMs, a file
that is not one, and repository metadata EL7's yum could not read or that points elsewhere.
Real RPMs are built in tests/tools/test_rpm_repodata.py, which needs rpmbuild."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from deployer.bundle.rpmrepo import RpmEntry, read_primary, write_repodata
from deployer.errors import BundleError, ExitCode

PRIMARY = """\
<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" packages="1">
<package type="rpm">
  <name>hello</name>
  <arch>noarch</arch>
  <version epoch="{epoch}" ver="1.0" rel="1"/>
  <location href="hello-1.0-1.noarch.rpm"/>
</package>
</metadata>
"""


def repodata_with(tmp_path: Path, href: str, primary: bytes) -> Path:
    repodata = tmp_path / "el7" / "repodata"
    repodata.mkdir(parents=True)
    (repodata / "repomd.xml").write_text(
        '<repomd xmlns="http://linux.duke.edu/metadata/repo">'
        f'<data type="primary"><location href="{href}"/></data></repomd>'
    )
    (repodata.parent / href).write_bytes(primary)
    return repodata


def test_a_folder_without_rpms_is_named(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("download the RPMs here\n")

    with pytest.raises(
        BundleError, match=f"^{re.escape(str(tmp_path))}: no \\.rpm files"
    ) as caught:
        write_repodata(tmp_path)

    assert caught.value.exit_code is ExitCode.BUNDLE_INVALID
    assert not (tmp_path / "repodata").exists()


def test_a_file_that_is_not_an_rpm_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "broken.rpm").write_text("not an rpm\n")

    with pytest.raises(
        BundleError, match=f"^{re.escape(str(tmp_path / 'broken.rpm'))}: not a readable RPM"
    ):
        write_repodata(tmp_path)

    assert [p.name for p in tmp_path.iterdir()] == ["broken.rpm"]


def test_gzip_primary_reads_back(tmp_path: Path) -> None:
    body = gzip.compress(PRIMARY.format(epoch="2").encode())
    repodata = repodata_with(tmp_path, "repodata/abc-primary.xml.gz", body)

    assert read_primary(repodata) == [
        RpmEntry("hello", 2, "1.0", "1", "noarch", "hello-1.0-1.noarch.rpm")
    ]


def test_a_primary_that_is_not_gzip_is_refused(tmp_path: Path) -> None:
    # zstd's magic number: what createrepo_c writes unless told to use gzip.
    repodata = repodata_with(tmp_path, "repodata/abc-primary.xml.zst", b"\x28\xb5\x2f\xfd")

    with pytest.raises(BundleError, match=r"abc-primary\.xml\.zst: not gzip-compressed"):
        read_primary(repodata)


def test_a_primary_outside_repodata_is_refused(tmp_path: Path) -> None:
    body = gzip.compress(PRIMARY.format(epoch="0").encode())
    repodata = repodata_with(tmp_path, "elsewhere-primary.xml.gz", body)

    with pytest.raises(BundleError, match=r"'elsewhere-primary\.xml\.gz' lies outside"):
        read_primary(repodata)


def test_an_epoch_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    body = gzip.compress(PRIMARY.format(epoch="one").encode())
    repodata = repodata_with(tmp_path, "repodata/abc-primary.xml.gz", body)

    with pytest.raises(BundleError, match="a package entry lacks"):
        read_primary(repodata)


def test_a_missing_repomd_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        BundleError, match=f"^{re.escape(str(tmp_path / 'repomd.xml'))}: cannot read it"
    ):
        read_primary(tmp_path)
