"""The engine and interpreter chosen per host from the Pythons the probe found."""

from __future__ import annotations

import pytest

from deployer.errors import UsageError
from deployer.facts.engines import CURRENT, ENGINES, LEGACY, Manager, NoManager, choose_manager
from deployer.facts.model import PythonInstall


def py(path: str, version: str, real: str | None = None) -> PythonInstall:
    major, minor, _ = version.split(".")
    return PythonInstall(
        path=path, real=real or path, version=version, major=int(major), minor=int(minor)
    )


NONE: tuple[PythonInstall, ...] = ()
ONLY_27 = (py("/usr/bin/python2", "2.7.5", "/usr/bin/python2.7"),)
CENTOS_7 = (py("/usr/bin/python3", "3.6.8", "/usr/bin/python3.6"), *ONLY_27)
EL8 = (py("/usr/libexec/platform-python", "3.6.8", "/usr/libexec/platform-python3.6"),)
KYLIN_V10 = (py("/usr/bin/python3", "3.7.9", "/usr/bin/python3.7"), *ONLY_27)
DEBIAN_11 = (py("/usr/bin/python3", "3.9.2", "/usr/bin/python3.9"),)
DEBIAN_12 = (py("/usr/bin/python3", "3.11.2", "/usr/bin/python3.11"),)
DEBIAN_13 = (py("/usr/bin/python3", "3.13.5", "/usr/bin/python3.13"),)
ONLY_35 = (py("/usr/bin/python3", "3.5.2", "/usr/bin/python3.5"),)


def chosen(pythons: tuple[PythonInstall, ...], forced: str | None = None) -> tuple[str, str]:
    manager = choose_manager(pythons, forced)
    assert isinstance(manager, Manager), manager
    return manager.interpreter.path, manager.engine.name


@pytest.mark.parametrize(
    ("pythons", "path", "engine"),
    [
        pytest.param(ONLY_27, "/usr/bin/python2", "2.16", id="only-2.7"),
        pytest.param(CENTOS_7, "/usr/bin/python3", "2.16", id="centos-7-3-before-2"),
        pytest.param(EL8, "/usr/libexec/platform-python", "2.16", id="el8-platform-python"),
        pytest.param(KYLIN_V10, "/usr/bin/python3", "2.16", id="3.7-kylin-uos-openeuler"),
        pytest.param(DEBIAN_11, "/usr/bin/python3", "current", id="3.9-debian-11"),
        pytest.param(DEBIAN_12, "/usr/bin/python3", "current", id="3.11-debian-12"),
        pytest.param(DEBIAN_13, "/usr/bin/python3", "current", id="3.13-debian-13"),
    ],
)
def test_default_choice(pythons: tuple[PythonInstall, ...], path: str, engine: str) -> None:
    assert chosen(pythons) == (path, engine)
    manager = choose_manager(pythons)
    assert isinstance(manager, Manager) and manager.documented


@pytest.mark.parametrize(
    ("pythons", "path", "documented"),
    [
        pytest.param(ONLY_27, "/usr/bin/python2", True, id="only-2.7"),
        pytest.param(CENTOS_7, "/usr/bin/python3", True, id="centos-7"),
        pytest.param(EL8, "/usr/libexec/platform-python", True, id="el8"),
        pytest.param(KYLIN_V10, "/usr/bin/python3", True, id="3.7"),
        pytest.param(DEBIAN_11, "/usr/bin/python3", True, id="3.9"),
        pytest.param(DEBIAN_12, "/usr/bin/python3", True, id="3.11"),
        pytest.param(DEBIAN_13, "/usr/bin/python3", False, id="3.13-newer-than-documented"),
    ],
)
def test_forced_legacy_engine(
    pythons: tuple[PythonInstall, ...], path: str, documented: bool
) -> None:
    manager = choose_manager(pythons, forced="2.16")
    assert isinstance(manager, Manager)
    assert (manager.interpreter.path, manager.engine) == (path, LEGACY)
    assert manager.documented is documented


