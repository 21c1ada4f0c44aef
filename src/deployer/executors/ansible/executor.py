"""The Ansible executor: each play is a playbook run with ansible-runner over the run's SSH
policy (the inventory's connection settings are deployer's own, shared connections included).

Hosts of one run may need different engines (an old Python on one of them): a play is then
one ansible-playbook run per engine, each limited to its hosts, one after the other, and its
result the sum of theirs."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from deployer.executors.ansible.content import content_dir
from deployer.executors.ansible.engines import EngineInstall, ManagedHost
from deployer.executors.ansible.factcache import read_fact_cache, seed_fact_cache
from deployer.executors.ansible.inputs import (
    PLAY_ROLES,
    content_digest,
    local_files,
    play_digest,
    secrets_digest,
)
from deployer.executors.ansible.inventory import become_secrets, build_inventory
from deployer.executors.ansible.runner import PlaybookResult, PlaybookRun, describe, run_playbook
from deployer.executors.ansible.variables import dump, extra_vars, host_vars
from deployer.executors.base import (
    ExecutionOptions,
    Executor,
    HostRecap,
    OnTask,
    Play,
    PlayResult,
)
from deployer.journal import records
from deployer.spec import LoadedEnvironment
from deployer.transport.ssh import SshTarget

PLAYBOOKS = {
    Play.DATABASE_SERVER: "database.yml",
    Play.MIDDLEWARE: "middleware.yml",
    Play.RELEASE: "release.yml",
    Play.ROLLBACK: "rollback.yml",
    Play.ROLLBACK_PACKAGES: "rollback-packages.yml",
}
FACT_CACHE = "facts"  # Ansible's fact cache, in the run's connection folder


class AnsibleExecutor(Executor):
    def __init__(
        self,
        loaded: LoadedEnvironment,
        targets: Sequence[SshTarget],
        control_dir: Path,
        *,
        run_id: str,
        secrets: Mapping[str, str],
        options: ExecutionOptions,
        managed: Mapping[str, ManagedHost],
    ) -> None:
        self.options = options
        # Environment variables the variables' and the inventory's lookups read.
        self.secrets = {**secrets, **become_secrets(list(targets))}
        self.fact_cache = control_dir / FACT_CACHE
        self.managed = managed
        self.order = [host.name for host in loaded.env.hosts]
        self.inventory = build_inventory(loaded, list(targets), control_dir, managed)
        for host in loaded.env.hosts:
            self.inventory["all"]["hosts"][host.name].update(host_vars(loaded.env, host))
        self.variables = extra_vars(loaded, run_id)
        if options.serial is not None:
            self.variables["deployer_serial"] = options.serial
        if options.max_fail_percent is not None:
            self.variables["deployer_max_fail_percentage"] = options.max_fail_percent

    def play_name(self, play: Play) -> str:
        return PLAYBOOKS[play]

    def run(
        self,
        play: Play,
        on_task: OnTask,
        *,
        check: bool = False,
        hosts: Collection[str] | None = None,
    ) -> PlayResult:
        root = content_dir()
        name = PLAYBOOKS[play]
        results = []
        for engine, limit in self.engine_limits(hosts):
            results.append(
                run_playbook(
                    PlaybookRun(
                        playbook=root / "playbooks" / name,
                        inventory=self.inventory,
                        variables=self.variables,
                        secrets=self.secrets,
                        limit=limit,
                        check=check or self.options.check,
                        forks=self.options.forks,
                        roles_path=root / "roles",
                        fact_cache=self.fact_cache,
                        engine_bin=engine.bin_dir,
                    ),
                    on_task,
                )
            )
            if results[-1].status in ("canceled", "timeout"):
                break  # stopped by the operator or a timeout: not the next engine's hosts
        if not results:  # none of ``hosts`` is within the run's limit
            return PlayResult(name, True)
        return _sum(name, results)

    def engine_limits(
        self, hosts: Collection[str] | None = None
    ) -> list[tuple[EngineInstall, str | None]]:
        """Each engine with the --limit of its hosts, in the spec's order of hosts; one
        engine for every host keeps the run's own limit. ``hosts`` narrows the run's."""
        wanted = set(self.options.limit) or set(self.order)
        if hosts is not None:
            return self._limits_of(wanted & set(hosts))
        engines = {self.managed[host].engine.name: self.managed[host].engine for host in self.order}
        if len(engines) == 1:
            (engine,) = engines.values()
            return [(engine, ",".join(self.options.limit) or None)]
        return self._limits_of(wanted)

    def _limits_of(self, wanted: set[str]) -> list[tuple[EngineInstall, str | None]]:
        """Each engine with exactly its hosts among ``wanted``, in the spec's order."""
        groups: dict[str, list[str]] = {}
        engines: dict[str, EngineInstall] = {}
        for host in self.order:
            if host in wanted:
                engine = self.managed[host].engine
                engines[engine.name] = engine
                groups.setdefault(engine.name, []).append(host)
        return [(engines[name], ",".join(names)) for name, names in groups.items()]

    def input_digests(self, play: Play) -> Mapping[str, str]:
        if play not in PLAY_ROLES:
            return {}
        content = content_digest(content_dir(), play, PLAYBOOKS[play])
        hosts = self.inventory["all"]["hosts"]
        return {
            host: play_digest(
                play,
                content=content,
                variables=self.variables,
                host_values=hosts.get(host, {}),
                secrets=self._secrets_digest,
                files=self._local_files,
            )
            for host in self.order
        }

    # Made once per run: the secrets' derivation is slow on purpose, and the artifact may be
    # a large file; neither changes between the plays of a run.
    @cached_property
    def _secrets_digest(self) -> str:
        return secrets_digest(self.secrets.items())

    @cached_property
    def _local_files(self) -> dict[str, str]:
        return local_files(self.variables)

    def records(self) -> Mapping[str, str]:
        return {records.VARIABLES: dump(self.variables), records.INVENTORY: dump(self.inventory)}

    def set_host_values(self, host: str, values: Mapping[str, Any]) -> None:
        self.inventory["all"]["hosts"].get(host, {}).update(values)

    def gathered_facts(self) -> Any:
        return read_fact_cache(self.fact_cache)

    def seed_facts(self, facts: Any) -> None:
        seed_fact_cache(self.fact_cache, facts)


def _sum(name: str, results: Sequence[PlaybookResult]) -> PlayResult:
    """One play's result from its runs (one per engine): failed if any failed."""
    recap: dict[str, HostRecap] = {}
    for result in results:
        for host, counts in result.recap.items():
            recap[host] = recap.get(host, HostRecap()) + counts
    failed = [result for result in results if not result.ok]
    if not failed:
        last = results[-1]
        return PlayResult(name, True, recap, last.status, last.rc)
    first = failed[0]
    failure = "; ".join(describe(result) for result in failed)
    return PlayResult(name, False, recap, first.status, first.rc, failure)
