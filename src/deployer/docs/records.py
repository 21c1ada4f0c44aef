"""Everything the hand-over documents are written from, read once: the spec, its support
matrix, the product's FAQ and the journal's runs with the records each left (a scan's
report, the hosts' managed state, an import's balance). Nothing is asked of the hosts: the
documents say what the records say, so the same journal always gives the same documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deployer.checks.model import CheckReport, CheckResult, Status
from deployer.journal import Journal, Run, records
from deployer.journal.models import RunMeta
from deployer.journal.runs import JournalDamaged
from deployer.journal.status import RunStatus
from deployer.spec import LoadedEnvironment
from deployer.spec.faq import Faq, load_faq
from deployer.spec.problems import SpecError
from deployer.state.model import HostRecord

#: The runs a hand-over speaks of: what was checked, changed, undone or loaded.
KINDS = ("check", "apply", "rollback", "import", "watch")
#: The record that holds a run's outcome, by kind: an import's balance, a watch's verdict.
OUTCOMES = {"import": records.IMPORT_REPORT, "watch": records.WATCH_VERDICT}


@dataclass(frozen=True)
class RunRecord:
    meta: RunMeta
    events: tuple[dict[str, Any], ...] = ()
    managed: dict[str, HostRecord] = field(default_factory=dict)  # host -> as the run left it
    scan: CheckReport | None = None
    balance: dict[str, Any] | None = None  # an import's import.json, a watch's watch.json
    recap: dict[str, dict[str, Any]] = field(default_factory=dict)  # host -> task counts

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def succeeded(self) -> bool:
        return self.meta.status == RunStatus.SUCCESSFUL

    @property
    def balances(self) -> bool:
        """An import whose counts add up and whose table grew by what it loaded."""
        balance = self.balance or {}
        return bool(balance.get("balanced")) and bool((balance.get("count") or {}).get("holds"))

    def of_kind(self, event: str) -> Iterator[dict[str, Any]]:
        return (e for e in self.events if e.get("event") == event)


@dataclass(frozen=True)
class SiteRecords:
    loaded: LoadedEnvironment
    runs: tuple[RunRecord, ...]  # oldest first
    faq: Faq | None = None

    def of_kind(self, kind: str) -> list[RunRecord]:
        return [run for run in self.runs if run.meta.kind == kind]

    @property
    def scan(self) -> RunRecord | None:
        """The newest scan with a report."""
        scans = [run for run in self.of_kind("check") if run.scan is not None]
        return scans[-1] if scans else None

    @property
    def live(self) -> RunRecord | None:
        """The apply whose release the hosts run now: the newest that succeeded and that no
        successful rollback undid since."""
        stack: list[RunRecord] = []
        for run in self.runs:
            if run.meta.kind == "apply" and run.succeeded:
                stack.append(run)
            elif run.meta.kind == "rollback" and run.succeeded:
                stack = [kept for kept in stack if kept.id != run.meta.undoes]
        return stack[-1] if stack else None

    def managed(self, host: str) -> tuple[HostRecord, str] | None:
        """The host's managed state as the newest successful run left it, and that run."""
        for run in reversed(self.runs):
            if run.succeeded and host in run.managed:
                return run.managed[host], run.id
        return None

    def find(self, run_id: str | None) -> RunRecord | None:
        return next((run for run in self.runs if run.id == run_id), None)

    @property
    def made_from(self) -> tuple[str, ...]:
        return tuple(run.id for run in self.runs)

    @property
    def date(self) -> str:
        """When the newest record was written: the documents' date."""
        times = [run.meta.finished or run.meta.started for run in self.runs]
        return max(times) if times else ""

    def accepted_risks(self) -> list[CheckResult]:
        scan = self.scan
        if scan is None or scan.scan is None:
            return []
        return [r for r in scan.scan.results() if r.accepted is not None]

    def warnings(self) -> list[CheckResult]:
        """What the last scan found wrong and nobody accepted."""
        scan = self.scan
        if scan is None or scan.scan is None:
            return []
        wrong = (Status.WARN, Status.FAIL, Status.UNKNOWN)
        return [r for r in scan.scan.results() if r.status in wrong and r.accepted is None]


def read_site(loaded: LoadedEnvironment, journal: Journal) -> SiteRecords:
    """The spec's records: its FAQ and every run of the kinds a hand-over speaks of."""
    hosts = [host.name for host in loaded.env.hosts]
    metas = ((run, run.info()) for run in journal.runs())
    runs = tuple(_record(run, meta, hosts) for run, meta in metas if meta.kind in KINDS)
    return SiteRecords(loaded, runs, _faq(loaded))


def _faq(loaded: LoadedEnvironment) -> Faq | None:
    relative = loaded.env.product.faq
    if relative is None:
        return None
    path = loaded.base_dir / relative
    if not path.is_file():
        where = loaded.doc.problem(("product", "faq"), f"no such file: {path}")
        raise SpecError([where])
    return load_faq(path)


def _record(run: Run, meta: RunMeta, hosts: list[str]) -> RunRecord:
    kind = meta.kind
    managed = {}
    if kind in ("apply", "rollback"):
        for host in hosts:
            path = run.path / records.managed_state(host)
            if path.exists():
                managed[host] = _parsed(path, HostRecord)
    scan = _parsed(run.path / records.REPORT, CheckReport) if kind == "check" else None
    outcome = OUTCOMES.get(kind)
    balance = _json(run.path / outcome) if outcome else None
    events = tuple(run.events()) if kind in ("apply", "rollback") else ()
    recap = run.recap() if kind in ("apply", "rollback") else {}
    return RunRecord(meta, events, managed, scan, balance, recap)


def _parsed(path: Path, model: type[Any]) -> Any:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        # Keys a record adds for people (a scan's ``summary``) are not the model's.
        known = {key: value for key, value in data.items() if key in model.model_fields}
        return model.model_validate(known)
    except (OSError, UnicodeDecodeError, ValueError, AttributeError) as exc:
        raise JournalDamaged(f"{path}: cannot be read ({str(exc).splitlines()[0]})") from exc


def _json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise JournalDamaged(f"{path}: cannot be read ({exc})") from exc
    if not isinstance(data, dict):
        raise JournalDamaged(f"{path}: not a JSON object")
    return data
