"""A journal as a go-live leaves it, written through the journal's own API: a scan with an
accepted risk, 1.0 installed, 1.1 installed and rolled back. The hand-over documents' unit
tests read it; the lab test makes the same runs for real."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from deployer.journal import Journal, records
from deployer.journal.redact import Redactor
from deployer.journal.status import RunStatus
from deployer.report.jsonout import render_json
from deployer.state.model import FileState, HostRecord, RoleState, ServiceState
from tests.support.check_reports import sample_report
from tests.support.example_specs import example_spec


@dataclass(frozen=True)
class GoLive:
    spec: Path
    journal: Path
    secrets: dict[str, str]  # environment variable -> value, random per test
    check: str
    first: str
    upgrade: str
    rollback: str
    imported: str


#: A legacy import's balance, as ``data import`` records it.
BALANCE = {
    "table": "erp.customers",
    "source": "customers-gbk.csv",
    "dry_run": False,
    "read": 12,
    "loaded": 10,
    "updated": 0,
    "skipped": 0,
    "duplicates": 1,
    "rejected": 1,
    "balanced": True,
    "count": {"before": 0, "after": 10, "expected": 10, "holds": True},
}


def managed(host: str, run: str, version: str) -> HostRecord:
    release = f"/opt/sample-erp/releases/{version}"
    return HostRecord(
        host=host,
        run=run,
        recorded="2026-12-03T10:00:00+00:00",
        roles={
            "nginx": RoleState(
                files={
                    "/etc/nginx/sites-available/sample-erp.conf": FileState(
                        sha256="ab" * 32, owner="root", group="root", mode="0644"
                    )
                },
                packages={"nginx": "1.22.1-9"},
                services={"nginx": ServiceState(enabled="enabled", active="active")},
            ),
            "tomcat": RoleState(
                packages={"tomcat10": "10.1.6-1"},
                services={"tomcat10": ServiceState(enabled="enabled", active="active")},
            ),
            "product": RoleState(links={"/opt/sample-erp/current": release}),
        },
    )


def go_live(folder: Path, *edits: str) -> GoLive:
    """The example spec in ``folder`` (with ``edits``) and its journal after a go-live."""
    spec = example_spec(folder, "huadong-production.yml", *edits)
    values = {
        "HUADONG_DB_ADMIN_PASSWORD": "adm-" + secrets.token_urlsafe(12),
        "HUADONG_DB_APP_PASSWORD": "app-" + secrets.token_urlsafe(12),
    }
    root = folder / ".deployer" / "runs"
    journal = Journal(root, Redactor(values.values()))

    check = journal.start("check", spec)
    check.record(records.REPORT, render_json(sample_report()))
    check.set_status(RunStatus.SUCCESSFUL, 0)
    ids = [check.id]
    for version, migration in (("1.0", "V1__init.sql"), ("1.1", "V2__add_order_status.sql")):
        time.sleep(0.003)
        run = journal.start("apply", spec, product_version=version)
        run.event("schema", schema="erp", created=version == "1.0", migrations=[migration])
        run.event(
            "task", host="app1", task=f"Ensure release {version} is current.", outcome="changed"
        )
        run.event("task", host="app1", task="Ensure nginx is installed.", outcome="ok")
        run.record(records.RECAP, {"app1": {"ok": 30, "changed": 1, "failed": 0}})
        run.record(records.managed_state("app1"), managed("app1", run.id, version).model_dump())
        run.set_status(RunStatus.SUCCESSFUL, 0)
        ids.append(run.id)
    time.sleep(0.003)
    undo = journal.start("rollback", spec, undoes=ids[-1])
    undo.event("database", schema="erp", undone=["U2__add_order_status.sql"])
    undo.record(records.managed_state("app1"), managed("app1", undo.id, "1.0").model_dump())
    undo.set_status(RunStatus.SUCCESSFUL, 0)
    time.sleep(0.003)
    imported = journal.start("import", spec, table="erp.customers")
    imported.record(records.IMPORT_REPORT, BALANCE)
    imported.set_status(RunStatus.SUCCESSFUL, 0)
    return GoLive(spec, root, values, ids[0], ids[1], ids[2], undo.id, imported.id)
