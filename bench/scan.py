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
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

from benchsupport import ansible_setup, byte_compiled, floor, inventory, median_seconds
from deployer import lab
from deployer.journal import Journal
from deployer.lab.derive import derive_spec
from deployer.lab.network import free_subnet
from deployer.run.check import run_check
from deployer.run.context import open_context
from deployer.run.targets import limit_hosts, ssh_targets
from deployer.spec import LoadedEnvironment, load_environment
from deployer.transport import SshOptions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
WORK = ROOT / ".deployer" / "bench-scan"
SIZES = (1, 3, 10)


def scan(loaded: LoadedEnvironment, workdir: Path, options: SshOptions) -> None:
    journal = Journal(workdir / "runs")
    with open_context(loaded, journal, lambda stage, event: None, options) as context:
        outcome = run_check(context)
    assert not outcome.report.unreachable, outcome.report.unreachable


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
        inventory_file = inventory(all_targets, workdir)
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
    byte_compiled()
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
