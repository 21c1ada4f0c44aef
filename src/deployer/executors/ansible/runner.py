"""Run one playbook with ansible-runner and turn its event stream into our events.

Secrets never reach ansible-runner's files or command line: they travel in this process's
environment and the variables file refers to them with ``lookup('env', ...)``. The runner's
private folder is temporary and removed afterwards; what is kept goes through the journal,
redacted.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deployer.executors.ansible.variables import dump
from deployer.executors.base import HostRecap, TaskEvent
from deployer.files import write_atomic

log = logging.getLogger(__name__)

#: Ansible settings that make runs fast and quiet without changing what they do.
SETTINGS = {
    "ANSIBLE_PIPELINING": "True",
    "ANSIBLE_HOST_KEY_CHECKING": "True",
    "ANSIBLE_GATHERING": "smart",
    "ANSIBLE_RETRY_FILES_ENABLED": "False",
    "ANSIBLE_NOCOLOR": "True",
    "ANSIBLE_DEPRECATION_WARNINGS": "False",
    "ANSIBLE_SYSTEM_WARNINGS": "False",
    "ANSIBLE_LOCALHOST_WARNING": "False",
    "ANSIBLE_FORCE_HANDLERS": "True",  # a restart notified before a failure still happens
    "ANSIBLE_TIMEOUT": "30",  # a loaded host can take more than 10 s to answer sudo
}


@dataclass(frozen=True)
class PlaybookResult:
    playbook: str
    status: str  # successful, failed, timeout, canceled
    rc: int
    recap: Mapping[str, HostRecap] = field(default_factory=dict)
    failures: tuple[TaskEvent, ...] = ()
    changes: tuple[TaskEvent, ...] = ()
    said: str = ""  # the last lines ansible-playbook printed, when no task failed

    @property
    def ok(self) -> bool:
        return self.status == "successful" and self.rc == 0


@dataclass(frozen=True)
class PlaybookRun:
    """What to run where; ``secrets`` maps environment variable names to values."""

    playbook: Path
    inventory: Mapping[str, Any]
    variables: Mapping[str, Any]
    secrets: Mapping[str, str] = field(default_factory=dict)
    limit: str | None = None
    check: bool = False
    diff: bool = False
    forks: int = 20
    roles_path: Path | None = None
    fact_cache: Path | None = None  # shared by the playbooks of one run: facts gathered once
    #: The engine's programs (ansible-playbook); None: the Ansible installed with deployer.
    engine_bin: Path | None = None


EventSink = Callable[[TaskEvent], None]

_OUTCOMES = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_skipped": "skipped",
    "runner_on_unreachable": "unreachable",
    "runner_item_on_failed": None,  # reported once per task by runner_on_failed
}


def search_path(engine_bin: Path | None = None) -> str:
    """PATH for ansible-playbook with the engine's folder first, else the folder of this
    Python: the Ansible installed with deployer is found even when its venv is not on PATH
    (`.venv/bin/deployer apply`). ansible-runner starts the ansible-playbook PATH names."""
    first = engine_bin if engine_bin is not None else Path(sys.executable).parent
    return os.pathsep.join([str(first), os.environ.get("PATH", os.defpath)])


def run_playbook(run: PlaybookRun, on_event: EventSink | None = None) -> PlaybookResult:
    import ansible_runner  # noqa: PLC0415 - heavy; only apply and plan need it

    failures: list[TaskEvent] = []
    changes: list[TaskEvent] = []
    stats: dict[str, Any] = {}

    def handle(event: dict[str, Any]) -> bool:
        if event.get("event") == "playbook_on_stats":
            stats.update(event.get("event_data") or {})
        task_event = _task_event(event)
        if task_event is not None:
            if task_event.outcome in ("failed", "unreachable"):
                failures.append(task_event)
            elif task_event.outcome == "changed":
                changes.append(task_event)
            if on_event is not None:
                on_event(task_event)
        return False  # nothing of ansible-runner's own event files is kept

    with _private_dir() as private, _environment(run.secrets):
        inventory = private / "inventory" / "hosts.yml"
        write_atomic(inventory, dump(run.inventory))
        variables = private / "variables.yml"
        write_atomic(variables, dump(run.variables))
        cmdline = [f"-e @{variables}"] + (["--check"] if run.check else [])
        cmdline += ["--diff"] if run.diff else []
        envvars = {**SETTINGS, "PATH": search_path(run.engine_bin)}
        if run.roles_path is not None:
            envvars["ANSIBLE_ROLES_PATH"] = str(run.roles_path)
        cache: dict[str, str] = {}
        if run.fact_cache is not None:
            # ansible-runner points the jsonfile cache at its own artifacts folder (removed with
            # the private folder) whatever the environment says; an absolute fact_cache wins.
            cache = {"fact_cache_type": "jsonfile", "fact_cache": str(run.fact_cache.resolve())}
            envvars["ANSIBLE_CACHE_PLUGIN_TIMEOUT"] = "3600"
        result = ansible_runner.run(
            private_data_dir=str(private),
            playbook=str(run.playbook.resolve()),
            inventory=str(inventory),
            limit=run.limit,
            forks=run.forks,
            cmdline=" ".join(cmdline),
            envvars=envvars,
            suppress_env_files=True,
            quiet=True,
            event_handler=handle,
            **cache,
        )
        recap = _recap(stats)
        # A playbook that stops before its first task (a usage or syntax error) leaves no
        # failed task to quote: its own last words say why.
        said = _last_lines(result) if result.rc and not failures else ""
    return PlaybookResult(
        playbook=run.playbook.name,
        status=str(result.status),
        rc=int(result.rc if result.rc is not None else 1),
        recap=recap,
        failures=tuple(failures),
        changes=tuple(changes),
        said=said,
    )


def _last_lines(result: Any, count: int = 3) -> str:
    try:
        lines = [line.strip() for line in result.stdout.read().splitlines() if line.strip()]
    except (OSError, AttributeError, ValueError):
        return ""
    errors = [i for i, line in enumerate(lines) if line.startswith(("ERROR", "[ERROR]"))]
    start = errors[0] if errors else max(0, len(lines) - count)
    return " | ".join(lines[start : start + count])[:1000]


def _task_event(event: Mapping[str, Any]) -> TaskEvent | None:
    kind = str(event.get("event", ""))
    outcome = _OUTCOMES.get(kind)
    if outcome is None:
        return None
    data = event.get("event_data") or {}
    result = data.get("res") or {}
    if outcome == "ok" and result.get("changed"):
        outcome = "changed"
    message = ""
    if outcome in ("failed", "unreachable"):
        message = str(result.get("msg") or result.get("stderr") or "")[:2000]
    facts: dict[str, Any] = {}
    if outcome in ("ok", "changed"):
        found = result.get("ansible_facts") or {}
        facts = {
            k: v
            for k, v in found.items()
            if k in ROLLBACK_FACTS or k.endswith(("_run_changes", MANAGED_SUFFIX))
        }
    return TaskEvent(
        str(data.get("host", "")),
        str(data.get("task", "")),
        outcome,
        message,
        role=str(data.get("role") or ""),
        facts=facts,
        backups=_backups(result),
    )


#: Facts the product role records for the rollback besides the ``<role>_run_changes``.
ROLLBACK_FACTS = ("product_previous_release", "product_release_dir", "product_rollback_inputs")
#: ``<role>_managed``: what a role manages on the host, for its managed-state record.
MANAGED_SUFFIX = "_managed"


def _backups(result: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(file, backup) pairs a task (or each item of a loop) reported."""
    found = []
    for item in [result, *(result.get("results") or [])]:
        if isinstance(item, Mapping) and item.get("backup_file") and item.get("dest"):
            found.append((str(item["dest"]), str(item["backup_file"])))
    return tuple(found)


