"""Access in the spec: password login, become methods, via and bastions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from deployer.spec.access import Become, PasswordAuth
from deployer.spec.crosscheck import cross_check
from deployer.spec.environment import Host
from deployer.spec.jumps import chain
from deployer.spec.yamlsource import parse

HOSTS = """\
hosts:
  - {name: app1, address: 10.0.0.11, roles: [web, app]}
  - {name: db1, address: 10.0.0.21, roles: [web], via: VIA}
middleware: {nginx: {}, tomcat: {}, jdk: {}}
"""


def found(text: str, base_dir: Path = Path("/nonexistent")) -> list[str]:
    doc = parse(textwrap.dedent(text), "t.yml")
    return [str(problem) for problem in cross_check(doc, base_dir)]


def host(**fields: object) -> Host:
    return Host.model_validate({"name": "db1", "address": "10.0.0.21", "roles": ["db"], **fields})


def test_password_login_takes_a_secret_reference() -> None:
    parsed = host(auth={"type": "password", "password": "${env:DB1_PASSWORD}"})
    assert isinstance(parsed.auth, PasswordAuth)
    assert str(parsed.auth.password) == "${env:DB1_PASSWORD}"
    with pytest.raises(ValidationError, match="plaintext secret is not allowed"):
        host(auth={"type": "password", "password": "hunter2"})


def test_become_true_is_sudo_without_a_password_and_false_is_none() -> None:
    assert host().becomes == Become(method="sudo", password=None)
    assert host(become=True).becomes == Become()
    assert host(become=False).becomes is None
    with_password = host(become={"password": "${env:SUDO_PW}"}).becomes
    assert with_password is not None
    assert (with_password.method, str(with_password.password)) == ("sudo", "${env:SUDO_PW}")


def test_su_needs_roots_password() -> None:
    su = host(become={"method": "su", "password": "${file:root.pw}"}).becomes
    assert su is not None and su.method == "su"
    with pytest.raises(ValidationError, match="su needs root's password"):
        host(become={"method": "su"})
    with pytest.raises(ValidationError):
        host(become={"method": "doas"})


def test_via_may_name_a_host_or_a_bastion() -> None:
    assert found(HOSTS.replace("VIA", "app1")) == []
    bastion = "bastions:\n  - {name: jump, address: 192.0.2.1}\n"
    assert found(HOSTS.replace("VIA", "jump") + bastion) == []


def test_via_to_nothing_known_names_what_is() -> None:
    assert found(HOSTS.replace("VIA", "gate")) == [
        "t.yml:3:56: hosts[1].via: no host or bastion named 'gate' (known: app1, db1)"
    ]


def test_a_host_is_not_reached_through_itself() -> None:
    assert found(HOSTS.replace("VIA", "db1")) == [
        "t.yml:3:56: hosts[1].via: a host cannot be reached through itself"
    ]


def test_a_loop_of_vias_is_refused_where_each_member_says_it() -> None:
    text = HOSTS.replace("VIA", "app1").replace("roles: [web, app]}", "roles: [app], via: db1}")
    assert found(text) == [
        "t.yml:2:57: hosts[0].via: the via chain loops: app1 -> db1 -> app1",
        "t.yml:3:56: hosts[1].via: the via chain loops: db1 -> app1 -> db1",
    ]


def test_two_jumps_are_allowed_three_are_not() -> None:
    bastions = """\
bastions:
  - {name: outer, address: 192.0.2.1}
  - {name: inner, address: 192.0.2.2, via: outer}
"""
    assert found(HOSTS.replace("VIA", "inner") + bastions) == []
    deeper = HOSTS.replace("VIA", "app1").replace("roles: [web, app]}", "roles: [app], via: inner}")
    assert found(deeper + bastions) == [
        "t.yml:3:56: hosts[1].via: 3 jumps to reach db1 (db1 <- app1 <- inner <- outer); "
        "at most 2 are allowed"
    ]


def test_bastion_names_are_unique_and_not_host_names() -> None:
    bastions = """\
bastions:
  - {name: app1, address: 192.0.2.1}
  - {name: jump, address: 192.0.2.2}
  - {name: jump, address: 192.0.2.3}
"""
    assert found(HOSTS.replace("VIA", "jump") + bastions) == [
        "t.yml:6:12: bastions[0].name: 'app1' is also the name of a host",
        "t.yml:8:12: bastions[2].name: duplicate bastion name 'jump' (also bastions[1])",
    ]


def test_a_bastion_is_reached_only_through_another_bastion() -> None:
    bastions = "bastions:\n  - {name: jump, address: 192.0.2.1, via: app1}\n"
    assert found(HOSTS.replace("VIA", "jump") + bastions) == [
        "t.yml:6:43: bastions[0].via: no bastion named 'app1' (known: jump)"
    ]


def test_password_files_of_logins_and_become_are_checked_before_any_run(tmp_path: Path) -> None:
    text = """\
bastions:
  - {name: jump, address: 192.0.2.1, auth: {type: password, password: "${file:jump.pw}"}}
hosts:
  - name: db1
    address: 10.0.0.21
    roles: [web]
    auth: {type: password, password: "${file:db1.pw}"}
    become: {method: su, password: "${file:root.pw}"}
middleware: {nginx: {}}
"""
    (tmp_path / "db1.pw").write_text("secret\n", encoding="utf-8")
    assert found(text, tmp_path) == [
        f"t.yml:8:36: hosts[0].become.password: file not found: {tmp_path}/root.pw",
        f"t.yml:2:71: bastions[0].auth.password: file not found: {tmp_path}/jump.pw",
    ]


def test_chain_lists_the_jumps_nearest_to_the_engineer_first() -> None:
    via = {"db1": "app1", "app1": "inner", "inner": "outer", "outer": ""}
    assert chain("db1", via) == ["outer", "inner", "app1"]
    assert chain("outer", via) == []
    assert chain("a", {"a": "b", "b": "a"}) == ["b"]
