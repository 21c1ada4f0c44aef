"""What the lab benchmarks share: the bare-SSH floor, Ansible's fact gathering over an inventory
of the lab's hosts, and a clock that reads the controller's CPU time too."""

from __future__ import annotations

import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import deployer
from deployer import lab
from deployer.transport import SshOptions, SshTarget, run_everywhere


def byte_compiled() -> None:
    """Compile deployer's modules ahead, as installing it does: a source tree run with
    PYTHONDONTWRITEBYTECODE (or never imported yet) would have every timed command line
    compile them again (about 120 modules for the `check` command)."""
    compileall.compile_dir(Path(deployer.__file__).parent, quiet=1)


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # controller CPU seconds, user and system, of this process and its children


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], object]) -> Timing:
    """One run of ``action``: wall time and the controller CPU it cost (children are counted
    once they have ended, so every program ``action`` starts must end within it)."""
    cpu, started = _cpu(), time.perf_counter()
    action()
    return Timing(time.perf_counter() - started, _cpu() - cpu)


def median_timing(action: Callable[[], object], repeat: int) -> Timing:
    runs = [timed(action) for _ in range(repeat)]
    return Timing(
        statistics.median(run.wall for run in runs), statistics.median(run.cpu for run in runs)
    )


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    return median_timing(action, repeat).wall


def floor(targets: Sequence[SshTarget], options: SshOptions) -> None:
    """Bare ``ssh HOST true`` to every target at once, with deployer's client and options."""
    results = run_everywhere(targets, "true", options)
    assert all(r.ok for r in results.values()), results


def inventory(targets: Sequence[SshTarget], folder: Path) -> Path:
    """An INI inventory of the lab's hosts, key and known_hosts as deployer uses them."""
    lines = ["[all]"]
    for target in targets:
        lines.append(
            f"{target.name} ansible_host={target.address} ansible_port={target.port} "
            f"ansible_user={target.user} ansible_ssh_private_key_file={target.key_file}"
        )
    known_hosts = targets[0].known_hosts
    lines += [
        "[all:vars]",
        "ansible_python_interpreter=/usr/bin/python3",
        f"ansible_ssh_common_args='-o StrictHostKeyChecking=yes "
        f"-o UserKnownHostsFile={known_hosts} -o ControlMaster=no'",
    ]
    path = folder / "inventory.ini"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ansible_setup(inventory_file: Path, limit: str, forks: int = 10) -> None:
    """``ansible -m setup`` (the Ansible installed with deployer), pipelining on."""
    env = {
        **os.environ,
        "ANSIBLE_PIPELINING": "1",
        "ANSIBLE_HOST_KEY_CHECKING": "1",
        "ANSIBLE_FORKS": str(forks),
    }
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible"),
            "all",
            "-i",
            str(inventory_file),
            "-m",
            "ansible.builtin.setup",
            "--limit",
            limit,
            "-o",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def last_run_events(spec: Path) -> list[dict[str, Any]]:
    """The events of the newest run in the journal of ``spec``'s lab."""
    runs = lab.lab_spec_path(spec).parent / "runs"
    last = [p for p in sorted(runs.iterdir()) if (p / "meta.json").is_file()][-1]
    lines = (last / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def milestones(events: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """When each stage started and each play or schema stage ended, in seconds from the run's
    first event: stages that run side by side show as overlapping spans."""
    start = events[0]["time"]
    found = []
    for event in events:
        kind = event["event"]
        if kind == "stage":
            found.append((seconds(start, event["time"]), f"start {event['name']}"))
        elif kind == "playbook":
            found.append((seconds(start, event["time"]), f"end   {event['name']}"))
        elif kind == "schema":
            found.append((seconds(start, event["time"]), f"end   schema {event['schema']}"))
    found.append((seconds(start, events[-1]["time"]), "end of the run"))
    return found
