"""Locale, time zone, time synchronisation and the open-files limit."""

from __future__ import annotations

import re

from deployer.facts.base import Fact, first, lines, tagged
from deployer.facts.model import Limit, LocaleFacts, NofileLimit, TimeSync, TimeZone
from deployer.facts.osinfo import parse_assignments

#: The UTF-8 locales are picked out of ``locale -a`` by the shell, not grep and head: no fork.
LOCALE_SH = r"""
printf 'env_lang %s\n' "$deployer_lang"
printf 'env_lc_all %s\n' "$deployer_lc_all"
for f in /etc/locale.conf /etc/default/locale /etc/sysconfig/i18n; do
  if [ -r "$f" ]; then
    while IFS= read -r line || [ -n "$line" ]; do printf 'file %s\n' "$line"; done <"$f"
    break
  fi
done
all=$(locale -a 2>/dev/null)
deployer_lines 40 'available ' "$all" '*[Uu][Tt][Ff]8*' '*[Uu][Tt][Ff]-8*'
"""

#: The zone's name is what /etc/localtime links to: ``timedatectl`` reads that same link, so it
#: is not asked (the parser still reads its lines, from earlier probes).
#: ``date`` (the zone's abbreviation and offset) runs only when no file names the zone: the
#: check compares names, and each program started costs every host a millisecond or two.
TIME_ZONE_SH = r"""
named=''
if [ -L /etc/localtime ]; then
  link=$(readlink /etc/localtime)
  printf 'localtime %s\n' "$link"
  case $link in *zoneinfo/?*) named=1 ;; esac
fi
if [ -r /etc/timezone ]; then
  deployer_read 1 /etc/timezone '?*' && named=1
  printf 'etc_timezone %s\n' "$deployer_found"
fi
if [ -r /etc/sysconfig/clock ]; then
  deployer_read 1 /etc/sysconfig/clock 'ZONE=?*' && named=1
  printf 'clock %s\n' "$deployer_found"
fi
if [ -z "$named" ]; then printf 'date %s\n' "$(date '+%Z %z')"; fi
"""

#: A time daemon running is the answer (the check passes on it), and so is a container, whose
#: clock is its host's (systemd names the container manager in /run/systemd/container).
#: ``timedatectl`` is asked only otherwise, and only under systemd (what sd_booted tests),
#: whether the clock is synchronised all the same: it may have to start systemd-timedated
#: first (a tenth of a second), and waits out the timeout when that fails.
#: systemd-timesyncd (239+) marks a synchronised clock with a file of its own.
TIME_SYNC_SH = r"""
answered=''
if [ -r /run/systemd/container ] && deployer_read 1 /run/systemd/container '?*'; then
  printf 'container %s\n' "$deployer_found"
  answered=1
fi
for f in /proc/[0-9]*/comm; do
  { IFS= read -r c <"$f"; } 2>/dev/null || continue
  case $c in
    chronyd | ntpd | ntpd-rs | openntpd | systemd-timesyn*) printf 'proc %s\n' "$c"; answered=1 ;;
  esac
done
if [ -e /run/systemd/timesync/synchronized ]; then printf 'timesyncd synchronized\n'; fi
if [ -z "$answered" ] && [ -d /run/systemd/system ] && command -v timedatectl >/dev/null 2>&1; then
  out=$($deployer_t timedatectl status 2>/dev/null)
  deployer_lines -1 'status ' "$out" '*synchronized*' '*NTP*'
fi
"""

#: /proc/self/limits is the shell's own, inherited from the login shell (read by the shell
#: rather than grep: no fork); ulimit -S/-H is not POSIX.
NOFILE_SH = r"""
if deployer_read 1 /proc/self/limits 'Max open files*'; then
  printf '%s\n' "$deployer_found"
else
  # shellcheck disable=SC3045 # the fallback for hosts without /proc/self/limits
  printf 'soft %s\n' "$(ulimit -Sn 2>/dev/null || ulimit -n 2>/dev/null)"
  # shellcheck disable=SC3045
  printf 'hard %s\n' "$(ulimit -Hn 2>/dev/null)"
fi
"""

