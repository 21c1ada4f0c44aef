"""Trying each host's become password before anything else happens there.

On hosts that become root with a password (sudo asking for the user's, or su with root's),
``id -un`` runs as root once the probe has reached them. A refused password makes the host
unreachable for this run, naming the method (exit 5): found by ``check``, and by ``plan``,
``apply`` and ``rollback`` before they change anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from deployer.checks.access import needs_password
from deployer.facts.model import AccessFacts, HostFacts
from deployer.spec.environment import Environment
from deployer.transport.hosts import Hosts

WHOAMI = "id -un"


def try_become(
    env: Environment, hosts: Hosts, reached: Iterable[str]
) -> tuple[dict[str, AccessFacts], dict[str, str]]:
    """(what becoming root gave, by host; why a host refused it, by host) for the hosts of
    ``reached`` that become root with a password."""
    wanted = [name for name in reached if (host := env.host(name)) and needs_password(host)]
    if not wanted:
        return {}, {}
    found: dict[str, AccessFacts] = {}
    refused: dict[str, str] = {}
    results = hosts.run_everywhere(wanted, WHOAMI, shown=f"{WHOAMI} as root", root=True)
    for name, result in results.items():
        if result.failure is not None:
            refused[name] = f"{result.failure.value}: {result.reason}"
        elif result.ok:
            found[name] = AccessFacts(root_user=result.stdout.strip())
        else:
            found[name] = AccessFacts(error=result.describe())
    return found, refused


def with_access(
    facts: Mapping[str, HostFacts], access: Mapping[str, AccessFacts]
) -> dict[str, HostFacts]:
    """``facts`` with each host's access added."""
    return {
        name: found.model_copy(update={"access": access[name]}) if name in access else found
        for name, found in facts.items()
    }
