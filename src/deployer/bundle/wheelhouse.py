"""A bundle's wheelhouse: a folder of wheels from which the engineer's control machine, with no
package index, installs deployer and builds its Ansible engines:

    pip install --no-index --find-links wheels/ deployer
    deployer apply ... --wheelhouse wheels/     (the 2.16 engine's venv, made from it)

It holds wheels only (``--only-binary=:all:``): pip cannot build anything for another
architecture, and the control machine at a site has no compiler to build it there. The wheels
are for one architecture and one Python, the one deployer runs under on that machine.

Each set of requirements is resolved by a pip download of its own into the same folder:
deployer's runtime dependencies (which carry the current engine's ansible-core) and each
venv engine's requirement. One resolution cannot hold two ansible-core releases; the folder
can, and each ``pip install`` there picks the one its requirement asks for.

The folder is added to, never emptied: wheels already there are not downloaded again.
"""

from __future__ import annotations

import logging
import re
import shlex
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from deployer.bundle.tools import run_tool
from deployer.errors import BundleError, UsageError
from deployer.executors.ansible.engines import VENV_ENGINES, VenvEngine

log = logging.getLogger(__name__)

#: The newest glibc a wheel may need. 2.28 is that of Kylin V10, UOS 20, EL8 and Debian 10; a
#: machine with the Python 3.10+ deployer needs rarely has an older one, and some dependencies
#: publish no aarch64 wheel for older (createrepo_c's start at manylinux_2_28).
DEFAULT_GLIBC = "2.28"
#: The oldest glibc each architecture has manylinux wheels for.
OLDEST_GLIBC: Mapping[str, int] = {"x86_64": 5, "aarch64": 17}
#: The names manylinux tags had before PEP 600, by glibc 2.N; wheels carry either or both.
_LEGACY_TAGS: Mapping[int, str] = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
#: The Python this interpreter is, e.g. "3.11".
RUNNING_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"
#: pip's own retries would keep a machine without network waiting for minutes.
_PIP_OPTIONS = ("--disable-pip-version-check", "--no-input", "--retries=2", "--timeout=30")
#: Progress bars would fill the output an error quotes.
_QUIET = ("--progress-bar=off",)
#: A whole wheelhouse takes a minute or two; a slow office link, several times that.
_PIP_TIMEOUT = 1800.0


@dataclass(frozen=True)
class WheelTarget:
    """The machine the wheels are for: its CPU, the Python deployer runs under there, and the
    newest glibc a wheel may need."""

    arch: str  # "x86_64" | "aarch64"
    python: str = RUNNING_PYTHON  # "3.11"
    glibc: str = DEFAULT_GLIBC  # "2.28"

    def __post_init__(self) -> None:
        if self.arch not in OLDEST_GLIBC:
            known = ", ".join(OLDEST_GLIBC)
            raise UsageError(f"no wheels for the architecture {self.arch!r}; known: {known}")
        if re.fullmatch(r"3\.\d+", self.python) is None:
            raise UsageError(f"Python {self.python!r}: name a Python 3 release, e.g. 3.11")
        if re.fullmatch(r"2\.\d+", self.glibc) is None or self._glibc_minor < self._oldest:
            raise UsageError(
                f"glibc {self.glibc!r}: name a release from 2.{self._oldest} on, e.g. 2.28"
            )

    @property
    def version(self) -> tuple[int, int]:
        major, minor = self.python.split(".")
        return int(major), int(minor)

    def platforms(self) -> tuple[str, ...]:
        """pip's ``--platform`` values, the newest glibc first as pip prefers them: every
        manylinux tag the machine installs. Pure-Python wheels match without one."""
        tags: list[str] = []
        for minor in range(self._glibc_minor, self._oldest - 1, -1):
            tags.append(f"manylinux_2_{minor}_{self.arch}")
            if minor in _LEGACY_TAGS:
                tags.append(f"{_LEGACY_TAGS[minor]}_{self.arch}")
        return tuple(tags)

    def abis(self) -> tuple[str, ...]:
        """CPython's own ABI, then the stable ABI, then none (pure Python, or ctypes)."""
        major, minor = self.version
        return (f"cp{major}{minor}", "abi3", "none")

    def describe(self) -> str:
        return f"{self.arch} Python {self.python} glibc {self.glibc}"

    @property
    def _glibc_minor(self) -> int:
        return int(self.glibc.split(".")[1])

    @property
    def _oldest(self) -> int:
        return OLDEST_GLIBC[self.arch]


