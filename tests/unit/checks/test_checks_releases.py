"""The release catalog `check` judges a spec by, and the roles' vars files that install from
the same packages: one truth, read from both sides here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from deployer.checks import Status, packaged
from deployer.checks.context import HostContext
from deployer.checks.releases import CATALOG, Offer, Packaged, find, same_line
from deployer.facts import HostFacts
from deployer.facts.platform import RELEASES
from tests.support.checks import REPO, example

ROLES = REPO / "roles"


def _role_vars(role: str, release: str) -> dict[str, Any]:
    path = ROLES / role / "vars" / f"{release}.yml"
    assert path.is_file(), f"{path} is missing"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def _by_version(lines: tuple[Packaged, ...]) -> dict[str, str]:
    return {line.version: line.package for line in lines}


def test_the_catalog_knows_every_release_the_platforms_name() -> None:
    assert sorted(CATALOG) == sorted(RELEASES)


def test_every_release_vars_file_has_a_catalog_entry() -> None:
    named = {path.stem for path in ROLES.glob("*/vars/*.yml")} - {"main", "Debian", "RedHat"}
    releases = {name for name in named if not name.startswith("tarball")}
    assert releases <= set(CATALOG), releases - set(CATALOG)


@pytest.mark.parametrize("release", sorted(CATALOG))
def test_the_jdk_role_installs_what_the_catalog_offers(release: str) -> None:
    found = _role_vars("jdk", release).get("__jdk_release_packages", {})
    assert found == _by_version(CATALOG[release].jdk)


@pytest.mark.parametrize("release", sorted(CATALOG))
def test_the_tomcat_role_installs_what_the_catalog_offers(release: str) -> None:
    found = _role_vars("tomcat", release).get("__tomcat_release_packages", {})
    assert found == _by_version(CATALOG[release].tomcat)


def _server_packages(role_vars: dict[str, Any], engine: str) -> list[str]:
    """A release packaging one server names its packages directly; one with a choice of
    servers names them per engine."""
    servers = role_vars.get("__mysql_servers")
    if servers is not None:
        return list(servers[engine]["packages"])
    return list(role_vars["__mysql_packages"])


@pytest.mark.parametrize("release", sorted(CATALOG))
def test_the_mysql_role_installs_what_the_catalog_offers(release: str) -> None:
    role_vars = _role_vars("mysql", release)
    offer = CATALOG[release].databases
    assert role_vars.get("__mysql_release_servers", {}) == {
        engine: line.version for engine, line in offer.items()
    }
    for engine, line in offer.items():
        assert line.package in _server_packages(role_vars, engine), (engine, line)


@pytest.mark.parametrize("release", sorted(CATALOG))
def test_the_nginx_role_installs_what_the_catalog_offers(release: str) -> None:
    role_vars = _role_vars("nginx", release)
    offer = CATALOG[release].nginx
    assert offer is not None
    assert role_vars["__nginx_release_version"] == offer.version
    assert role_vars["__nginx_packages"] == [offer.package]


@pytest.mark.parametrize("release", sorted(CATALOG))
def test_the_product_role_has_the_release(release: str) -> None:
    assert _role_vars("product", release)["__product_packages"]


@pytest.mark.parametrize(
    ("wanted", "offered", "same"),
    [
        ("17", "17", True),
        ("1", "17", False),
        ("10.1", "10.1", True),
        ("10.1.20", "10.1", True),
        ("10.1", "11.0", False),
        ("10.5", "10.5", True),
        ("10.5.29", "10.5", True),
        ("10.11", "10.5", False),
        ("11", "11.8", True),
    ],
)
def test_same_line(wanted: str, offered: str, same: bool) -> None:
    assert same_line(wanted, offered) is same


def test_find_names_the_package() -> None:
    offer = Offer(jdk=(Packaged("21", "openjdk-21-jre-headless"), Packaged("25", "x")))
    assert find(offer.jdk, "21") == Packaged("21", "openjdk-21-jre-headless")
    assert find(offer.jdk, "17") is None


def test_a_host_whose_os_is_unknown_gets_unknown_not_a_crash(lab_facts: HostFacts) -> None:
    env, matrix = example()
    facts = HostFacts.from_dict({**lab_facts.to_dict(), "os": None})
    app1 = env.host("app1")
    assert app1 is not None
    results = packaged.check(HostContext(env, matrix, app1, facts))
    assert {r.check_id: r.status for r in results} == {
        "release.jdk": Status.UNKNOWN,
        "release.tomcat": Status.UNKNOWN,
        "release.nginx": Status.UNKNOWN,
    }
    assert not any(r.blocks for r in results)


def test_failures_name_the_alternatives_and_the_tarball(lab_facts: HostFacts) -> None:
    env, matrix = example({"middleware": {"jdk": {"version": "17"}}})
    trixie = {**lab_facts.to_dict()["os"], "version_id": "13", "family_version": "13"}
    facts = HostFacts.from_dict({**lab_facts.to_dict(), "os": trixie})
    app1 = env.host("app1")
    assert app1 is not None
    results = packaged.check(HostContext(env, matrix, app1, facts))
    jdk = next(r for r in results if r.check_id == "release.jdk")
    assert jdk.status is Status.FAIL and jdk.blocks
    assert jdk.remediation == (
        "JDK 17 is not in debian-13; it offers 21, 25: set middleware.jdk.version, "
        "or install from a tarball (middleware.jdk.source)."
    )


def test_release_files_are_plain_data() -> None:
    """The catalog test compares literal values: a release's vars file holds no templates
    (the family-wide file derives the rest)."""
    for path in sorted(ROLES.glob("*/vars/debian-*.yml")):
        assert "{{" not in Path(path).read_text(encoding="utf-8"), path
