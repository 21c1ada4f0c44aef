"""The Debian releases the lab builds hosts from, and ``--os [HOST=]RELEASE`` choices.

Release names are the platform keys the rest of deployer uses (``debian-12``), so a lab
host's release reads the same in ``lab status``, in the probe's facts and in role vars.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from deployer.errors import UsageError


@dataclass(frozen=True)
class Release:
    name: str  # "debian-12"
    suite: str  # "bookworm": the archive's codename, also in the base image's cache key
    version: str  # "12", as VERSION_ID in the host's /etc/os-release


RELEASES: dict[str, Release] = {
    r.name: r
    for r in (
        Release("debian-11", "bullseye", "11"),
        Release("debian-12", "bookworm", "12"),
        Release("debian-13", "trixie", "13"),
    )
}
DEFAULT_RELEASE = "debian-12"


def buildable() -> str:
    """What the lab can build, for error messages and help texts."""
    return ", ".join(
        f"{name} ({r.suite}{', the default' if name == DEFAULT_RELEASE else ''})"
        for name, r in RELEASES.items()
    )


def release_named(name: str) -> Release:
    """The release called ``name``; UsageError naming what the lab can build otherwise."""
    found = RELEASES.get(name)
    if found is None:
        raise UsageError(f"the lab cannot build {name!r}; it builds {buildable()}")
    return found


@dataclass(frozen=True)
class OsChoice:
    """Which release each lab host runs: the one ``hosts`` names for it, else ``default``,
    else the one it ran before a rebuild (``remembered``), else DEFAULT_RELEASE."""

    default: str | None = None
    hosts: Mapping[str, str] = field(default_factory=dict)
    remembered: Mapping[str, str] = field(default_factory=dict)

    def remembering(self, previous: Mapping[str, str]) -> OsChoice:
        return replace(self, remembered=dict(previous))

    def releases_for(self, names: Sequence[str]) -> dict[str, Release]:
        """Each of ``names`` (the spec's hosts) with its release; UsageError when a
        choice names a host the spec does not have or a release the lab cannot build."""
        unknown = [h for h in self.hosts if h not in names]
        if unknown:
            raise UsageError(
                f"--os names {_words(unknown)}, not a host of the spec; "
                f"its hosts: {', '.join(names)}"
            )
        return {
            name: release_named(
                self.hosts.get(name) or self.default or self.remembered.get(name) or DEFAULT_RELEASE
            )
            for name in names
        }


def parse_os(values: Iterable[str]) -> OsChoice:
    """``--os`` values: ``RELEASE`` for every host, ``HOST=RELEASE`` for one (the last
    value wins where two say the same)."""
    default, hosts = os_values(values)
    for name in [default, *hosts.values()]:
        if name is not None:
            release_named(name)
    return OsChoice(default, hosts)


def os_values(values: Iterable[str]) -> tuple[str | None, dict[str, str]]:
    """``--os`` values as (the release of every host, per host), the last value winning;
    the names are not checked here."""
    default: str | None = None
    hosts: dict[str, str] = {}
    for value in values:
        host, sep, name = value.rpartition("=")
        if sep and not host:
            raise UsageError(f"--os {value!r}: expected RELEASE or HOST=RELEASE")
        if sep:
            hosts[host] = name
        else:
            default = name
    return default, hosts


def _words(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names)
