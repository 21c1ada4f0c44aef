"""Overlay mounts for host root filesystems, and finding mounts the lab left behind."""

from __future__ import annotations

import logging
from pathlib import Path

from deployer.errors import LabError
from deployer.lab.processes import run

log = logging.getLogger(__name__)
MOUNTINFO = Path("/proc/self/mountinfo")
#: Characters that overlayfs' option string cannot carry in a path.
_UNSAFE = (",", ":", "\n", "\\")


def parse_mountinfo(text: str) -> list[str]:
    """Mount points listed in a ``/proc/self/mountinfo`` text (octal escapes decoded)."""
    points: list[str] = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) > 4:
            points.append(_unescape(fields[4]))
    return points


def _unescape(field: str) -> str:
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def mounts_under(folder: Path, text: str | None = None) -> list[str]:
    """Mount points at or below ``folder``, deepest first (the order to unmount them)."""
    text = MOUNTINFO.read_text() if text is None else text
    top = str(folder)
    inside = [p for p in parse_mountinfo(text) if p == top or p.startswith(top.rstrip("/") + "/")]
    return sorted(set(inside), key=lambda p: (-p.count("/"), p))


def mount_overlay(lower: Path, upper: Path, work: Path, target: Path) -> None:
    for path in (lower, upper, work, target):
        if any(c in str(path) for c in _UNSAFE):
            raise LabError(f"cannot use {path} for an overlay mount: it contains one of , : \\")
    for path in (upper, work, target):
        path.mkdir(parents=True, exist_ok=True)
    options = f"lowerdir={lower},upperdir={upper},workdir={work}"
    run(["mount", "-t", "overlay", "deployer-lab", "-o", options, str(target)])


def unmount_all(folder: Path) -> None:
    """Unmount everything at or below ``folder``; lazily if a mount stays busy."""
    for point in mounts_under(folder):
        try:
            run(["umount", point])
        except LabError:
            log.warning("%s is busy; detaching it lazily", point)
            run(["umount", "--lazy", point])
    left = mounts_under(folder)
    if left:
        raise LabError(f"could not unmount {left[0]}")
