"""Which Ansible engine manages a host, and with which of its Pythons. Pure: no I/O.

ansible-core drops old target Pythons as it goes: 2.17 dropped 2.7 and 3.6, 2.18 dropped
3.7. So deployer keeps two engines: ``current``, the ansible-core it is installed with (its
targets need Python 3.8 or newer), and ``2.16``, the last release that manages 2.7 and
3.6-3.12 targets (in a virtual environment of its own). ``choose_manager`` picks, per host,
from what the probe's ``python.interpreters`` found:

* the newest Python 3.8+ with ``current``;
* else the newest 3.6/3.7, else 2.7, with ``2.16``;
* else ``NoManager``, saying why and what to install.

``forced="2.16"`` (sites that standardise on it, and the tests of that engine) manages every
host with 2.16: its newest Python 3.6+, even one newer than 2.16 documents (the scan warns
about those), else 2.7. ``forced="current"`` accepts only Python 3.8+.

A host whose packages are managed by yum (EL7) is managed by 2.16 whatever its Pythons:
ansible-core 2.17 removed the yum module, and the roles install packages with it there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata

from deployer.errors import UsageError
from deployer.facts.model import PythonInstall

PythonVersion = tuple[int, int]


def _installed_core() -> str:
    """``2.19``: the ansible-core deployer runs with, as its package metadata says."""
    try:
        return ".".join(metadata.version("ansible-core").split(".")[:2])
    except metadata.PackageNotFoundError:  # a broken install: name the requirement instead
        return ">=2.16,<2.20"


@dataclass(frozen=True)
class Engine:
    """One ansible-core line and the target Pythons it manages."""

    name: str
    #: ``2.19``, ``2.16``: shown in reports and recorded in the journal.
    core: str
    #: The pip requirement of its own virtual environment; None: deployer's own ansible-core.
    requirement: str | None
    #: Oldest Python 3 it manages, and the newest it documents (None: no upper limit known).
    oldest3: PythonVersion
    newest3: PythonVersion | None
    python2: bool
    #: Whether it still has the yum module (EL7's package manager).
    drives_yum: bool

    def can_run(self, python: PythonInstall) -> bool:
        """Whether its modules run under ``python`` at all (newer than documented included)."""
        if python.major == 2:
            return self.python2 and python.minor == 7
        return python.major == 3 and (python.major, python.minor) >= self.oldest3

    def documents(self, python: PythonInstall) -> bool:
        """Whether ``python`` is within the target Pythons this release documents."""
        if not self.can_run(python):
            return False
        return self.newest3 is None or (python.major, python.minor) <= self.newest3

    def __str__(self) -> str:
        return f"{self.name} (ansible-core {self.core})"


CURRENT = Engine("current", _installed_core(), None, (3, 8), None, python2=False, drives_yum=False)
LEGACY = Engine(
    "2.16", "2.16", "ansible-core>=2.16,<2.17", (3, 6), (3, 12), python2=True, drives_yum=True
)

ENGINES: Mapping[str, Engine] = {engine.name: engine for engine in (CURRENT, LEGACY)}


@dataclass(frozen=True)
class Manager:
    """The interpreter Ansible's modules run under on a host, and the engine that sends them."""

    interpreter: PythonInstall
    engine: Engine

    @property
    def documented(self) -> bool:
        """False when a forced engine runs a Python newer than it documents."""
        return self.engine.documents(self.interpreter)


@dataclass(frozen=True)
class NoManager:
    """No engine can manage the host: why, and what would make it manageable."""

    reason: str
    remediation: str


REMEDIATION = (
    "install python3 from the OS media (3.8 or newer; 3.6, 3.7 or 2.7 work with engine 2.16), "
    "or run apply with --bootstrap-python"
)


def choose_manager(
    pythons: tuple[PythonInstall, ...],
    forced: str | None = None,
    *,
    pkg_manager: str | None = None,
) -> Manager | NoManager:
    """The manager of a host whose probe found ``pythons`` (in order of preference) and
    ``pkg_manager`` (the probe's package manager: ``yum`` rules out the current engine)."""
    if forced is not None and forced not in ENGINES:
        raise UsageError(f"unknown Ansible engine {forced!r}: choose one of {', '.join(ENGINES)}")
    yum_host = pkg_manager == "yum" and not CURRENT.drives_yum
    if yum_host and forced == CURRENT.name:
        return NoManager(
            f"engine {CURRENT} has no yum module, which installs this host's packages",
            "leave out --ansible-engine (engine 2.16 manages yum hosts)",
        )
    if forced == LEGACY.name:
        found = _newest(p for p in pythons if p.major == 3 and LEGACY.can_run(p))
        found = found or _newest(p for p in pythons if p.major == 2 and LEGACY.can_run(p))
        return Manager(found, LEGACY) if found else _none(pythons, LEGACY)
    if not yum_host:
        found = _newest(p for p in pythons if CURRENT.can_run(p))
        if found is not None:
            return Manager(found, CURRENT)
        if forced == CURRENT.name:
            return _none(pythons, CURRENT)
    found = _newest(p for p in pythons if p.major == 3 and LEGACY.documents(p))
    found = found or _newest(p for p in pythons if p.major == 2 and LEGACY.documents(p))
    return Manager(found, LEGACY) if found else _none(pythons, None)


def _key(python: PythonInstall) -> tuple[int, ...]:
    return tuple(int(part) for part in python.version.split("."))


def _newest(pythons: Iterable[PythonInstall]) -> PythonInstall | None:
    """The newest; among equal versions the first, the probe's order being the preference."""
    best: PythonInstall | None = None
    for python in pythons:
        if best is None or _key(python) > _key(best):
            best = python
    return best


def _none(pythons: tuple[PythonInstall, ...], engine: Engine | None) -> NoManager:
    if not pythons:
        return NoManager("no Python found", REMEDIATION)
    found = ", ".join(f"{p.version} at {p.path}" for p in pythons)
    if engine is None:
        return NoManager(f"no engine manages Python {found}", REMEDIATION)
    return NoManager(
        f"engine {engine} cannot manage Python {found}",
        f"{REMEDIATION}, or let deployer choose the engine (no --ansible-engine)",
    )
