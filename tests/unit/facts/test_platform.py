"""The platform (family, release key, package manager) of every recorded os-release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deployer.facts.osinfo import parse_os_release
from deployer.facts.platform import RELEASES, Platform, platform_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "facts" / "os.release"

# Every fixture is listed, so that a new recording has to say what it maps to.
EXPECTED: dict[str, tuple[str, str, str] | None] = {
    "almalinux-8.9": ("RedHat", "el8", "dnf"),
    "almalinux-9.4": ("RedHat", "el9", "dnf"),
    "anolis-8.10": ("RedHat", "el8", "dnf"),
    "anolis-8.8": ("RedHat", "el8", "dnf"),
    "centos-6.10-no-os-release": None,
    "centos-7.9": ("RedHat", "el7", "yum"),
    "debian-11": ("Debian", "debian-11", "apt"),
    "debian-12": ("Debian", "debian-12", "apt"),
    "deepin-20.9-community": None,
    # Kylin's and UOS's desktops are Ubuntu/Debian-based: no server roles for them.
    "kylin-desktop-v10-edu": None,
    "kylin-desktop-v10-sp1": None,
    "kylin-v10-sp1-tercel": ("RedHat", "el8", "dnf"),
    "kylin-v10-sp2-sword": ("RedHat", "el8", "dnf"),
    "kylin-v10-sp3-halberd": ("RedHat", "el8", "dnf"),
    "kylin-v10-sp3-lance": ("RedHat", "el8", "dnf"),
    "openeuler-20.03-lts-sp3": ("RedHat", "el8", "dnf"),
    "openeuler-22.03-lts": ("RedHat", "el9", "dnf"),
    "openeuler-22.03-lts-sp3": ("RedHat", "el9", "dnf"),
    "rhel-6.10-no-os-release": None,
    "rhel-8.9": ("RedHat", "el8", "dnf"),
    "rhel-9.4": ("RedHat", "el9", "dnf"),
    "rocky-8.9": ("RedHat", "el8", "dnf"),
    "rocky-9.3": ("RedHat", "el9", "dnf"),
    "ubuntu-20.04": None,
    "ubuntu-22.04": None,
    "uos-desktop-20-pro": None,
    "uos-server-20-1001c": ("RedHat", "el8", "dnf"),
    "uos-server-20-1020a": ("RedHat", "el8", "dnf"),
}


def recorded(case: str) -> Platform | None:
    raw = json.loads((FIXTURES / f"{case}.json").read_text(encoding="utf-8"))["raw"]
    return platform_of(parse_os_release(raw))


def test_every_recording_is_listed() -> None:
    assert sorted(path.stem for path in FIXTURES.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize(("case", "expected"), sorted(EXPECTED.items()))
def test_platform_of_recording(case: str, expected: tuple[str, str, str] | None) -> None:
    found = recorded(case)
    assert (None if found is None else (found.family, found.release, found.pkg_manager)) == (
        expected
    )
    assert found is None or found.release in RELEASES


@pytest.mark.parametrize(
    ("text", "release"),
    [
        pytest.param('ID=debian\nVERSION_ID="13"\n', "debian-13", id="debian-13"),
        pytest.param('ID=debian\nVERSION_ID="10"\n', None, id="debian-10"),
        pytest.param("ID=debian\n", None, id="debian-testing-no-version"),
        pytest.param('ID="centos"\nVERSION_ID="8"\n', "el8", id="centos-stream-8"),
        pytest.param('ID="anolis"\nVERSION_ID="7.9"\n', "el7", id="anolis-7"),
        pytest.param('ID="anolis"\nVERSION_ID="23"\n', None, id="anolis-23-own-line"),
        pytest.param('ID="rhel"\nVERSION_ID="10.0"\n', None, id="rhel-10-no-vars"),
        pytest.param('ID="openEuler"\nVERSION_ID="24.03"\n', None, id="openeuler-24.03"),
        pytest.param('ID="kylin"\nVERSION_ID="V7"\n', None, id="kylin-v7"),
    ],
)
def test_platform_of_other_releases(text: str, release: str | None) -> None:
    found = platform_of(parse_os_release(text))
    assert (found.release if found else None) == release


def test_platform_is_the_roles_host_variable() -> None:
    assert recorded("centos-7.9") == Platform("RedHat", "el7", "yum")
    assert Platform("RedHat", "el7", "yum").to_dict() == {
        "family": "RedHat",
        "release": "el7",
        "pkg_manager": "yum",
    }
