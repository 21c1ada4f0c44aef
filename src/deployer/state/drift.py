"""What changed on a host since deployer last left it: its record against its items now.
Each difference names the role that manages the item, so the run knows which stage repairs it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from deployer.state.model import FileState, HostRecord, RoleState, ServiceState


class DriftKind(str, Enum):
    FILE_EDITED = "file edited"
    FILE_MISSING = "file missing"
    MODE_CHANGED = "mode changed"
    OWNER_CHANGED = "owner changed"
    LINK_MOVED = "link moved"
    LINK_MISSING = "link missing"
    PACKAGE_REMOVED = "package removed"
    PACKAGE_CHANGED = "package changed"
    SERVICE_STOPPED = "service stopped"
    SERVICE_DISABLED = "service disabled"
    USER_MISSING = "user missing"


_LINK = (DriftKind.LINK_MISSING, DriftKind.LINK_MOVED)
_PACKAGE = (DriftKind.PACKAGE_REMOVED, DriftKind.PACKAGE_CHANGED)


@dataclass(frozen=True)
class Drift:
    host: str
    role: str
    kind: DriftKind
    item: str  # the path, package, service or user
    was: str = ""
    now: str = ""

    @property
    def change(self) -> str:
        """`` (was -> now)``, or nothing where neither is known."""
        return f" ({self.was} -> {self.now})" if self.was or self.now else ""

    def describe(self) -> str:
        return f"{self.host}: {self.role}: {self.item}: {self.kind.value}{self.change}"

    def to_json(self) -> dict[str, str]:
        return {
            "host": self.host,
            "role": self.role,
            "kind": self.kind.value,
            "item": self.item,
            "was": self.was,
            "now": self.now,
        }


def drift(host: str, record: HostRecord, now: Mapping[str, RoleState]) -> list[Drift]:
    """Every item of ``record`` that is not as recorded, role by role, in the record's order."""
    found: list[Drift] = []
    for role, recorded in record.roles.items():
        current = now.get(role, RoleState())
        found += _files(host, role, recorded, current)
        found += _named(host, role, recorded.links, current.links, _LINK)
        found += _named(host, role, recorded.packages, current.packages, _PACKAGE)
        found += _services(host, role, recorded, current)
        found += [
            Drift(host, role, DriftKind.USER_MISSING, name)
            for name, present in recorded.users.items()
            if present and not current.users.get(name, False)
        ]
    return found


def _files(host: str, role: str, recorded: RoleState, current: RoleState) -> list[Drift]:
    found = []
    for path, was in recorded.files.items():
        if not was.exists:
            continue  # it was missing when recorded: nothing to compare with
        now = current.files.get(path, FileState(exists=False))
        if not now.exists:
            found.append(Drift(host, role, DriftKind.FILE_MISSING, path))
            continue
        if now.sha256 != was.sha256:
            found.append(
                Drift(
                    host, role, DriftKind.FILE_EDITED, path, _short(was.sha256), _short(now.sha256)
                )
            )
        if now.mode != was.mode:
            found.append(Drift(host, role, DriftKind.MODE_CHANGED, path, was.mode, now.mode))
        if (now.owner, now.group) != (was.owner, was.group):
            found.append(
                Drift(
                    host,
                    role,
                    DriftKind.OWNER_CHANGED,
                    path,
                    f"{was.owner}:{was.group}",
                    f"{now.owner}:{now.group}",
                )
            )
    return found


def _named(
    host: str,
    role: str,
    recorded: Mapping[str, str | None],
    current: Mapping[str, str | None],
    kinds: tuple[DriftKind, DriftKind],
) -> list[Drift]:
    """Links (to their targets) or packages (to their versions): each recorded one now
    missing, or now another; ``kinds`` is (missing, changed)."""
    missing, changed = kinds
    found = []
    for name, was in recorded.items():
        if was is None:
            continue  # it was missing when recorded: nothing to compare with
        now = current.get(name)
        if now is None:
            found.append(Drift(host, role, missing, name, was))
        elif now != was:
            found.append(Drift(host, role, changed, name, was, now))
    return found


def _services(host: str, role: str, recorded: RoleState, current: RoleState) -> list[Drift]:
    found = []
    for name, was in recorded.services.items():
        now = current.services.get(name, ServiceState())
        if was.active == "active" and now.active != "active":
            found.append(
                Drift(host, role, DriftKind.SERVICE_STOPPED, name, was.active, now.active or "?")
            )
        if was.enabled == "enabled" and now.enabled != "enabled":
            found.append(
                Drift(host, role, DriftKind.SERVICE_DISABLED, name, was.enabled, now.enabled or "?")
            )
    return found


def _short(digest: str) -> str:
    return f"sha256 {digest[:12]}" if digest else "unreadable"
