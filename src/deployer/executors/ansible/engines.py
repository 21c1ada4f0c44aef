"""The Ansible engines on the control machine: where each one's ansible-playbook is.

"current" is the ansible-core deployer is installed with, in deployer's own environment
(``runner.search_path``). "2.16", the last ansible-core that manages Python 2.7 and 3.6
targets, lives in a virtual environment of its own under deployer's cache, made on first use
(``engine_venv``) from the package index or, offline, from a wheelhouse folder.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from deployer.errors import DeployerError, ExitCode
from deployer.facts.engines import ENGINES
from deployer.facts.model import PythonInstall

#: The engine of deployer's own environment.
CURRENT = ENGINES["current"].name
#: Where the wheelhouse for offline engine builds is named, when no option names it.
WHEELHOUSE_ENV = "DEPLOYER_WHEELHOUSE"


class EngineUnavailable(DeployerError):
    """An engine could not be made ready on this machine (no suitable Python, no network and
    no wheelhouse, pip failed)."""

    exit_code = ExitCode.ENGINE_UNAVAILABLE


@dataclass(frozen=True)
class VenvEngine:
    """An engine deployer installs into a venv of its own."""

    name: str
    requirement: str  # what pip installs
    #: The control Pythons it runs on, oldest first (ansible-core's own support range).
    control_pythons: tuple[tuple[int, int], ...]

    def key(self, python: tuple[int, int]) -> str:
        """The venv's name: one per engine and control Python."""
        return f"ansible-core-{self.name}-py{python[0]}.{python[1]}"


#: The control Pythons each ansible-core line runs on (its own support matrix): 2.16 needs
#: 3.10-3.12 on the control machine whatever the targets run.
CONTROL_PYTHONS: Mapping[str, tuple[tuple[int, int], ...]] = {"2.16": ((3, 10), (3, 11), (3, 12))}

#: Engines deployer builds, by name: those of ``facts.engines`` that carry a requirement.
VENV_ENGINES: Mapping[str, VenvEngine] = {
    engine.name: VenvEngine(engine.name, engine.requirement, CONTROL_PYTHONS[engine.name])
    for engine in ENGINES.values()
    if engine.requirement is not None
}


@dataclass(frozen=True)
class EngineInstall:
    """An engine ready to run: its ansible-core version and the folder of its programs."""

    name: str
    version: str  # ansible-core's, e.g. 2.16.14
    bin_dir: Path

    @property
    def playbook(self) -> Path:
        return self.bin_dir / "ansible-playbook"


@dataclass(frozen=True)
class EngineSettings:
    """Where engines are kept, where an offline build takes its wheels from, and the engine
    every host is forced onto (--ansible-engine; None: each host's own choice)."""

    cache: Path  # <cache>/engines/...
    wheelhouse: Path | None = None
    forced: str | None = None


@dataclass(frozen=True)
class ControlPython:
    path: Path
    version: tuple[int, int]


def cache_dir_from(environ: Mapping[str, str], home: Path) -> Path:
    """``$XDG_CACHE_HOME/deployer``, else ``~/.cache/deployer`` (the lab's cache is beside)."""
    base = environ.get("XDG_CACHE_HOME") or str(home / ".cache")
    return Path(base) / "deployer"


def wheelhouse_from(option: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The wheelhouse the option names, else the one ``DEPLOYER_WHEELHOUSE`` names."""
    if option is not None:
        return option
    named = environ.get(WHEELHOUSE_ENV)
    return Path(named) if named else None


def current_engine() -> EngineInstall:
    """The ansible-core installed with deployer, in the folder of this Python."""
    try:
        version = metadata.version("ansible-core")
    except metadata.PackageNotFoundError:
        raise EngineUnavailable(
            "engine current: ansible-core is not installed with deployer; reinstall deployer"
        ) from None
    return EngineInstall(CURRENT, version, Path(sys.executable).parent)


def control_python(
    engine: VenvEngine,
    running: tuple[int, int] = (sys.version_info[0], sys.version_info[1]),
    executable: str = sys.executable,
    which: Callable[[str], str | None] = shutil.which,
) -> ControlPython:
    """The Python the engine's venv is made from: deployer's own when the engine runs on it,
    else the newest ``python3.N`` on PATH it runs on."""
    if running in engine.control_pythons:
        return ControlPython(Path(executable), running)
    for version in reversed(engine.control_pythons):
        found = which(f"python{version[0]}.{version[1]}")
        if found:
            return ControlPython(Path(found), version)
    names = ", ".join(f"python{major}.{minor}" for major, minor in engine.control_pythons)
    raise EngineUnavailable(
        f"engine {engine.name} ({engine.requirement}) runs on Python "
        f"{_versions(engine.control_pythons)} on this machine, deployer runs on "
        f"{running[0]}.{running[1]}, and none of {names} is on PATH: install one of them "
        "(e.g. from the OS packages or python.org)"
    )


def _versions(versions: tuple[tuple[int, int], ...]) -> str:
    texts = [f"{major}.{minor}" for major, minor in versions]
    return ", ".join(texts[:-1]) + f" or {texts[-1]}" if len(texts) > 1 else texts[0]


def unknown_engine(name: str) -> EngineUnavailable:
    known = ", ".join([CURRENT, *VENV_ENGINES])
    return EngineUnavailable(f"no Ansible engine named {name!r}; deployer knows {known}")


@dataclass(frozen=True)
class ManagedHost:
    """How the executor manages one host: the Python its modules run under, the engine
    (ready on this machine) that sends them, and the host's platform as the roles read it
    (``deployer_platform``: family, release, pkg_manager; None: the roles' own fallback)."""

    interpreter: PythonInstall
    engine: EngineInstall
    platform: Mapping[str, str] | None = None

    def record(self) -> dict[str, Any]:
        """What the journal keeps: which engine and interpreter managed the host, and the
        platform the roles were given (None included: a rollback reuses it unprobed)."""
        return {
            "engine": self.engine.name,
            "ansible_core": self.engine.version,
            "interpreter": self.interpreter.path,
            "python": self.interpreter.version,
            "platform": dict(self.platform) if self.platform is not None else None,
        }