def _recap(stats: Mapping[str, Any]) -> dict[str, HostRecap]:
    """Per-host counts from the playbook_on_stats event."""
    hosts: set[str] = set()
    for key in ("ok", "changed", "failures", "dark", "skipped", "processed"):
        hosts.update(stats.get(key) or {})
    return {
        host: HostRecap(
            ok=int(stats.get("ok", {}).get(host, 0)),
            changed=int(stats.get("changed", {}).get(host, 0)),
            failed=int(stats.get("failures", {}).get(host, 0)),
            unreachable=int(stats.get("dark", {}).get(host, 0)),
            skipped=int(stats.get("skipped", {}).get(host, 0)),
        )
        for host in sorted(hosts)
    }


@contextmanager
def _private_dir() -> Iterator[Path]:
    """ansible-runner records the process environment (our secrets) in its artifacts: keep
    its folder private, in memory where the machine has /dev/shm, and remove it after."""
    memory = Path("/dev/shm")  # noqa: S108 - mkdtemp makes a 0700 folder of our own there
    folder = Path(
        tempfile.mkdtemp(prefix="deployer-ansible-", dir=memory if memory.is_dir() else None)
    )
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: Playbooks of one run may run side by side (threads) with the same secrets: the first to
#: start sets them, the last to end takes them away.
_ENVIRONMENT_LOCK = threading.Lock()
_ENVIRONMENT_USERS: dict[str, int] = {}
_ENVIRONMENT_SAVED: dict[str, str | None] = {}


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Secrets for ``lookup('env', ...)``, present only while playbooks run."""
    with _ENVIRONMENT_LOCK:
        for name, value in values.items():
            if not _ENVIRONMENT_USERS.get(name):
                _ENVIRONMENT_SAVED[name] = os.environ.get(name)
            _ENVIRONMENT_USERS[name] = _ENVIRONMENT_USERS.get(name, 0) + 1
            os.environ[name] = value
    try:
        yield
    finally:
        with _ENVIRONMENT_LOCK:
            for name in values:
                _ENVIRONMENT_USERS[name] -= 1
                if _ENVIRONMENT_USERS[name]:
                    continue
                del _ENVIRONMENT_USERS[name]
                old = _ENVIRONMENT_SAVED.pop(name, None)
                if old is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = old


def describe(result: PlaybookResult) -> str:
    """One line for an error message: the first failure, else the status."""
    if result.failures:
        first = result.failures[0]
        return f"{result.playbook}: {first.host}: {first.task}: {first.message}"
    said = f": {result.said}" if result.said else ""
    return f"{result.playbook}: {result.status} (rc {result.rc}){said}"
