"""A bundle's Debian repository read by the real apt: a .deb made here with dpkg-deb,
indexed and clear-signed with an RSA key by deployer, then ``apt-get update`` against it
alone (its own lists, cache and an empty status), as a host does with signed-by. A
Packages file changed after signing is refused by apt."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from deployer.bundle.debrepo import write_flat_repo
from deployer.bundle.repokey import PUBLIC_KEY, RepoKey, export_public, repo_key


def _deb(folder: Path, version: str) -> None:
    root = folder / f"hello-{version}"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "usr/share/hello").mkdir(parents=True)
    (root / "usr/share/hello/greeting").write_text(f"hello {version}\n")
    (root / "DEBIAN/control").write_text(
        f"Package: deployer-hello\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: deployer tests <tests@example>\nDescription: a greeting\n"
    )
    deb = folder / f"hello_{version}_all.deb"
    build = ["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)]
    subprocess.run(build, check=True, capture_output=True)
    shutil.rmtree(root)


@pytest.fixture
def key(tmp_path: Path) -> Iterator[RepoKey]:
    with repo_key(tmp_path / "gnupg") as made:
        yield made


def _apt(tmp_path: Path, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    state = tmp_path / "apt"
    for sub in ("lists/partial", "cache/archives/partial"):
        (state / sub).mkdir(parents=True, exist_ok=True)
    (state / "status").touch()
    sources = state / "bundle.list"
    sources.write_text(f"deb [signed-by={repo / PUBLIC_KEY}] file:{repo} ./\n")
    options = {
        "Dir::Etc::sourcelist": str(sources),
        "Dir::Etc::sourceparts": "-",
        "Dir::State::Lists": str(state / "lists"),
        "Dir::State::status": str(state / "status"),
        "Dir::Cache": str(state / "cache"),
        "Debug::NoLocking": "1",
        "APT::Sandbox::User": "root",
    }
    argv = ["apt-get", "-q"] + [f"-o{k}={v}" for k, v in options.items()]
    return subprocess.run([*argv, *args], capture_output=True, text=True, check=False)


def test_apt_reads_the_signed_repository(tmp_path: Path, key: RepoKey) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _deb(repo, "1.0")
    _deb(repo, "1.1")
    export_public(key, repo / PUBLIC_KEY)
    write_flat_repo(repo, key, "sample-erp 1.0 debian-12")
    listed = subprocess.run(
        ["gpg", "--show-keys", "--with-colons", str(repo / PUBLIC_KEY)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert listed.splitlines()[0].split(":")[3] == "1"  # algorithm 1: RSA, which EL7 checks
    update = _apt(tmp_path, repo, "update")
    assert update.returncode == 0, update.stdout + update.stderr
    assert "NO_PUBKEY" not in update.stderr and "not signed" not in update.stderr
    shown = _apt(tmp_path, repo, "-s", "install", "deployer-hello=1.0")
    assert "Inst deployer-hello (1.0 sample-erp 1.0 debian-12" in shown.stdout, (
        shown.stdout + shown.stderr
    )
    newest = _apt(tmp_path, repo, "-s", "install", "deployer-hello")
    assert "Inst deployer-hello (1.1 " in newest.stdout


def test_apt_refuses_an_index_changed_after_signing(tmp_path: Path, key: RepoKey) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _deb(repo, "1.0")
    export_public(key, repo / PUBLIC_KEY)
    write_flat_repo(repo, key, "sample-erp 1.0 debian-12")
    packages = repo / "Packages"
    packages.write_text(packages.read_text().replace("a greeting", "a greeting, changed"))
    subprocess.run(["gzip", "-kf", str(packages)], check=True)
    update = _apt(tmp_path, repo, "update")
    shown = _apt(tmp_path, repo, "-s", "install", "deployer-hello")
    assert update.returncode != 0 or "deployer-hello" not in shown.stdout
    assert "Hash Sum mismatch" in update.stdout + update.stderr or "File has unexpected size" in (
        update.stdout + update.stderr
    )
