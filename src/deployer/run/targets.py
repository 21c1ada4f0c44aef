"""SSH targets for the hosts of an environment, with host keys pinned where the spec pins them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from deployer.errors import UsageError
from deployer.journal.redact import Redactor
from deployer.spec import LoadedEnvironment
from deployer.spec.access import Bastion
from deployer.spec.environment import Host
from deployer.spec.secrets import SecretRef, resolve_file
from deployer.transport.become import RootAccess
from deployer.transport.knownhosts import write_known_hosts
from deployer.transport.ssh import SshTarget


def ssh_targets(
    loaded: LoadedEnvironment,
    workdir: Path,
    names: set[str] | None = None,
    *,
    redact: Redactor | None = None,
) -> list[SshTarget]:
    """One target per host (or per host in ``names``), with the way through its jump hosts,
    its login password and how it becomes root.

    Hosts and bastions with a pinned ``host_key`` are checked against exactly that key
    (written to a private known_hosts in ``workdir``); the others against the user's own
    known_hosts. Either way StrictHostKeyChecking stays on. Passwords are read from their
    references now (a missing one is refused before anything connects) and registered with
    ``redact``.
    """
    env = loaded.env
    reveal = _revealer(loaded, redact)
    members: dict[str, Host | Bastion] = {b.name: b for b in env.bastions}
    members.update({h.name: h for h in env.hosts})
    wanted = [h for h in env.hosts if names is None or h.name in names]
    needed = {h.name for h in wanted} | {n for h in wanted for n in env.route_to(h.name)}
    pinned = [
        (m.address, m.port, m.host_key) for n, m in members.items() if n in needed and m.host_key
    ]
    known_hosts = None
    if pinned:
        # Named by content: callers with other host sets never overwrite each other's pins.
        digest = hashlib.sha256(repr(sorted(pinned)).encode()).hexdigest()[:12]
        workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        known_hosts = write_known_hosts(workdir / f"known_hosts-{digest}", pinned)
    built: dict[str, SshTarget] = {}

    def target(name: str) -> SshTarget:
        if name not in built:
            member = members[name]
            key_file = getattr(member.auth, "key_file", None)
            password = getattr(member.auth, "password", None)
            built[name] = SshTarget(
                name=member.name,
                address=member.address,
                port=member.port,
                user=member.user,
                key_file=resolve_file(key_file, loaded.base_dir) if key_file else None,
                known_hosts=known_hosts if member.host_key else None,
                password=reveal(password) if password is not None else None,
                via=target(member.via) if member.via else None,
                root=_root_access(member, reveal) if isinstance(member, Host) else RootAccess(),
            )
        return built[name]

    return [target(host.name) for host in wanted]


def _revealer(loaded: LoadedEnvironment, redact: Redactor | None) -> Callable[[SecretRef], str]:
    def reveal(reference: SecretRef) -> str:
        value = reference.reveal(loaded.base_dir)
        if redact is not None:
            redact.add(value)
        return value

    return reveal


def _root_access(host: Host, reveal: Callable[[SecretRef], str]) -> RootAccess:
    """How commands become root on ``host``: not at all for root's own login."""
    become = host.becomes
    if become is None or host.user == "root":
        return RootAccess("none")
    password = reveal(become.password) if become.password is not None else None
    return RootAccess(become.method, password)


def limit_names(loaded: LoadedEnvironment, text: str) -> tuple[str, ...]:
    """The hosts ``--limit`` names (comma-separated, blanks around names ignored); a name
    that is not one of the spec's hosts is a usage error. Empty: no limit."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    known = [host.name for host in loaded.env.hosts]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(f"--limit: no host '{unknown[0]}' in the spec (hosts: {', '.join(known)})")
    return names


def limit_hosts(loaded: LoadedEnvironment, names: Sequence[str]) -> LoadedEnvironment:
    """The environment reduced to ``names`` (``--limit``); its database goes with its host."""
    env = loaded.env
    update: dict[str, object] = {"hosts": [h for h in env.hosts if h.name in names]}
    if env.database is not None and env.host(env.database.host) and env.database.host not in names:
        update["database"] = None
    return replace(loaded, env=env.model_copy(update=update))
