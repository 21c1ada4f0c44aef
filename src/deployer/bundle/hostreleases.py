"""Which release each of the spec's hosts runs, as ``bundle build --os`` says: a Debian
release (its packages resolved with that release's own apt, in the lab's base of it) or an
Enterprise Linux generation (el7, el8, el9: its packages are the RPMs the engineer brings
with ``--rpms``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from deployer.checks.releases import CATALOG
from deployer.errors import BundleError, UsageError
from deployer.lab.releases import OsChoice, Release, os_values

RPM_RELEASES = tuple(name for name in CATALOG if name.startswith("el"))


@dataclass(frozen=True)
class HostReleases:
    debian: Mapping[str, Release]  # host -> the lab's release
    rpm: Mapping[str, str]  # host -> "el7", "el8", "el9"

    def debian_hosts(self) -> dict[str, list[str]]:
        """Release name -> its hosts."""
        found: dict[str, list[str]] = {}
        for host, release in sorted(self.debian.items()):
            found.setdefault(release.name, []).append(host)
        return found


def host_releases(
    values: Sequence[str], names: Sequence[str], rpms: Mapping[str, Path]
) -> HostReleases:
    """Every host's release from ``--os`` values (``RELEASE`` or ``HOST=RELEASE``, the last
    one winning; the lab's default release otherwise); hosts on an EL generation need its
    ``--rpms`` folder."""
    default, chosen = os_values(values)
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        raise UsageError(f"--os names {unknown[0]!r}, not a host of the spec")
    wanted = {n: chosen.get(n) or default for n in names}
    rpm = {n: r for n, r in wanted.items() if r in RPM_RELEASES}
    debian_choice = OsChoice(hosts={n: r for n, r in wanted.items() if r and n not in rpm})
    debian = debian_choice.releases_for([n for n in names if n not in rpm])
    for host, release in sorted(rpm.items()):
        if release not in rpms:
            raise BundleError(f"{host} runs {release}: pass its RPMs with --rpms {release}=DIR")
    return HostReleases(debian, {h: r for h, r in rpm.items() if r is not None})
