"""What each release packages of the middleware deployer installs. Pure data.

The roles install from these packages (``roles/<role>/vars/<release>.yml``); ``check`` compares
the spec with them before anything is installed. Both must say the same, so a unit test reads
the roles' vars files and compares them with this catalog. Read from the Debian mirror's
Packages indexes (main, -updates, -security) of bullseye, bookworm and trixie; the EL entries
follow the roles' EL vars files (their comments give the sources).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple


class Packaged(NamedTuple):
    """One version line a release packages, and the package that holds it."""

    version: str  # "21", "10.1", "10.5", "1.26"
    package: str


@dataclass(frozen=True)
class Offer:
    """What one release packages. Empty: nothing deployer installs (a tarball may be)."""

    jdk: tuple[Packaged, ...] = ()
    tomcat: tuple[Packaged, ...] = ()
    #: By engine: "mariadb", "mysql".
    databases: Mapping[str, Packaged] = field(default_factory=dict)
    nginx: Packaged | None = None


_OPENJDK = "openjdk-{}-jre-headless"
_EL_JDK = {"8": "java-1.8.0-openjdk-headless"}


def _debian_jdks(*majors: str) -> tuple[Packaged, ...]:
    return tuple(Packaged(major, _OPENJDK.format(major)) for major in majors)


def _el_jdks(*majors: str) -> tuple[Packaged, ...]:
    return tuple(
        Packaged(major, _EL_JDK.get(major, f"java-{major}-openjdk-headless")) for major in majors
    )


def _mariadb(series: str) -> dict[str, Packaged]:
    return {"mariadb": Packaged(series, "mariadb-server")}


CATALOG: Mapping[str, Offer] = {
    "debian-11": Offer(
        jdk=_debian_jdks("11", "17"),
        tomcat=(Packaged("9.0", "tomcat9"),),
        databases=_mariadb("10.5"),
        nginx=Packaged("1.18", "nginx"),
    ),
    "debian-12": Offer(
        jdk=_debian_jdks("17"),
        tomcat=(Packaged("10.1", "tomcat10"),),
        databases=_mariadb("10.11"),
        nginx=Packaged("1.22", "nginx"),
    ),
    "debian-13": Offer(
        jdk=_debian_jdks("21", "25"),
        tomcat=(Packaged("10.1", "tomcat10"), Packaged("11.0", "tomcat11")),
        databases=_mariadb("11.8"),
        nginx=Packaged("1.26", "nginx"),
    ),
    # EL systems package no Tomcat deployer installs: it comes from a tarball there.
    "el7": Offer(jdk=_el_jdks("8", "11"), nginx=Packaged("1.20", "nginx")),
    "el8": Offer(
        jdk=_el_jdks("8", "11", "17", "21"),
        databases={"mysql": Packaged("8.0", "mysql-server"), **_mariadb("10.3")},
        nginx=Packaged("1.14", "nginx"),
    ),
    "el9": Offer(
        jdk=_el_jdks("8", "11", "17", "21"),
        databases={"mysql": Packaged("8.0", "mysql-server"), **_mariadb("10.5")},
        nginx=Packaged("1.20", "nginx"),
    ),
}


def offer_of(release: str) -> Offer | None:
    """What ``release`` packages, or None when the catalog does not know it."""
    return CATALOG.get(release)


def same_line(wanted: str, offered: str) -> bool:
    """Whether the spec's version names the offered line, compared as far as both go:
    "10.5" and "10.5.29" are MariaDB 10.5, "11" is MariaDB 11.8, "1" is not JDK 17."""
    ours, theirs = wanted.split("."), offered.split(".")
    length = min(len(ours), len(theirs))
    return ours[:length] == theirs[:length]


def find(offers: tuple[Packaged, ...], wanted: str) -> Packaged | None:
    """The offered line the spec's version names, if any."""
    return next((offer for offer in offers if same_line(wanted, offer.version)), None)