def test_newest_python_wins_and_ties_keep_the_probe_order() -> None:
    pythons = (
        py("/usr/bin/python3", "3.9.2", "/usr/bin/python3.9"),
        py("/usr/local/bin/python3.12", "3.12.4"),
        py("/usr/bin/python3.12", "3.12.4"),
        py("/usr/bin/python3.10", "3.10.14"),
    )
    assert chosen(pythons) == ("/usr/local/bin/python3.12", "current")
    # 3.12.10 is newer than 3.12.4: versions compare as numbers, not as text
    assert chosen((*pythons, py("/opt/py/bin/python3", "3.12.10"))) == (
        "/opt/py/bin/python3",
        "current",
    )


@pytest.mark.parametrize("forced", [None, "current", "2.16"])
def test_no_python_has_no_manager(forced: str | None) -> None:
    manager = choose_manager(NONE, forced)
    assert isinstance(manager, NoManager)
    assert manager.reason == "no Python found"
    assert "install python3" in manager.remediation
    assert "--bootstrap-python" in manager.remediation


@pytest.mark.parametrize("forced", [None, "2.16"])
def test_too_old_python_has_no_manager(forced: str | None) -> None:
    manager = choose_manager(ONLY_35, forced)
    assert isinstance(manager, NoManager)
    assert "3.5.2 at /usr/bin/python3" in manager.reason


@pytest.mark.parametrize(
    "pythons", [ONLY_27, CENTOS_7, EL8, KYLIN_V10], ids=["2.7", "centos-7", "el8", "3.7"]
)
def test_forced_current_refuses_what_only_2_16_manages(
    pythons: tuple[PythonInstall, ...],
) -> None:
    manager = choose_manager(pythons, forced="current")
    assert isinstance(manager, NoManager)
    assert manager.reason.startswith("engine current (ansible-core")
    assert "no --ansible-engine" in manager.remediation


def test_forced_current_on_a_current_host() -> None:
    assert chosen(DEBIAN_12, "current") == ("/usr/bin/python3", "current")


def test_unknown_forced_engine_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"unknown Ansible engine '2\.17'.*current, 2\.16"):
        choose_manager(DEBIAN_12, forced="2.17")


def test_engines_and_their_targets() -> None:
    assert list(ENGINES) == ["current", "2.16"]
    assert LEGACY.requirement == "ansible-core>=2.16,<2.17"
    assert CURRENT.requirement is None
    assert CURRENT.core.startswith("2.") and str(LEGACY) == "2.16 (ansible-core 2.16)"
    assert not CURRENT.can_run(CENTOS_7[0]) and not CURRENT.can_run(ONLY_27[0])
    assert not LEGACY.can_run(py("/usr/bin/python2.6", "2.6.6"))


EL7_WITH_PYTHON_38 = (py("/usr/local/bin/python3.8", "3.8.18"), *CENTOS_7)


def test_a_yum_host_is_managed_by_216_even_with_a_newer_python() -> None:
    # ansible-core 2.17 removed the yum module: an EL7 host with a hand-built 3.8 would get
    # the current engine and then fail at its first package task.
    manager = choose_manager(EL7_WITH_PYTHON_38, pkg_manager="yum")
    assert isinstance(manager, Manager)
    assert (manager.interpreter.path, manager.engine.name) == ("/usr/local/bin/python3.8", "2.16")
    assert manager.documented


def test_dnf_hosts_keep_the_current_engine() -> None:
    manager = choose_manager(EL7_WITH_PYTHON_38, pkg_manager="dnf")
    assert isinstance(manager, Manager)
    assert manager.engine is CURRENT


def test_forcing_the_current_engine_on_a_yum_host_says_why_not() -> None:
    manager = choose_manager(EL7_WITH_PYTHON_38, "current", pkg_manager="yum")
    assert isinstance(manager, NoManager)
    assert "no yum module" in manager.reason
    assert "2.16" in manager.remediation
