"""How deployer reaches a host and becomes root there: login (key, agent, password), become
(sudo, with or without a password, or su with root's password) and jump hosts (``via``, and
``bastions`` that are not deploy targets).

Passwords are secret references, resolved only when a command runs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from deployer.spec.secrets import SecretRef
from deployer.spec.types import Address, Name, Port, StrictModel, Text, matching

UnixUser = Annotated[
    str,
    matching(
        r"^[a-z_][a-z0-9_-]{0,31}$",
        "not a Unix user name (lower-case letters, digits, '_' and '-', at most 32)",
    ),
]
HostKey = Annotated[
    str,
    matching(
        r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}$",
        "expected a public key as in known_hosts: 'ssh-ed25519 AAAA...' (type and base64 only)",
    ),
]


class KeyAuth(StrictModel):
    """Log in with a private key file."""

    type: Literal["key"] = Field(default="key", description="Log in with a key file.")
    key_file: Text = Field(description="Private key file, relative to the spec or ~/...")


class AgentAuth(StrictModel):
    """Log in with the keys of the running ssh-agent."""

    type: Literal["agent"] = Field(default="agent", description="Log in through ssh-agent.")


class PasswordAuth(StrictModel):
    """Log in with the user's password (password or keyboard-interactive authentication)."""

    type: Literal["password"] = Field(description="Log in with a password.")
    password: SecretRef = Field(description="The login password, ${env:NAME} or ${file:path}.")


Auth = Annotated[
    KeyAuth | AgentAuth | PasswordAuth,
    Field(
        discriminator="type",
        description="How to log in over SSH: key file, agent or password.",
    ),
]

BecomeMethod = Literal["sudo", "su"]


class Become(StrictModel):
    """How the login user becomes root: sudo (asking for the user's password when one is
    given) or su (root's password)."""

    method: BecomeMethod = Field(
        default="sudo", description="sudo, or su where there is no sudo (root's password)."
    )
    password: SecretRef | None = Field(
        default=None,
        description="sudo: the login user's password, when sudo asks for one; su: root's "
        "password (required).",
    )

    @model_validator(mode="after")
    def _su_needs_password(self) -> Become:
        if self.method == "su" and self.password is None:
            raise ValueError("become method su needs root's password (become.password)")
        return self


class Bastion(StrictModel):
    """A jump host (堡垒机) that hosts are reached through and nothing is deployed to."""

    name: Name = Field(description="Short unique name, used by the hosts' `via`.")
    address: Address
    port: Port = Field(default=22, description="SSH port.")
    user: UnixUser = Field(default="deploy", description="SSH login user.")
    auth: Auth = Field(default_factory=AgentAuth)
    host_key: HostKey | None = Field(
        default=None,
        description="Pinned public host key, as in known_hosts: 'ssh-ed25519 AAAA...'.",
    )
    via: Name | None = Field(
        default=None, description="Another bastion this one is reached through (two at most)."
    )
