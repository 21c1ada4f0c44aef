"""Time ``deployer lab``: warm-cache ``up`` of 1 and 3 hosts, ``rebuild`` and ``down``, and
per Debian release a cold base build and a warm ``up``.

Baselines: copying a base root filesystem once (``cp -a``), which is what a lab without
overlay mounts would pay for every host before booting anything; for each release's cold
build, the warm ``up`` of a host of that release (what the cache saves).

The cold builds run in a temporary cache folder, emptied for each release before its
build and removed afterwards, so the shared lab cache is never touched; they fetch from
the machine's own Debian mirror, so the figures include its download time.

Run as root: ``python bench/lab.py [--repeat N] [--releases debian-11,debian-13]``. Specs
are written under ``.deployer/bench-lab/`` (ignored by git) with their own subnets, and
every lab is torn down at the end, also after a failure. The last line is one JSON object
with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from deployer import lab
from deployer.lab.derive import derive_spec
from deployer.lab.mirror import machine_mirror
from deployer.lab.network import free_subnet
from deployer.lab.rootfs import ensure_base

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
WORK = ROOT / ".deployer" / "bench-lab"
SUBNETS = {1: "10.213.20.0/24", 3: "10.213.21.0/24"}
#: Cold builds live here, outside the shared cache; the folder goes away after the run.
COLD_PARENT = Path("/var/tmp")


def write_spec(hosts: int, name: str | None = None) -> Path:
    names = [(f"web{i + 1}", ["web", "app"]) for i in range(hosts)]
    return derive_spec(EXAMPLE, WORK / (name or f"hosts-{hosts}") / "bench.yml", names)


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


def bench_release(name: str, cold_cache: Path, repeat: int) -> dict[str, float]:
    """Cold base build of release ``name`` in an emptied ``cold_cache``, then the median
    warm ``up`` (and its ``down``) of one host of it from that cache, and the copy baseline."""
    shutil.rmtree(cold_cache, ignore_errors=True)
    release = lab.RELEASES[name]
    mirror = machine_mirror()
    spec = write_spec(1, f"release-{name}")
    options = lab.UpOptions(
        cache_dir=cold_cache, subnet=str(free_subnet()), os=lab.OsChoice(default=name)
    )
    ups: list[float] = []
    lab.down(spec)
    try:
        cold = timed(lambda: ensure_base(cold_cache, mirror, release, print))
        for _ in range(repeat):
            ups.append(timed(lambda: lab.up(spec, options)))
            lab.down(spec)
        copy = baseline_copy(ensure_base(cold_cache, mirror, release, print).rootfs)
    finally:
        lab.down(spec)  # before the base under its overlays goes
        shutil.rmtree(cold_cache, ignore_errors=True)
    up = statistics.median(ups)
    return {
        "cold_build": round(cold, 2),
        "warm_up": round(up, 3),
        "copy": round(copy, 3),
        "cold_over_warm_up": round(cold / up, 1),
        "up_over_copy": round(up / copy, 2),
    }


def bench_releases(names: list[str], repeat: int) -> dict[str, dict[str, float]]:
    cold_cache = Path(tempfile.mkdtemp(prefix="deployer-bench-lab-", dir=COLD_PARENT))
    try:
        return {name: bench_release(name, cold_cache / name, repeat) for name in names}
    finally:
        shutil.rmtree(cold_cache, ignore_errors=True)


def _releases(text: str) -> list[str]:
    names = [word for word in text.split(",") if word]
    unknown = [n for n in names if n not in lab.RELEASES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown release {', '.join(unknown)}; the lab builds {lab.buildable_releases()}"
        )
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument(
        "--releases",
        type=_releases,
        default=list(lab.RELEASES),
        metavar="NAME,...",
        help="releases to build cold and start warm (default: all)",
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/lab.py needs root (network namespaces, mounts)", file=sys.stderr)
        return 2
    cache_dir = lab.cache_dir_from(os.environ, Path.home())
    default = lab.RELEASES[lab.DEFAULT_RELEASE]
    warmup = timed(lambda: ensure_base(cache_dir, machine_mirror(), default, print))
    print(f"base root filesystem ready in {warmup:.1f} s (a cold build only on the first run)")
    results = {}
    for hosts, subnet in SUBNETS.items():
        options = lab.UpOptions(cache_dir=cache_dir, subnet=subnet)
        results[hosts] = bench_hosts(hosts, options, args.repeat)
    copy = baseline_copy(ensure_base(cache_dir, machine_mirror(), default, print).rootfs)
    releases = bench_releases(args.releases, args.repeat)
    print(f"\nmedian of {args.repeat} run(s), warm cache, systemd hosts ({default.name}):")
    medians = {h: {k: statistics.median(v) for k, v in t.items()} for h, t in results.items()}
    for hosts, times in medians.items():
        figures = "  ".join(f"{k} {v:5.2f} s" for k, v in times.items())
        print(f"  {hosts} host(s): {figures}")
    up_one = medians[1]["up"]
    print(f"baseline: cp -a of the base for one host {copy:.2f} s")
    print(f"ratio: lab up of 1 host / copying one root filesystem = {up_one / copy:.2f}")
    print("\nper release: cold base build (empty cache) and warm up of 1 host (median):")
    for name, f in releases.items():
        print(
            f"  {name:<10} cold build {f['cold_build']:6.1f} s  warm up {f['warm_up']:5.2f} s  "
            f"cp -a {f['copy']:5.2f} s  ratio cold/warm {f['cold_over_warm_up']:6.1f}  "
            f"ratio up/copy {f['up_over_copy']:4.2f}"
        )
    summary = {
        "repeat": args.repeat,
        "warm": {
            str(h): {k: round(v, 3) for k, v in times.items()} for h, times in medians.items()
        },
        "copy": round(copy, 3),
        "up_over_copy": round(up_one / copy, 2),
        "releases": releases,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
