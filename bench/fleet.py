"""Time check, drift and a no-op apply over a fleet of light lab hosts, against bare SSH and
Ansible's fact gathering, with the controller's CPU time per host.

On lab hosts of the unshare flavour (sshd under tini, no systemd: as light as a host gets),
for 10, 50 and 100 hosts, in one run:
  floor   parallel bare `ssh HOST true` (deployer's ssh client and options, 32 at once)
  setup   `ansible -m setup` on the same hosts (pipelining on, 32 forks)
  check   `deployer check`, the command line
  drift   `deployer drift`, the command line
  no-op   `deployer apply -y` with nothing to do (at 50 hosts by default)
Each size is a spec of its own naming the first N hosts (the lab's overlay, cut down), so
every command reads exactly those hosts. For the no-op apply every host's managed-state
record is written first as a successful apply leaves it (the stages' input digests as apply
computes them, items like a role's): the light hosts have no systemd for the roles to run
against, so this measures the path a fleet with nothing to change takes.

Run as root: `python bench/fleet.py [--repeat N] [--sizes 10,50,100] [--noop 50]`. It brings
up its own lab under .deployer/bench-fleet/ and takes it down at the end, also after a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import yaml

from benchsupport import Timing, ansible_setup, byte_compiled, floor, inventory, median_timing
from deployer import lab
from deployer.executors.base import ExecutionOptions
from deployer.journal import Journal, RunStatus
from deployer.lab.derive import derive_spec
from deployer.lab.network import free_subnet
from deployer.plan.stages import apply_stages
from deployer.run.apply import STAGE_PLAYS
from deployer.run.context import open_context
from deployer.run.managed import write_records
from deployer.run.managers import probe_managed_hosts
from deployer.run.targets import ssh_targets
from deployer.spec import load_environment
from deployer.state.model import ManagedItems
from deployer.transport import SshOptions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
WORK = ROOT / ".deployer" / "bench-fleet"
#: What the seeded records hold per host: items of the kinds a role manages, present on a
#: bare Debian host, so that drift observes real files, packages and users.
ITEMS = ManagedItems(
    files=("/etc/ssh/sshd_config", "/etc/hosts", "/etc/passwd", "/etc/group", "/etc/hostname"),
    links=("/etc/localtime", "/usr/bin/python3"),
    packages=("openssh-server", "python3", "sudo"),
    services=("ssh",),
    users=("root", "deploy"),
)


def sized_spec(overlay: Path, size: int) -> Path:
    """The lab's overlay with its first ``size`` hosts, as a spec of its own."""
    data = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    data["hosts"] = data["hosts"][:size]
    path = WORK / f"fleet-{size}" / "fleet.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def deployer(*args: str, accept: Sequence[int] = (0,)) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "deployer", "-q", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in accept, done.stdout[-2000:] + done.stderr[-2000:]


def seed_records(spec: Path) -> None:
    """Every host's record as a successful apply of ``spec`` would leave it."""
    loaded = load_environment(spec)
    journal = Journal(spec.parent / ".deployer" / "runs")
    with open_context(loaded, journal, lambda stage, event: None) as context:
        managed = probe_managed_hosts(context)
        run = journal.start("seed", spec)
        executor = context.executor(run, ExecutionOptions(), managed)
        stages: dict[str, dict[str, str]] = {}
        for stage in apply_stages(loaded.env):
            if stage.id not in STAGE_PLAYS:
                continue
            digests = executor.input_digests(STAGE_PLAYS[stage.id])
            for host in stage.hosts:
                stages.setdefault(host, {})[stage.title] = digests[host]
        items = {host: {"tomcat": ITEMS} for host in stages}
        problems = write_records(context.hosts, run, items, stages)
        run.set_status(RunStatus.SUCCESSFUL, exit_code=0)
    assert not problems, problems


def noop_was_noop(spec: Path) -> None:
    """The last apply of ``spec`` started no playbook: it was the no-op path."""
    runs = sorted((spec.parent / ".deployer" / "runs").glob("*/events.jsonl"))
    events = [json.loads(line) for line in runs[-1].read_text(encoding="utf-8").splitlines()]
    played = [e for e in events if e["event"] == "playbook"]
    assert not played, f"the no-op apply ran {played}"


