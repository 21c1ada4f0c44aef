"""Per-host files written into a root tree, proxy and firewall configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deployer.errors import LabError
from deployer.lab import firewall, proxy, tree
from deployer.lab.mirror import Mirror
from deployer.lab.provision import (
    APT_PROXY_CONF,
    HostFiles,
    KeyPair,
    apt_proxy,
    hosts_file,
    provision,
)


def test_writes_do_not_follow_symlinks_out_of_the_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "machine-resolv.conf"
    (root / "etc").mkdir(parents=True)
    outside.write_text("machine's own\n")
    os.symlink(outside, root / "etc/resolv.conf")
    tree.write_file(root, "/etc/resolv.conf", "# lab\n")
    assert outside.read_text() == "machine's own\n"
    assert (root / "etc/resolv.conf").read_text() == "# lab\n"
    assert not (root / "etc/resolv.conf").is_symlink()


def test_symlinked_folders_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", root / "etc")
    with pytest.raises(LabError, match="is not a folder"):
        tree.write_file(root, "/etc/hostname", "app1\n")
    with pytest.raises(ValueError, match=r"without '\.\.'"):
        tree.write_file(root, "/etc/../../x", "")


def test_owner_of_reads_the_trees_passwd(tmp_path: Path) -> None:
    tree.write_file(
        tmp_path, "/etc/passwd", "root:x:0:0::/root:/bin/bash\ndeploy:x:1000:1001::/h:/bin/sh\n"
    )
    assert tree.owner_of(tmp_path, "deploy") == (1000, 1001)
    with pytest.raises(LabError, match="user nobody is missing"):
        tree.owner_of(tmp_path, "nobody")


def test_hosts_file_and_apt_proxy() -> None:
    text = hosts_file("app1", {"app1": "10.213.7.10", "db1": "10.213.7.11"})
    assert "127.0.1.1\tapp1\n" in text
    assert "10.213.7.11\tdb1\n" in text
    assert 'Acquire::http::Proxy "http://10.213.7.1:3142";' in apt_proxy("http://10.213.7.1:3142")


def test_proxy_listens_on_the_bridge_and_serves_only_the_mirror() -> None:
    mirror = Mirror(
        "https://mirrors.example.edu.cn/debian", "http://sec.example/debian-security", ("main",)
    )
    text = proxy.config_text(mirror, "10.213.7.1", Path("/c"), Path("/l"), Path("/run/s.sock"))
    assert "BindAddress: 10.213.7.1\n" in text
    assert "ForceManaged: 1\n" in text
    assert (
        "Remap-deployerlab0: mirrors.example.edu.cn/debian ; https://mirrors.example.edu.cn/debian/\n"
        in text
    )
    assert (
        "Remap-deployerlab1: sec.example/debian-security ; http://sec.example/debian-security/\n"
        in text
    )


def test_firewall_lets_only_the_proxy_through_from_the_bridge() -> None:
    rules = firewall.ruleset("dpl_1a2b3", "dpl-1a2b3-br", "10.213.7.1", 3142)
    assert 'iifname "dpl-1a2b3-br" ip daddr 10.213.7.1 tcp dport 3142 accept' in rules
    assert 'iifname "dpl-1a2b3-br" oifname "dpl-1a2b3-br" accept' in rules
    assert rules.count('iifname "dpl-1a2b3-br" drop') == 2


def test_an_offline_lab_lets_nothing_through_from_the_bridge() -> None:
    rules = firewall.ruleset("dpl_1a2b3", "dpl-1a2b3-br", "10.213.7.1", None)
    assert "dport" not in rules
    assert 'iifname "dpl-1a2b3-br" ct state established,related accept' in rules
    assert 'iifname "dpl-1a2b3-br" oifname "dpl-1a2b3-br" accept' in rules
    assert rules.count('iifname "dpl-1a2b3-br" drop') == 2


def _base_with_sources(tmp_path: Path) -> Path:
    """A root as the base image leaves it, plus what a base built otherwise could carry."""
    root = tmp_path / "root"
    root.mkdir()
    tree.write_file(root, "/etc/apt/sources.list.d/debian.sources", "Types: deb\n")
    tree.write_file(root, "/etc/apt/sources.list.d/extra.list", "deb http://x/ bookworm main\n")
    tree.write_file(root, "/etc/apt/sources.list", "deb http://x/ bookworm main\n")
    tree.write_file(root, "/var/lib/apt/lists/x_dists_bookworm_InRelease", "")
    tree.write_file(root, "/var/lib/apt/lists/auxfiles/x", "")
    tree.write_file(root, "/var/lib/apt/lists/lock", "")
    tree.make_dirs(root, "/var/lib/apt/lists/partial")
    return root


def _files(tmp_path: Path, proxy_url: str | None) -> HostFiles:
    private = tmp_path / "host_key"
    private.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n", encoding="utf-8")
    key = KeyPair(private, "ssh-ed25519 AAAA")
    return HostFiles("app1", {"app1": "10.213.7.10"}, proxy_url, key, authorized_key=None)


def test_an_online_host_gets_the_proxy_and_keeps_its_sources(tmp_path: Path) -> None:
    root = _base_with_sources(tmp_path)
    provision(root, _files(tmp_path, "http://10.213.7.1:3142"))
    assert "10.213.7.1:3142" in (root / APT_PROXY_CONF.lstrip("/")).read_text()
    assert (root / "etc/apt/sources.list.d/debian.sources").is_file()


def test_an_offline_host_gets_no_proxy_and_no_package_source(tmp_path: Path) -> None:
    root = _base_with_sources(tmp_path)
    provision(root, _files(tmp_path, None))
    assert not (root / APT_PROXY_CONF.lstrip("/")).exists()
    assert not (root / "etc/apt/sources.list").exists()
    assert list((root / "etc/apt/sources.list.d").iterdir()) == []
    lists = root / "var/lib/apt/lists"
    assert sorted(p.name for p in lists.iterdir()) == ["lock", "partial"]
    assert (root / "etc/hostname").read_text() == "app1\n"


def test_emptying_a_folder_does_not_follow_symlinks_out_of_the_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "machine-lists"
    (root / "var/lib/apt").mkdir(parents=True)
    outside.mkdir()
    (outside / "keep-me").write_text("machine's own\n")
    os.symlink(outside, root / "var/lib/apt/lists")
    with pytest.raises(LabError, match="refusing to empty it"):
        tree.empty_dir(root, "/var/lib/apt/lists")
    assert (outside / "keep-me").exists()
    tree.empty_dir(root, "/var/cache/nothing/here")  # missing: nothing to do
