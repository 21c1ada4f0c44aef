"""A sample turned into readings: each check's value as people read it, and whether it is
over its threshold. CPU and slow queries are differences, so they need the sample before."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from deployer.spec.watch import Thresholds
from deployer.watch.sampler import HostSample

#: Answers a health page may give while the product is up (redirects included).
HEALTHY = range(200, 400)


@dataclass(frozen=True)
class Reading:
    check: str  # cpu, memory, load, disk:/, health:nginx, errors:tomcat, 5xx:nginx, db.*
    shown: str  # 93.1 % (limit 90 %)
    over: bool
    # The number compared with the threshold, when the check has one (a health page that does
    # not answer is over whatever its latency): what a baseline is taken of.
    value: float | None = None
    limit: float | None = None


def _percent(check: str, value: float, limit: float) -> Reading:
    return Reading(check, f"{value:.1f} % (limit {limit:g} %)", value > limit, value, limit)


def host_readings(before: HostSample | None, now: HostSample, limits: Thresholds) -> list[Reading]:
    found = []
    busy = cpu_busy(before, now)
    if busy is not None:
        found.append(_percent("cpu", busy, limits.cpu_percent))
    if now.memory_kb is not None and now.memory_kb[0] > 0:
        total, available = now.memory_kb
        found.append(_percent("memory", 100.0 * (total - available) / total, limits.memory_percent))
    if now.load is not None and now.cpus > 0:
        per_cpu = now.load / now.cpus
        shown = f"{per_cpu:.2f} per core (limit {limits.load_per_cpu:g})"
        found.append(
            Reading("load", shown, per_cpu > limits.load_per_cpu, per_cpu, limits.load_per_cpu)
        )
    for disk in now.disks:
        found.append(_percent(f"disk:{disk.path}", disk.percent, limits.disk_percent))
    for name, page in sorted(now.health.items()):
        if page is None:
            continue  # no curl on the host: the page is read from elsewhere or not at all
        ms = page.seconds * 1000
        down = page.status not in HEALTHY
        shown = f"HTTP {page.status or 'no answer'}, {ms:.0f} ms (limit {limits.health_ms} ms)"
        over = down or ms > limits.health_ms
        found.append(Reading(f"health:{name}", shown, over, None if down else ms, limits.health_ms))
    for name, log in sorted(now.logs.items()):
        if log is None:
            continue
        if log.kind == "access":
            share = 100.0 * log.matches / log.lines if log.lines else 0.0
            shown = (
                f"{log.matches} of {log.lines} answers 5xx, {share:.1f} % "
                f"(limit {limits.http_5xx_percent:g} %)"
            )
            limit = limits.http_5xx_percent
            found.append(Reading(f"5xx:{name}", shown, share > limit, share, limit))
        else:
            shown = f"{log.matches} new error lines (limit {limits.error_lines})"
            limit = limits.error_lines
            found.append(Reading(f"errors:{name}", shown, log.matches > limit, log.matches, limit))
    return found


def cpu_busy(before: HostSample | None, now: HostSample) -> float | None:
    """The share of CPU time not idle between two samples, all cores."""
    if before is None or len(before.cpu) < 5 or len(now.cpu) < 5:
        return None
    spent = [b - a for a, b in zip(before.cpu, now.cpu, strict=False)]
    total = sum(spent)
    if total <= 0:
        return None
    idle = spent[3] + spent[4]  # idle and iowait
    return 100.0 * (total - idle) / total


def database_readings(
    before: Mapping[str, int] | None, now: Mapping[str, int], limits: Thresholds
) -> list[Reading]:
    """Readings from ``SHOW GLOBAL STATUS`` (and ``max_connections``) as integers."""
    found = []
    connected, most = now.get("Threads_connected"), now.get("max_connections")
    if connected is not None and most:
        found.append(
            _percent("db.connections", 100.0 * connected / most, limits.db_connections_percent)
        )
    running = now.get("Threads_running")
    if running is not None:
        shown = f"{running} threads running (limit {limits.db_threads_running})"
        limit = limits.db_threads_running
        found.append(Reading("db.threads_running", shown, running > limit, running, limit))
    if before is not None and "Slow_queries" in now and "Slow_queries" in before:
        new = now["Slow_queries"] - before["Slow_queries"]
        shown = f"{new} new slow queries (limit {limits.slow_queries})"
        limit = limits.slow_queries
        found.append(Reading("db.slow_queries", shown, new > limit, new, limit))
    return found
