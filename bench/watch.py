"""The go-live watch's cost on the hosts: host CPU per sample, against the commands an engineer
types by hand to see the same things.

On a two-host lab made from the example (app1: web+app, db1: db) with 1.0 applied, for each
host and in the same run:
  deployer  one sample, the script `deployer watch` sends (built from the spec's sample plan,
            read on from the last sample's log offsets and journal cursor)
  by hand   uptime, free, df, ss, curl of the health pages, journalctl and tail of the logs
each run as root under a parent that reports the CPU its children used (getrusage), over the
same SSH connection settings as the watch. Becoming root (the lab's sudo) is measured apart:
it depends on the site's sudo or su, not on the sampler. Between samples 100 requests go
through nginx, so every sample has new access-log lines to read. Prints the medians, the ratio
and the target (under 50 ms of host CPU per sample).

Run as root: `python bench/watch.py [--samples N]`. It brings up its own lab from a spec under
.deployer/bench-watch/ and tears it down at the end, also after a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchsupport import byte_compiled
from deployer import lab
from deployer.lab.derive import derive_spec
from deployer.lab.network import free_subnet
from deployer.run.targets import ssh_targets
from deployer.spec import load_environment
from deployer.transport import SshOptions, SshTarget, run_on
from deployer.transport.become import as_root
from deployer.watch.plan import sample_requests
from deployer.watch.sampler import SampleRequest, build_sampler, next_request, parse_sample

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "huadong-production.yml"
WORK = ROOT / ".deployer" / "bench-watch"
SECRETS = {"HUADONG_DB_ADMIN_PASSWORD": "bench-Admin-1", "HUADONG_DB_APP_PASSWORD": "bench-App-1"}
HOSTS = [("app1", ["web", "app"]), ("db1", ["db"])]
TARGET_MS = 50
#: Runs standard input with sh and prints the CPU seconds sh and everything it started used.
MEASURED = shlex.join(
    [
        "python3",
        "-c",
        "import resource, subprocess; subprocess.run(['sh', '-s'], check=False); "
        "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print('rusage', r.ru_utime + r.ru_stime)",
    ]
)
#: The same readings the way they are taken by hand on a web+app host.
BY_HAND = """uptime; free -k; df -Pk /
ss -Htn state established 2>/dev/null | wc -l
curl -s -o /dev/null -w '%{http_code} %{time_total}\\n' http://127.0.0.1/erp/health.jsp
curl -s -o /dev/null -w '%{http_code} %{time_total}\\n' http://127.0.0.1:8080/erp/health.jsp
journalctl -u tomcat10 --since=-10s -o cat -q | grep -cE 'ERROR|SEVERE|Exception'
tail -n 1000 /var/log/nginx/access.log | awk '$9 ~ /^5/' | wc -l
"""
#: On a database host: the system's readings only.
BY_HAND_DB = "uptime; free -k; df -Pk /\nss -Htn state established 2>/dev/null | wc -l\n"
TRAFFIC = "curl -s -o /dev/null " + " ".join(["http://127.0.0.1/erp/"] * 100)


#: The same for a command line run as the login user: what becoming root costs (sudo, su).
AS_LOGIN = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1], shell=True, input=sys.stdin.buffer.read(), check=False); "
    "r = resource.getrusage(resource.RUSAGE_CHILDREN); print('rusage', r.ru_utime + r.ru_stime)"
)


def become_cost(target: SshTarget, options: SshOptions) -> float:
    """Host CPU seconds of running ``true`` as root the way the watch does (sshd's session and
    the login's shell are counted neither here nor for the sampler)."""
    command, prefix = as_root("true", target.root)
    done = run_on(target, shlex.join(["python3", "-c", AS_LOGIN, command]), options, prefix)
    if not done.ok:
        sys.exit(f"{target.name}: {done.stderr[-2000:]}")
    return float(done.stdout.rpartition("rusage ")[2])


def measured(target: SshTarget, options: SshOptions, script: str) -> tuple[str, float, float]:
    """What ``script`` printed, the host CPU seconds it used, and the wall seconds over SSH."""
    command, prefix = as_root(MEASURED, target.root)
    started = time.perf_counter()
    done = run_on(target, command, options, prefix + script.encode())
    wall = time.perf_counter() - started
    if not done.ok:
        sys.exit(f"{target.name}: {done.stderr[-2000:]}")
    output, _, cpu = done.stdout.rpartition("rusage ")
    return output, float(cpu), wall


def bench(spec: Path, samples: int) -> dict[str, dict[str, float]]:
    loaded = load_environment(lab.lab_spec_path(spec))
    options = SshOptions(connect_timeout=10, command_timeout=60)
    requests = sample_requests(loaded.env)
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="deployer-bench-watch-") as scratch:
        targets = {t.name: t for t in ssh_targets(loaded, Path(scratch))}
        for name, first in requests.items():
            target = targets[name]
            by_hand = BY_HAND if name == "app1" else BY_HAND_DB
            request: SampleRequest = first
            ours: list[tuple[float, float]] = []
            theirs: list[tuple[float, float]] = []
            for number in range(samples + 1):
                run_on(targets["app1"], TRAFFIC, options)
                output, cpu, wall = measured(target, options, build_sampler(request))
                sample = parse_sample(output)
                assert not sample.unreadable, sample.unreadable
                request = next_request(request, sample)
                if number:  # the first sample only notes where the logs end
                    ours.append((cpu, wall))
                    _, cpu, wall = measured(target, options, by_hand)
                    theirs.append((cpu, wall))
            become = [become_cost(target, options) for _ in range(samples)]
            figures[name] = {
                "become_cpu_ms": 1000 * statistics.median(become),
                "deployer_cpu_ms": 1000 * statistics.median(c for c, _ in ours),
                "deployer_cpu_ms_max": 1000 * max(c for c, _ in ours),
                "by_hand_cpu_ms": 1000 * statistics.median(c for c, _ in theirs),
                "deployer_wall_ms": 1000 * statistics.median(w for _, w in ours),
                "by_hand_wall_ms": 1000 * statistics.median(w for _, w in theirs),
            }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    byte_compiled()
    spec = derive_spec(EXAMPLE, WORK / "huadong-production.yml", HOSTS, database_host="db1")
    lab.down(spec)
    options = lab.UpOptions(
        cache_dir=lab.cache_dir_from(os.environ, Path.home()), subnet=str(free_subnet())
    )
    try:
        lab.up(spec, options)
        argv = [sys.executable, "-m", "deployer", "apply", str(spec), "--lab", "-y"]
        done = subprocess.run(
            argv, capture_output=True, text=True, env={**os.environ, **SECRETS}, check=False
        )
        if done.returncode != 0:
            sys.exit(f"apply failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        figures = bench(spec, args.samples)
    finally:
        lab.down(spec)
    print(f"median of {args.samples} samples per host; host CPU of the script and its programs:")
    print(f"{'host':<6} {'deployer':>9} {'max':>7} {'by hand':>8} {'ratio':>6} {'wall':>8}")
    for name, f in figures.items():
        ratio = f["deployer_cpu_ms"] / f["by_hand_cpu_ms"]
        f["ratio"] = ratio
        print(
            f"{name:<6} {f['deployer_cpu_ms']:6.1f} ms {f['deployer_cpu_ms_max']:4.1f} ms "
            f"{f['by_hand_cpu_ms']:5.1f} ms {ratio:5.2f}x {f['deployer_wall_ms']:5.0f} ms"
        )
    worst = max(f["deployer_cpu_ms"] for f in figures.values())
    print(f"host CPU per sample: {worst:.1f} ms at most (target < {TARGET_MS} ms)")
    become = max(f["become_cpu_ms"] for f in figures.values())
    print(f"becoming root for it (the lab's sudo), besides: {become:.1f} ms")
    rounded = {h: {k: round(v, 2) for k, v in f.items()} for h, f in figures.items()}
    print(json.dumps({"samples": args.samples, "target_ms": TARGET_MS, "hosts": rounded}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