Row = tuple[int, dict[str, Timing]]
NAMES = ("floor", "setup", "check", "drift", "noop")


def bench(overlay: Path, sizes: Sequence[int], noop: int, repeat: int) -> list[Row]:
    options = SshOptions(connect_timeout=10, command_timeout=120)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="deployer-bench-fleet-") as scratch:
        loaded = load_environment(overlay)
        targets = ssh_targets(loaded, Path(scratch))
        hosts_file = inventory(targets, Path(scratch))
        for size in sizes:
            spec = sized_spec(overlay, size)
            limit = ",".join(t.name for t in targets[:size])
            figures: dict[str, Timing] = {
                "floor": median_timing(partial(floor, targets[:size], options), repeat),
                "setup": median_timing(partial(ansible_setup, hosts_file, limit, 32), repeat),
                # The light hosts fail some of the matrix's checks (exit 4): the scan is whole.
                "check": median_timing(
                    partial(deployer, "check", str(spec), accept=(0, 4)), repeat
                ),
            }
            seed_records(spec)
            figures["drift"] = median_timing(partial(deployer, "drift", str(spec)), repeat)
            if size == noop:
                figures["noop"] = median_timing(partial(deployer, "apply", str(spec), "-y"), repeat)
                noop_was_noop(spec)
            rows.append((size, figures))
    return rows


def report(rows: list[Row], repeat: int) -> dict[str, object]:
    """The table, and the figures for the JSON line."""
    print(f"median of {repeat} runs; wall seconds, and controller CPU seconds per host:")
    print(f"{'hosts':>5} " + " ".join(f"{name:>16}" for name in NAMES))
    summary: list[dict[str, float]] = []
    for size, timings in rows:
        cells = []
        figures: dict[str, float] = {"hosts": size}
        for name in NAMES:
            timing = timings.get(name)
            if timing is None:
                cells.append(f"{'-':>16}")
                continue
            cells.append(f"{timing.wall:6.2f}s {timing.cpu / size:6.3f}cpu")
            figures[f"{name}_s"] = round(timing.wall, 3)
            figures[f"{name}_cpu_per_host_s"] = round(timing.cpu / size, 4)
        floor_s = timings["floor"].wall
        figures["check_vs_floor"] = round(timings["check"].wall / floor_s, 2)
        figures["drift_vs_floor"] = round(timings["drift"].wall / floor_s, 2)
        figures["setup_vs_check"] = round(timings["setup"].wall / timings["check"].wall, 2)
        summary.append(figures)
        print(f"{size:>5} " + " ".join(cells))
    print("check and drift over bare ssh (target at 100 hosts: <= 1.5x):")
    for figures in summary:
        print(
            f"  {figures['hosts']:>3.0f} hosts: check {figures['check_vs_floor']:.2f}x, "
            f"drift {figures['drift_vs_floor']:.2f}x; ansible -m setup / check "
            f"{figures['setup_vs_check']:.2f}x"
        )
    return {"repeat": repeat, "rows": summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="10,50,100", help="fleet sizes, comma-separated")
    parser.add_argument("--noop", type=int, default=50, help="the size to time a no-op apply at")
    args = parser.parse_args()
    byte_compiled()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    hosts = [(f"app{i + 1:03d}", ["app"]) for i in range(max(sizes))]
    spec = derive_spec(EXAMPLE, WORK / "fleet.yml", hosts)
    cache_dir = lab.cache_dir_from(os.environ, Path.home())
    lab.down(spec)
    try:
        options = lab.UpOptions(cache_dir=cache_dir, subnet=str(free_subnet()), flavour="unshare")
        up = median_timing(partial(lab.up, spec, options), 1)
        print(f"lab up, {max(sizes)} hosts: {up.wall:.1f} s")
        rows = bench(lab.lab_spec_path(spec), sizes, args.noop, args.repeat)
    finally:
        lab.down(spec)
    print(json.dumps(report(rows, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
