"""SELinux mode, firewall state and whether the login user may sudo without a password.

Firewall rules are only listed when the kernel already has the tables loaded: asking
``iptables`` or ``nft`` otherwise may load modules, and the probe changes nothing.
Reading rules needs root; as another user they are reported as not readable.
"""

from __future__ import annotations

from deployer.facts.base import Fact, first, tagged
from deployer.facts.model import Firewall, Selinux, SelinuxMode, SudoFacts, SudoState

SELINUX_SH = r"""
if command -v getenforce >/dev/null 2>&1; then
  printf 'getenforce %s\n' "$(getenforce 2>/dev/null)"
fi
if [ -r /sys/fs/selinux/enforce ]; then
  deployer_read 1 /sys/fs/selinux/enforce '*'
  printf 'enforce %s\n' "$deployer_found"
fi
if [ -r /etc/selinux/config ]; then
  deployer_read 1 /etc/selinux/config 'SELINUX=*'
  printf 'config %s\n' "$deployer_found"
fi
"""

#: A rule counter not installed is not run: its answer would be the same "denied" (unreadable).
#: Nor is systemctl asked about a unit that has no unit file (it could only say "inactive"):
#: most hosts have one firewall or none, and systemctl is the dearest program the probe runs.
FIREWALL_SH = r"""
if command -v systemctl >/dev/null 2>&1; then
  units=''
  for u in firewalld ufw nftables iptables; do
    for d in /etc/systemd/system /run/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
      if [ -e "$d/$u.service" ]; then units="$units $u"; break; fi
    done
  done
  printf 'units %s\n' "${units# }"
  out=''
  if [ -n "$units" ]; then
    # shellcheck disable=SC2086 # unit names, split on the spaces between them
    out=$($deployer_t systemctl is-active $units 2>/dev/null)
  fi
  states=''
  while [ -n "$out" ]; do
    states="$states${out%%$deployer_nl*} "
    case $out in
      *$deployer_nl*) out=${out#*$deployer_nl} ;;
      *) out='' ;;
    esac
  done
  printf 'states %s\n' "$states"
fi
if [ -r /etc/ufw/ufw.conf ]; then
  deployer_read 1 /etc/ufw/ufw.conf 'ENABLED=*'
  printf 'ufw %s\n' "$deployer_found"
fi
if [ -d /sys/module/nf_tables ]; then
  rule='^[[:space:]]+(ip6?|tcp|udp|ct|iifname|oifname|iif|oif|meta|counter|drop|reject'
  rule=$rule'|accept|jump|goto|th|icmp|icmpv6|log|fib)([[:space:]]|$)'
  if command -v nft >/dev/null 2>&1 && out=$($deployer_t nft list ruleset 2>/dev/null); then
    printf 'nft_rules %s\n' "$(printf '%s\n' "$out" | grep -c -E "$rule")"
  else
    printf 'nft_rules denied\n'
  fi
elif command -v nft >/dev/null 2>&1; then
  printf 'nft_rules 0\n'
fi
if [ -r /proc/net/ip_tables_names ] || [ -d /sys/module/nf_tables ]; then
  if command -v iptables >/dev/null 2>&1 && out=$($deployer_t iptables -S 2>/dev/null); then
    printf 'iptables_rules %s\n' "$(printf '%s\n' "$out" | grep -c '^-A')"
  else
    printf 'iptables_rules denied\n'
  fi
fi
"""

#: The uid is the effective one of /proc/self/status (what ``id -u`` prints), read by the
#: shell. The name is the one sshd (or login) put in LOGNAME from the same account, so ``id``
#: runs only without one, or as root: ``su`` to root keeps the caller's LOGNAME. An empty sudo
#: message is one empty line, as it was.
SUDO_SH = r"""
uid=''
if [ -r /proc/self/status ]; then
  while read -r key _ effective _; do
    case $key in Uid:) uid=$effective; break ;; esac
  done </proc/self/status
fi
[ -n "$uid" ] || uid=$(id -u 2>/dev/null)
printf 'uid %s\n' "$uid"
user=${LOGNAME-}
if [ -z "$user" ] || [ "$uid" = 0 ]; then user=$(id -un 2>/dev/null); fi
printf 'user %s\n' "$user"
if [ "$uid" = 0 ]; then
  printf 'sudo root\n'
elif command -v sudo >/dev/null 2>&1; then
  if msg=$($deployer_t sudo -n true 2>&1); then
    printf 'sudo nopasswd\n'
  else
    printf 'sudo failed\n'
    deployer_lines 3 'message ' "$msg" '*' || printf 'message \n'
  fi
else
  printf 'sudo absent\n'
fi
"""

_GETENFORCE: dict[str, SelinuxMode] = {
    "enforcing": "enforcing",
    "permissive": "permissive",
    "disabled": "disabled",
}


def parse_selinux(raw: str) -> Selinux:
    values = tagged(raw)
    configured = (first(values, "config") or "").partition("=")[2].strip() or None
    reported = (first(values, "getenforce") or "").lower()
    enforce = first(values, "enforce")
    mode: SelinuxMode
    if reported in _GETENFORCE:
        mode = _GETENFORCE[reported]
    elif enforce in ("0", "1"):
        mode = "enforcing" if enforce == "1" else "permissive"
    elif configured is not None:
        mode = "disabled"  # configured, but the kernel runs without SELinux
    else:
        mode = "absent"
    return Selinux(mode=mode, configured=configured)


def parse_firewall(raw: str) -> Firewall:
    values = tagged(raw)
    units = (first(values, "units") or "").split()
    states = (first(values, "states") or "").split()
    active = tuple(u for u, s in zip(units, states, strict=False) if s == "active")
    if units and len(states) != len(units):
        active = ()  # systemctl did not answer per unit (no systemd): rely on the rest
    ufw = first(values, "ufw")
    return Firewall(
        services=active,
        ufw_enabled=None if ufw is None else ufw.partition("=")[2].strip().lower() == "yes",
        nft_rules=_count(first(values, "nft_rules")),
        iptables_rules=_count(first(values, "iptables_rules")),
    )


def _count(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def parse_sudo(raw: str) -> SudoFacts:
    values = tagged(raw)
    uid_text = first(values, "uid")
    result = first(values, "sudo")
    message = " / ".join(values.get("message", [])) or None
    if result is None:
        raise ValueError("the sudo check printed nothing")
    state = _SUDO_ANSWERS.get(result) or _sudo_failure(message or "")
    return SudoFacts(
        user=first(values, "user"),
        uid=int(uid_text) if uid_text and uid_text.isdigit() else None,
        state=state,
        message=message,
    )


_SUDO_ANSWERS: dict[str, SudoState] = {"root": "root", "nopasswd": "nopasswd", "absent": "absent"}


def _sudo_failure(message: str) -> SudoState:
    lowered = message.lower()
    if "password is required" in lowered:
        return "password"
    if "tty" in lowered or "terminal is required" in lowered:
        return "requiretty"
    return "denied"


FACTS = (
    Fact("security.selinux", "selinux", SELINUX_SH, parse_selinux),
    Fact("security.firewall", "firewall", FIREWALL_SH, parse_firewall),
    Fact("sudo.nopasswd", "sudo", SUDO_SH, parse_sudo),
)
