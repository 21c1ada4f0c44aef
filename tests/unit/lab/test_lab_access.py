"""What a lab host is given so that the spec's way in, and only it, works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deployer.lab.access import LabAccess, access_for, fence_rules
from deployer.lab.overlay import Access, overlay_document, render_ssh_config
from deployer.spec.environment import Environment
from tests.support.checks import example_hosts_changed

ADDRESSES = {"app1": "10.213.7.10", "db1": "10.213.7.11"}
GATE = {"name": "gate", "address": "203.0.113.7"}


def _env(**db1: Any) -> Environment:
    env, _ = example_hosts_changed({"db1": db1}, bastions=[GATE])
    return env


def test_each_host_gets_the_specs_passwords_and_its_jump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB1_PW", "db1 pw")
    env = _env(
        auth={"type": "password", "password": "${env:DB1_PW}"},
        become={"password": "${env:DB1_PW}"},
        via="app1",
    )
    found = access_for(env, Path("/nonexistent"), ADDRESSES)
    assert found["app1"] == LabAccess()
    assert found["app1"].key_login
    db1 = found["db1"]
    assert (db1.login_password, db1.become, db1.become_password) == (
        "db1 pw",
        "sudo-password",
        "db1 pw",
    )
    assert (db1.via, db1.jump_address) == ("app1", "10.213.7.10")
    assert "db1 pw" not in repr(db1)


def test_su_and_become_false_are_built_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOT_PW", "r00t")
    su = access_for(
        _env(become={"method": "su", "password": "${env:ROOT_PW}"}), Path("/"), ADDRESSES
    )
    assert (su["db1"].become, su["db1"].become_password) == ("su", "r00t")
    assert access_for(_env(become=False), Path("/"), ADDRESSES)["db1"].become == "none"


def test_a_bastion_is_a_lab_host_reached_its_own_way() -> None:
    addresses = {**ADDRESSES, "gate": "10.213.7.12"}
    found = access_for(_env(via="gate"), Path("/"), addresses)
    assert (found["db1"].via, found["db1"].jump_address) == ("gate", "10.213.7.12")
    assert found["gate"] == LabAccess()  # the example's bastion: the lab's key, no jump


def test_the_fence_lets_ssh_in_from_the_jump_host_only() -> None:
    rules = fence_rules("10.213.7.10")
    assert "tcp dport 22 ip saddr != 10.213.7.10 drop" in rules
    assert "policy accept" in rules  # everything else (the proxy's answers, nginx) as before


def test_the_overlay_keeps_a_password_login_and_the_jump(tmp_path: Path) -> None:
    data = {
        "hosts": [
            {"name": "app1", "address": "192.0.2.1", "auth": {"type": "agent"}},
            {
                "name": "db1",
                "address": "192.0.2.2",
                "auth": {"type": "password", "password": "${file:db1.pw}"},
                "via": "app1",
            },
        ]
    }
    access = {
        "app1": Access("app1", ADDRESSES["app1"], 22, "deploy", "/lab/key"),
        "db1": Access(
            "db1", ADDRESSES["db1"], 22, "deploy", "/lab/key", via="app1", password_login=True
        ),
    }
    hosts = overlay_document(data, tmp_path, access)["hosts"]
    assert hosts[0]["auth"] == {"type": "key", "key_file": "/lab/key"}
    assert hosts[1]["auth"] == {"type": "password", "password": f"${{file:{tmp_path}/db1.pw}}"}
    assert hosts[1]["via"] == "app1" and hosts[1]["address"] == ADDRESSES["db1"]
    text = render_ssh_config(list(access.values()), Path("/lab/known_hosts"))
    db1 = text[text.index("Host db1") :]
    assert "  ProxyJump app1\n" in db1 and "IdentityFile" not in db1
    assert "  PubkeyAuthentication no\n" in db1
