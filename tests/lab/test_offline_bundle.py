"""A go-live with no internet: bundles built for the example (1.0) and its upgrade (1.1),
lab hosts with no package source at all (``lab up --offline``), then apply, upgrade and
``rollback --last`` from the bundles alone. A tampered bundle is refused before any host is
touched."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from labsupport import (
    UPGRADE,
    Lab,
    deployer_ok,
    deployer_with_secrets,
    last_run,
    served_health,
    upgrade_lab,
)

from deployer.bundle import archive
from deployer.bundle.verify import verify

pytestmark = pytest.mark.lab

BUNDLE_ROOT = "/var/lib/deployer/bundles"


@dataclass(frozen=True)
class Offline:
    lab: Lab
    upgrade: Path  # the 1.1 spec beside the lab's spec
    first: Path  # the 1.0 bundle
    second: Path  # the 1.1 bundle
    allowed: Path
    scratch: Path

    def bundle_args(self, bundle: Path) -> list[str]:
        return ["--bundle", str(bundle), "--allowed-signers", str(self.allowed)]


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Offline]:
    scratch = tmp_path_factory.mktemp("offline-bundle")
    key = scratch / "engineer"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = (scratch / "engineer.pub").read_text().split()
    allowed = scratch / "allowed_signers"
    allowed.write_text(f"engineer@example {public[0]} {public[1]}\n")
    with upgrade_lab("offline-bundle", offline=True) as started:
        upgrade = started.spec.with_name(UPGRADE.name)
        bundles = []
        for spec, name in ((started.spec, "first"), (upgrade, "second")):
            bundle = scratch / f"{name}.bundle.tar.gz"
            argv = ["bundle", "build", str(spec), "--no-wheels", "--sign-key", str(key)]
            deployer_ok(*argv, "-o", str(bundle))
            bundles.append(bundle)
        yield Offline(started, upgrade, bundles[0], bundles[1], allowed, scratch)


def _bundle_folders(lab: Lab) -> str:
    found = lab.ssh("app1", f"ls {BUNDLE_ROOT} 2>/dev/null; true").stdout
    return found + lab.ssh("db1", f"ls {BUNDLE_ROOT} 2>/dev/null; true").stdout


def test_a_tampered_bundle_is_refused_before_any_host_is_touched(offline: Offline) -> None:
    unpacked = verify(offline.first, offline.allowed, unpack_to=offline.scratch / "tamper")
    assert unpacked.root is not None
    package = next((unpacked.root / "packages" / "debian-12").glob("nginx*.deb"))
    data = bytearray(package.read_bytes())
    data[len(data) // 2] ^= 0x01
    package.write_bytes(bytes(data))
    tampered = offline.scratch / "tampered.bundle.tar.gz"
    archive.write(unpacked.root, tampered)
    spec = str(offline.lab.spec)
    done = deployer_with_secrets("apply", spec, "--lab", "-y", *offline.bundle_args(tampered))
    assert done.returncode == 15, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"{package.name}: checksum mismatch" in done.stderr
    assert _bundle_folders(offline.lab) == ""
    runs = deployer_with_secrets("runs", spec, "--lab")
    assert "apply" not in runs.stdout


def test_apply_from_the_bundle_serves_the_product(offline: Offline) -> None:
    spec = str(offline.lab.spec)
    deployer_ok("apply", spec, "--lab", "-y", *offline.bundle_args(offline.first))
    health = served_health(offline.lab)
    assert (health["version"], health["schema"]) == ("1.0", 1)
    digest = verify(offline.first, offline.allowed).digest
    assert last_run(offline.lab.spec)["bundle"] == digest
    for host in ("app1", "db1"):
        # The run's apt configuration is gone; the host still has no source of its own.
        left = offline.lab.ssh(host, f"ls {BUNDLE_ROOT}/*/")
        assert "apt.conf" not in left.stdout and "lists" not in left.stdout, left.stdout
        update = offline.lab.ssh(host, "sudo apt-get update")
        assert update.returncode == 0, update.stderr
        fetched = [w for w in ("Get:", "Hit:", "Ign:", "Err:") if w in update.stdout]
        assert fetched == [], update.stdout


def test_upgrade_and_rollback_from_the_bundles(offline: Offline) -> None:
    upgrade = str(offline.upgrade)
    deployer_ok("apply", upgrade, "--lab", "-y", *offline.bundle_args(offline.second))
    assert served_health(offline.lab)["version"] == "1.1"
    deployer_ok("rollback", upgrade, "--lab", "--last", *offline.bundle_args(offline.second))
    health = served_health(offline.lab)
    assert (health["version"], health["schema"]) == ("1.0", 1)
