"""Which engine and interpreter manage each host, decided from the probe before a run changes
anything: a host no engine can manage stops the command with the scan's remediation, and the
engines the hosts need are made ready (the 2.16 venv built on first use) before the run starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deployer.errors import DeployerError, ExitCode
from deployer.executors.ansible.engine_venv import ready_engine
from deployer.executors.ansible.engines import EngineInstall, ManagedHost
from deployer.facts.engines import ENGINES, Manager, NoManager, choose_manager
from deployer.facts.model import HostFacts, PythonInstall
from deployer.facts.platform import platform_of
from deployer.facts.python import install_python_command
from deployer.journal.models import HostEngine
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


def rollback_managed_hosts(
    context: RunContext, recorded: Mapping[str, HostEngine] | None
) -> Managed:
    """``managed_hosts`` for a rollback. When the undone run ``recorded`` every host's
    engine, interpreter and platform (and no engine is forced now), each host is managed that
    same way without a probe: the product may already be down, and the deploy lock has just
    reached every host. Otherwise the hosts are probed, and a host out of reach now is managed
    the way the undone run recorded, so the rollback still undoes what it can on the other
    hosts and fails on that one instead of undoing nothing. A host out of reach that the
    undone run did not record stops the rollback."""
    unprobed = _as_recorded(context, recorded or {})
    if unprobed is not None:
        return unprobed
    facts, unreachable, _ = gather_host_facts(context)
    known = {
        name: manager
        for name in unreachable
        if (manager := _recorded_manager((recorded or {}).get(name))) is not None
    }
    lost = sorted(set(unreachable) - set(known))
    if lost:
        raise HostsUnreachable(f"{lost[0]} is unreachable: {unreachable[lost[0]]}")
    return managed_hosts(context, facts, known)


def _as_recorded(context: RunContext, recorded: Mapping[str, HostEngine]) -> Managed | None:
    """Every host managed as ``recorded``, or None when a host's record lacks its platform or
    names no usable engine and interpreter, or when an engine is forced now."""
    if context.engines.forced is not None:
        return None
    chosen: dict[str, Manager] = {}
    platforms: dict[str, Mapping[str, str] | None] = {}
    for host in context.loaded.env.hosts:
        record = recorded.get(host.name)
        if record is None or not record.platform_recorded:
            return None
        manager = _recorded_manager(record)
        if manager is None:
            return None
        chosen[host.name], platforms[host.name] = manager, record.platform
    return _made_ready(context, chosen, platforms)


def _recorded_manager(record: HostEngine | None) -> Manager | None:
    if record is None or record.engine is None or not record.interpreter:
        return None
    engine = ENGINES.get(record.engine)
    if engine is None:
        return None
    version = record.python or ""
    parts = version.split(".")
    if len(parts) < 2 or not all(part.isdigit() for part in parts):
        return None
    python = PythonInstall(
        path=record.interpreter,
        real=record.interpreter,
        version=version,
        major=int(parts[0]),
        minor=int(parts[1]),
    )
    return Manager(python, engine)


def managed_hosts(
    context: RunContext,
    facts: Mapping[str, HostFacts],
    known: Mapping[str, Manager] | None = None,
) -> Managed:
    """Per host of the spec: its interpreter, its engine (ready to run) and its platform;
    ``known`` hosts (not probed now) keep the manager given for them."""
    forced = context.engines.forced
    chosen: dict[str, Manager] = dict(known or {})
    refused = []
    for host in context.loaded.env.hosts:
        if host.name in chosen:
            continue
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
    return _made_ready(context, chosen, {name: _platform(facts.get(name)) for name in chosen})


def _made_ready(
    context: RunContext,
    chosen: Mapping[str, Manager],
    platforms: Mapping[str, Mapping[str, str] | None],
) -> Managed:
    """The hosts ``chosen`` managers, each engine made ready once, with their platforms."""
    installs: dict[str, EngineInstall] = {}
    for manager in chosen.values():
        name = manager.engine.name
        if name not in installs:
            installs[name] = ready_engine(name, context.engines)
    return {
        name: ManagedHost(manager.interpreter, installs[manager.engine.name], platforms[name])
        for name, manager in chosen.items()
    }


def _remedy(choice: NoManager, facts: HostFacts | None) -> str:
    """Why, and the way out, with the command that installs python3 there when known."""
    command = install_python_command(facts.pkg_manager if facts else None)
    on_host = f" (there: {command})" if command else ""
    return f"{choice.reason}; {choice.remediation}{on_host}"


def _platform(facts: HostFacts | None) -> dict[str, str] | None:
    """The roles' ``deployer_platform``; None where the probe could not tell (the roles fall
    back to Ansible's facts) or deployer has no roles for the OS (the scan says so)."""
    if facts is None or facts.os is None:
        return None
    platform = platform_of(facts.os)
    return platform.to_dict() if platform is not None else None


def engines_record(managed: Mapping[str, ManagedHost]) -> dict[str, dict[str, Any]]:
    """For the run's ``meta.json``: per host, the engine, interpreter and platform that
    managed it."""
    return {name: host.record() for name, host in sorted(managed.items())}
