"""Commands as root, the way the host allows: as root already, sudo without a password, sudo
with the user's password, or su with root's password.

A password travels only on the command's standard input, as its first line: the remote shell
reads it into a variable and hands it to sudo or su through a pipe from ``printf``, a shell
builtin, so it is never an argument of any process. The rest of the standard input reaches
the command unchanged (the command's data may be a database dump).

Before the command runs, the password is tried on its own, so that a wrong one is refused
before anything happens: the command then exits ``REFUSED`` with a line of ours on stderr.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Literal

Method = Literal["none", "sudo", "su"]

#: Exit status and stderr mark of a become password the host refused.
REFUSED = 125
REFUSED_MARK = "deployer-become: refused"

#: su runs root's shell without sudo's secure_path: give it one.
ROOT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH; "


@dataclass(frozen=True)
class RootAccess:
    """How commands become root on a host: ``none`` (the login user is root, or the spec
    says become: false), ``sudo`` (with ``password`` when sudo asks for one) or ``su``
    (``password`` is root's)."""

    method: Method = "sudo"
    password: str | None = field(default=None, repr=False, compare=False)

    def describe(self) -> str:
        """For reports: how root is reached, never the password."""
        if self.method == "none":
            return "as the login user"
        if self.method == "su":
            return "su with root's password"
        return "sudo with a password" if self.password is not None else "sudo without a password"


def as_root(command: str, access: RootAccess) -> tuple[str, bytes]:
    """The remote command line running ``command`` (a shell command line) as root, and what
    must precede the command's own standard input."""
    if access.method == "none":
        return command, b""
    quoted = shlex.quote(command)
    if access.method == "sudo" and access.password is None:
        return f"sudo -n -- sh -c {quoted}", b""
    line = (access.password or "").encode("utf-8") + b"\n"
    if access.method == "su":
        return _su_script(quoted), line
    return _sudo_script(quoted), line


def refused(exit_status: int | None, stderr: str) -> bool:
    """Whether an ``as_root`` command was refused its become password."""
    return exit_status == REFUSED and REFUSED_MARK in stderr


def _refuse(who: str) -> str:
    return f"{{ echo '{REFUSED_MARK}: {who}' >&2; exit {REFUSED}; }}"


def _sudo_script(quoted: str) -> str:
    # sudo reads its password a byte at a time, so after the line the command reads the rest
    # of the input. Where sudo needs no password (NOPASSWD), the line is not handed on. -k
    # makes sudo ask even after the trial, so the line never reaches the command instead.
    return (
        "IFS= read -r deployer_pw; "
        f"if sudo -n true 2>/dev/null; then exec sudo -n -- sh -c {quoted}; fi; "
        "printf '%s\\n' \"$deployer_pw\" | sudo -k -S -p '' true 2>/dev/null "
        f"|| {_refuse('sudo did not accept the password')}; "
        "{ printf '%s\\n' \"$deployer_pw\"; exec cat; } "
        f"| sudo -k -S -p '' -- sh -c {quoted}"
    )


def _su_script(quoted: str) -> str:
    # su reads its password in one read() from a pipe, which could swallow the command's
    # input: it gets a pipe of its own holding the line, and the input reaches the command
    # on descriptor 3.
    command = shlex.quote(f"exec 0<&3 3<&-; {ROOT_PATH}sh -c {quoted}")
    return (
        "IFS= read -r deployer_pw; exec 3<&0; "
        "printf '%s\\n' \"$deployer_pw\" | su root -c true >/dev/null 2>&1 "
        f"|| {_refuse('su did not accept the password')}; "
        f"printf '%s\\n' \"$deployer_pw\" | su root -c {command}"
    )