@dataclass(frozen=True)
class WheelSet:
    """Requirements resolved together by one pip download, for one Python."""

    name: str  # "deployer", "engine 2.16"
    requirements: tuple[str, ...]
    target: WheelTarget


def download_argv(
    target: WheelTarget, requirements: Sequence[str], dest: Path, python: Path
) -> list[str]:
    """The pip command that downloads ``requirements`` and their dependencies into ``dest``,
    as wheels for ``target`` whatever machine runs it."""
    platforms = [arg for tag in target.platforms() for arg in ("--platform", tag)]
    abis = [arg for abi in target.abis() for arg in ("--abi", abi)]
    return [
        str(python),
        "-m",
        "pip",
        "download",
        *_PIP_OPTIONS,
        *_QUIET,
        "--only-binary=:all:",
        *platforms,
        "--python-version",
        target.python,
        "--implementation",
        "cp",
        *abis,
        "--dest",
        str(dest),
        *requirements,
    ]


def wheel_argv(source: Path, dest: Path, python: Path) -> list[str]:
    """The pip command that builds deployer's own wheel from ``source`` into ``dest``.

    With build isolation: pip fetches the setuptools pyproject.toml asks for, which
    deployer's own environment need not have (its dependencies do not include it)."""
    pip = [str(python), "-m", "pip", "wheel", *_PIP_OPTIONS, *_QUIET]
    return [*pip, "--no-deps", "--wheel-dir", str(dest), str(source)]


def requirements_for_bundle(
    target: WheelTarget, dist: metadata.Distribution | None = None
) -> list[WheelSet]:
    """What the wheelhouse holds, one pip download each: deployer's runtime dependencies
    (those ``dist`` declares, by default the installed deployer; extras such as ``test`` left
    out) and each venv engine's requirement."""
    if dist is None:
        try:
            dist = metadata.distribution("deployer")
        except metadata.PackageNotFoundError:
            raise BundleError("deployer is not installed: its dependencies are unknown") from None
    requires_python = (dist.metadata.get_all("Requires-Python") or [""])[0]
    if requires_python and not SpecifierSet(requires_python).contains(target.python):
        raise UsageError(f"Python {target.python}: deployer runs on Python {requires_python}")
    own = WheelSet("deployer", tuple(runtime_requirements(dist.requires or [], target)), target)
    engines = [
        WheelSet(
            f"engine {engine.name}",
            (engine.requirement,),
            WheelTarget(target.arch, engine_python(engine, target.python), target.glibc),
        )
        for engine in VENV_ENGINES.values()
    ]
    return [own, *engines]


def runtime_requirements(declared: Sequence[str], target: WheelTarget) -> list[str]:
    """The declared requirements that apply on ``target`` with no extra, markers dropped:
    pip would judge them by the machine that downloads, not the one that installs."""
    environment = _marker_environment(target)
    kept = []
    for line in declared:
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise BundleError(f"deployer's metadata: {line!r}: {exc}") from None
        if requirement.marker is not None:
            if not requirement.marker.evaluate(environment):
                continue
            requirement.marker = None
        kept.append(str(requirement))
    return kept


def _marker_environment(target: WheelTarget) -> dict[str, str]:
    """The marker values of CPython on Linux on ``target``, with no extra asked for; the
    markers of no concern here (e.g. platform_release) keep this machine's values."""
    return {
        "extra": "",
        "python_version": target.python,
        "python_full_version": f"{target.python}.0",
        "implementation_name": "cpython",
        "implementation_version": f"{target.python}.0",
        "platform_python_implementation": "CPython",
        "platform_machine": target.arch,
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
    }


