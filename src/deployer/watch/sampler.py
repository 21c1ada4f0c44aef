"""One sample of one host: a POSIX ``sh`` script run over the run's SSH connection (nothing
installed on the host), and the parser of what it prints.

The host keeps no state. The controller passes each log's inode and byte offset from the last
sample, and the script reads only what was written since; a log whose inode changed, or that
shrank, was rotated and is read from its start. CPU is reported as /proc/stat's counters, and
the busy share is the difference between two samples.

Every line the script prints is ``KEY FIELD...``; a path, which may hold blanks, is last.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Literal

#: Tomcat's log lines that mean trouble.
ERROR_PATTERN = "ERROR|SEVERE|Exception"
#: Seconds curl may take for a health page before it counts as down.
HEALTH_TIMEOUT = 5

#: errors: a file's lines matching ERROR_PATTERN; access: a file's 5xx answers of all;
#: journal: a systemd unit's journal lines matching ERROR_PATTERN (``path`` is the unit).
LogKind = Literal["errors", "access", "journal"]


@dataclass(frozen=True)
class WatchedLog:
    name: str  # tomcat, nginx
    path: str
    kind: LogKind  # errors: lines matching ERROR_PATTERN; access: 5xx answers of all
    inode: int = 0
    offset: int = -1  # -1: not read yet, so only what is written from now on counts
    cursor: str = ""  # journal: where the last sample stopped; "": not read yet; "-": empty


@dataclass(frozen=True)
class HealthUrl:
    name: str  # direct, nginx
    url: str


@dataclass(frozen=True)
class SampleRequest:
    paths: tuple[str, ...] = ("/",)
    logs: tuple[WatchedLog, ...] = ()
    health: tuple[HealthUrl, ...] = ()


@dataclass(frozen=True)
class DiskReading:
    path: str
    used_kb: int
    available_kb: int

    @property
    def percent(self) -> float:
        total = self.used_kb + self.available_kb
        return 100.0 * self.used_kb / total if total else 0.0


@dataclass(frozen=True)
class LogReading:
    kind: LogKind
    inode: int
    size: int
    matches: int  # errors: matching lines; access: 5xx answers
    lines: int  # lines read since the last sample
    cursor: str = ""  # journal: the cursor of the last entry read


@dataclass(frozen=True)
class HealthReading:
    status: int  # 0: no answer
    seconds: float


@dataclass(frozen=True)
class HostSample:
    time: int = 0
    cpu: tuple[int, ...] = ()  # /proc/stat: user nice system idle iowait irq softirq steal
    cpus: int = 0
    load: float | None = None
    memory_kb: tuple[int, int] | None = None  # total, available
    disks: tuple[DiskReading, ...] = ()
    connections: int | None = None
    logs: dict[str, LogReading | None] = field(default_factory=dict)  # None: missing
    health: dict[str, HealthReading | None] = field(default_factory=dict)  # None: no curl
    unreadable: tuple[str, ...] = ()  # lines the parser did not understand


_BODY = r"""
export LC_ALL=C
echo "time $(date +%s)"
while read -r name user nice system idle iowait irq softirq steal rest; do
    [ "$name" = cpu ] &&
        echo "cpu $user $nice $system $idle ${iowait:-0} ${irq:-0} ${softirq:-0} ${steal:-0}"
    break
done < /proc/stat
echo "cpus $(grep -c '^processor' /proc/cpuinfo)"
read -r one rest < /proc/loadavg && echo "load $one"
awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 }
    END { print "mem", t + 0, a + 0 }' /proc/meminfo
