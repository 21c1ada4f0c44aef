"""The shapes of a run's records (``meta.json`` and each line of ``events.jsonl``), versioned.

Runs outlive the deployer that wrote them: a rollback reads the journal of an apply made by
an earlier version. So every record is checked against these models when read back, a run
says which ``format`` it was written in, and keys this version does not know are kept (a
later version may add some without changing the format). Fields outside the lifecycle are
optional: the redactor may mask the keys of any other field (a secret such as ``s``), and
that must not make the run unreadable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from deployer.journal.status import RunStatus

#: Runs written before the journal carried a version have no ``format`` key: format 1.
FIRST_FORMAT = 1
#: The format this deployer writes (2: ``format`` and ``inventory.yml`` recorded) and the
#: newest it reads.
FORMAT = 2


class _Record(BaseModel):
    # Strict: a journal edited into another shape ("exit_code": "0") is damaged, not coerced.
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class TimelineEntry(_Record):
    status: RunStatus
    time: str


class HostEngine(_Record):
    """Which Ansible engine and interpreter managed a host; older runs do not say (None)."""

    engine: str | None = None  # current, 2.16
    ansible_core: str | None = None  # its version: 2.19.14, 2.16.19
    interpreter: str | None = None  # the host's Python: /usr/bin/python3
    python: str | None = None  # its version
    #: The roles' deployer_platform the run gave it (family, release, pkg_manager), or None
    #: where the probe could not tell; runs before it was recorded lack the key.
    platform: dict[str, str] | None = None

    @property
    def platform_recorded(self) -> bool:
        """The run wrote the platform, None included: a later run may reuse it unprobed."""
        return "platform" in self.model_fields_set


class RunMeta(_Record):
    """``meta.json``: what ran, by whom, when, and how it ended."""

    id: str
    kind: str  # plan, apply, check, rollback
    status: RunStatus
    started: str
    finished: str | None = None
    exit_code: int | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    format: int = Field(default=FIRST_FORMAT, ge=FIRST_FORMAT)
    spec: str | None = None
    user: str | None = None
    host: str | None = None
    pid: int | None = None
    deployer: str | None = None
    product_version: str | None = None
    ports: dict[str, int] | None = None  # host -> the port its Tomcat serves on
    undoes: str | None = None  # a rollback's undone run
    engines: dict[str, HostEngine] | None = None  # host -> what managed it (newer runs)
    bundle: str | None = None  # the manifest sha256 of the bundle it installed from
    error: str | None = None


class Event(_Record):
    """One line of ``events.jsonl``; kinds this deployer does not know are read as this.

    Only ``time`` and ``event`` are sure to be there: the redactor keeps those keys whole but
    may mask any other (a one-character secret), so each kind's fields are typed when present.
    """

    time: str
    event: str


class StatusEvent(Event):
    # Text, not a RunStatus: the value is not under a trusted key, so a secret may mask it.
    status: str | None = None
    exit_code: int | None = None


class StageEvent(Event):
    name: str | None = None


class TaskEvent(Event):
    """A host's outcome of one task; ``role``, ``facts`` and ``backups`` feed the rollback."""

    playbook: str | None = None
    host: str | None = None
    task: str | None = None
    outcome: str | None = None
    message: str | None = None
    role: str | None = None
    facts: dict[str, Any] | None = None
    backups: list[tuple[str, str]] | None = None


class PlaybookEvent(Event):
    name: str | None = None
    status: str | None = None
    rc: int | None = None


class SchemaEvent(Event):
    schema_: str | None = Field(default=None, alias="schema")
    created: bool | None = None
    migrations: list[str] | None = None


class DumpEvent(Event):
    schema_: str | None = Field(default=None, alias="schema")
    file: str | None = None
    bytes: int | None = None
    sha256: str | None = None


class DatabaseEvent(Event):
    """What a rollback did to a schema: undo scripts run, or the dump restored."""

    schema_: str | None = Field(default=None, alias="schema")
    undone: list[str] | None = None
    restored: str | None = None
    forgot: list[int] | None = None


class PackagesEvent(Event):
    changed: dict[str, dict[str, list[str]]] | None = None  # host -> package -> [before, after]


class IrreversibleEvent(Event):
    accepted: list[str] | None = None


EVENT_KINDS: dict[str, type[Event]] = {
    "status": StatusEvent,
    "stage": StageEvent,
    "task": TaskEvent,
    "playbook": PlaybookEvent,
    "schema": SchemaEvent,
    "dump": DumpEvent,
    "database": DatabaseEvent,
    "packages": PackagesEvent,
    "irreversible": IrreversibleEvent,
}


def event_model(data: dict[str, Any]) -> type[Event]:
    kind = data.get("event")
    return EVENT_KINDS.get(kind, Event) if isinstance(kind, str) else Event


def problem(exc: ValidationError) -> str:
    """The first thing wrong in a record, as ``field: what``: one line for the user."""
    error = exc.errors(include_url=False)[0]
    where = field_path(error["loc"]) or "the record"
    if error["type"] == "missing":
        return f"{where}: missing"
    if error["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        return f"{where}: not a field this deployer knows"
    return f"{where}: {error['msg'][:1].lower()}{error['msg'][1:]}"


def field_path(loc: Sequence[int | str]) -> str:
    """``("timeline", 2, "status")`` as ``timeline[2].status``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
