"""A run is a folder with a fixed layout (``records``); its status moves through a short
lifecycle. Its records are read back through their models (``models``), whatever version of
deployer wrote them, up to this one's format.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import socket
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from deployer import __version__
from deployer.errors import DeployerError, ExitCode
from deployer.journal import records
from deployer.journal.files import append_line, write_atomic
from deployer.journal.models import FIRST_FORMAT, FORMAT, RunMeta, event_model, problem
from deployer.journal.redact import Redactor
from deployer.journal.status import RunStatus


class RunNotFound(DeployerError):
    exit_code = ExitCode.USAGE


class JournalNotAFolder(DeployerError):
    """``--journal`` (or the default journal path) names something that is not a folder."""

    exit_code = ExitCode.USAGE


class JournalDamaged(DeployerError):
    """A run's record cannot be read back: edited by hand, truncated, or not deployer's."""

    exit_code = ExitCode.JOURNAL_DAMAGED


#: The run record's own lifecycle fields, written by deployer alone.
_LIFECYCLE = ("id", "kind", "status", "started", "finished", "exit_code")
#: Keys whose values deployer writes itself (ids, kinds, statuses, times, the port each host
#: serves on, a bundle's manifest sha256): kept whole by the redactor, so that a secret such
#: as ``a`` or ``1`` cannot make the journal unreadable for the commands that read it back.
TRUSTED = frozenset(
    {*_LIFECYCLE, "timeline", "time", "event", "undoes", "ports", "format", "bundle", "digest"}
)
#: What listing and showing runs tell of each: the lifecycle, who ran what, and how it ended.
SUMMARY_KEYS = (*_LIFECYCLE, "product_version", "user", "host", "error", "engines", "bundle")


def _plain(data: Any) -> Any:
    """JSON types only (tuples, paths, enums... as JSON would write them)."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def _dumps(data: Any, indent: int | None = None) -> str:
    return json.dumps(data, ensure_ascii=False, indent=indent)


def _write_meta(folder: Path, meta: Mapping[str, Any], redact: Redactor) -> None:
    write_atomic(folder / records.META, _dumps(redact.value(_plain(meta), TRUSTED), indent=2))


def read_json(path: Path) -> Any:
    """A JSON record of the journal; a damaged one is an error naming the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise JournalDamaged(f"{path}: not a readable JSON record ({_reason(exc)})") from exc


def read_meta(folder: Path) -> dict[str, Any]:
    """A run's ``meta.json`` as written, once it is known to be a run record this deployer
    can read (``RunMeta``, a format it knows)."""
    path = folder / records.META
    data = read_json(path)
    if not isinstance(data, dict):
        raise JournalDamaged(f"{path}: not a run record (a JSON object), but {_kind(data)}")
    _check_format(path, data.get("format", FIRST_FORMAT))
    try:
        RunMeta.model_validate_json(_dumps(data))
    except ValidationError as exc:
        raise JournalDamaged(f"{path}: {problem(exc)}") from None
    return data


def _check_format(path: Path, found: Any) -> None:
    # Checked before the rest: a newer format may have changed any other field.
    if not isinstance(found, int) or isinstance(found, bool) or found < FIRST_FORMAT:
        raise JournalDamaged(f"{path}: format: not a journal format (a number from 1), {found!r}")
    if found > FORMAT:
        raise JournalDamaged(
            f"{path}: written by a newer deployer (journal format {found}; this deployer "
            f"reads formats up to {FORMAT}): use that version, or a newer one, to read it"
        )


def read_event(path: Path, number: int, line: str) -> dict[str, Any]:
    """Line ``number`` of an ``events.jsonl``, checked against its kind's model."""
    try:
        event = json.loads(line)
    except ValueError as exc:
        raise JournalDamaged(f"{path}:{number}: not a JSON event") from exc
    if not isinstance(event, dict):
        raise JournalDamaged(f"{path}:{number}: not a JSON event (an object)")
    try:
        event_model(event).model_validate_json(line)
    except ValidationError as exc:
        raise JournalDamaged(f"{path}:{number}: {problem(exc)}") from None
    return event


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno} column {exc.colno}: {exc.msg}"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return "not UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc)


def _kind(data: Any) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }
    return names.get(type(data), "a number")


def _now() -> str:
    # Microseconds: two runs started by one process can fall in the same millisecond, and
    # their order is read from this. Older records with milliseconds still compare right.
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def new_run_id() -> str:
    """Sortable by time, unique without coordination: 20261122-021648-a1b2."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(2)}"


def _in_time_order(folders: list[Path]) -> list[Path]:
    """Run folders oldest first. An id tells the second a run started; runs that started in
    the same second are ordered by their records' start time (microseconds)."""
    seconds = Counter(folder.name[:_STAMP] for folder in folders)

    def started(folder: Path) -> str:
        if seconds[folder.name[:_STAMP]] == 1:
            return ""
        try:
            return str(read_meta(folder).get("started", ""))
        except JournalDamaged:
            return ""

    return sorted(folders, key=lambda folder: (folder.name[:_STAMP], started(folder), folder.name))


_STAMP = len("20261122-021648")

