"""One sample of one host: a POSIX ``sh`` script run over the run's SSH connection (nothing
installed on the host), and the parser of what it prints.

The host keeps no state. The controller passes each log's inode and byte offset from the last
sample, and the script reads only what was written since. A log whose inode changed was
rotated: the rest of the old file is read where rotation leaves it (PATH.1, or a dated log's
previous file), then the new one from its start; a log that shrank was truncated in place and
is read from its start. CPU is reported as /proc/stat's counters, and the busy share is the
difference between two samples.

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
    path: str  # a file; a pattern (localhost.*.log): its newest file; journal: the unit
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
unset BLOCK_SIZE LS_BLOCK_SIZE  # ls -l below gives sizes in bytes
# The system's readings in one awk: each program started costs the host more than reading.
set -- /proc/stat /proc/loadavg /proc/meminfo
for table in /proc/net/tcp /proc/net/tcp6; do [ -r "$table" ] && set -- "$@" "$table"; done
awk 'FILENAME == "/proc/stat" && $1 == "cpu" {
        print "cpu", $2, $3, $4, $5, $6 + 0, $7 + 0, $8 + 0, $9 + 0
    }
    FILENAME == "/proc/stat" && $1 ~ /^cpu[0-9]/ { cpus++ }
    FILENAME == "/proc/loadavg" { print "load", $1 }
    FILENAME == "/proc/meminfo" && $1 == "MemTotal:" { total = $2 }
    FILENAME == "/proc/meminfo" && $1 == "MemAvailable:" { available = $2 }
    FILENAME ~ /^\/proc\/net\/tcp/ && FNR > 1 && $4 == "01" { established++ }
    END {
        print "cpus", cpus + 0
        print "mem", total + 0, available + 0
        print "conns", established + 0
    }' "$@"
deployer_disk() {
    df -Pk -- "$1" 2>/dev/null | {
        read -r _
        read -r _ _ used available _ && echo "disk $used $available $1"
    }
}
deployer_count() {  # path kind from to: "matches lines" of the bytes from..to
    # awk stops at the size the sample saw (lengths are bytes under LC_ALL=C), so what is
    # written meanwhile is left for the next sample.
    tail -c +$(($3 + 1)) -- "$1" | awk -v k="$2" -v most=$(($4 - $3)) '
        { seen += length($0) + 1; if (seen > most) exit; l++ }
        k == "errors" && /__ERRORS__/ { e++ }
        k == "access" && $9 ~ /^5[0-9][0-9]$/ { e++ }
        END { print e + 0, l + 0 }'
}
deployer_log() {  # name pattern kind inode offset
    # The pattern's newest file (dated names sort by date). Unquoted on purpose, with no field
    # splitting: its wildcards expand, blanks in its directories stay.
    file=""
    saved_ifs=$IFS
    IFS=''
    # shellcheck disable=SC2086
    for candidate in $2; do [ -f "$candidate" ] && [ -r "$candidate" ] && file=$candidate; done
    IFS=$saved_ifs
    case $2 in *[*?[]*)
        if [ -z "$file" ] && [ -d "$(dirname -- "$2")" ]; then
            # A dated log not written yet (Tomcat makes localhost.DATE.log at its first
            # record): nothing new. Inode 0 matches no file, so the one that appears is read
            # from its start.
            echo "log $1 $3 0 0 0 0"
            return
        fi
    esac
    if [ -z "$file" ]; then echo "log $1 missing"; return; fi
    # ls -i is POSIX's only way to an inode (stat is not everywhere), and -l has the size:
    # fields 1 and 6, whatever the name holds.
    # shellcheck disable=SC2012,SC2046
    set -- "$1" "$2" "$3" "$4" "$5" $(ls -dil -- "$file")
    inode=$6
    size=${11}
    offset=$5
    if [ "$offset" -lt 0 ]; then echo "log $1 $3 $inode $size 0 0"; return; fi
    before="0 0"
    if [ "$inode" != "$4" ]; then
        # Rotated. What was written after the last sample and before the rotation is in the
        # old file: beside it as FILE.1 (logrotate, savelog), or the pattern's previous dated
        # file (Tomcat's own logs).
        old=$(
            IFS=''
            # shellcheck disable=SC2012,SC2086
            ls -dil -- $2 "$file.1" 2>/dev/null | awk -v i="$4" '$1 == i {
                size = $6
                for (k = 1; k <= 9; k++) sub(/^ *[^ ]+ +/, "")
                print size, $0
                exit
            }'
        )
        if [ -n "$old" ]; then
            old_size=${old%% *}
            [ "$old_size" -gt "$offset" ] &&
                before=$(deployer_count "${old#* }" "$3" "$offset" "$old_size")
        fi
        offset=0
    elif [ "$size" -lt "$offset" ]; then
        offset=0  # truncated in place (copytruncate)
    fi
    now="0 0"
    [ "$size" -gt "$offset" ] && now=$(deployer_count "$file" "$3" "$offset" "$size")
    echo "log $1 $3 $inode $size $((${before% *} + ${now% *})) $((${before#* } + ${now#* }))"
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
    # Counted by the shell itself: a unit's console says little, and a program started
    # costs the host more than reading a few lines.
    journalctl -u "$2" ${3:+"$3"} --show-cursor -o cat -q 2>/dev/null | {
        matches=0
        lines=0
        cursor=-
        while IFS= read -r line; do
            case $line in
                "-- cursor: "*) cursor=${line#"-- cursor: "} ;;
                __ERRORS_CASE__) matches=$((matches + 1)) lines=$((lines + 1)) ;;
                *) lines=$((lines + 1)) ;;
            esac
        done
        echo "journal $1 $matches $lines $cursor"
    }
}
deployer_health() {  # name url [name url...]: one curl for every page
    if ! command -v curl >/dev/null 2>&1; then
        while [ $# -gt 1 ]; do echo "health $1 unavailable"; shift 2; done
        return
    fi
    pages=$(($# / 2))
    names=""
    while [ "$pages" -gt 0 ]; do
        names="$names $1"
        set -- "$@" -o /dev/null "$2"
        shift 2
        pages=$((pages - 1))
    done
    curl -s -w '%{http_code} %{time_total}\n' --max-time __TIMEOUT__ "$@" | {
        # shellcheck disable=SC2086
        for name in $names; do
            read -r code seconds || code=""
            echo "health $name ${code:-000} ${seconds:-__TIMEOUT__}"
        done
    }
}
"""
_BODY = (
    _BODY.replace("__ERRORS_CASE__", "|".join(f"*{word}*" for word in ERROR_PATTERN.split("|")))
    .replace("__ERRORS__", ERROR_PATTERN)
    .replace("__TIMEOUT__", str(HEALTH_TIMEOUT))
)


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
    if request.health:
        pages = (word for page in request.health for word in (page.name, page.url))
        lines.append(" ".join(("deployer_health", *(shlex.quote(word) for word in pages))))
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
        scalars = {"cpus": int, "load": float, "conns": int}
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
