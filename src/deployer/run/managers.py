"""Which engine and interpreter manage each host, decided from the probe before a run changes
anything: a host no engine can manage stops the command with the scan's remediation, and the
engines the hosts need are made ready (the 2.16 venv built on first use) before the run starts.
"""

from __future__ import annotations

from collections.abc import Mapping

from deployer.errors import DeployerError, ExitCode
from deployer.executors.ansible.engine_venv import ready_engine
from deployer.executors.ansible.engines import EngineInstall, ManagedHost
from deployer.facts.engines import Manager, NoManager, choose_manager
from deployer.facts.model import HostFacts
from deployer.facts.platform import platform_of
from deployer.facts.python import install_python_command
from deployer.run.check import gather_host_facts
from deployer.run.context import RunContext

Managed = dict[str, ManagedHost]


class HostsUnreachable(DeployerError):
    exit_code = ExitCode.HOST_UNREACHABLE


class NoManagerForHost(DeployerError):
    """A host has no Python any engine can manage: nothing was changed."""

    exit_code = ExitCode.CHECKS_FAILED


def current_facts(context: RunContext) -> dict[str, HostFacts]:
    """Every host's probe facts now; an unreachable host stops the command."""
    facts, unreachable, _ = gather_host_facts(context)
    if unreachable:
        host, why = sorted(unreachable.items())[0]
        raise HostsUnreachable(f"{host} is unreachable: {why}")
    return facts


def probe_managed_hosts(context: RunContext) -> Managed:
    """``managed_hosts`` from a probe of every host made now."""
    return managed_hosts(context, current_facts(context))


def managed_hosts(context: RunContext, facts: Mapping[str, HostFacts]) -> Managed:
    """Per host of the spec: its interpreter, its engine (ready to run) and its platform."""
    forced = context.engines.forced
    chosen: dict[str, Manager] = {}
    refused = []
    for host in context.loaded.env.hosts:
        found = facts.get(host.name)
        choice = choose_manager(
            found.pythons or () if found else (),
            forced,
            pkg_manager=found.pkg_manager if found else None,
        )
        if isinstance(choice, NoManager):
            refused.append(f"{host.name}: {_remedy(choice, found)}")
        else:
            chosen[host.name] = choice
    if refused:
        raise NoManagerForHost(
            "no Ansible engine can manage " + "; ".join(refused) + " (deployer check says so too)"
        )
    installs: dict[str, EngineInstall] = {}
    for manager in chosen.values():
        name = manager.engine.name
        if name not in installs:
            installs[name] = ready_engine(name, context.engines)
    return {
        name: ManagedHost(
            manager.interpreter, installs[manager.engine.name], _platform(facts[name])
        )
        for name, manager in chosen.items()
    }


def _remedy(choice: NoManager, facts: HostFacts | None) -> str:
    """Why, and the way out, with the command that installs python3 there when known."""
    command = install_python_command(facts.pkg_manager if facts else None)
    on_host = f" (there: {command})" if command else ""
    return f"{choice.reason}; {choice.remediation}{on_host}"


def _platform(facts: HostFacts) -> dict[str, str] | None:
    """The roles' ``deployer_platform``; None where the probe could not tell (the roles fall
    back to Ansible's facts) or deployer has no roles for the OS (the scan says so)."""
    if facts.os is None:
        return None
    platform = platform_of(facts.os)
    return platform.to_dict() if platform is not None else None


def engines_record(managed: Mapping[str, ManagedHost]) -> dict[str, dict[str, str]]:
    """For the run's ``meta.json``: per host, the engine and interpreter that managed it."""
    return {name: host.record() for name, host in sorted(managed.items())}
