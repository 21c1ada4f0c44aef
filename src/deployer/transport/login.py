"""Logging in as sites allow: passwords answered by an askpass helper, and jump hosts as
nested ProxyCommands.

A password never goes on a command line nor into a file. ssh asks the run's askpass helper,
which prints the variable ``DEPLOYER_ASKPASS`` of its environment; each ssh process gets the
password of the host it logs in to there. A jump host's ssh runs as the ProxyCommand of the
next one, under ``sh -c`` that sets ``DEPLOYER_ASKPASS`` from ``DEPLOYER_ASKPASS_HOP<n>`` (n
counts jumps back from the host): only variable names appear in the process list.

Passwords are for OpenSSH 8.4 or newer on this machine (``SSH_ASKPASS_REQUIRE``); older
clients use the helper too when the process has no terminal and DISPLAY is set, which the
callers arrange.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, TypeVar, cast

from deployer.files import write_atomic

ASKPASS = "DEPLOYER_ASKPASS"
ASKPASS_SCRIPT = """\
#!/bin/sh
# Written by deployer: answers ssh's password prompt from the environment, never from a file.
printf '%s\\n' "$DEPLOYER_ASKPASS"
"""


class LoginTarget(Protocol):
    """What logging in needs of a target (transport.ssh.SshTarget)."""

    @property
    def address(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def password(self) -> str | None: ...

    @property
    def via(self) -> LoginTarget | None: ...


Target = TypeVar("Target", bound=LoginTarget)


def write_askpass(folder: Path) -> Path:
    """The askpass helper in ``folder`` (private to this user), executable by its owner only."""
    path = folder / "askpass"
    write_atomic(path, ASKPASS_SCRIPT, mode=0o700)
    return path


def hop_variable(depth: int) -> str:
    """The variable holding the password of the jump ``depth`` jumps back from the host."""
    return f"{ASKPASS}_HOP{depth}"


def password_options(target: LoginTarget) -> list[str]:
    """ssh options for logging in to ``target``: keys without prompts, or exactly one password
    attempt per method (a wrong password must not lock the account out)."""
    if target.password is None:
        return ["-o", "BatchMode=yes"]
    return [
        "-o",
        "BatchMode=no",
        "-o",
        "PreferredAuthentications=keyboard-interactive,password",
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "NumberOfPasswordPrompts=1",
    ]


def forward_spec(address: str, port: int) -> str:
    """``-W``'s host:port, an IPv6 address in brackets."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def proxy_command(jump_argv: list[str], jump: LoginTarget, depth: int) -> str:
    """The ProxyCommand value running ``jump_argv`` (ssh to the jump with ``-W``), with the
    jump's password variable in place; '%' doubled, since ssh expands %-tokens in it."""
    command = shlex.join(jump_argv)
    if jump.password is not None:
        script = f'{ASKPASS}="${hop_variable(depth)}" exec {command}'
        command = shlex.join(["sh", "-c", script])
    return command.replace("%", "%%")


def way_in(target: Target) -> list[Target]:
    """``target`` and the jumps on the way to it, the host first, the nearest jump to the
    engineer last (a validated spec has no loops)."""
    found = [target]
    while (jump := found[-1].via) is not None:
        found.append(cast(Target, jump))  # a target's jumps are targets of its own kind
    return found


def needs_askpass(target: LoginTarget) -> bool:
    """Whether ``target`` or a jump on the way to it logs in with a password."""
    return any(member.password is not None for member in way_in(target))


def login_environment(target: LoginTarget, askpass: Path | None) -> Mapping[str, str] | None:
    """The environment of an ssh process logging in to ``target``: None (this process's own)
    when no password is needed on the way."""
    if not needs_askpass(target):
        return None
    if askpass is None:
        raise ValueError("a password login needs the run's askpass helper")
    env = dict(os.environ)
    env.update({"SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force"})
    env.setdefault("DISPLAY", "deployer:0")  # OpenSSH before 8.4 asks only when it is set
    env[ASKPASS] = target.password or ""
    for depth, jump in enumerate(way_in(target)[1:], start=1):
        env[hop_variable(depth)] = jump.password or ""
    return env
