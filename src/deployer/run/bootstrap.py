"""``--bootstrap-python``: python3 for hosts where no Python can run Ansible, before it runs.

Ansible needs a Python on the host, so this cannot be an Ansible task: it is one ``sh`` script
over the run's own SSH connection, as root through the host's sudo, installing ``python3``
with the package manager the probe found (apt-get, yum or dnf) from the host's configured
repositories (OS media, the site's mirror). Hosts that have a usable Python are left alone;
the run's own probe, just after, must then find a manager for every host.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

from deployer.errors import DeployerError, ExitCode
from deployer.facts.engines import NoManager, choose_manager
from deployer.facts.model import HostFacts
from deployer.facts.python import install_python_command
from deployer.run.context import RunContext
from deployer.run.managers import current_facts
from deployer.transport.hosts import Hosts, SshHosts

log = logging.getLogger(__name__)

#: Seconds one host may take to install python3 (a slow mirror, a first apt-get update).
INSTALL_TIMEOUT_S = 900.0

#: As root. apt-get first tries the package lists the host has; only if that fails does it
#: update them (an offline host's OS-media source may not update at all). --no-remove: never
#: take anything away from a customer's host to make room for python3.
SCRIPTS: dict[str, str] = {
    "apt": (
        "export DEBIAN_FRONTEND=noninteractive\n"
        "set -- -y -q --no-remove python3 python3-apt\n"
        'apt-get install "$@" || { apt-get update -q && apt-get install "$@"; }\n'
    ),
    "dnf": "dnf install -y python3\n",
    "yum": "yum install -y python3\n",
}


class BootstrapFailed(DeployerError):
    """python3 could not be installed on a host: Ansible has not run, nothing else changed."""

    exit_code = ExitCode.APPLY_FAILED


@dataclass(frozen=True)
class Bootstrapped:
    """One host that got python3, for the run's journal."""

    host: str
    pkg_manager: str
    command: str  # "apt-get install -y python3 python3-apt"

    def to_event(self) -> dict[str, str]:
        return {"host": self.host, "pkg_manager": self.pkg_manager, "command": self.command}


def needing_python(facts: Mapping[str, HostFacts], forced: str | None) -> list[str]:
    """Hosts whose probe read their Pythons and found none any engine manages."""
    return sorted(
        name
        for name, found in facts.items()
        if found.pythons is not None
        and isinstance(
            choose_manager(found.pythons, forced, pkg_manager=found.pkg_manager), NoManager
        )
    )


def install_script(facts: HostFacts, user: str, become: bool) -> str:
    """The script installing python3 on the host, to run as root (``sh -s``, root=True)."""
    script = SCRIPTS.get(facts.pkg_manager or "")
    if script is None:
        found = facts.pkg_manager or "none found"
        raise BootstrapFailed(
            f"--bootstrap-python knows apt-get, yum and dnf; the host's package manager: {found}"
        )
    if user != "root" and not become:
        raise BootstrapFailed(
            f"--bootstrap-python needs root: {user} logs in and the spec says become: false"
        )
    return script


def bootstrap_python(context: RunContext) -> list[Bootstrapped]:
    """Install python3 on the hosts that have no Python any engine manages (with the engine
    --ansible-engine forces); the run's own probe then finds it."""
    facts = current_facts(context)
    wanted = needing_python(facts, context.engines.forced)
    hosts = _patient(context.hosts) if wanted else context.hosts
    done = []
    for name in wanted:
        host = context.loaded.env.host(name)
        assert host is not None
        try:
            script = install_script(facts[name], host.user, host.becomes is not None)
        except BootstrapFailed as exc:
            raise BootstrapFailed(f"{name}: {exc}") from None
        pkg_manager = facts[name].pkg_manager or "?"
        log.info("%s: installing python3 with %s", name, pkg_manager)
        result = hosts.run_on(
            name, "sh -s", stdin=script.encode(), shown="sh -s < install python3", root=True
        )
        if not result.ok:
            raise BootstrapFailed(f"installing python3 failed: {result.describe()}")
        done.append(Bootstrapped(name, pkg_manager, install_python_command(pkg_manager) or "?"))
    return done


def _patient(hosts: Hosts) -> Hosts:
    """The run's hosts with room for a package installation (not the probe's short limit)."""
    if not isinstance(hosts, SshHosts):
        return hosts
    options = replace(hosts.options, command_timeout=INSTALL_TIMEOUT_S)
    return SshHosts(hosts.targets.values(), options)
