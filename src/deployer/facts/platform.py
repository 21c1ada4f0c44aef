"""Which package world a host lives in: family, release key and package manager. Pure.

The roles pick their package names, service names and paths by ``release`` (their
``vars/<release>.yml``) and their install tasks by ``family``. The platform is decided here,
from the probe's ``os.release``, rather than from Ansible's ``os_family`` fact, because that
fact differs between the engines and is wrong for some hosts: ansible-core 2.16 and 2.19 both
file ``Uos`` under Debian (UOS Server 20 is an RPM system), and neither names Anolis at all.

Release keys: ``debian-11``, ``debian-12``, ``debian-13``, ``el7``, ``el8``, ``el9``. The
domestic RPM systems map to the Enterprise Linux generation whose repositories they mirror
(glibc, Python, package names); see ``_el_generation`` for the sources of each mapping.
Anything else (Ubuntu, the Debian-based Kylin and UOS desktops, Deepin, EL6, newer openEuler
lines) has no platform: ``platform_of`` returns None and the caller says the OS is unsupported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from deployer.facts.model import OsRelease

Family = Literal["Debian", "RedHat"]
PackageTool = Literal["apt", "yum", "dnf"]

#: Every release key the roles have a vars file for, in order.
RELEASES = ("debian-11", "debian-12", "debian-13", "el7", "el8", "el9")

_DEBIAN_MAJORS = ("11", "12", "13")
#: Rebuilds of RHEL itself: the major version is the generation.
_RHEL_REBUILDS = ("rhel", "centos", "rocky", "almalinux")


@dataclass(frozen=True)
class Platform:
    family: Family
    release: str
    pkg_manager: PackageTool

    def to_dict(self) -> dict[str, str]:
        """The ``deployer_platform`` host variable the roles read."""
        return {"family": self.family, "release": self.release, "pkg_manager": self.pkg_manager}


def platform_of(os_release: OsRelease) -> Platform | None:
    """The platform of a host with this os-release, or None when deployer has no roles for it."""
    if os_release.family == "debian":
        major = _major(os_release)
        return Platform("Debian", f"debian-{major}", "apt") if major in _DEBIAN_MAJORS else None
    generation = _el_generation(os_release)
    if generation is None:
        return None
    # EL7's package manager is yum 3 (Python 2); EL8 made dnf the tool, with `yum` a link to it.
    return Platform("RedHat", f"el{generation}", "yum" if generation == 7 else "dnf")


def _el_generation(os_release: OsRelease) -> int | None:
    major = _major(os_release)
    family = os_release.family
    if family in _RHEL_REBUILDS:
        return int(major) if major in ("7", "8", "9") else None
    if family == "anolis":
        # Anolis OS 7 and 8 are rebuilt from CentOS 7 / RHEL 8 sources (openanolis.cn: binary
        # compatible with CentOS; PLATFORM_ID="platform:an8", dist tag .an8). Anolis 23 is a
        # distribution of its own, not an EL rebuild.
        return int(major) if major in ("7", "8") else None
    if family == "kylin":
        # Kylin Linux Advanced Server V10 (SP1 Tercel to SP3 Lance/Halberd) is built from
        # openEuler 20.03 LTS (kernel 4.19, glibc 2.28, Python 3.7, dnf; dist tag .ky10), whose
        # repositories keep Fedora/EL package names. Kylin Desktop V10 is Ubuntu-based (apt):
        # it says ID_LIKE=debian, and deployer does not manage desktops.
        return 8 if major == "10" and not _debian_based(os_release) else None
    if family == "uos":
        # UOS Server 20 (1001c, 1002a, 1020a, ...): PLATFORM_ID="platform:uelc20", UnionTech
        # Enterprise Linux Compatible, an EL8-compatible RPM system (dnf, glibc 2.28). UOS
        # Desktop 20 is Debian-based (apt) and not a server.
        return 8 if major == "20" and _server_edition(os_release) else None
    if family == "openeuler":
        # openEuler LTS lines, by what they ship: 20.03 has glibc 2.28 and dnf 4 like EL8,
        # 22.03 glibc 2.34 and Python 3.9 like EL9 (openeuler.org release notes). The
        # innovation releases (21.03, 21.09, 23.03, ...) and 24.03 are not mapped.
        return {"20.03": 8, "22.03": 9}.get(os_release.family_version or "")
    return None


def _major(os_release: OsRelease) -> str:
    return (os_release.family_version or "").split(".")[0]


def _debian_based(os_release: OsRelease) -> bool:
    return "debian" in os_release.id_like or "ubuntu" in os_release.id_like


def _server_edition(os_release: OsRelease) -> bool:
    names = f"{os_release.name or ''} {os_release.pretty_name or ''}".lower()
    return "server" in names and not _debian_based(os_release)
