"""How Ansible becomes root on each host: the spec's method, the password only by name."""

from __future__ import annotations

from deployer.executors.ansible.inventory import become_secrets, become_variable, become_vars
from deployer.transport.become import RootAccess
from deployer.transport.ssh import SshTarget


def target(name: str, root: RootAccess) -> SshTarget:
    return SshTarget(name, "10.0.0.21", root=root)


def test_root_logins_and_become_false_do_not_become() -> None:
    assert become_vars(target("db1", RootAccess("none"))) == {"ansible_become": False}


def test_sudo_without_a_password_gives_ansible_none() -> None:
    assert become_vars(target("db1", RootAccess())) == {
        "ansible_become": True,
        "ansible_become_method": "sudo",
        "ansible_become_user": "root",
    }


def test_a_become_password_is_looked_up_in_ansibles_environment() -> None:
    su = target("db-1", RootAccess("su", "r00t pw"))
    values = become_vars(su)
    assert (values["ansible_become_method"], values["ansible_become_flags"]) == ("su", "-")
    variable = become_variable("db-1")
    assert values["ansible_become_password"] == "{{ lookup('env', '" + variable + "') }}"
    assert variable.isidentifier() and variable != become_variable("db_1")
    assert "r00t pw" not in repr(values)
    sudo = target("app1", RootAccess("sudo", "dep pw"))
    assert become_secrets([su, sudo, target("web1", RootAccess())]) == {
        variable: "r00t pw",
        become_variable("app1"): "dep pw",
    }
