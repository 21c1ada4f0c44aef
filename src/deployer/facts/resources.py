"""CPU count, memory and free disk space, honouring container (cgroup) limits."""

from __future__ import annotations

import math
import re

from deployer.facts.base import Fact, first, lines, tagged
from deployer.facts.model import DiskFree

#: The CPUs this process may run on, as nproc counts them (its affinity mask), read by the
#: shell from /proc/self/status; nproc only where the kernel does not list them there.
CPU_COUNT_SH = r"""
if deployer_read 1 /proc/self/status 'Cpus_allowed_list:*'; then
  printf 'allowed %s\n' "${deployer_found#Cpus_allowed_list:}"
elif n=$(nproc 2>/dev/null) && [ -n "$n" ]; then
  printf 'nproc %s\n' "$n"
else
  printf 'getconf %s\n' "$(getconf _NPROCESSORS_ONLN 2>/dev/null)"
  printf 'cpuinfo %s\n' "$(grep -c '^processor' /proc/cpuinfo 2>/dev/null)"
fi
if [ -r /sys/fs/cgroup/cpu.max ]; then
  deployer_read 1 /sys/fs/cgroup/cpu.max '*'
  printf 'cgroup2 %s\n' "$deployer_found"
elif [ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
  deployer_read 1 /sys/fs/cgroup/cpu/cpu.cfs_quota_us '*'
  quota=$deployer_found
  deployer_read 1 /sys/fs/cgroup/cpu/cpu.cfs_period_us '*'
  printf 'cgroup1 %s %s\n' "$quota" "$deployer_found"
fi
"""

#: The three lines come in this order: the read stops at SwapTotal, a third of the file.
MEMORY_SH = r"""
deployer_read 3 /proc/meminfo 'MemTotal:*' 'MemAvailable:*' 'SwapTotal:*' &&
  printf '%s\n' "$deployer_found"
for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do
  if [ -r "$f" ]; then
    deployer_read 1 "$f" '*'
    printf 'cgroup %s\n' "$deployer_found"
    break
  fi
done
"""

#: For each path in "$@": the path, the nearest existing parent, and that one's `df -P` line
#: (under the timeout: a dead NFS mount must not hang the probe). One df answers for all the
#: paths, a line each after its header; only when it fails (a path it cannot answer for, a
#: timeout) is it asked about each path alone, as one answer cannot be told apart then.
DISK_FREE_SH = r"""
deployer_near() {
  # deployer_q: the nearest existing parent of $1, by the shell's own dirname.
  deployer_q=$1
  while [ ! -e "$deployer_q" ]; do
    case $deployer_q in /|'') break ;; esac
    deployer_q=${deployer_q%"${deployer_q##*[!/]}"}
    deployer_q=${deployer_q%/*}
    deployer_q=${deployer_q%"${deployer_q##*[!/]}"}
    deployer_q=${deployer_q:-/}
  done
}
rest=''
# Inside $(...), each turn puts the nearest existing parent of a path last and drops the path
# (no quote in a comment within $(...): posh would look for its end).
if [ $# -gt 0 ] && all=$(
  for p in "$@"; do deployer_near "$p"; set -- "$@" "$deployer_q"; shift; done
  $deployer_t df -Pk -- "$@" 2>/dev/null
); then
  case $all in *$deployer_nl*) rest=${all#*$deployer_nl} ;; esac
  n=0 left=$rest
  while [ -n "$left" ]; do
    n=$((n + 1))
    case $left in *$deployer_nl*) left=${left#*$deployer_nl} ;; *) left='' ;; esac
  done
  [ "$n" = $# ] || rest=''
fi
for p in "$@"; do
  deployer_near "$p"
  if [ -n "$rest" ]; then
    line=${rest%%$deployer_nl*}
    case $rest in
      *$deployer_nl*) rest=${rest#*$deployer_nl} ;;
      *) rest='' ;;
    esac
  else
    line=$($deployer_t df -Pk -- "$deployer_q" 2>/dev/null)
    line=${line##*$deployer_nl}
  fi
  printf '%s\t%s\t%s\n' "$p" "$deployer_q" "$line"
done
"""

_DF_TAIL = re.compile(r"\s(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s+(/.*)$")
_MEMINFO = re.compile(r"^(\w+):\s+(\d+)\s*kB", re.IGNORECASE)
_KIB_PER_GIB = 1024 * 1024


def parse_cpu_count(raw: str) -> int:
    values = tagged(raw)
    allowed = first(values, "allowed")
    count = _cpu_list_size(allowed) if allowed else None
    count = count or next(
        (
            int(v)
            for key in ("nproc", "getconf", "cpuinfo")
            for v in values.get(key, [])
            if v.isdigit()
        ),
        None,
    )
    if not count:
        raise ValueError("the affinity list, nproc, getconf and /proc/cpuinfo gave no CPU count")
    quota = _cpu_quota(values)
    return min(count, quota) if quota else count


def _cpu_list_size(cpu_list: str) -> int | None:
    """How many CPUs a kernel CPU list names (``0-3,6``), or None when it is not one."""
    count = 0
    for part in cpu_list.strip().split(","):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part.strip())
        if match is None:
            return None
        low, high = int(match[1]), int(match[2] or match[1])
        if high < low:
            return None
        count += high - low + 1
    return count or None


def _cpu_quota(values: dict[str, list[str]]) -> int | None:
    """CPUs a container may use: ceil(quota / period), or None when unlimited."""
    v2, v1 = first(values, "cgroup2"), first(values, "cgroup1")
    fields = (v2 or v1 or "").split()
    if len(fields) != 2 or not all(re.fullmatch(r"-?\d+", f) for f in fields):
        return None
    quota, period = int(fields[0]), int(fields[1])
    return math.ceil(quota / period) if quota > 0 and period > 0 else None


def parse_memory(raw: str) -> int:
    """Total memory in MB (MemTotal, capped by a cgroup limit)."""
    total_kib = None
    limit: int | None = None
    for line in lines(raw):
        match = _MEMINFO.match(line)
        if match and match.group(1) == "MemTotal":
            total_kib = int(match.group(2))
        elif line.startswith("cgroup ") and line.split()[-1].isdigit():
            limit = int(line.split()[-1]) // 1024
    if not total_kib:
        raise ValueError("no MemTotal in /proc/meminfo")
    if limit and limit < total_kib:
        total_kib = limit
    return total_kib // 1024


def parse_disk_free(raw: str) -> tuple[DiskFree, ...]:
    """One entry per path df answered for; a path it did not answer for is left out."""
    found: list[DiskFree] = []
    problems: list[str] = []
    for line in raw.splitlines():
        if not line.strip():
            continue
        path, checked, df_line = [*line.split("\t", 2), "", ""][:3]
        match = _DF_TAIL.search(" " + df_line)
        if not match:
            problems.append(f"df gave no usable line for {path}: {df_line!r}")
            continue
        size_kib, _used, avail_kib, _pct, mount = match.groups()
        found.append(
            DiskFree(
                path=path,
                checked=checked,
                mount=mount,
                free_gb=round(int(avail_kib) / _KIB_PER_GIB, 2),
                size_gb=round(int(size_kib) / _KIB_PER_GIB, 2),
            )
        )
    if problems and not found:
        raise ValueError("; ".join(problems))
    return tuple(found)


FACTS = (
    Fact("cpu.count", "cpus", CPU_COUNT_SH, parse_cpu_count),
    Fact("memory.total", "memory_mb", MEMORY_SH, parse_memory),
    Fact("disk.free", "disks", DISK_FREE_SH, parse_disk_free, uses_paths=True),
)
