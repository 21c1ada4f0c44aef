"""Time the compatibility scan against the physical floor and against Ansible's fact gathering.

For 1, 3 and 10 lab hosts, in the same run:
  floor    parallel bare `ssh HOST true` to each host (same ssh client and options)
  deployer the scan itself: one probe per host in parallel, parsed and evaluated in-process
  ansible  `ansible -m setup` on the same hosts (pipelining on, no ControlPersist reuse)
  check    the `deployer check --lab --limit` command line, process start-up included
and prints the medians and the ratios deployer/floor and ansible/check.

Run as root: `python bench/scan.py [--repeat N]`. It brings up its own 10-host lab from a
spec under .deployer/bench-scan/ and tears it down at the end, also after a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from deployer import lab
from deployer.journal import Journal
from deployer.lab.derive import derive_spec
from deployer.lab.network import free_subnet
from deployer.run.check import run_check
from deployer.run.context import open_context
from deployer.run.targets import limit_hosts, ssh_targets
from deployer.spec import LoadedEnvironment, load_environment
from deployer.transport import SshOptions, SshTarget, run_everywhere

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
WORK = ROOT / ".deployer" / "bench-scan"
SIZES = (1, 3, 10)


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def floor(targets: list[SshTarget], options: SshOptions) -> None:
    results = run_everywhere(targets, "true", options)
    assert all(r.ok for r in results.values()), results


def scan(loaded: LoadedEnvironment, workdir: Path, options: SshOptions) -> None:
    journal = Journal(workdir / "runs")
    with open_context(loaded, journal, lambda stage, event: None, options) as context:
        outcome = run_check(context)
    assert not outcome.report.unreachable, outcome.report.unreachable


def inventory(loaded: LoadedEnvironment, targets: list[SshTarget], folder: Path) -> Path:
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


def ansible_setup(inventory_file: Path, limit: str) -> None:
    env = {
        **os.environ,
        "ANSIBLE_PIPELINING": "1",
        "ANSIBLE_HOST_KEY_CHECKING": "1",
        "ANSIBLE_FORKS": "10",
    }
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible"),  # the one installed with deployer
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


def check_cli(spec: Path, limit: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "deployer", "-q", "check", str(spec), "--lab", "--limit", limit],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def bench(spec: Path, repeat: int) -> list[tuple[int, dict[str, float]]]:
    loaded = load_environment(lab.lab_spec_path(spec))
    options = SshOptions(connect_timeout=10, command_timeout=60)
    rows = []
    with tempfile.TemporaryDirectory(prefix="deployer-bench-scan-") as scratch:
        workdir = Path(scratch)
        all_targets = ssh_targets(loaded, workdir)
        inventory_file = inventory(loaded, all_targets, workdir)
        for size in SIZES:
            names = [t.name for t in all_targets[:size]]
            subset = limit_hosts(loaded, names)
            targets = all_targets[:size]
            limit = ",".join(names)
            figures = {
                "floor": median_seconds(partial(floor, targets, options), repeat),
                "deployer": median_seconds(partial(scan, subset, workdir, options), repeat),
                "check": median_seconds(partial(check_cli, spec, limit), repeat),
                "ansible": median_seconds(partial(ansible_setup, inventory_file, limit), repeat),
            }
            rows.append((size, figures))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    hosts = [(f"app{i + 1:02d}", ["app"]) for i in range(max(SIZES))]
    spec = derive_spec(EXAMPLE, WORK / "scan.yml", hosts)
    cache_dir = lab.cache_dir_from(os.environ, Path.home())
    lab.down(spec)
    try:
        lab.up(spec, lab.UpOptions(cache_dir=cache_dir, subnet=str(free_subnet())))
        rows = bench(spec, args.repeat)
    finally:
        lab.down(spec)
    print(f"median of {args.repeat} runs, seconds (lab hosts, systemd, warm cache):")
    print(
        f"{'hosts':>5} {'floor':>7} {'deployer':>9} {'ratio':>6}   {'check':>7} {'ansible':>8} "
        f"{'ratio':>6}"
    )
    for size, f in rows:
        print(
            f"{size:>5} {f['floor']:7.3f} {f['deployer']:9.3f} {f['deployer'] / f['floor']:5.2f}x"
            f"   {f['check']:7.3f} {f['ansible']:8.3f} {f['ansible'] / f['check']:5.2f}x"
        )
    print("ratio 1: deployer scan / bare ssh floor (target <= 1.3x)")
    print("ratio 2: ansible -m setup / deployer check command (target >= 5x)")
    figures = [
        {
            "hosts": size,
            **{name: round(seconds, 3) for name, seconds in f.items()},
            "scan_over_floor": round(f["deployer"] / f["floor"], 2),
            "ansible_over_check": round(f["ansible"] / f["check"], 2),
        }
        for size, f in rows
    ]
    print(json.dumps({"repeat": args.repeat, "rows": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
