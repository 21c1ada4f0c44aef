"""Per-host files written into a root tree, proxy and firewall configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deployer.errors import LabError
from deployer.lab import firewall, proxy, tree
from deployer.lab.mirror import Mirror
from deployer.lab.provision import apt_proxy, hosts_file


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
