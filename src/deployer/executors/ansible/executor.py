"""The Ansible executor: each play is a playbook run with ansible-runner over the run's SSH
policy (the inventory's connection settings are deployer's own, shared connections included)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from deployer.executors.ansible.content import content_dir
from deployer.executors.ansible.factcache import read_fact_cache, seed_fact_cache
from deployer.executors.ansible.inventory import build_inventory
from deployer.executors.ansible.runner import PlaybookRun, describe, run_playbook
from deployer.executors.ansible.variables import dump, extra_vars, host_vars
from deployer.executors.base import ExecutionOptions, Executor, OnTask, Play, PlayResult
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
    ) -> None:
        self.options = options
        self.secrets = secrets  # environment variables the variables' lookups read
        self.fact_cache = control_dir / FACT_CACHE
        self.inventory = build_inventory(loaded, list(targets), control_dir)
        for host in loaded.env.hosts:
            self.inventory["all"]["hosts"][host.name].update(host_vars(loaded.env, host))
        self.variables = extra_vars(loaded, run_id)
        if options.serial is not None:
            self.variables["deployer_serial"] = options.serial
        if options.max_fail_percent is not None:
            self.variables["deployer_max_fail_percentage"] = options.max_fail_percent

    def play_name(self, play: Play) -> str:
        return PLAYBOOKS[play]

    def run(self, play: Play, on_task: OnTask, *, check: bool = False) -> PlayResult:
        root = content_dir()
        name = PLAYBOOKS[play]
        result = run_playbook(
            PlaybookRun(
                playbook=root / "playbooks" / name,
                inventory=self.inventory,
                variables=self.variables,
                secrets=self.secrets,
                limit=",".join(self.options.limit) or None,
                check=check or self.options.check,
                forks=self.options.forks,
                roles_path=root / "roles",
                fact_cache=self.fact_cache,
            ),
            on_task,
        )
        failure = "" if result.ok else describe(result)
        return PlayResult(name, result.ok, result.recap, result.status, result.rc, failure)

    def records(self) -> Mapping[str, str]:
        return {records.VARIABLES: dump(self.variables), records.INVENTORY: dump(self.inventory)}

    def set_host_values(self, host: str, values: Mapping[str, Any]) -> None:
        self.inventory["all"]["hosts"].get(host, {}).update(values)

    def gathered_facts(self) -> Any:
        return read_fact_cache(self.fact_cache)

    def seed_facts(self, facts: Any) -> None:
        seed_fact_cache(self.fact_cache, facts)
