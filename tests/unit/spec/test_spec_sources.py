"""``middleware.jdk.source`` and ``middleware.tomcat.source``: the OS package (the default) or
a tarball beside the spec, whose sha256 plan shows, the variables carry and the rollback plan
reads back."""

from __future__ import annotations

import gzip
import hashlib
import lzma
import os
from pathlib import Path

import pytest

from deployer.executors.ansible.variables import dump, extra_vars
from deployer.plan.stages import apply_stages
from deployer.rollback import RollbackPlan, observe, render_markdown, rollback_host_vars
from deployer.run.plan import spec_fingerprint, tarball_notes
from deployer.spec import load_environment
from deployer.spec.problems import SpecError
from deployer.spec.schema import json_schema
from deployer.spec.sources import TarballSource
from tests.support.example_specs import example_spec

TOMCAT = '  tomcat:\n    version: "10.1"\n'
JDK = '  jdk:\n    version: "17"\n'


def spec_with(tmp_path: Path, tomcat: str = "", jdk: str = "") -> Path:
    """The example with these lines under middleware.tomcat and middleware.jdk."""
    edits = []
    if tomcat:
        edits.append(f"{TOMCAT}=>{TOMCAT}    source: {tomcat}\n")
    if jdk:
        edits.append(f"{JDK}=>{JDK}    source: {jdk}\n")
    return example_spec(tmp_path, "huadong-production.yml", *edits)


def problems(spec: Path) -> list[str]:
    os.environ.setdefault("HUADONG_DB_ADMIN_PASSWORD", "x")
    with pytest.raises(SpecError) as caught:
        load_environment(spec)
    return [f"{p.line}:{p.col}: {p.field}: {p.message}" for p in caught.value.problems]


@pytest.fixture
def tarballs(tmp_path: Path) -> tuple[Path, Path]:
    tomcat, jdk = tmp_path / "apache-tomcat-10.1.tar.gz", tmp_path / "jdk-17.tar.xz"
    tomcat.write_bytes(gzip.compress(b"tomcat tree"))
    jdk.write_bytes(lzma.compress(b"jdk tree"))
    return tomcat, jdk


def test_the_package_is_the_default_and_may_be_named(tmp_path: Path) -> None:
    env = load_environment(spec_with(tmp_path, jdk="package")).env
    assert env.middleware.jdk is not None and env.middleware.jdk.source == "package"
    assert env.middleware.tomcat is not None and env.middleware.tomcat.source == "package"
    assert env.middleware.tarballs() == {}


def test_a_tarball_is_named_relative_to_the_spec(
    tmp_path: Path, tarballs: tuple[Path, Path]
) -> None:
    spec = spec_with(tmp_path, "{tarball: apache-tomcat-10.1.tar.gz}", "{tarball: jdk-17.tar.xz}")
    env = load_environment(spec).env
    assert env.middleware.tomcat is not None
    assert env.middleware.tomcat.source == TarballSource(tarball="apache-tomcat-10.1.tar.gz")
    assert env.middleware.tarballs() == {
        "jdk": "jdk-17.tar.xz",
        "tomcat": "apache-tomcat-10.1.tar.gz",
    }


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"tarball"', "48:13: middleware.tomcat.source: expected 'package' or a mapping "),
        (
            "{tarball: erp.zip}",
            "48:23: middleware.tomcat.source.tarball: expected a .tar.gz, .tgz or .tar.xz file",
        ),
        (
            "{tarball: missing.tgz}",
            "48:23: middleware.tomcat.source.tarball: file not found: ",
        ),
        (
            "{tarball: env.yml.tar.gz, sha256: abc}",
            "48:39: middleware.tomcat.source.sha256: unknown field 'sha256'",
        ),
    ],
)
def test_a_bad_source_is_one_line_naming_line_and_field(
    tmp_path: Path, source: str, expected: str
) -> None:
    (tmp_path / "env.yml.tar.gz").write_bytes(gzip.compress(b"x"))
    (found,) = problems(spec_with(tmp_path, tomcat=source))
    assert found.startswith(expected), found


def test_a_tarball_must_be_compressed_as_its_name_says(tmp_path: Path) -> None:
    (tmp_path / "jdk.tgz").write_bytes(b"PK\x03\x04 a zip, renamed")
    assert problems(spec_with(tmp_path, jdk="{tarball: jdk.tgz}")) == [
        f"52:23: middleware.jdk.source.tarball: not a gzip- or xz-compressed tarball: "
        f"{tmp_path / 'jdk.tgz'}"
    ]


