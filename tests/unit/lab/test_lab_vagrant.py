"""The ``vagrant ssh-config`` parser, on output shapes Vagrant really prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.errors import LabError
from deployer.lab.vagrant import parse_known_hosts, parse_ssh_config

FIXTURES = Path(__file__).parents[2] / "fixtures" / "vagrant"


def _read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_two_virtualbox_hosts_keep_order_ports_and_keys() -> None:
    hosts = parse_ssh_config(_read("two-hosts.txt"))
    assert list(hosts) == ["app1", "db1"]
    app1, db1 = hosts["app1"], hosts["db1"]
    assert (app1.hostname, app1.port, app1.user) == ("127.0.0.1", 2222, "vagrant")
    assert db1.port == 2200
    assert app1.identity_files == (
        "/home/ops/deployer/.vagrant/machines/app1/virtualbox/private_key",
    )
    assert app1.options["identitiesonly"] == "yes"
    assert app1.options["loglevel"] == "FATAL"
    assert app1.options["passwordauthentication"] == "no"
    assert app1.options["stricthostkeychecking"] == "no"


def test_quoted_paths_with_spaces_and_several_identity_files() -> None:
    hosts = parse_ssh_config(_read("quoted-paths.txt"))
    app1 = hosts["app1"]
    assert app1.identity_files == (
        "/home/王工/My Projects/huadong erp/.vagrant/machines/app1/libvirt/private_key",
        "/home/王工/.vagrant.d/insecure_private_keys/vagrant.key.ed25519",
    )
    assert (app1.hostname, app1.port) == ("192.168.121.11", 22)


def test_docker_provider_addresses() -> None:
    hosts = parse_ssh_config(_read("docker-provider.txt"))
    assert [h.hostname for h in hosts.values()] == ["172.17.0.2", "172.17.0.3"]
    assert hosts["db1"].options["forwardagent"] == "yes"


def test_key_equals_value_forms() -> None:
    app1 = parse_ssh_config(_read("key-equals.txt"))["app1"]
    assert (app1.hostname, app1.port, app1.user) == ("127.0.0.1", 2222, "vagrant")
    assert app1.identity_files == ("~/.vagrant.d/insecure_private_key",)


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("no-hostname.txt", "no-hostname.txt:1: host app1 has no HostName"),
        ("before-host.txt", "before-host.txt:1: 'hostname' comes before any 'Host' line"),
        ("bad-port.txt", "bad-port.txt:3: Port 'twenty-two' is not a port number"),
    ],
)
def test_bad_output_names_file_and_line(fixture: str, message: str) -> None:
    with pytest.raises(LabError) as caught:
        parse_ssh_config(_read(fixture), fixture)
    assert str(caught.value) == message


def test_empty_output_is_refused() -> None:
    with pytest.raises(LabError, match="no 'Host' entries"):
        parse_ssh_config("\n# nothing\n", "<stdin>")


def test_known_hosts_by_address_and_port() -> None:
    keys = parse_known_hosts(_read("known_hosts"))
    assert keys[("127.0.0.1", 2222)].startswith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHrp")
    assert ("127.0.0.1", 2200) in keys
    assert len(keys) == 2  # the hashed entry cannot be matched and is skipped
