"""A bundle's verification with the real ssh-keygen: a good bundle passes and unpacks; each
kind of tampering is refused with a message naming what is wrong, and leaves nothing
unpacked."""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from deployer.bundle import archive
from deployer.bundle.build import Heading, seal
from deployer.bundle.manifest import MANIFEST
from deployer.bundle.verify import verify
from deployer.cli.main import run
from deployer.errors import BundleError, ExitCode
from tests.support.example_specs import example_spec

HEADING = Heading("sample-erp", "1.0", "x86_64", ("debian-12",))
TOP = "sample-erp-1.0-x86_64"
PACKAGE = "packages/debian-12/hello_1.0_all.deb"
#: The example's hosts moved onto the loopback: nothing else is ever contacted from here.
LOOPBACK = ("10.20.30.11=>127.0.0.1", "10.20.30.21=>127.0.0.2")


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


Tamper = Callable[["Signed", Path], str]


def _refused(signed: Signed, tmp_path: Path, expected: str) -> None:
    out = tmp_path / "refused"
    with pytest.raises(BundleError, match=expected):
        verify(signed.output, signed.allowed, unpack_to=out)
    assert not (out / TOP).exists()


def _flip_a_byte(signed: Signed, tmp_path: Path) -> str:
    package = signed.tree / PACKAGE
    data = bytearray(package.read_bytes())
    data[100] ^= 0x01
    package.write_bytes(bytes(data))
    archive.write(signed.tree, signed.output)
    return f"{PACKAGE}: checksum mismatch"


def _add_a_member(signed: Signed, tmp_path: Path) -> str:
    (signed.tree / "packages/debian-12/extra_1.0_all.deb").write_bytes(b"more")
    archive.write(signed.tree, signed.output)
    return "extra_1.0_all.deb is in the archive but not in the manifest"


def _remove_a_member(signed: Signed, tmp_path: Path) -> str:
    (signed.tree / "packages/repo-key.gpg").unlink()
    archive.write(signed.tree, signed.output)
    return "repo-key.gpg is in the manifest but not in the archive"


def _climb_out(signed: Signed, tmp_path: Path) -> str:
    info = tarfile.TarInfo(f"{TOP}/../evil.sh")
    info.size = 10
    _append_member(signed.output, info, b"#!/bin/sh\n")
    return "unsafe member"


def _edit_the_manifest(signed: Signed, tmp_path: Path) -> str:
    manifest = signed.tree / MANIFEST
    manifest.write_text(manifest.read_text().replace('"1.0"', '"1.0.1"', 1))
    archive.write(signed.tree, signed.output)
    return "signature does not verify"


def _sign_with_a_stranger_s_key(signed: Signed, tmp_path: Path) -> str:
    _sign_again(signed, _key(tmp_path, "stranger"), "deployer-bundle")
    return "signed by a key that is not in"


def _sign_for_another_purpose(signed: Signed, tmp_path: Path) -> str:
    """The same engineer's signature made for files (namespace "file") is not one for a
    bundle."""
    _sign_again(signed, signed.key, "file")
    return "signature does not verify"


def _not_a_bundle(signed: Signed, tmp_path: Path) -> str:
    signed.output.write_bytes(b"<html>404</html>")
    return "not a readable gzip tar"


TAMPERING = {
    "a flipped byte in a package": _flip_a_byte,
    "a member added to the tar": _add_a_member,
    "a member removed": _remove_a_member,
    "a ../ member": _climb_out,
    "a manifest edited without signing again": _edit_the_manifest,
    "a signature by a key not allowed": _sign_with_a_stranger_s_key,
    "a signature for another purpose": _sign_for_another_purpose,
    "not a bundle at all": _not_a_bundle,
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=list(TAMPERING))
def test_verify_refuses(signed: Signed, tmp_path: Path, tamper: Tamper) -> None:
    expected = tamper(signed, tmp_path)
    _refused(signed, tmp_path, expected)
    assert not (tmp_path / "evil.sh").exists()


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=list(TAMPERING))
def test_apply_refuses_before_any_host_is_touched(
    signed: Signed, tmp_path: Path, tamper: Tamper, capsys: pytest.CaptureFixture[str]
) -> None:
    """The spec's hosts are on the loopback, unreachable there: had apply got past the
    bundle, it would have failed on them with another code, and journaled a run."""
    expected = tamper(signed, tmp_path)
    spec = example_spec(tmp_path, "huadong-production.yml", *LOOPBACK)
    argv = ["apply", str(spec), "-y", "--bundle", str(signed.output)]
    assert run([*argv, "--allowed-signers", str(signed.allowed)]) == ExitCode.BUNDLE_INVALID
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.search(expected, err[0]), err
    assert not (tmp_path / ".deployer" / "runs").exists()


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


def _sign_again(signed: Signed, key: Path, namespace: str) -> None:
    """The manifest signed anew with ``key`` for ``namespace``, and the bundle rewritten."""
    (signed.tree / "MANIFEST.json.sig").unlink()
    argv = ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", namespace]
    subprocess.run([*argv, str(signed.tree / MANIFEST)], check=True)
    archive.write(signed.tree, signed.output)


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
