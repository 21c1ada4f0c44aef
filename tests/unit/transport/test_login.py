"""Password logins and jump hosts on ssh's command line: what each ssh process is given."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from deployer.transport.login import (
    ASKPASS,
    ASKPASS_SCRIPT,
    login_environment,
    needs_askpass,
    write_askpass,
)
from deployer.transport.ssh import SshOptions, SshTarget, ssh_argv

OUTER = SshTarget("outer", "192.0.2.1", 2222, "ops", key_file=Path("/keys/ops%1"))
INNER = SshTarget("inner", "192.0.2.2", user="jump", password="inner pw", via=OUTER)
DB1 = SshTarget("db1", "10.0.0.21", user="deploy", password="db1 pw", via=INNER)


def option(argv: list[str], name: str) -> str:
    values = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-o"]
    found = [value.split("=", 1)[1] for value in values if value.startswith(name + "=")]
    assert len(found) == 1, (name, values)
    return found[0]


def test_a_key_login_stays_in_batch_mode_without_a_proxy() -> None:
    argv = ssh_argv(SshTarget("app1", "10.0.0.11"), SshOptions())
    assert option(argv, "BatchMode") == "yes"
    assert not any(arg.startswith("ProxyCommand=") for arg in argv)
    assert login_environment(SshTarget("app1", "10.0.0.11"), None) is None


def test_a_password_login_gets_one_try_per_method_and_no_key() -> None:
    argv = ssh_argv(DB1, SshOptions())
    assert option(argv, "BatchMode") == "no"
    assert option(argv, "NumberOfPasswordPrompts") == "1"
    assert option(argv, "PubkeyAuthentication") == "no"
    assert option(argv, "PreferredAuthentications") == "keyboard-interactive,password"
    assert option(argv, "StrictHostKeyChecking") == "yes"


def test_no_password_is_ever_an_argument() -> None:
    argv = ssh_argv(DB1, SshOptions(control_dir=Path("/ctl")))
    assert not any(secret in arg for arg in argv for secret in ("db1 pw", "inner pw"))
    assert "db1 pw" not in repr(DB1) and "inner pw" not in repr(DB1)


def test_jumps_nest_as_proxy_commands_each_with_its_own_password_variable() -> None:
    proxy = option(ssh_argv(DB1, SshOptions(control_dir=Path("/ctl"))), "ProxyCommand")
    # ssh expands %-tokens in ProxyCommand: every literal '%' of ours is doubled.
    sh, dash_c, script = shlex.split(proxy.replace("%%", "%"))
    assert (sh, dash_c) == ("sh", "-c")
    assignment, exec_word, *inner = shlex.split(script)
    assert (assignment, exec_word) == (f"{ASKPASS}=${ASKPASS}_HOP1", "exec")
    assert inner[-3:] == ["-W", "10.0.0.21:22", "192.0.2.2"]
    assert option(inner, "BatchMode") == "no"
    assert not any("ControlPath" in arg for arg in inner)  # a jump never shares a master
    outer = shlex.split(option(inner, "ProxyCommand").replace("%%", "%"))
    assert outer[-3:] == ["-W", "192.0.2.2:22", "192.0.2.1"]
    assert outer[outer.index("-p") + 1] == "2222" and outer[outer.index("-l") + 1] == "ops"
    assert option(outer, "BatchMode") == "yes"  # the outer jump logs in with a key
    assert option(outer, "IdentityFile") == '"/keys/ops%%1"'


def test_each_ssh_process_gets_the_passwords_of_its_way_in(tmp_path: Path) -> None:
    askpass = write_askpass(tmp_path)
    assert askpass.read_text(encoding="utf-8") == ASKPASS_SCRIPT
    assert askpass.stat().st_mode & 0o777 == 0o700
    env = login_environment(DB1, askpass)
    assert env is not None
    assert env["SSH_ASKPASS"] == str(askpass) and env["SSH_ASKPASS_REQUIRE"] == "force"
    assert (env[ASKPASS], env[f"{ASKPASS}_HOP1"], env[f"{ASKPASS}_HOP2"]) == (
        "db1 pw",
        "inner pw",
        "",
    )


def test_a_key_host_behind_a_password_jump_needs_the_helper() -> None:
    app = SshTarget("app1", "10.0.0.11", via=INNER)
    assert needs_askpass(app) and not needs_askpass(OUTER)
    with pytest.raises(ValueError, match="askpass"):
        login_environment(app, None)


def test_an_ipv6_address_is_bracketed_for_the_forward() -> None:
    target = SshTarget("v6", "fd00::21", via=SshTarget("jump", "192.0.2.9"))
    proxy = option(ssh_argv(target, SshOptions()), "ProxyCommand")
    assert shlex.split(proxy)[-3:] == ["-W", "[fd00::21]:22", "192.0.2.9"]
