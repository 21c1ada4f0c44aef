"""The pure parts of a bundle: which packages a release's repository starts from (the same
names the roles' vars files install), apt's archive names, the manifest and SHA256SUMS, and
where the spec's files go in the bundle."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from deployer.bundle.aptresolve import apt_options, archive_names
from deployer.bundle.debrepo import release_text
from deployer.bundle.hostreleases import host_releases
from deployer.bundle.manifest import (
    BundleFile,
    Manifest,
    describe,
    file_digest,
    manifest_bytes,
    parse_manifest,
    sums_text,
)
from deployer.bundle.packages import debian_packages
from deployer.bundle.sitefiles import differences, site_files
from deployer.bundle.use import packages_for_run
from deployer.bundle.verify import VerifiedBundle
from deployer.errors import BundleError, UsageError
from deployer.lab.overlay import absolutise
from deployer.spec import load_environment
from tests.support.example_specs import EXAMPLES, example_spec

ROLES = Path(__file__).resolve().parents[2] / "roles"
SHA = "a" * 64


def _vars(role: str, release: str) -> dict[str, object]:
    loaded = yaml.safe_load((ROLES / role / "vars" / f"{release}.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.mark.parametrize("release", ["debian-11", "debian-12", "debian-13"])
def test_the_packages_are_the_ones_the_roles_install(tmp_path: Path, release: str) -> None:
    jdk, tomcat, mariadb = {
        "debian-11": ("17", "9.0", "10.5"),
        "debian-13": ("21", "10.1", "11.8"),
    }.get(release, ("17", "10.1", "10.11"))
    spec = example_spec(
        tmp_path,
        "huadong-production.yml",
        'version: "10.1"=>version: "' + tomcat + '"',
        'version: "17"=>version: "' + jdk + '"',
        'version: "10.11"=>version: "' + mariadb + '"',
    )
    env = load_environment(spec).env
    app = [h for h in env.hosts if h.name == "app1"]
    db = [h for h in env.hosts if h.name == "db1"]
    app_packages = set(debian_packages(env, app, release))
    db_packages = set(debian_packages(env, db, release))
    assert _vars("jdk", release)["__jdk_release_packages"][jdk] in app_packages  # type: ignore[index]
    assert _vars("tomcat", release)["__tomcat_release_packages"][tomcat] in app_packages  # type: ignore[index]
    assert set(_vars("nginx", release)["__nginx_packages"]) <= app_packages  # type: ignore[arg-type]
    assert set(_vars("product", release)["__product_packages"]) <= app_packages  # type: ignore[arg-type]
    jdbc = yaml.safe_load((ROLES / "tomcat/vars/Debian.yml").read_text())
    assert jdbc["__tomcat_jdbc_driver_files"]["mariadb"]["package"] in app_packages
    assert set(_vars("mysql", release)["__mysql_packages"]) <= db_packages  # type: ignore[arg-type]
    assert "python3-apt" in app_packages & db_packages
    assert "nginx" not in db_packages and "mariadb-server" not in app_packages


def test_a_release_without_the_spec_s_jdk_is_refused(tmp_path: Path) -> None:
    env = load_environment(example_spec(tmp_path)).env
    with pytest.raises(BundleError, match="debian-13 packages no jdk 17"):
        debian_packages(env, env.hosts, "debian-13")
    with pytest.raises(BundleError, match="no package catalog for centos-6"):
        debian_packages(env, env.hosts, "centos-6")


def test_archive_names_follow_apt_s_simulated_install() -> None:
    simulated = (
        "Inst debconf (1.5.82 Debian:12.15/oldstable [all])\n"
        "Inst libgcc-s1 (12.2.0-14+deb12u1 Debian:12.15/oldstable [arm64]) []\n"
        "Inst libbpf1 [1:1.1.0-1] (1:1.1.2-0+deb12u1 Debian:12.15/oldstable [amd64])\n"
        "Conf debconf (1.5.82 Debian:12.15/oldstable [all])\n"
    )
    assert archive_names(simulated) == [
        "debconf_1.5.82_all.deb",
        "libgcc-s1_12.2.0-14+deb12u1_arm64.deb",
        "libbpf1_1%3a1.1.2-0+deb12u1_amd64.deb",
    ]
    assert "APT::Architecture=arm64" in apt_options("aarch64")
    assert "APT::Architecture=amd64" in apt_options("x86_64")


def test_manifest_round_trip_and_sums(tmp_path: Path) -> None:
    (tmp_path / "packages").mkdir()
    (tmp_path / "packages" / "a.deb").write_bytes(b"a")
    (tmp_path / "SHA256SUMS").write_text("old\n")
    files = describe(tmp_path)
    assert [f.path for f in files] == ["SHA256SUMS", "packages/a.deb"]
    assert sums_text(files).splitlines() == [f"{files[1].sha256}  packages/a.deb"]
    manifest = Manifest(
        product="p", version="1", arch="x86_64", releases=("debian-12",), created="now",
        deployer="0", files=files,
    )  # fmt: skip
    assert parse_manifest(manifest_bytes(manifest), "b") == manifest
    assert manifest.top == "p-1-x86_64"
    with pytest.raises(BundleError, match=r"b: MANIFEST.json: format: "):
        parse_manifest(manifest_bytes(manifest).replace(b'"format": 1', b'"format": 2'), "b")
    with pytest.raises(BundleError, match=r"b: MANIFEST.json: \(document\)"):
        parse_manifest(b"not json", "b")


def test_links_are_not_put_into_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to("/etc/passwd")
    with pytest.raises(BundleError, match="only regular files and folders"):
        describe(tmp_path)


def test_release_lists_the_indexes_with_their_sha256(tmp_path: Path) -> None:
    (tmp_path / "Packages").write_bytes(b"Package: x\n")
    (tmp_path / "Packages.gz").write_bytes(b"gz")
    when = datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)
    text = release_text(tmp_path, "sample-erp 1.0 debian-12", when)
    assert "Origin: deployer-bundle\n" in text
    assert "Date: Wed, 02 Dec 2026 01:00:00 UTC\n" in text
    assert " 2 Packages.gz\n" in text and " 11 Packages\n" in text


def test_the_spec_s_files_are_compared_with_the_bundle_s(tmp_path: Path) -> None:
    spec = tmp_path / "env.yml"
    spec.write_text((EXAMPLES / "huadong-production.yml").read_text(encoding="utf-8"))
    (tmp_path / "sample-erp").symlink_to(EXAMPLES / "sample-erp")
    (tmp_path / "sample-erp-matrix.yml").symlink_to(EXAMPLES / "sample-erp-matrix.yml")
    files = site_files(load_environment(spec))
    members = {f.member for f in files}
    assert "site/product/artifact/sample-erp-1.0.war" in members
    assert "site/product/templates/erp.properties.j2" in members
    assert "site/database/schemas/erp/migrations/V1__create_core_tables.sql" in members
    assert "site/matrix/sample-erp-matrix.yml" in members
    # The same spec elsewhere, naming its files absolutely (as a lab's copy does), matches.
    (tmp_path / "moved").mkdir()
    moved = example_spec(tmp_path / "moved")
    assert {f.member for f in site_files(load_environment(moved))} == members
    carried = {
        f.member: BundleFile(path=f.member, size=f.source.stat().st_size, sha256=SHA) for f in files
    }
    problems = differences(files, carried)
    assert len(problems) == len(files)
    assert problems[0].endswith("differs from the bundle's copy")
    assert differences(files[:1], {})[0].endswith("not in the bundle")


def test_under_target_kubernetes_the_image_build_files_are_carried(tmp_path: Path) -> None:
    base, driver = tmp_path / "tomcat-10.1.tar", tmp_path / "mariadb-java-client.jar"
    base.write_bytes(b"an image archive")
    driver.write_bytes(b"a jar")
    data = absolutise(
        yaml.safe_load((EXAMPLES / "huadong-kubernetes.yml").read_text(encoding="utf-8")),
        EXAMPLES,
    )
    data["product"].update(base_image=str(base), jdbc_driver=str(driver))
    spec = tmp_path / "env.yml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    members = {f.member for f in site_files(load_environment(spec))}
    assert {"site/product/base_image/tomcat-10.1.tar",
            "site/product/jdbc_driver/mariadb-java-client.jar"} <= members  # fmt: skip
    # A registry reference is not a file to carry.
    data["product"]["base_image"] = "docker.io/library/tomcat:10.1-jre17"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    members = {f.member for f in site_files(load_environment(spec))}
    assert not any(m.startswith("site/product/base_image/") for m in members)


def _verified(tmp_path: Path, spec: Path, version: str = "1.0") -> VerifiedBundle:
    files = [
        BundleFile(path=f.member, size=size, sha256=sha)
        for f in site_files(load_environment(spec))
        for size, sha in [file_digest(f.source)]
    ]
    root = tmp_path / "unpacked" / f"sample-erp-{version}-x86_64"
    (root / "packages" / "debian-12").mkdir(parents=True)
    (root / "packages" / "debian-12" / "InRelease").write_text("signed")
    files.append(BundleFile(path="packages/debian-12/InRelease", size=6, sha256=SHA))
    manifest = Manifest(
        product="sample-erp", version=version, arch="x86_64",
        releases=("debian-12", "el9"), created="now", deployer="0", files=tuple(files),
    )  # fmt: skip
    return VerifiedBundle(tmp_path / "b.tar.gz", manifest, "d" * 64, "engineer", root)


def test_a_run_uses_the_bundle_of_its_spec(tmp_path: Path) -> None:
    spec = example_spec(tmp_path)
    packages = packages_for_run(_verified(tmp_path, spec), load_environment(spec))
    # el9 holds no Debian repository: only what apt can read counts as covered.
    assert packages.releases == ("debian-12",)
    assert packages.sums == {"debian-12/InRelease": SHA}
    assert packages.folder.name == "packages" and packages.arch == "x86_64"


def test_a_bundle_of_another_version_or_other_files_is_refused(tmp_path: Path) -> None:
    spec = example_spec(tmp_path)
    with pytest.raises(BundleError, match=r"a bundle of sample-erp 1\.1; the spec deploys "):
        packages_for_run(_verified(tmp_path / "a", spec, "1.1"), load_environment(spec))
    verified = _verified(tmp_path / "b", spec)
    edited = example_spec(tmp_path / "b", "huadong-production.yml", "-1.0.war=>-1.1.war")
    with pytest.raises(BundleError, match=r"product.artifact: .*sample-erp-1.1.war: not in"):
        packages_for_run(verified, load_environment(edited))


def test_hosts_take_debian_releases_or_el_generations_with_their_rpms() -> None:
    names = ["app1", "db1"]
    rpms = {"el7": Path("rpms/el7")}
    both = host_releases([], names, rpms)
    assert {h: r.name for h, r in both.debian.items()} == {"app1": "debian-12", "db1": "debian-12"}
    assert both.debian_hosts() == {"debian-12": ["app1", "db1"]}
    mixed = host_releases(["debian-13", "db1=el7"], names, rpms)
    assert {h: r.name for h, r in mixed.debian.items()} == {"app1": "debian-13"}
    assert mixed.rpm == {"db1": "el7"}
    later = host_releases(["el7", "debian-11"], names, rpms)  # the last default wins
    assert later.rpm == {} and later.debian["db1"].name == "debian-11"
    with pytest.raises(BundleError, match=r"db1 runs el9: pass its RPMs with --rpms el9=DIR"):
        host_releases(["db1=el9"], names, rpms)
    with pytest.raises(UsageError, match="'web9', not a host of the spec"):
        host_releases(["web9=el7"], names, rpms)
    with pytest.raises(UsageError, match="the lab cannot build 'debian-10'"):
        host_releases(["debian-10"], names, rpms)