#: Stages of one run may run side by side (threads): an event is appended whole, and read
#: back only between appends.
_EVENTS_LOCK = threading.Lock()


@dataclass
class Run:
    """One run's folder. Every write goes through the redactor."""

    path: Path
    redact: Redactor

    @property
    def id(self) -> str:
        return self.path.name

    def meta(self) -> dict[str, Any]:
        return read_meta(self.path)

    def info(self) -> RunMeta:
        """The run's record, typed."""
        return RunMeta.model_validate_json(_dumps(self.meta()))

    def recap(self) -> dict[str, Any]:
        """Task counts per host, as the run recorded them ({} before any playbook ended)."""
        path = self.path / records.RECAP
        if not path.exists():
            return {}
        data = read_json(path)
        if not isinstance(data, dict) or not all(isinstance(c, dict) for c in data.values()):
            raise JournalDamaged(f"{path}: not task counts per host (a JSON object of objects)")
        return data

    def summary(self) -> dict[str, Any]:
        """The run's record for listing: its lifecycle, recap and folder."""
        meta = self.meta()
        lifecycle = {key: meta.get(key) for key in SUMMARY_KEYS}
        return {**lifecycle, "recap": self.recap(), "path": str(self.path)}

    def record(self, name: str, content: str | Mapping[str, Any] | list[Any]) -> Path:
        """Store a named record, redacted: mappings and lists as JSON masked per value, text
        named ``*.json`` likewise when it parses, any other text in every encoding."""
        if isinstance(content, str):
            text = self.redact.json(content) if name.endswith(".json") else self.redact(content)
        else:
            text = _dumps(self.redact.value(_plain(content)), indent=2)
        target = self.path / name
        write_atomic(target, text)
        return target

    def event(self, kind: str, **data: Any) -> None:
        record = self.redact.value(_plain({"time": _now(), "event": kind, **data}), TRUSTED)
        with _EVENTS_LOCK:
            append_line(self.path / records.EVENTS, _dumps(record))

    def events(self) -> Iterator[dict[str, Any]]:
        path = self.path / records.EVENTS
        if not path.exists():
            return
        try:
            with _EVENTS_LOCK:
                lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise JournalDamaged(f"{path}: cannot be read ({_reason(exc)})") from exc
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield read_event(path, number, line)

    def add_meta(self, **fields: Any) -> None:
        """Facts about the run learnt once it started (the engines a plan found), in its
        ``meta.json``."""
        meta = self.meta()
        meta.update(fields)
        _write_meta(self.path, meta, self.redact)

    def set_status(self, status: RunStatus, exit_code: int | None = None, **extra: Any) -> None:
        meta = self.meta()
        meta["status"] = status.value
        meta.setdefault("timeline", []).append({"status": status.value, "time": _now()})
        if status.finished:
            meta["finished"] = _now()
            meta["exit_code"] = exit_code
        meta.update(extra)
        _write_meta(self.path, meta, self.redact)
        self.event("status", status=status.value, exit_code=exit_code)


class Journal:
    """All runs of one environment, under ``root`` (default: ``.deployer/runs`` by the spec)."""

    def __init__(self, root: Path, redact: Redactor | None = None) -> None:
        # Absolute: run folders hold files (known_hosts) that tools started elsewhere read.
        self.root = root.resolve()
        # Not ``redact or ...``: an empty Redactor is falsy, and the caller's one must be used.
        self.redact = redact if redact is not None else Redactor()

    def start(self, kind: str, spec: Path, **meta: Any) -> Run:
        make_journal_dir(self.root)
        run = Run(self.root / new_run_id(), self.redact)
        run.path.mkdir(mode=0o700)
        record = {
            "id": run.id,
            "kind": kind,
            "spec": str(spec),
            "status": RunStatus.STARTING.value,
            "started": _now(),
            "finished": None,
            "exit_code": None,
            "user": getpass.getuser(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "deployer": __version__,
            "timeline": [{"status": "starting", "time": _now()}],
            "format": FORMAT,
            **meta,
        }
        _write_meta(run.path, record, self.redact)
        return run

    def runs(self) -> list[Run]:
        self._check_folder()
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.iterdir() if (p / records.META).is_file()]
        return [Run(p, self.redact) for p in _in_time_order(found)]

    def get(self, run_id: str) -> Run:
        self._check_folder()
        path = self.root / run_id
        if not run_id or "/" in run_id or not (path / records.META).is_file():
            raise RunNotFound(f"no run '{run_id}' in {self.root}")
        return Run(path, self.redact)

    def last(self, kind: str | None = None) -> Run | None:
        runs = [r for r in self.runs() if kind is None or r.meta().get("kind") == kind]
        return runs[-1] if runs else None

    def _check_folder(self) -> None:
        check_journal_dir(self.root)


def check_journal_dir(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise JournalNotAFolder(f"journal {root} is a file, not a folder; pass --journal a folder")


def make_journal_dir(root: Path) -> None:
    """The journal's folder, made private if new; a path that cannot be one is a usage error."""
    check_journal_dir(root)
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise JournalNotAFolder(
            f"cannot make the journal folder {root}: {exc.strerror}; pass --journal a folder"
        ) from exc
