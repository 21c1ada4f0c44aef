"""The rollback plan of an apply, written into its journal before the first change and kept
up to date ahead of each stage; ``plan`` shows the same plan before anything runs.

Before migrating, each schema is read (its version, its size) and dumped on the database host
when it may need restoring. Migrations that nothing could undo are flagged up front, and apply
refuses them unless told that they are accepted.

The recorder observes the run's stages through the calls they make (``stage_starting``,
``before_migrating``), not by their names.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from deployer.errors import DeployerError, ExitCode
from deployer.journal import Journal, Run, records
from deployer.journal.runs import read_json
from deployer.plan.stages import Stage
from deployer.rollback.dumps import MysqlDumps, SchemaDumps
from deployer.rollback.model import RollbackPlan, irreversible, observe
from deployer.rollback.render import render_markdown
from deployer.rollback.survey import (
    assess_if_reachable,
    assess_schemas,
    initial_plan,
    list_packages,
    with_package_changes,
)
from deployer.spec import LoadedEnvironment
from deployer.transport.hosts import Hosts
from deployer.transport.mysql import Database

log = logging.getLogger(__name__)


class NoRollbackPlan(DeployerError):
    exit_code = ExitCode.USAGE


class IrreversibleRefused(DeployerError):
    """Steps of the run could not be undone, and that was not accepted; nothing was migrated."""

    exit_code = ExitCode.IRREVERSIBLE


class RollbackRecorder:
    """Keeps ``rollback.json`` and ``rollback.md`` of an apply run current."""

    def __init__(
        self,
        loaded: LoadedEnvironment,
        run: Run,
        journal: Journal,
        hosts: Hosts,
        database: Database,
        *,
        allow_irreversible: bool,
        dumps: SchemaDumps | None = None,
    ) -> None:
        self.loaded, self.run, self.hosts, self.database = loaded, run, hosts, database
        self.dumps = dumps or MysqlDumps(hosts)
        self.allow_irreversible = allow_irreversible
        self.plan = initial_plan(loaded, run.id, hosts, journal)
        self.plan = assess_if_reachable(loaded, self.plan, hosts, database)
        self.installed = list_packages(hosts)
        run.record(records.PACKAGES_BEFORE, self.installed)
        self.write()
        self.refuse_irreversible()

    def packages_before(self) -> dict[str, dict[str, str]]:
        """Per host, installed package -> version, as listed before the run."""
        return self.installed

    def note_offline_downgrades(self, found: Mapping[str, list[str]]) -> None:
        """What a rollback could not put back from the bundle, in the plan up front."""
        for host, lines in found.items():
            self.plan.host(host).offline_downgrades = list(lines)
        self.write()

    def note_cluster(self, back_to: str) -> None:
        """Under target kubernetes: the run whose revision a rollback applies again ("" for
        none), in the plan up front."""
        self.plan.cluster_back_to = back_to
        self.write()

    def stage_starting(self, stage: Stage) -> None:
        """The journal is written ahead of each stage."""
        self.refresh()

    def before_migrating(self) -> None:
        """Just before the first migration: each schema read again, and dumped when it may
        need restoring and its size allows."""
        plan = assess_schemas(self.loaded, self.plan, self.hosts, self.database)
        schemas = list(plan.schemas)
        for index, schema in enumerate(schemas):
            if schema.existed and schema.migrations and not schema.no_dump:
                schemas[index] = self.dumps.take(schema, self.run)
        self.plan = replace(plan, schemas=schemas)
        self.write()
        self.refuse_irreversible()
        self.refresh()

    def refuse_irreversible(self) -> None:
        flagged = irreversible(self.plan)
        if not flagged:
            return
        if self.allow_irreversible:
            self.run.event("irreversible", accepted=flagged)
            return
        raise IrreversibleRefused(
            f"{len(flagged)} step(s) could not be undone: {'; '.join(flagged)}. Nothing was "
            "migrated; pass --allow-irreversible to accept that, or raise "
            "database.dump_limit_mb, or add undo scripts"
        )

    def refresh(self) -> None:
        self.plan = observe(self.plan, self.run.events())
        self.write()

    def finish(self) -> None:
        """At the end of the run, failed or not: what it installed or upgraded, too."""
        self.plan = with_package_changes(self.plan, self.run, self.hosts)
        self.refresh()

    def finish_quietly(self) -> None:
        """After a failure: complete the plan if the hosts still answer. A host that does not
        is compared again when the rollback runs."""
        try:
            self.finish()
        except DeployerError as exc:
            log.warning("rollback plan not completed after the failure: %s", exc)
            self.refresh()

    def write(self) -> None:
        write_plan(self.run, self.plan)


def write_plan(run: Run, plan: RollbackPlan) -> None:
    run.record(records.ROLLBACK_PLAN, plan.to_json())
    run.record(records.ROLLBACK_TEXT, render_markdown(plan))


def load_plan(run: Run) -> RollbackPlan:
    """The plan of a run as its journal has it now, also when the run was killed half-way."""
    path = run.path / records.ROLLBACK_PLAN
    if not path.is_file():
        raise NoRollbackPlan(f"run {run.id} has no rollback plan ({path} is missing)")
    # Hand-edited, or written by another version: refused naming the field (JournalDamaged)
    # rather than undoing half a run.
    plan = RollbackPlan.from_json(read_json(path), str(path))
    return observe(plan, run.events())