established=$(awk 'FNR > 1 && $4 == "01" { n++ } END { print n + 0 }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null)
echo "conns ${established:-0}"
deployer_disk() {
    df -Pk -- "$1" 2>/dev/null | awk -v p="$1" 'NR == 2 { print "disk", $3, $4, p }'
}
deployer_log() {  # name path kind inode offset
    if [ ! -r "$2" ]; then echo "log $1 missing"; return; fi
    # ls -i is POSIX's only way to an inode (stat and find -printf are not everywhere); the
    # first field is the number, whatever the name holds.
    # shellcheck disable=SC2012
    inode=$(ls -di -- "$2" | awk '{ print $1 }')
    size=$(wc -c < "$2" | tr -d ' ')
    offset=$5
    if [ "$offset" -lt 0 ]; then echo "log $1 $3 $inode $size 0 0"; return; fi
    if [ "$inode" != "$4" ] || [ "$size" -lt "$offset" ]; then offset=0; fi
    if [ "$3" = errors ]; then
        tail -c +$((offset + 1)) -- "$2" | head -c $((size - offset)) |
            awk -v n="$1 $3" -v i="$inode" -v s="$size" \
                '/__ERRORS__/ { e++ } { l++ } END { print "log", n, i, s, e + 0, l + 0 }'
    else
        tail -c +$((offset + 1)) -- "$2" | head -c $((size - offset)) |
            awk -v n="$1 $3" -v i="$inode" -v s="$size" \
                '$9 ~ /^5[0-9][0-9]$/ { e++ } { l++ } END { print "log", n, i, s, e + 0, l + 0 }'
    fi
}
deployer_journal() {  # name unit cursor
    if ! command -v journalctl >/dev/null 2>&1; then echo "log $1 missing"; return; fi
    if [ -z "$3" ]; then
        cursor=$(journalctl -u "$2" -n 1 --show-cursor -o cat -q 2>/dev/null |
            sed -n 's/^-- cursor: //p')
        echo "journal $1 0 0 ${cursor:--}"
        return
    fi
    if [ "$3" = - ]; then set -- "$1" "$2" "" ; else set -- "$1" "$2" "--after-cursor=$3"; fi
    journalctl -u "$2" ${3:+"$3"} --show-cursor -o cat -q 2>/dev/null |
        awk -v n="$1" -v c="-" '/^-- cursor: / { c = substr($0, 12); next }
            /__ERRORS__/ { e++ } { l++ } END { print "journal", n, e + 0, l + 0, c }'
}
deployer_health() {  # name url
    if ! command -v curl >/dev/null 2>&1; then echo "health $1 unavailable"; return; fi
    answer=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time __TIMEOUT__ -- "$2")
    echo "health $1 ${answer:-000 __TIMEOUT__}"
}
""".replace("__ERRORS__", ERROR_PATTERN).replace("__TIMEOUT__", str(HEALTH_TIMEOUT))


def build_sampler(request: SampleRequest) -> str:
    """The script for ``request``; every value from the spec or the host is quoted."""
    lines = [_BODY]
    lines += [f"deployer_disk {shlex.quote(path)}" for path in request.paths]
    for log in request.logs:
        if log.kind == "journal":
            words: tuple[str, ...] = ("deployer_journal", log.name, log.path, log.cursor)
        else:
            words = ("deployer_log", log.name, log.path, log.kind, str(log.inode), str(log.offset))
        lines.append(" ".join(shlex.quote(word) for word in words))
    for page in request.health:
        lines.append(f"deployer_health {shlex.quote(page.name)} {shlex.quote(page.url)}")
    return "\n".join(lines) + "\n"


def parse_sample(text: str) -> HostSample:
    """What the script printed, as a sample; a line it cannot read is kept, not fatal."""
    reader = _Reader()
    for line in text.splitlines():
        try:
            reader.read(line)
        except (ValueError, IndexError):
            reader.unreadable.append(line)
    return reader.sample()


@dataclass
class _Reader:
    fields: dict[str, object] = field(default_factory=dict)
    disks: list[DiskReading] = field(default_factory=list)
    logs: dict[str, LogReading | None] = field(default_factory=dict)
    health: dict[str, HealthReading | None] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def read(self, line: str) -> None:
        key, _, rest = line.partition(" ")
        words = rest.split()
        scalars = {"time": int, "cpus": int, "load": float, "conns": int}
        if key in scalars:
            self.fields["connections" if key == "conns" else key] = scalars[key](words[0])
        elif key == "cpu":
            self.fields["cpu"] = tuple(int(word) for word in words[:8])
        elif key == "mem":
            self.fields["memory_kb"] = (int(words[0]), int(words[1]))
        elif key == "disk":
            used, available, path = rest.split(" ", 2)
            self.disks.append(DiskReading(path, int(used), int(available)))
        elif key == "log":
            missing = words[1] == "missing"
            self.logs[words[0]] = None if missing else _log(words[1:])
        elif key == "journal":
            matches, lines = int(words[1]), int(words[2])
            self.logs[words[0]] = LogReading("journal", 0, 0, matches, lines, words[3])
        elif key == "health":
            absent = words[1] == "unavailable"
            self.health[words[0]] = (
                None if absent else HealthReading(int(words[1]), float(words[2]))
            )
        elif key:
            raise ValueError(key)

    def sample(self) -> HostSample:
        return HostSample(
            disks=tuple(self.disks),
            logs=self.logs,
            health=self.health,
            unreadable=tuple(self.unreadable),
            **self.fields,  # type: ignore[arg-type]
        )


def _log(words: list[str]) -> LogReading:
    kind = words[0]
    if kind not in ("errors", "access"):
        raise ValueError(kind)
    inode, size, matches, lines = (int(word) for word in words[1:5])
    return LogReading("errors" if kind == "errors" else "access", inode, size, matches, lines)


def next_request(request: SampleRequest, sample: HostSample) -> SampleRequest:
    """``request`` for the next sample: each log read on from where this one stopped; one
    that was missing is read from its start once it appears."""
    logs = []
    for log in request.logs:
        reading = sample.logs.get(log.name)
        if log.kind == "journal":
            # A cursor that did not move (no new entry: "-") keeps the last one.
            cursor = reading.cursor if reading and reading.cursor != "-" else log.cursor or "-"
            logs.append(WatchedLog(log.name, log.path, log.kind, cursor=cursor))
            continue
        inode, offset = (reading.inode, reading.size) if reading else (0, 0)
        logs.append(WatchedLog(log.name, log.path, log.kind, inode, offset))
    return SampleRequest(request.paths, tuple(logs), request.health)
