"""The steps of a rollback that deployer runs itself: stop the product, then each schema
back to the version it had before the undone run. (Configuration, release and packages go
back through the executor's rollback plays.)"""

from __future__ import annotations

import getpass
import shlex
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from deployer.journal import Run
from deployer.migrations import discover
from deployer.migrations.runner import Runner
from deployer.migrations.setup import setup_for
from deployer.migrations.stage import migrations_folder
from deployer.rollback.dumps import MysqlDumps, RollbackFailed, SchemaDumps
from deployer.rollback.model import RollbackPlan, SchemaStep
from deployer.spec import LoadedEnvironment
from deployer.spec.layout import product_layout
from deployer.transport.hosts import Hosts
from deployer.transport.mysql import Database

STOP_TASK = "Stop the application server."


def stop_product(loaded: LoadedEnvironment, run: Run, hosts: Hosts) -> None:
    """Stop Tomcat on every app host at once, so that nothing uses the database while it is
    rolled back. One command per host: the product is down for every second a playbook would
    spend starting up."""
    apps = [host.name for host in loaded.env.hosts_with("app")]
    if loaded.env.middleware.tomcat is None or not apps:
        return
    service = product_layout(loaded.env).service
    unit = shlex.quote(service)
    # Exit 5 is "no such unit": the undone run stopped before Tomcat was installed.
    command = f"systemctl stop -- {unit}; s=$?; [ $s -eq 0 ] || [ $s -eq 5 ]"
    for name, result in hosts.run_everywhere(apps, command, root=True).items():
        outcome = "ok" if result.ok else "failed"
        run.event("task", host=name, task=STOP_TASK, outcome=outcome)
        if not result.ok:
            raise RollbackFailed(f"cannot stop {service}: {result.describe()}")


class SchemaRestorer:
    """Each schema of a plan back to the version it had before the undone run: undo scripts
    newest first, or the dump when a migration failed half-way or has no undo script."""

    def __init__(
        self,
        loaded: LoadedEnvironment,
        run: Run,
        hosts: Hosts,
        database: Database,
        dumps: SchemaDumps | None = None,
    ) -> None:
        self.loaded, self.run, self.hosts, self.database = loaded, run, hosts, database
        self.dumps = dumps or MysqlDumps(hosts)
        engine = loaded.env.database.engine if loaded.env.database else "mysql"
        self.setup = setup_for(engine)

    def restore(self, plan: RollbackPlan, undone: Run) -> None:
        for schema in plan.schemas:
            if schema.down_to is None:
                continue  # the run stopped before migrating: nothing to restore
            left = self._undo_with_scripts(schema)
            if not left:
                continue
            if schema.dump is None or schema.host not in self.hosts.names:
                raise RollbackFailed(
                    f"{schema.schema}: migrations {left} cannot be undone (no undo script and "
                    "no dump); restore the schema by hand"
                )
            self.dumps.restore(schema, undone.path)
            with self._runner(schema.schema) as runner:
                forgotten = runner.forget_failed() if runner is not None else []
            self.run.event("database", schema=schema.schema, restored=schema.dump, forgot=forgotten)

    def _undo_with_scripts(self, schema: SchemaStep) -> list[int]:
        """Undo the run's migrations with their U scripts when every one succeeded and has
        one; else change nothing and return the versions the dump has to take back."""
        assert schema.down_to is not None
        folder = migrations_folder(self.loaded, schema.schema)
        available = discover(folder, self.setup.dialect) if folder else []
        by_version = {m.version: m for m in available}
        with self._runner(schema.schema) as runner:
            if runner is None:
                return []
            newer = [row for row in runner.history() if row.version > schema.down_to]
            if not newer:
                self.run.event("database", schema=schema.schema, undone=[])
                return []
            # Undo scripts cannot bring back what a destructive migration threw away.
            scripted = not schema.prefers_dump and all(
                row.success and getattr(by_version.get(row.version), "undo", None) is not None
                for row in newer
            )
            if not scripted:
                return [row.version for row in newer]
            steps = runner.undo(available, down_to=schema.down_to)
        self.run.event("database", schema=schema.schema, undone=[s.name for s in steps])
        return []

    @contextmanager
    def _runner(self, schema: str) -> Iterator[Runner | None]:
        installed_by = f"{getpass.getuser()}@{socket.gethostname()}"
        with self.database.session() as db:
            cursor = db.cursor()
            if not self.setup.engine.history_exists(cursor, schema):
                yield None  # never migrated: nothing to undo
                return
            db.select_db(schema)
            yield Runner(cursor, self.setup.dialect, schema, self.run.id, installed_by)
