"""Operating system identity: os-release, kernel, architecture, host name, package manager."""

from __future__ import annotations

import re
from typing import get_args

from deployer.facts.base import Fact, Shared, lines
from deployer.facts.model import OsRelease, PkgManager
from deployer.spec.matrix import OsFamily

#: Read by the shell, not cat and head: no fork. The last read's partial line (a file without
#: a final newline) or empty one ends the output with a newline, as ``echo`` after cat did.
OS_RELEASE_SH = r"""
for f in /etc/os-release /usr/lib/os-release; do
  if [ -r "$f" ]; then
    while IFS= read -r line; do printf '%s\n' "$line"; done <"$f"
    printf '%s\n' "$line"
    break
  fi
done
if [ -r /etc/redhat-release ]; then
  deployer_read 1 /etc/redhat-release '*'
  printf '@redhat-release %s\n' "$deployer_found"
fi
"""

#: One uname for the host name, kernel release and architecture: it prints them in this
#: order whatever the order of its options, and only the kernel release could hold a space.
UNAME = Shared(
    "uname",
    r"""
deployer_uname=$(uname -n -r -m) || deployer_uname=''
deployer_node='' deployer_kernel='' deployer_arch=''
case $deployer_uname in
  *' '*' '*)
    deployer_node=${deployer_uname%% *}
    deployer_arch=${deployer_uname##* }
    deployer_kernel=${deployer_uname#* }
    deployer_kernel=${deployer_kernel% *} ;;
esac
""",
)

_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_RELEASE_LINE = re.compile(r"^(?P<name>.+?)\s+release\s+(?P<version>[0-9][0-9.]*)")
_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_SERVICE_PACK = re.compile(r"\bSP\s?(\d+)\b", re.IGNORECASE)

_FAMILY_BY_ID: dict[str, OsFamily] = {
    "debian": "debian",
    "ubuntu": "ubuntu",
    "rhel": "rhel",
    "redhat": "rhel",
    "centos": "centos",
    "rocky": "rocky",
    "almalinux": "almalinux",
    "kylin": "kylin",
    "uos": "uos",
    "uniontech": "uos",
    "openeuler": "openeuler",
    "anolis": "anolis",
}
assert set(_FAMILY_BY_ID.values()) == set(get_args(OsFamily))

#: Kylin Advanced Server names its service packs by code name in VERSION="V10 (Sword)".
_KYLIN_CODENAMES = {"tercel": "SP1", "sword": "SP2", "lance": "SP3", "halberd": "SP3"}

#: Words of a redhat-release line (no os-release: CentOS/RHEL 6 and older) -> ID.
_RELEASE_NAMES = (
    ("centos", "centos"),
    ("red hat", "rhel"),
    ("rocky", "rocky"),
    ("almalinux", "almalinux"),
    ("anolis", "anolis"),
    ("openeuler", "openeuler"),
    ("kylin", "kylin"),
)