_TIMEDATECTL_ZONE = re.compile(
    r"Time zone:\s*(?P<name>\S+)(?:\s*\((?P<abbr>[^,]+),\s*(?P<off>[^)]+)\))?"
)
_ZONEINFO = re.compile(r"zoneinfo/(?:posix/|right/)?(?P<name>.+)$")


def parse_locale(raw: str) -> LocaleFacts:
    values = tagged(raw)
    system = parse_assignments("\n".join(values.get("file", [])))
    return LocaleFacts(
        lang=first(values, "env_lang"),
        lc_all=first(values, "env_lc_all"),
        system_lang=system.get("LC_ALL") or system.get("LANG") or None,
        utf8_locales=tuple(values.get("available", [])),
    )


def parse_time_zone(raw: str) -> TimeZone:
    values = tagged(raw)
    abbreviation = offset = None
    date = (first(values, "date") or "").split()
    if len(date) == 2:
        abbreviation, offset = date
    candidates: list[tuple[str, str | None]] = []
    for status in values.get("status", []):
        match = _TIMEDATECTL_ZONE.search(status)
        if match:
            candidates.append(("timedatectl", match.group("name")))
    link = _ZONEINFO.search(first(values, "localtime") or "")
    candidates.append(("/etc/localtime", link.group("name") if link else None))
    candidates.append(("/etc/timezone", first(values, "etc_timezone")))
    clock = parse_assignments(first(values, "clock") or "").get("ZONE")
    candidates.append(("/etc/sysconfig/clock", clock))
    for source, name in candidates:
        if name and name.lower() != "n/a":
            return TimeZone(name=name, abbreviation=abbreviation, offset=offset, source=source)
    if abbreviation:
        return TimeZone(name=None, abbreviation=abbreviation, offset=offset, source="date")
    raise ValueError("no time zone source answered")


def parse_time_sync(raw: str) -> TimeSync:
    synchronized = ntp = container = None
    services: list[str] = []
    for line in lines(raw):
        key, _, value = line.partition(" ")
        label, _, state = value.rpartition(":")
        state = state.strip().lower()
        if key == "status" and (
            "System clock synchronized" in label or "NTP synchronized" in label
        ):
            synchronized = state == "yes"
        elif key == "status" and ("NTP service" in label or "NTP enabled" in label):
            ntp = state in ("active", "yes") if state != "n/a" else None
        elif key == "timesyncd" and value.strip() == "synchronized":
            synchronized = True
        elif key == "container" and value.strip():
            container = value.strip()
        elif key == "proc" and value.strip() not in services:
            services.append(value.strip())
    return TimeSync(
        synchronized=synchronized, ntp_service=ntp, services=tuple(services), container=container
    )


def parse_nofile(raw: str) -> NofileLimit:
    proc = next((line.split() for line in lines(raw) if line.startswith("Max open files")), None)
    if proc and len(proc) >= 5:
        return NofileLimit(soft=_limit(proc[3]), hard=_limit(proc[4]))
    values = tagged(raw)
    return NofileLimit(soft=_limit(first(values, "soft")), hard=_limit(first(values, "hard")))


def _limit(text: str | None) -> Limit:
    if text == "unlimited":
        return "unlimited"
    if text is None or not text.isdigit():
        raise ValueError(f"no open-files limit in the output (got {text!r})")
    return int(text)


FACTS = (
    Fact("locale", "locale", LOCALE_SH, parse_locale),
    Fact("time.zone", "timezone", TIME_ZONE_SH, parse_time_zone),
    Fact("time.sync", "time_sync", TIME_SYNC_SH, parse_time_sync),
    Fact("limits.nofile", "nofile", NOFILE_SH, parse_nofile),
)
