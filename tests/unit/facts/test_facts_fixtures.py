"""Every fact parser against its fixtures: tests/fixtures/facts/<fact.id>/<case>.json.

A fixture holds ``raw`` (what the snippet printed) and either ``expected`` (the parsed
value as JSON) or ``error`` (text the parser's ValueError must contain).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version
from pydantic import TypeAdapter

from deployer.facts import BY_ID, fact
from deployer.facts.osinfo import parse_os_release

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "facts"
NOT_A_FACT = {"probe"}  # whole-probe outputs, tested in test_facts_probe.py
JSON = TypeAdapter(Any)


def _cases() -> list[Any]:
    return [
        pytest.param(path, id=f"{path.parent.name}/{path.stem}")
        for path in sorted(FIXTURES.glob("*/*.json"))
        if path.parent.name not in NOT_A_FACT
    ]


@pytest.mark.parametrize("path", _cases())
def test_fact_fixture(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    declared = fact(path.parent.name)
    if "error" in case:
        with pytest.raises(ValueError, match=re.escape(case["error"])):
            declared.parse(case["raw"])
        return
    assert JSON.dump_python(declared.parse(case["raw"]), mode="json") == case["expected"]


def test_every_fixture_folder_names_a_fact() -> None:
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()} - NOT_A_FACT
    assert folders <= set(BY_ID), f"fixture folders for unknown facts: {folders - set(BY_ID)}"


def test_every_fact_has_fixtures() -> None:
    thin = [i for i in BY_ID if len(list((FIXTURES / i).glob("*.json"))) < 2]
    assert not thin, f"facts with fewer than two fixture cases: {thin}"


#: The distributions the product meets at customer sites: fixture -> (family, major version).
REQUIRED_RELEASES = {
    "centos-7.9": ("centos", 7),
    "centos-6.10-no-os-release": ("centos", 6),
    "rhel-8.9": ("rhel", 8),
    "rhel-9.4": ("rhel", 9),
    "rocky-8.9": ("rocky", 8),
    "rocky-9.3": ("rocky", 9),
    "almalinux-8.9": ("almalinux", 8),
    "almalinux-9.4": ("almalinux", 9),
    "ubuntu-20.04": ("ubuntu", 20),
    "ubuntu-22.04": ("ubuntu", 22),
    "debian-11": ("debian", 11),
    "debian-12": ("debian", 12),
    "kylin-v10-sp1-tercel": ("kylin", 10),
    "kylin-v10-sp2-sword": ("kylin", 10),
    "kylin-v10-sp3-lance": ("kylin", 10),
    "kylin-v10-sp3-halberd": ("kylin", 10),
    "kylin-desktop-v10-sp1": ("kylin", 10),
    "uos-server-20-1020a": ("uos", 20),
    "uos-server-20-1001c": ("uos", 20),
    "uos-desktop-20-pro": ("uos", 20),
    "openeuler-20.03-lts-sp3": ("openeuler", 20),
    "openeuler-22.03-lts": ("openeuler", 22),
    "openeuler-22.03-lts-sp3": ("openeuler", 22),
    "anolis-8.8": ("anolis", 8),
    "anolis-8.10": ("anolis", 8),
}


@pytest.mark.parametrize("name", sorted(REQUIRED_RELEASES))
def test_release_recognised_with_family_and_comparable_version(name: str) -> None:
    raw = json.loads((FIXTURES / "os.release" / f"{name}.json").read_text(encoding="utf-8"))["raw"]
    release = parse_os_release(raw)
    family, major = REQUIRED_RELEASES[name]
    assert release.family == family
    assert release.family_version is not None
    assert Version(release.family_version).major == major


@pytest.mark.parametrize(
    ("name", "update"),
    [
        ("kylin-v10-sp1-tercel", "SP1"),
        ("kylin-v10-sp2-sword", "SP2"),
        ("kylin-v10-sp3-lance", "SP3"),
        ("kylin-desktop-v10-sp1", "SP1"),
        ("openeuler-20.03-lts-sp3", "LTS-SP3"),
        ("centos-7.9", "7.9.2009"),
    ],
)
def test_service_pack_or_update_level(name: str, update: str) -> None:
    raw = json.loads((FIXTURES / "os.release" / f"{name}.json").read_text(encoding="utf-8"))["raw"]
    assert parse_os_release(raw).update == update


def test_kylin_server_has_no_id_like_yet_is_kylin() -> None:
    raw = (FIXTURES / "os.release" / "kylin-v10-sp2-sword.json").read_text(encoding="utf-8")
    release = parse_os_release(json.loads(raw)["raw"])
    assert release.id_like == ()
    assert (release.family, release.family_version) == ("kylin", "10")


def test_deepin_community_is_not_taken_for_uos() -> None:
    raw = (FIXTURES / "os.release" / "deepin-20.9-community.json").read_text(encoding="utf-8")
    assert parse_os_release(json.loads(raw)["raw"]).family is None


def test_uos_that_kept_the_deepin_id_is_uos() -> None:
    raw = 'PRETTY_NAME="UnionTech OS Desktop 20"\nNAME="Deepin"\nID=deepin\nVERSION_ID="20"\n'
    release = parse_os_release(raw)
    assert (release.family, release.family_version) == ("uos", "20")


def test_os_release_quoting_rules() -> None:
    raw = 'ID=\'rocky\'\nNAME="Rocky \\"Linux\\""\nVERSION_ID=9.3\n# comment\nnot an assignment\n'
    release = parse_os_release(raw)
    assert (release.id, release.name, release.version_id) == ("rocky", 'Rocky "Linux"', "9.3")
