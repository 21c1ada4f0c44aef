"""A bundle's verification with the real ssh-keygen: a good bundle passes and unpacks; each
kind of tampering is refused with a message naming what is wrong, and leaves nothing
unpacked."""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from deployer.bundle import archive
from deployer.bundle.build import Heading, seal
from deployer.bundle.manifest import MANIFEST
from deployer.bundle.verify import verify
from deployer.cli.main import run
from deployer.errors import BundleError, ExitCode

HEADING = Heading("sample-erp", "1.0", "x86_64", ("debian-12",))
TOP = "sample-erp-1.0-x86_64"
PACKAGE = "packages/debian-12/hello_1.0_all.deb"


@dataclass(frozen=True)
class Signed:
    tree: Path
    key: Path
    allowed: Path
    output: Path


def _key(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


@pytest.fixture
def signed(tmp_path: Path) -> Signed:
    key = _key(tmp_path, "engineer")
    allowed = tmp_path / "allowed_signers"
    public = (tmp_path / "engineer.pub").read_text().split()
    allowed.write_text(f"engineer@example {public[0]} {public[1]}\n")
    tree = tmp_path / "build" / TOP
    for member, data in {
        PACKAGE: b"!<arch>\n" + bytes(range(256)) * 40,
        "packages/repo-key.gpg": b"key",
        "site/sample-erp/dist/sample-erp-1.0.war": b"PK\x03\x04war",
    }.items():
        path = tree / member
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    seal(tree, HEADING, key)
    output = tmp_path / f"{TOP}.bundle.tar.gz"
    archive.write(tree, output)
    return Signed(tree, key, allowed, output)


def test_a_good_bundle_verifies_and_unpacks(signed: Signed, tmp_path: Path) -> None:
    found = verify(signed.output, signed.allowed, unpack_to=tmp_path / "out")
    assert found.signer == "engineer@example"
    assert found.manifest.releases == ("debian-12",)
    assert found.root == tmp_path / "out" / TOP
    assert (found.root / PACKAGE).read_bytes() == (signed.tree / PACKAGE).read_bytes()
    sums = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=found.root, capture_output=True, check=False
    )
    assert sums.returncode == 0, sums.stdout


def _refused(signed: Signed, tmp_path: Path, expected: str) -> None:
    out = tmp_path / "refused"
    with pytest.raises(BundleError, match=expected):
        verify(signed.output, signed.allowed, unpack_to=out)
    assert not (out / TOP).exists()


def test_one_flipped_byte_in_a_package_is_refused(signed: Signed, tmp_path: Path) -> None:
    package = signed.tree / PACKAGE
    data = bytearray(package.read_bytes())
    data[100] ^= 0x01
    package.write_bytes(bytes(data))
    archive.write(signed.tree, signed.output)
    _refused(signed, tmp_path, f"{PACKAGE}: checksum mismatch")


def test_a_member_added_to_the_tar_is_refused(signed: Signed, tmp_path: Path) -> None:
    (signed.tree / "packages/debian-12/extra_1.0_all.deb").write_bytes(b"more")
    archive.write(signed.tree, signed.output)
    _refused(signed, tmp_path, "extra_1.0_all.deb is in the archive but not in the manifest")


def test_a_removed_member_is_refused(signed: Signed, tmp_path: Path) -> None:
    (signed.tree / "packages/repo-key.gpg").unlink()
    archive.write(signed.tree, signed.output)
    _refused(signed, tmp_path, "repo-key.gpg is in the manifest but not in the archive")


def _append_member(bundle: Path, info: tarfile.TarInfo, data: bytes = b"") -> None:
    """Rewrite the gzip tar with one more member (tarfile cannot append to gzip)."""
    with tarfile.open(bundle, "r:gz") as old:
        members = [(m, old.extractfile(m).read() if m.isfile() else None) for m in old]  # type: ignore[union-attr]
    with tarfile.open(bundle, "w:gz") as new:
        for member, content in [*members, (info, data)]:
            new.addfile(member, io.BytesIO(content) if content is not None else None)


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        (f"{TOP}/../evil.sh", tarfile.REGTYPE, "unsafe member"),
        ("/etc/cron.d/evil", tarfile.REGTYPE, "unsafe member"),
        (f"{TOP}/packages/link", tarfile.SYMTYPE, "unsafe member .*a link to '/etc/shadow'"),
        (f"{TOP}/dev", tarfile.CHRTYPE, "unsafe member .*a device"),
        ("elsewhere/file", tarfile.REGTYPE, "outside the folder"),
    ],
)
def test_members_that_could_unpack_elsewhere_are_refused(
    signed: Signed, tmp_path: Path, name: str, kind: bytes, expected: str
) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = "/etc/shadow" if kind == tarfile.SYMTYPE else ""
    data = b"#!/bin/sh\n" if kind == tarfile.REGTYPE else b""
    info.size = len(data)
    _append_member(signed.output, info, data)
    _refused(signed, tmp_path, expected)
    assert not (tmp_path / "evil.sh").exists()


def test_a_manifest_edited_without_signing_again_is_refused(signed: Signed, tmp_path: Path) -> None:
    manifest = signed.tree / MANIFEST
    manifest.write_text(manifest.read_text().replace('"1.0"', '"1.0.1"', 1))
    archive.write(signed.tree, signed.output)
    _refused(signed, tmp_path, "signature does not verify")


def _sign_again(signed: Signed, key: Path, namespace: str) -> None:
    """The manifest signed anew with ``key`` for ``namespace``, and the bundle rewritten."""
    (signed.tree / "MANIFEST.json.sig").unlink()
    argv = ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", namespace]
    subprocess.run([*argv, str(signed.tree / MANIFEST)], check=True)
    archive.write(signed.tree, signed.output)


def test_a_signature_by_a_key_not_allowed_is_refused(signed: Signed, tmp_path: Path) -> None:
    _sign_again(signed, _key(tmp_path, "stranger"), "deployer-bundle")
    _refused(signed, tmp_path, "signed by a key that is not in")


def test_a_signature_for_another_purpose_is_refused(signed: Signed, tmp_path: Path) -> None:
    """The same engineer's signature made for files (namespace "file") is not one for a
    bundle."""
    _sign_again(signed, signed.key, "file")
    _refused(signed, tmp_path, "signature does not verify")


def test_not_a_bundle_at_all(signed: Signed, tmp_path: Path) -> None:
    signed.output.write_bytes(b"<html>404</html>")
    _refused(signed, tmp_path, "not a readable gzip tar")


def test_the_command_says_one_line_and_exits_with_its_own_code(
    signed: Signed, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bundle", "verify", str(signed.output), "--allowed-signers", str(signed.allowed)]
    assert run(argv) == ExitCode.OK
    assert "signed by engineer@example" in capsys.readouterr().out
    (signed.tree / "packages/debian-12/extra_1.0_all.deb").write_bytes(b"more")
    archive.write(signed.tree, signed.output)
    assert run(argv) == ExitCode.BUNDLE_INVALID == 15
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert str(signed.output) in err[0] and "extra_1.0_all.deb" in err[0]
    assert "Traceback" not in err[0]
