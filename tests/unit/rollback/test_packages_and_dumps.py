"""What a rollback does about packages and dumps: pure rules, from package lists and sizes."""

from __future__ import annotations

from deployer.facts.packages import parse_packages
from deployer.rollback import (
    HostStep,
    MigrationStep,
    RollbackPlan,
    SchemaStep,
    package_changes,
    package_rollback_vars,
    render_markdown,
)
from deployer.rollback.survey import why_no_dump

DPKG = "adduser\t3.134\nlibc6:amd64\t2.36-9+deb12u9\nnginx\t1.22.1-9\n\nnot a package line\n"


def test_the_package_list_keeps_names_with_their_architecture() -> None:
    assert parse_packages(DPKG) == {
        "adduser": "3.134",
        "libc6:amd64": "2.36-9+deb12u9",
        "nginx": "1.22.1-9",
    }


def test_installed_and_upgraded_packages_are_told_apart() -> None:
    before = parse_packages(DPKG)
    after = {**before, "nginx": "1.22.1-9+deb12u1", "unzip": "6.0-28", "tomcat10": "10.1.31-1"}
    changes = package_changes(before, after)
    assert changes == {
        "nginx": ["1.22.1-9", "1.22.1-9+deb12u1"],
        "tomcat10": ["", "10.1.31-1"],
        "unzip": ["", "6.0-28"],
    }
    plan = RollbackPlan("r1", "sample-erp", "1.1", hosts=[HostStep("app1", packages=changes)])
    assert package_rollback_vars(plan) == {
        "app1": {
            "common_rollback_downgrade": [["nginx", "1.22.1-9"]],
            "common_rollback_remove": ["tomcat10", "unzip"],
        }
    }
    text = render_markdown(plan)
    assert "- packages: nginx back from 1.22.1-9+deb12u1 to 1.22.1-9" in text
    assert "- packages: remove unzip 6.0-28 (installed by the run)" in text


def test_a_run_that_changed_no_package_needs_no_package_rollback() -> None:
    before = parse_packages(DPKG)
    plan = RollbackPlan(
        "r1",
        "sample-erp",
        "1.1",
        hosts=[HostStep("app1", packages=package_changes(before, before))],
    )
    assert package_rollback_vars(plan) == {}
    assert "- packages: listed before the run" in render_markdown(plan)


def schema(**fields: object) -> SchemaStep:
    values: dict[str, object] = {
        "schema": "erp",
        "host": "db1",
        "down_to": 1,
        "migrations": [MigrationStep("V2__x.sql", 2, None)],
        "size_mb": 120.0,
        "dump_limit_mb": 10240,
    }
    values.update(fields)
    return SchemaStep(**values)  # type: ignore[arg-type]


TARGETS = ("db1",)


def test_a_schema_within_the_limit_is_dumped() -> None:
    assert why_no_dump(schema(), TARGETS) == ""


def test_why_a_schema_is_not_dumped() -> None:
    assert "over database.dump_limit_mb (100 MB)" in why_no_dump(schema(dump_limit_mb=100), TARGETS)
    assert why_no_dump(schema(dump_limit_mb=0), TARGETS).startswith("dumps are turned off")
    assert "not one of the spec's hosts" in why_no_dump(schema(host="db.example.cn"), TARGETS)


def test_no_dump_is_needed_without_migrations_or_for_a_new_schema() -> None:
    assert why_no_dump(schema(migrations=[], dump_limit_mb=0), TARGETS) == ""
    assert why_no_dump(schema(existed=False, dump_limit_mb=0), TARGETS) == ""