def engine_python(engine: VenvEngine, python: str) -> str:
    """The Python the engine's venv is made from on the target, as ``control_python`` picks
    it: deployer's own when the engine runs on it, else the newest the engine runs on."""
    major, minor = (int(part) for part in python.split("."))
    if (major, minor) in engine.control_pythons:
        return python
    newest = engine.control_pythons[-1]
    return f"{newest[0]}.{newest[1]}"


def source_checkout() -> Path | None:
    """The checkout this deployer runs from (an editable install), else None (installed from
    a wheel, whose own files cannot make a wheel again)."""
    root = Path(__file__).resolve().parents[3]
    return root if (root / "pyproject.toml").is_file() and (root / "src").is_dir() else None


def build_wheelhouse(
    dest: Path,
    target: WheelTarget,
    project_root: Path | None,
    python: Path = Path(sys.executable),
) -> list[Path]:
    """Fill ``dest`` with the wheels ``target`` needs; every file now in it, sorted.

    ``project_root`` is the checkout deployer's own wheel is built from, and the
    dependencies are those of that wheel. None leaves the wheel out (a release adds the one
    it built and tested; an installed deployer's files cannot make one again), and the
    dependencies are the installed deployer's. ``python`` runs pip."""
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BundleError(f"wheelhouse {dest}: {exc.strerror}") from None
    dist = None if project_root is None else _build_own_wheel(project_root, dest, python)
    for wheel_set in requirements_for_bundle(target, dist):
        argv = download_argv(wheel_set.target, wheel_set.requirements, dest, python)
        _run_pip(argv, f"wheels of {wheel_set.name} for {wheel_set.target.describe()}")
    return sorted(path for path in dest.iterdir() if path.is_file())


def _build_own_wheel(project_root: Path, dest: Path, python: Path) -> metadata.Distribution:
    """deployer's wheel moved into ``dest``; the metadata it carries.

    Built from a copy of the checkout: setuptools builds in the source tree, and a module
    removed from src/ would live on in an old build/ folder there."""
    if not (project_root / "pyproject.toml").is_file():
        raise BundleError(f"{project_root}: no pyproject.toml, not a deployer checkout")
    with tempfile.TemporaryDirectory(prefix="deployer-wheel-") as scratch:
        source, built = Path(scratch) / "deployer", Path(scratch) / "wheel"
        try:
            shutil.copytree(project_root, source, ignore=_not_sources(project_root))
        except (OSError, shutil.Error) as exc:
            raise BundleError(f"cannot copy the checkout {project_root}: {exc}") from None
        _run_pip(wheel_argv(source, built, python), f"deployer's wheel from {project_root}")
        wheels = list(built.glob("*.whl"))
        if len(wheels) != 1:
            raise BundleError(f"deployer's wheel from {project_root}: pip made {len(wheels)}")
        try:
            wheel = Path(shutil.move(wheels[0], dest / wheels[0].name))
        except OSError as exc:
            raise BundleError(f"wheelhouse {dest}: {exc.strerror}") from None
    return wheel_distribution(wheel)


def wheel_distribution(wheel: Path) -> metadata.Distribution:
    """The metadata inside a wheel, read as ``importlib.metadata`` reads an installed one."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleError(f"{wheel}: not a wheel: {exc}") from None
    found = [name for name in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", name)]
    if len(found) != 1:
        raise BundleError(f"{wheel}: not a wheel: no single .dist-info/METADATA")
    return metadata.PathDistribution(zipfile.Path(wheel, found[0].rsplit("/", 1)[0] + "/"))


def _not_sources(root: Path) -> Callable[[str, list[str]], set[str]]:
    """What the copy leaves out: at the top, hidden folders (.git, .venv, caches, run
    records) and build output; everywhere, bytecode and egg-info."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
        if Path(folder) == root:
            skipped |= {n for n in names if n.startswith(".") or n in ("build", "dist")}
        return skipped

    return ignore


def _run_pip(argv: list[str], what: str) -> None:
    """Run one pip command; a failure says what it was for, then the command and pip's last
    lines."""
    log.info("%s: %s", what, shlex.join(argv))
    try:
        run_tool(argv, timeout=_PIP_TIMEOUT)
    except BundleError as exc:
        raise BundleError(f"{what}: {exc}") from exc
