"""SSH targets for the hosts of an environment, with host keys pinned where the spec pins them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from deployer.errors import UsageError
from deployer.spec import LoadedEnvironment
from deployer.spec.secrets import resolve_file
from deployer.transport.knownhosts import write_known_hosts
from deployer.transport.ssh import SshTarget


def ssh_targets(
    loaded: LoadedEnvironment, workdir: Path, names: set[str] | None = None
) -> list[SshTarget]:
    """One target per host (or per host in ``names``).

    Hosts with a pinned ``host_key`` are checked against exactly that key (written to a
    private known_hosts in ``workdir``); the others against the user's own known_hosts.
    Either way StrictHostKeyChecking stays on.
    """
    hosts = [h for h in loaded.env.hosts if names is None or h.name in names]
    pinned = [(h.address, h.port, h.host_key) for h in hosts if h.host_key]
    known_hosts = None
    if pinned:
        # Named by content: callers with other host sets never overwrite each other's pins.
        digest = hashlib.sha256(repr(sorted(pinned)).encode()).hexdigest()[:12]
        workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        known_hosts = write_known_hosts(workdir / f"known_hosts-{digest}", pinned)
    targets = []
    for host in hosts:
        key_file = getattr(host.auth, "key_file", None)
        targets.append(
            SshTarget(
                name=host.name,
                address=host.address,
                port=host.port,
                user=host.user,
                key_file=resolve_file(key_file, loaded.base_dir) if key_file else None,
                known_hosts=known_hosts if host.host_key else None,
            )
        )
    return targets


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
