"""A run is a folder with a fixed layout; its status moves through a short lifecycle.

<journal>/<run-id>/meta.json     what ran, by whom, when, status, exit code
                   events.jsonl  every event, appended as it happens
                   <name>        named records: spec.yml, facts.json, plan.json, ...
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from deployer import __version__
from deployer.errors import DeployerError, ExitCode
from deployer.journal.files import append_line, write_atomic
from deployer.journal.redact import Redactor


class RunStatus(str, Enum):
    STARTING = "starting"
    RUNNING = "running"
    SUCCESSFUL = "successful"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELED = "canceled"

    @property
    def finished(self) -> bool:
        return self not in (RunStatus.STARTING, RunStatus.RUNNING)


class RunNotFound(DeployerError):
    exit_code = ExitCode.USAGE


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    """Sortable by time, unique without coordination: 20261122-021648-a1b2."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(2)}"


@dataclass
class Run:
    """One run's folder. Every write goes through the redactor."""

    path: Path
    redact: Redactor

    @property
    def id(self) -> str:
        return self.path.name

    def meta(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.path / "meta.json").read_text(encoding="utf-8"))
        return data

    def record(self, name: str, content: str | Mapping[str, Any] | list[Any]) -> Path:
        """Store a named record (text, or JSON for mappings/lists), redacted."""
        text = (
            content
            if isinstance(content, str)
            else json.dumps(content, ensure_ascii=False, indent=2, default=str)
        )
        target = self.path / name
        write_atomic(target, self.redact(text))
        return target

    def event(self, kind: str, **data: Any) -> None:
        line = json.dumps({"time": _now(), "event": kind, **data}, ensure_ascii=False, default=str)
        append_line(self.path / "events.jsonl", self.redact(line))

    def events(self) -> Iterator[dict[str, Any]]:
        path = self.path / "events.jsonl"
        if not path.exists():
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)

    def set_status(self, status: RunStatus, exit_code: int | None = None, **extra: Any) -> None:
        meta = self.meta()
        meta["status"] = status.value
        meta.setdefault("timeline", []).append({"status": status.value, "time": _now()})
        if status.finished:
            meta["finished"] = _now()
            meta["exit_code"] = exit_code
        meta.update(extra)
        write_atomic(
            self.path / "meta.json", self.redact(json.dumps(meta, ensure_ascii=False, indent=2))
        )
        self.event("status", status=status.value, exit_code=exit_code)


class Journal:
    """All runs of one environment, under ``root`` (default: ``.deployer/runs`` by the spec)."""

    def __init__(self, root: Path, redact: Redactor | None = None) -> None:
        # Absolute: run folders hold files (known_hosts) that tools started elsewhere read.
        self.root = root.resolve()
        self.redact = redact or Redactor()

    def start(self, kind: str, spec: Path, **meta: Any) -> Run:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
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
            **meta,
        }
        write_atomic(
            run.path / "meta.json", self.redact(json.dumps(record, ensure_ascii=False, indent=2))
        )
        return run

    def runs(self) -> list[Run]:
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.iterdir() if (p / "meta.json").is_file()]
        return [Run(p, self.redact) for p in sorted(found, key=lambda p: p.name)]

    def get(self, run_id: str) -> Run:
        path = self.root / run_id
        if not run_id or "/" in run_id or not (path / "meta.json").is_file():
            raise RunNotFound(f"no run '{run_id}' in {self.root}")
        return Run(path, self.redact)

    def last(self, kind: str | None = None) -> Run | None:
        runs = [r for r in self.runs() if kind is None or r.meta().get("kind") == kind]
        return runs[-1] if runs else None
