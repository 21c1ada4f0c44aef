"""The lab spec overlay, ssh_config and known_hosts, written from fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.errors import LabError
from deployer.lab.overlay import (
    Access,
    absolutise,
    overlay_document,
    render_known_hosts,
    render_overlay,
    render_ssh_config,
)
from deployer.spec import load_environment
from deployer.spec.loader import read_document

EXAMPLE = Path(__file__).parents[3] / "examples" / "huadong-production.yml"
KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHrpcWjK94l+rwJ62GaA46BIcpnUerBgdtBVyuMHs+te"
KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILcTinOwdaRX0/To1sNpgSSx2aQbOE+Jb+Qtjtn6ZNyP"


def _access(key_file: Path) -> dict[str, Access]:
    return {
        "app1": Access("app1", "10.213.7.10", 22, "deploy", str(key_file), KEY_A),
        "db1": Access("db1", "10.213.7.11", 22, "deploy", str(key_file), KEY_B),
    }


def test_overlay_of_the_example_validates_from_another_folder(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    key.write_text("not really a key\n")
    doc, _ = read_document(EXAMPLE)
    data = overlay_document(doc.data, EXAMPLE.parent, _access(key))
    target = tmp_path / "elsewhere" / "spec.yml"
    target.parent.mkdir()
    target.write_text(render_overlay(data, EXAMPLE, "lab up"), encoding="utf-8")
    loaded = load_environment(target)
    app1 = loaded.env.host("app1")
    assert app1 is not None
    assert (app1.address, app1.port, app1.user, app1.host_key) == (
        "10.213.7.10",
        22,
        "deploy",
        KEY_A,
    )
    assert getattr(app1.auth, "key_file", None) == str(key)
    assert app1.roles == ["web", "app"]
    assert loaded.env.product.artifact == str(EXAMPLE.parent / "sample-erp/dist/sample-erp-1.0.war")
    assert loaded.env.customer == "华东精密机械有限公司"


def test_every_relative_reference_becomes_absolute() -> None:
    base = Path("/srv/specs")
    data = {
        "product": {
            "artifact": "dist/a.war",
            "templates": "tpl",
            "config": {"token": "${file:t}"},
            "base_image": "images/tomcat.tar",
            "jdbc_driver": "lib/driver.jar",
        },
        "matrix": "m.yml",
        "middleware": {"tomcat": {"source": {"tarball": "vendor/tomcat.tar.gz"}}},
        "target": {"type": "kubernetes", "kubeconfig": "kube/config"},
        "hosts": [{"name": "a", "auth": {"type": "key", "key_file": "keys/a"}}],
        "database": {
            "admin": {"user": "root", "password": "${file: secrets/admin }"},
            "schemas": [{"name": "erp", "migrations": "mig", "owner": {"password": "${env:P}"}}],
        },
    }
    out = absolutise(data, base)
    assert out["product"]["artifact"] == "/srv/specs/dist/a.war"
    assert out["product"]["templates"] == "/srv/specs/tpl"
    assert out["product"]["config"]["token"] == "${file:/srv/specs/t}"
    assert out["matrix"] == "/srv/specs/m.yml"
    assert out["product"]["base_image"] == "/srv/specs/images/tomcat.tar"
    assert out["product"]["jdbc_driver"] == "/srv/specs/lib/driver.jar"
    assert out["middleware"]["tomcat"]["source"]["tarball"] == "/srv/specs/vendor/tomcat.tar.gz"
    assert out["target"]["kubeconfig"] == "/srv/specs/kube/config"
    assert out["hosts"][0]["auth"]["key_file"] == "/srv/specs/keys/a"
    assert out["database"]["admin"]["password"] == "${file:/srv/specs/secrets/admin}"
    assert out["database"]["schemas"][0]["migrations"] == "/srv/specs/mig"
    assert out["database"]["schemas"][0]["owner"]["password"] == "${env:P}"
    assert data["matrix"] == "m.yml"  # the input is not changed


def test_absolute_and_home_paths_are_kept() -> None:
    out = absolutise({"matrix": "/etc/m.yml", "product": {"artifact": "~/a.war"}}, Path("/x"))
    assert (out["matrix"], out["product"]["artifact"]) == ("/etc/m.yml", "~/a.war")


def test_unknown_host_is_an_error() -> None:
    with pytest.raises(LabError, match="no host named web9"):
        overlay_document({"hosts": [{"name": "web9"}]}, Path("/x"), {})


def test_ssh_config_checks_host_keys_strictly_and_quotes_spaces() -> None:
    access = [Access("app1", "10.213.7.10", 2222, "deploy", "/srv/my lab/id_ed25519", KEY_A)]
    text = render_ssh_config(access, Path("/srv/my lab/known_hosts"))
    assert "Host app1\n  HostName 10.213.7.10\n  Port 2222\n  User deploy\n" in text
    assert '  IdentityFile "/srv/my lab/id_ed25519"\n' in text
    assert '  UserKnownHostsFile "/srv/my lab/known_hosts"\n' in text
    assert "  StrictHostKeyChecking yes\n" in text
    assert "StrictHostKeyChecking no" not in text


def test_known_hosts_lines() -> None:
    access = [
        Access("app1", "10.213.7.10", 22, "deploy", "/k", KEY_A),
        Access("db1", "127.0.0.1", 2200, "vagrant", "/k", KEY_B),
        Access("web1", "127.0.0.1", 2201, "vagrant", "/k", None),
    ]
    assert render_known_hosts(access) == f"10.213.7.10 {KEY_A}\n[127.0.0.1]:2200 {KEY_B}\n"
