"""Packages from a bundle, over the fake hosts: what is copied (only what a host lacks, and
files an earlier bundle brought are linked instead), the checks on the host, apt's lists,
the run's apt configuration removed at the end; and what a rollback could not put back."""

from __future__ import annotations

import hashlib
import io
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from deployer.errors import BundleError
from deployer.journal import Journal
from deployer.run.packages import (
    LocalPackages,
    apt_config,
    bundle_versions,
    carry,
    offline_downgrades,
    packages_from_bundle,
    release,
    release_of,
    sources_line,
)
from tests.support.fakes import FakeExecutor, FakeHosts, managed_by_current

DEBIAN_12 = {"family": "Debian", "release": "debian-12", "pkg_manager": "apt"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def packages(tmp_path: Path) -> LocalPackages:
    folder = tmp_path / "packages"
    files = {
        "repo-key.gpg": b"key",
        "debian-12/InRelease": b"signed",
        "debian-12/nginx_1.22_amd64.deb": b"nginx",
        "debian-12/unzip_6.0_amd64.deb": b"unzip",
        "debian-11/nginx_1.18_amd64.deb": b"old nginx",
    }
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    sums = {path: _sha(data) for path, data in files.items()}
    return LocalPackages("ab" * 32, "x86_64", folder, ("debian-11", "debian-12"), sums)


def _managed(platform: dict[str, str] | None = None) -> dict[str, object]:
    managed = managed_by_current(["app1"])
    return {"app1": replace(managed["app1"], platform=platform or DEBIAN_12)}


def test_only_what_the_host_lacks_is_sent(packages: LocalPackages, tmp_path: Path) -> None:
    hosts = FakeHosts(("app1",))
    here = f"./{packages.digest[:16]}"
    listing = (
        "x86_64\n"
        f"{_sha(b'key')}  {here}/repo-key.gpg\n"
        f"{_sha(b'nginx')}  ./0123456789abcdef/debian-12/nginx_1.22_amd64.deb\n"
    )
    hosts.answer("uname -m", (0, listing))
    run = Journal(tmp_path / "runs").start("apply", tmp_path / "env.yml")
    carry(packages, hosts, _managed(), run)  # type: ignore[arg-type]
    with tarfile.open(fileobj=io.BytesIO(hosts.sent[0])) as tar:
        sent = sorted(tar.getnames())
    # The key is there already, nginx is linked from the earlier bundle; debian-11 is not
    # this host's release.
    assert sent == [
        "apt.conf",
        "debian-12/InRelease",
        "debian-12/unzip_6.0_amd64.deb",
        "sources.list",
    ]
    commands = [command for _host, command in hosts.log]
    assert any("apt-get update" in c for c in commands)
    events = [e for e in run.events() if e["event"] == "bundle"]
    assert events == [
        {**events[0], "host": "app1", "release": "debian-12", "sent": 4, "digest": packages.digest}
    ]


def test_the_host_s_release_and_architecture_must_be_in_the_bundle(
    packages: LocalPackages, tmp_path: Path
) -> None:
    run = Journal(tmp_path / "runs").start("apply", tmp_path / "env.yml")
    hosts = FakeHosts(("app1",))
    trixie = {**DEBIAN_12, "release": "debian-13"}
    with pytest.raises(BundleError, match=r"app1: the bundle has no packages for debian-13"):
        carry(packages, hosts, _managed(trixie), run)  # type: ignore[arg-type]
    el9 = {"family": "RedHat", "release": "el9", "pkg_manager": "dnf"}
    with pytest.raises(BundleError, match="Debian family only; this host is RedHat el9"):
        release_of(packages, "app1", _managed(el9)["app1"])  # type: ignore[arg-type]
    assert hosts.log == []  # refused before anything ran
    hosts.answer("uname -m", (0, "aarch64\n"))
    with pytest.raises(BundleError, match="the bundle is for x86_64, this host is aarch64"):
        carry(packages, hosts, _managed(), run)  # type: ignore[arg-type]
    assert hosts.sent == []


def test_a_failed_check_on_the_host_stops_the_run(packages: LocalPackages, tmp_path: Path) -> None:
    run = Journal(tmp_path / "runs").start("apply", tmp_path / "env.yml")
    hosts = FakeHosts(("app1",))
    hosts.answer("uname -m", (0, "x86_64\n"))
    hosts.answer("sha256sum --quiet -c", (1, "debian-12/unzip_6.0_amd64.deb: FAILED"))
    with pytest.raises(BundleError, match="do not check out on app1"):
        carry(packages, hosts, _managed(), run)  # type: ignore[arg-type]


def test_the_run_s_apt_configuration_is_removed(
    packages: LocalPackages, caplog: pytest.LogCaptureFixture
) -> None:
    hosts = FakeHosts(("app1", "db1"))
    remote = packages.remote
    removal = f"rm -rf {remote}/apt.conf {remote}/sources.list {remote}/lists$"
    hosts.answer(removal, (1, "rm: read-only file system"))
    release(packages, hosts, ["app1", "db1"])
    shown = "as root: remove the run's apt configuration"
    assert hosts.log == [("app1", shown), ("db1", shown)]
    # A host that could not remove it is a warning: the run's outcome stands.
    assert caplog.text.count("could not remove the run's apt configuration") == 2


def test_apt_reads_the_bundle_alone() -> None:
    remote = "/var/lib/deployer/bundles/abababababababab"
    text = apt_config(remote)
    assert f'Dir::Etc::SourceList "{remote}/sources.list";' in text
    assert 'Dir::Etc::SourceParts "-";' in text
    assert f'Dir::State::Lists "{remote}/lists";' in text
    assert sources_line(remote, "debian-12") == (
        f"deb [signed-by={remote}/repo-key.gpg] file:{remote}/debian-12 ./\n"
    )


def test_what_a_rollback_could_not_put_back() -> None:
    index = (
        "Package: libc6\nVersion: 2.36-9+deb12u14\nDescription: C\n multi-line\n\n"
        "Package: nginx\nVersion: 1.22.1-9+deb12u2\n\n"
        "Package: nginx\nVersion: 1.22.1-9\n"
    )
    offered = bundle_versions(index)
    assert offered == {"libc6": {"2.36-9+deb12u14"}, "nginx": {"1.22.1-9+deb12u2", "1.22.1-9"}}
    installed = {"libc6": "2.36-9+deb12u1", "nginx": "1.22.1-9", "bash": "5.2.15-2"}
    assert offline_downgrades(offered, installed) == [
        "libc6 2.36-9+deb12u1 (the bundle holds 2.36-9+deb12u14)"
    ]


def test_the_plays_read_the_bundle_while_the_stages_run(
    packages: LocalPackages, tmp_path: Path
) -> None:
    hosts = FakeHosts(("app1",))
    hosts.answer("uname -m", (0, "x86_64\n"))
    run = Journal(tmp_path / "runs").start("apply", tmp_path / "env.yml")
    executor = FakeExecutor()
    with packages_from_bundle(packages, hosts, run, executor, _managed()):  # type: ignore[arg-type]
        assert executor.host_values["app1"] == {
            "deployer_package_environment": {"APT_CONFIG": f"{packages.remote}/apt.conf"}
        }
        assert not any("remove the run's apt configuration" in c for _h, c in hosts.log)
    assert hosts.log[-1] == ("app1", "as root: remove the run's apt configuration")
    assert run.meta()["bundle"] == packages.digest
    # Without a bundle, nothing of this happens.
    quiet = FakeHosts(("app1",))
    with packages_from_bundle(None, quiet, run, FakeExecutor(), _managed()):  # type: ignore[arg-type]
        pass
    assert quiet.log == []
