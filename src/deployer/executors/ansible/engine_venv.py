"""An engine's virtual environment under deployer's cache, made on first use:

    <cache>/engines/ansible-core-2.16-py3.11            -> ansible-core-2.16-py3.11.3f9a0c1e
    <cache>/engines/ansible-core-2.16-py3.11.3f9a0c1e/  the venv; deployer-engine.json last
    <cache>/engines/ansible-core-2.16-py3.11.lock       held while one is checked or made
    <cache>/engines/ansible-core-2.16-py3.11.log        the output of the last build's programs

A venv cannot be moved (its scripts name their interpreter by path), so it is built in the
folder where it stays, and the link that makes it the engine is swapped in atomically once it
has been checked. A build killed half-way leaves a folder no link names (removed by the next
build, under the lock); two runs at once build it once; a venv that no longer runs (its base
Python removed, files deleted) is built again.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import TextIO

from deployer.executors.ansible.engines import (
    CURRENT,
    VENV_ENGINES,
    ControlPython,
    EngineInstall,
    EngineSettings,
    EngineUnavailable,
    VenvEngine,
    control_python,
    current_engine,
    unknown_engine,
)
from deployer.files import held_exclusively, write_atomic

log = logging.getLogger(__name__)

#: Written last into a venv that was built and checked: what it holds.
MARKER = "deployer-engine.json"
#: How a venv's Python reports the ansible-core it can import.
_VERSION_CHECK = "import ansible.release; print(ansible.release.__version__)"
#: pip's own retries would keep a machine without network waiting for minutes.
_PIP_OPTIONS = ["--disable-pip-version-check", "--no-input", "--retries", "2", "--timeout", "30"]


def ready_engine(name: str, settings: EngineSettings) -> EngineInstall:
    """The engine called ``name``, its venv built first if it has none that works."""
    if name == CURRENT:
        return current_engine()
    engine = VENV_ENGINES.get(name)
    if engine is None:
        raise unknown_engine(name)
    return engine_venv(engine, control_python(engine), settings)


def engine_venv(
    engine: VenvEngine, python: ControlPython, settings: EngineSettings
) -> EngineInstall:
    """The engine's venv for ``python``, built first if there is none that works."""
    root = settings.cache / "engines"
    key = engine.key(python.version)
    link = root / key
    ready = _ready(engine, link)
    if ready is not None:
        return ready
    try:
        root.mkdir(parents=True, exist_ok=True)
        with held_exclusively(root / f"{key}.lock"):
            return _ready(engine, link) or _build_locked(engine, python, settings, link)
    except OSError as exc:  # the cache is not writable, the disk is full...
        where = exc.filename or root
        raise EngineUnavailable(f"engine {engine.name}: {where}: {exc.strerror}") from None


def _build_locked(
    engine: VenvEngine, python: ControlPython, settings: EngineSettings, link: Path
) -> EngineInstall:
    """Under the lock, with no working engine at ``link``: build one beside it, swap it in."""
    root, key = link.parent, link.name
    _remove_unlinked(root, key, keep=None)
    build = root / f"{key}.{secrets.token_hex(4)}"
    try:
        version = _build(engine, python, settings.wheelhouse, build, root / f"{key}.log")
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    _swap_link(link, build.name)
    _remove_unlinked(root, key, keep=build.name)
    log.info("engine %s (ansible-core %s) built in %s", engine.name, version, build)
    return EngineInstall(engine.name, version, link / "bin")


def _ready(engine: VenvEngine, link: Path) -> EngineInstall | None:
    """The engine the link names, if it was built for this requirement and still runs."""
    try:
        marker = json.loads((link / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("requirement") != engine.requirement:
        return None
    if not (link / "bin" / "ansible-playbook").is_file():
        return None
    version = _ansible_version(link / "bin" / "python")
    if version is None or version != marker.get("ansible_core"):
        return None
    return EngineInstall(engine.name, version, link / "bin")


def _ansible_version(python: Path) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 - our own venv's Python, fixed arguments
            [str(python), "-c", _VERSION_CHECK],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = done.stdout.strip()
    return version if done.returncode == 0 and version else None


def _build(
    engine: VenvEngine,
    python: ControlPython,
    wheelhouse: Path | None,
    build: Path,
    logfile: Path,
) -> str:
    """Make the venv in ``build`` and install the engine; its ansible-core version."""
    if wheelhouse is not None and not wheelhouse.is_dir():
        raise EngineUnavailable(
            f"engine {engine.name}: the wheelhouse {wheelhouse} is not a folder"
        )
    if wheelhouse is not None:
        source = f"from the wheelhouse {wheelhouse}"
        offline = ["--no-index", "--find-links", str(wheelhouse)]
    else:
        source = (
            "from the package index (without network, name a folder of wheels with "
            "--wheelhouse or DEPLOYER_WHEELHOUSE)"
        )
        offline = []
    pip = [str(build / "bin" / "python"), "-m", "pip", "install", *_PIP_OPTIONS, *offline]
    with logfile.open("w", encoding="utf-8") as output:
        failed = _step([str(python.path), "-m", "venv", str(build)], output)
        if failed is not None:
            raise EngineUnavailable(
                f"engine {engine.name}: could not make a venv with {python.path} ({failed}); "
                f"the output is in {logfile}"
            )
        failed = _step([*pip, engine.requirement], output)
        if failed is not None:
            raise EngineUnavailable(
                f"engine {engine.name}: pip could not install {engine.requirement} {source} "
                f"({failed}); pip's output is in {logfile}"
            )
    version = _ansible_version(build / "bin" / "python")
    if version is None or not (build / "bin" / "ansible-playbook").is_file():
        raise EngineUnavailable(
            f"engine {engine.name}: {engine.requirement} was installed but does not run; "
            f"the build's output is in {logfile}"
        )
    marker = {
        "requirement": engine.requirement,
        "ansible_core": version,
        "python": str(python.path),
    }
    write_atomic(build / MARKER, json.dumps(marker, indent=2) + "\n")
    return version


def _step(command: list[str], output: TextIO) -> str | None:
    """Run one program of the build with its output in the log; why it failed, or None."""
    output.write(f"$ {shlex.join(command)}\n")
    output.flush()
    try:
        done = subprocess.run(  # noqa: S603 - fixed programs; the requirement is deployer's
            command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False
        )
    except OSError as exc:
        return f"{command[0]}: {exc.strerror}"
    return None if done.returncode == 0 else f"exit {done.returncode}"


def _swap_link(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` (a sibling) in one rename; a folder left where the link
    goes (an engine made by hand, a copy) is removed first."""
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    staged = link.with_name(f".{link.name}.{secrets.token_hex(4)}")
    staged.symlink_to(target)
    os.replace(staged, link)


def _remove_unlinked(root: Path, key: str, keep: str | None) -> None:
    """Builds of ``key`` the link does not name (killed half-way, or replaced)."""
    named = os.readlink(root / key) if (root / key).is_symlink() else None
    for entry in root.glob(f"{key}.*"):
        if entry.is_dir() and not entry.is_symlink() and entry.name not in (named, keep):
            shutil.rmtree(entry, ignore_errors=True)
    for entry in root.glob(f".{key}.*"):
        if entry.is_symlink():
            entry.unlink(missing_ok=True)