def parse_assignments(text: str) -> dict[str, str]:
    """Shell-style ``KEY=value`` lines (os-release(5)); comments and junk are skipped."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match:
            values[match.group(1)] = _unquote(match.group(2).strip())
    return values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        return re.sub(r'\\([\\$"`])', r"\1", inner) if value[0] == '"' else inner
    return value


def parse_os_release(raw: str) -> OsRelease:
    redhat = next(
        (
            line.split(" ", 1)[1].strip()
            for line in lines(raw)
            if line.startswith("@redhat-release ")
        ),
        None,
    )
    values = parse_assignments("\n".join(x for x in raw.splitlines() if not x.startswith("@")))
    if values.get("ID"):
        return _from_os_release(values, redhat)
    if redhat:
        return _from_redhat_release(redhat)
    raise ValueError("neither /etc/os-release nor /etc/redhat-release could be read")


def _from_os_release(values: dict[str, str], redhat: str | None) -> OsRelease:
    os_id = values["ID"].strip().lower()
    family = _family(os_id, values)
    version_id = values.get("VERSION_ID") or None
    return OsRelease(
        id=os_id,
        id_like=tuple(values.get("ID_LIKE", "").lower().split()),
        name=values.get("NAME") or None,
        version=values.get("VERSION") or None,
        version_id=version_id,
        pretty_name=values.get("PRETTY_NAME") or None,
        family=family,
        family_version=_comparable(version_id or values.get("VERSION")),
        update=_update(family, values, redhat),
    )


def _family(os_id: str, values: dict[str, str]) -> OsFamily | None:
    if os_id in _FAMILY_BY_ID:
        return _FAMILY_BY_ID[os_id]
    if os_id == "deepin":
        # Deepin community builds are not UOS; UOS builds that kept ID=deepin say so by name.
        names = f"{values.get('NAME', '')} {values.get('PRETTY_NAME', '')}".lower()
        return "uos" if "uniontech" in names or re.search(r"\buos\b", names) else None
    return None


def _comparable(version: str | None) -> str | None:
    """'V10' -> '10', '20.03' -> '20.03', '12' -> '12'."""
    if not version:
        return None
    match = _NUMBER.search(version)
    return match.group(0) if match else None


def _update(family: OsFamily | None, values: dict[str, str], redhat: str | None) -> str | None:
    version = values.get("VERSION", "")
    if family == "kylin":
        texts = [version, *(values.get(k, "") for k in ("VERSION_US", "PRETTY_NAME"))]
        texts.append(values.get("PROJECT_CODENAME", ""))
        for text in texts:
            sp = _SERVICE_PACK.search(text)
            if sp:
                return f"SP{sp.group(1)}"
        codename = re.search(r"\(([^)]*)\)", version)
        return _KYLIN_CODENAMES.get(codename.group(1).strip().lower()) if codename else None
    if family == "openeuler":
        level = re.search(r"\(([^)]*)\)|\b(LTS\S*)", version)
        return (level.group(1) or level.group(2)) if level else None
    if family == "ubuntu":
        return _comparable(version)  # the point release: '22.04.4'
    if redhat:
        release = _RELEASE_LINE.match(redhat)
        return release.group("version") if release else None
    return None


def _from_redhat_release(line: str) -> OsRelease:
    match = _RELEASE_LINE.match(line)
    if not match:
        raise ValueError(f"unrecognised /etc/redhat-release: {line!r}")
    name, version = match.group("name"), match.group("version")
    lowered = name.lower()
    os_id = next((i for words, i in _RELEASE_NAMES if words in lowered), lowered.split()[0])
    return OsRelease(
        id=os_id,
        name=name,
        version=version,
        version_id=version,
        pretty_name=line,
        family=_FAMILY_BY_ID.get(os_id),
        family_version=version,
        update=version,
        source="redhat-release",
    )


def parse_single_line(raw: str) -> str:
    found = lines(raw)
    if not found:
        raise ValueError("no output")
    return found[0].strip()


_PKG_MANAGERS: dict[str, PkgManager] = {
    "apt-get": "apt",
    "dnf": "dnf",
    "yum": "yum",
    "zypper": "zypper",
    "apk": "apk",
}


def parse_pkg_manager(raw: str) -> PkgManager:
    """The preferred one present: dnf wins over yum where both exist (EL8+)."""
    present = {line.strip() for line in lines(raw)}
    return next((_PKG_MANAGERS[tool] for tool in _PKG_MANAGERS if tool in present), "none")


def _uname_fact(fact_id: str, field: str, variable: str) -> Fact:
    """What ``uname -n``, ``-r`` or ``-m`` printed; nothing when uname did not answer."""
    command = f'[ -n "$deployer_uname" ] && printf \'%s\\n\' "${variable}"'
    return Fact(fact_id, field, command, parse_single_line, shared=(UNAME,))


FACTS = (
    _uname_fact("host.name", "hostname", "deployer_node"),
    Fact("os.release", "os", OS_RELEASE_SH, parse_os_release),
    _uname_fact("kernel.release", "kernel", "deployer_kernel"),
    _uname_fact("cpu.arch", "arch", "deployer_arch"),
    Fact(
        "pkg.manager",
        "pkg_manager",
        "for m in apt-get dnf yum zypper apk; do\n"
        '  if command -v "$m" >/dev/null 2>&1; then printf \'%s\\n\' "$m"; fi\n'
        "done",
        parse_pkg_manager,
    ),
)
