"""Time ``deployer lab``: warm-cache ``up`` of 1 and 3 hosts, ``rebuild`` and ``down``.

Baseline: copying the base root filesystem once (``cp -a``), which is what a lab without
overlay mounts would pay for every host before booting anything.

Run as root: ``python bench/lab.py [--repeat N]``. Specs are written under
``.deployer/bench-lab/`` (ignored by git) with their own subnets, and every lab is
torn down at the end, also after a failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from deployer import lab
from deployer.lab.derive import derive_spec
from deployer.lab.mirror import machine_mirror
from deployer.lab.rootfs import ensure_base

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
WORK = ROOT / ".deployer" / "bench-lab"
SUBNETS = {1: "10.213.20.0/24", 3: "10.213.21.0/24"}


def write_spec(hosts: int) -> Path:
    names = [(f"web{i + 1}", ["web", "app"]) for i in range(hosts)]
    return derive_spec(EXAMPLE, WORK / f"hosts-{hosts}" / "bench.yml", names)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def bench_hosts(hosts: int, options: lab.UpOptions, repeat: int) -> dict[str, list[float]]:
    spec = write_spec(hosts)
    times: dict[str, list[float]] = {"up": [], "rebuild": [], "down": []}
    lab.down(spec)
    try:
        for _ in range(repeat):
            times["up"].append(timed(lambda: lab.up(spec, options)))
            times["rebuild"].append(timed(lambda: lab.rebuild(spec, options)))
            times["down"].append(timed(lambda: lab.down(spec)))
    finally:
        lab.down(spec)
    return times


def baseline_copy(base: Path) -> float:
    target = WORK / "copy"
    shutil.rmtree(target, ignore_errors=True)
    try:
        return timed(lambda: subprocess.run(["cp", "-a", str(base), str(target)], check=True))
    finally:
        shutil.rmtree(target, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median shown)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/lab.py needs root (network namespaces, mounts)", file=sys.stderr)
        return 2
    cache_dir = lab.cache_dir_from(os.environ, Path.home())
    warmup = timed(lambda: ensure_base(cache_dir, machine_mirror(), print))
    print(f"base root filesystem ready in {warmup:.1f} s (a cold build only on the first run)")
    results = {}
    for hosts, subnet in SUBNETS.items():
        options = lab.UpOptions(cache_dir=cache_dir, subnet=subnet)
        results[hosts] = bench_hosts(hosts, options, args.repeat)
    copy = baseline_copy(ensure_base(cache_dir, machine_mirror(), print).rootfs)
    print(f"\nmedian of {args.repeat} run(s), warm cache, systemd hosts:")
    for hosts, times in results.items():
        figures = "  ".join(f"{k} {statistics.median(v):5.2f} s" for k, v in times.items())
        print(f"  {hosts} host(s): {figures}")
    up_one = statistics.median(results[1]["up"])
    print(f"baseline: cp -a of the base for one host {copy:.2f} s")
    print(f"ratio: lab up of 1 host / copying one root filesystem = {up_one / copy:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