def test_a_folder_named_like_a_tarball_is_refused(tmp_path: Path) -> None:
    (tmp_path / "jdk.tar.xz").mkdir()
    assert problems(spec_with(tmp_path, jdk="{tarball: jdk.tar.xz}")) == [
        f"52:23: middleware.jdk.source.tarball: not a regular file: {tmp_path / 'jdk.tar.xz'} "
        "is a directory"
    ]


def test_the_roles_get_each_tarball_with_its_sha256(
    tmp_path: Path, tarballs: tuple[Path, Path]
) -> None:
    tomcat, jdk = tarballs
    spec = spec_with(tmp_path, "{tarball: apache-tomcat-10.1.tar.gz}", "{tarball: jdk-17.tar.xz}")
    variables = extra_vars(load_environment(spec), "run-1")
    assert variables["tomcat_tarball"] == str(tomcat)
    assert variables["tomcat_tarball_sha256"] == hashlib.sha256(tomcat.read_bytes()).hexdigest()
    assert variables["jdk_tarball"] == str(jdk)
    assert variables["jdk_tarball_sha256"] == hashlib.sha256(jdk.read_bytes()).hexdigest()
    # Recorded in the journal with the rest of the variables, as data Ansible never templates.
    assert f"jdk_tarball: !unsafe '{jdk}'" in dump(variables)


def test_packages_pass_no_tarball_variables(tmp_path: Path) -> None:
    variables = extra_vars(load_environment(spec_with(tmp_path)), "run-1")
    assert not [name for name in variables if "tarball" in name]


def test_plan_names_each_tarball_with_its_sum_and_goes_stale_when_one_changes(
    tmp_path: Path, tarballs: tuple[Path, Path]
) -> None:
    tomcat, _jdk = tarballs
    loaded = load_environment(spec_with(tmp_path, "{tarball: apache-tomcat-10.1.tar.gz}"))
    digest = hashlib.sha256(tomcat.read_bytes()).hexdigest()
    assert tarball_notes(loaded) == [f"middleware.tomcat from tarball {tomcat} (sha256 {digest})"]
    (middleware,) = [s for s in apply_stages(loaded.env) if s.title == "middleware"]
    assert middleware.steps[0].action.startswith(
        "JDK 17, Tomcat 10.1 from tarball apache-tomcat-10.1.tar.gz on port 8080"
    )
    before = spec_fingerprint(loaded)
    tomcat.write_bytes(gzip.compress(b"another build"))
    assert spec_fingerprint(loaded) != before


def test_the_schema_offers_both_forms() -> None:
    jdk = json_schema("environment")["$defs"]["Jdk"]["properties"]["source"]
    assert jdk["default"] == "package"
    assert jdk["oneOf"] == [
        {"const": "package", "type": "string"},
        {"$ref": "#/$defs/TarballSource"},
    ]


def test_the_rollback_undoes_what_a_tarball_install_added() -> None:
    plan = RollbackPlan("r1", "sample-erp", "1.0")
    jdk_changes = {"installed": [], "remove": ["/opt/jdk-17-0a1b2c3d"], "relink": {"/opt/jdk": ""}}
    tomcat_changes = {
        "restore": {},
        "remove": ["/etc/systemd/system/tomcat10.service", "/opt/tomcat-10.1-4e5f6a7b"],
        "relink": {"/opt/tomcat": "/opt/tomcat-10.1-00000000"},
        "users": ["tomcat"],
        "groups": [],
    }
    facts = {"jdk_run_changes": jdk_changes, "tomcat_run_changes": tomcat_changes}
    observed = observe(plan, [{"event": "task", "host": "app1", "facts": facts}])
    values = rollback_host_vars(observed)["app1"]
    assert values["jdk_rollback_changes"] == {
        "remove": ["/opt/jdk-17-0a1b2c3d"],
        "relink": {"/opt/jdk": ""},
    }
    assert values["jdk_rollback_remove"] is False
    assert values["tomcat_rollback_changes"] == tomcat_changes
    text = render_markdown(observed)
    assert "- jdk: remove `/opt/jdk-17-0a1b2c3d` (made by the run)" in text
    assert "- jdk: remove the link `/opt/jdk` (made by the run)" in text
    assert "- tomcat: link `/opt/tomcat` to `/opt/tomcat-10.1-00000000` again" in text
    assert "- tomcat: remove the system user `tomcat` (made by the run)" in text


def test_a_package_jdk_leaves_the_plan_as_it_was() -> None:
    plan = RollbackPlan("r1", "sample-erp", "1.0")
    facts = {"jdk_run_changes": {"installed": ["openjdk-17-jre-headless"]}}
    observed = observe(plan, [{"event": "task", "host": "app1", "facts": facts}])
    assert observed.hosts[0].changes == {}
    values = rollback_host_vars(observed)["app1"]
    assert values["jdk_rollback_remove"] is True and values["jdk_rollback_changes"] == {}
