"""A rollback with nothing to undo but the product's release and config files, done without a
playbook: one program per app host, as root, puts them back, starts Tomcat and waits on the
host for the old version's health page.

The product is down from the rollback's first step until that page answers; a playbook spends
a second or two of that starting, and a round trip per task. The program is the product
role's own code (its module_utils/deployer_release.py), so the host sees the same steps either
way; its inputs are what the undone run recorded (``product_rollback_inputs``) and the values
the rollback play would get.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from deployer.executors.ansible.content import content_dir
from deployer.executors.base import HostRecap, TaskEvent
from deployer.journal import Run
from deployer.rollback import RollbackPlan, rollback_host_vars
from deployer.rollback.model import ProductInputs, product_inputs
from deployer.run.context import RunContext
from deployer.run.plays import Recap, StageFailed
from deployer.state.program import python_command
from deployer.transport import CommandResult

PUT_BACK_TASK = "Put the release and its config files back, and start Tomcat."
HEALTH_TASK = "Wait until the health page shows the expected version."
MARKER = "@@deployer:release@@"
COMMAND = python_command("to put the release back with")
#: Seconds the program may take beyond the health page's own timeout.
MARGIN_S = 60.0

_DRIVER = r"""
import subprocess, sys

ASKED = json.loads(%(asked)r)
PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def run(argv):
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = child.communicate()
    return child.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def systemctl():
    for folder in PATH:
        if os.access(os.path.join(folder, "systemctl"), os.X_OK):
            return os.path.join(folder, "systemctl")
    return "systemctl"


def answer(**fields):
    sys.stdout.write(%(marker)r + "\n" + json.dumps(fields) + "\n")
    sys.exit(0)


try:
    done = put_back(ASKED["put_back"], False)
except (PutBackRefused, EnvironmentError) as exc:
    answer(failed="put_back", message=str(exc))
done["started"], failure = start_service(
    run, systemctl(), ASKED["service"], done["restart"], False
)
if failure:
    answer(failed="put_back", message=failure, done=done)
if not ASKED["health"]:
    answer(done=done)
shown, health, failure = wait_healthy(ASKED["health"])
answer(done=done, health=health, failed="" if shown else "health", message=failure)
"""


@dataclass(frozen=True)
class Asked:
    """What one app host's program is given, and how long it may take."""

    values: dict[str, Any]
    timeout: float


def asked_of(host_values: Mapping[str, Any], inputs: ProductInputs) -> Asked:
    """The program's input for one app host: the rollback play's values for that host
    (``rollback_host_vars``) and the paths the undone run recorded there."""
    changes = host_values.get("product_rollback_changes") or {}
    version = str(host_values.get("product_rollback_version") or "")
    port = host_values.get("product_health_port") or inputs.health_port
    health = {
        "url": f"http://127.0.0.1:{port}{inputs.health_path}",
        "version": version,
        "require_database": inputs.health_require_database,
        "timeout": inputs.health_timeout,
        "interval": 0.1,
        "request_timeout": 10.0,
    }
    put_back = {
        "current": inputs.current,
        "releases": inputs.releases,
        "release": host_values.get("product_rollback_release") or "",
        "left": host_values.get("product_rollback_failed_release") or "",
        "marker": inputs.marker,
        "failed_marker": inputs.failed_marker,
        "restore": dict(changes.get("restore") or {}),
        "remove": list(changes.get("remove") or []),
        "work_dir": inputs.work_dir,
    }
    values = {"put_back": put_back, "service": inputs.service, "health": health if version else {}}
    return Asked(values, inputs.health_timeout + MARGIN_S)


def program(asked: Asked) -> bytes:
    """The role's shared code, then the lines that call it with ``asked``."""
    shared = content_dir() / "roles" / "product" / "module_utils" / "deployer_release.py"
    driver = _DRIVER % {"asked": json.dumps(asked.values), "marker": MARKER}
    return (shared.read_text(encoding="utf-8") + driver).encode("utf-8")


def put_releases_back(context: RunContext, run: Run, plan: RollbackPlan, recap: Recap) -> None:
    """Every app host's release back at once; StageFailed naming each host where it failed."""
    values = rollback_host_vars(plan)
    asked = {
        step.host: asked_of(values[step.host], inputs)
        for step in plan.hosts
        if step.app and (inputs := product_inputs(step)) is not None
    }

    def put_back(host: str) -> CommandResult:
        # From a file: a command's standard input from memory has the shorter, fixed timeout
        # of quick commands, and the health page may take minutes.
        with tempfile.TemporaryFile() as source:
            source.write(program(asked[host]))
            source.seek(0)
            return context.hosts.run_from_file(
                host, COMMAND, source, asked[host].timeout, root=True
            )

    with ThreadPoolExecutor(max_workers=min(32, len(asked))) as pool:
        results = dict(zip(asked, pool.map(put_back, asked), strict=True))
    failures = [
        failure
        for host, result in results.items()
        if (failure := _report(context, run, host, result, recap))
    ]
    if failures:
        raise StageFailed("; ".join(failures))


def _report(context: RunContext, run: Run, host: str, result: CommandResult, recap: Recap) -> str:
    """Journal and show one host's tasks as the play would; why it failed, or ""."""
    answer, why = _answer(result)
    done = answer.get("done") or {}
    failed = answer.get("failed") or ("put_back" if why else "")
    events = [
        TaskEvent(
            host,
            PUT_BACK_TASK,
            _outcome(result, failed == "put_back", _changed(done)),
            why or (answer.get("message", "") if failed == "put_back" else ""),
            role="product",
        )
    ]
    if answer.get("health") is not None:
        message = answer.get("message", "") if failed == "health" else ""
        events.append(
            TaskEvent(host, HEALTH_TASK, "failed" if failed else "ok", message, role="product")
        )
    for event in events:
        run.event("task", host=host, task=event.task, outcome=event.outcome, message=event.message)
        context.progress("rollback", event)
        recap[host] = recap.get(host, HostRecap()) + _counted(event.outcome)
    return f"{host}: {events[-1].message}" if failed else ""


def _answer(result: CommandResult) -> tuple[dict[str, Any], str]:
    """The program's answer, and why there is none."""
    if not result.ok:
        return {}, result.describe()
    _, marker, after = result.stdout.rpartition(MARKER + "\n")
    try:
        answer = json.loads(after.strip().splitlines()[0]) if marker else None
    except (ValueError, IndexError):
        answer = None
    if not isinstance(answer, dict):
        return {}, f"the release program printed no answer: {result.describe()}"
    return answer, ""


def _changed(done: Mapping[str, Any]) -> bool:
    keys = ("restored", "removed", "switched", "marked", "started")
    return any(bool(done.get(key)) for key in keys)


def _outcome(result: CommandResult, failed: bool, changed: bool) -> str:
    if not result.connected:
        return "unreachable"
    if failed or not result.ok:
        return "failed"
    return "changed" if changed else "ok"


def _counted(outcome: str) -> HostRecap:
    if outcome == "changed":
        return HostRecap(ok=1, changed=1)
    return HostRecap(**{outcome: 1})
