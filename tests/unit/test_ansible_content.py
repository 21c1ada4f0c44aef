"""deployer's Ansible content (roles/, playbooks/) parses and keeps its conventions.

ansible-lint and ansible-playbook's syntax check run in tests/tools/test_ansible_lint.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.role_modules import role_module

REPO = Path(__file__).resolve().parents[2]
ROLES = REPO / "roles"
PLAYBOOKS = REPO / "playbooks"
# The roles of the product's stack; `common` (every role's dependency) has no OS files or rollback.
ROLE_NAMES = ["jdk", "mysql", "nginx", "product", "tomcat"]
ALL_ROLES = ["common", *ROLE_NAMES]
PLAYBOOK_FILES = sorted(PLAYBOOKS.glob("*.yml"))
# Files every role has, whatever its OS family.
ROLE_FILES = [
    "defaults/main.yml",
    "vars/Debian.yml",
    "vars/RedHat.yml",
    "tasks/main.yml",
    "tasks/rollback.yml",
    "meta/main.yml",
    "meta/argument_specs.yml",
]


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_role_is_tested() -> None:
    assert sorted(path.name for path in ROLES.iterdir() if path.is_dir()) == sorted(ALL_ROLES)


def test_the_stage_playbooks_exist() -> None:
    names = {p.name for p in PLAYBOOK_FILES}
    assert {"site.yml", "database.yml", "middleware.yml", "release.yml", "rollback.yml"} <= names


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_role_has_the_standard_layout(role: str) -> None:
    missing = [name for name in ROLE_FILES if not (ROLES / role / name).is_file()]
    assert not missing, f"roles/{role} lacks {missing}"
    specs = load(ROLES / role / "meta/argument_specs.yml")["argument_specs"]
    assert {"main", "rollback"} <= set(specs), f"roles/{role}: entry points {sorted(specs)}"


#: Host variables every role reads under one name, set per host by deployer: the platform
#: (family, release, package manager) that chooses each role's vars files and install tasks.
SHARED_INPUTS = {"deployer_platform"}


def declared_options(role: str) -> set[str]:
    specs = load(ROLES / role / "meta/argument_specs.yml")["argument_specs"]
    return {name for entry in specs.values() for name in entry.get("options", {})}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_default_is_prefixed_and_declared(role: str) -> None:
    defaults = load(ROLES / role / "defaults/main.yml") or {}
    unprefixed = [
        name for name in defaults if not name.startswith(f"{role}_") and name not in SHARED_INPUTS
    ]
    undeclared = sorted(set(defaults) - declared_options(role))
    assert not unprefixed, f"roles/{role}/defaults: not prefixed with '{role}_': {unprefixed}"
    assert not undeclared, f"roles/{role}: defaults missing from argument_specs: {undeclared}"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_declared_option_belongs_to_the_role(role: str) -> None:
    foreign = sorted(
        name for name in declared_options(role) - SHARED_INPUTS if not name.startswith(f"{role}_")
    )
    assert not foreign, f"roles/{role}/meta/argument_specs.yml declares {foreign}"


def task_names(tasks: list[dict[str, Any]]) -> list[str | None]:
    names: list[str | None] = []
    for task in tasks:
        names.append(task.get("name"))
        for key in ("block", "rescue", "always"):
            names.extend(task_names(task.get(key, [])))
    return names


@pytest.mark.parametrize("role", ALL_ROLES)
def test_task_names_are_sentences(role: str) -> None:
    files = sorted((ROLES / role / "tasks").glob("*.yml")) + sorted(
        (ROLES / role / "handlers").glob("*.yml")
    )
    bad = [
        f"{path.relative_to(REPO)}: {name!r}"
        for path in files
        for name in task_names(load(path) or [])
        if not name or not name[0].isupper() or not name.endswith(".")
    ]
    assert not bad, "task names must be sentences:\n" + "\n".join(bad)


def test_passwords_are_never_logged() -> None:
    """Every task that passes a password variable to a module hides its result."""
    offenders = []
    for path in sorted(ROLES.glob("*/tasks/*.yml")):
        for task in load(path) or []:
            body = yaml.safe_dump({k: v for k, v in task.items() if k != "name"})
            if "password" in body and "_password" in body and task.get("no_log") is not True:
                offenders.append(f"{path.relative_to(REPO)}: {task.get('name')}")
    assert not offenders, "tasks handling passwords without no_log: true:\n" + "\n".join(offenders)


def mysql_account_module() -> Any:
    return role_module("mysql", "mysql_account")


def test_mysql_account_hash_is_the_servers_native_password_hash() -> None:
    # The value MySQL's and MariaDB's PASSWORD('password') returns.
    expected = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"
    assert mysql_account_module().native_password_hash("password") == expected


def test_mysql_account_statements_carry_only_the_hash() -> None:
    module = mysql_account_module()
    secret = "p'w\"{{x}}\\ #;"
    password_hash = module.native_password_hash(secret)
    for engine, socket_auth in [("mariadb", True), ("mariadb", False), ("mysql", False)]:
        clause = module.desired_authentication(engine, socket_auth, password_hash)
        assert secret not in clause
        assert password_hash in clause
        assert ("unix_socket" in clause) == socket_auth


def test_mysql_account_reads_the_servers_create_user_statement() -> None:
    module = mysql_account_module()
    password_hash = module.native_password_hash("password")
    mariadb = (
        "CREATE USER `root`@`localhost` IDENTIFIED VIA unix_socket OR "
        f"mysql_native_password USING '{password_hash}'"
    )
    debian_default = (
        "CREATE USER `root`@`localhost` IDENTIFIED VIA mysql_native_password "
        "USING 'invalid' OR unix_socket"
    )
    mysql = (
        "CREATE USER 'root'@'localhost' IDENTIFIED WITH 'mysql_native_password' "
        f"AS '{password_hash}' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK"
    )
    assert module.authentication_matches(mariadb, "mariadb", True, password_hash)
    assert not module.authentication_matches(mariadb, "mariadb", False, password_hash)
    assert not module.authentication_matches(debian_default, "mariadb", True, password_hash)
    assert module.authentication_matches(mysql, "mysql", False, password_hash)


def test_mysql_account_option_file_values_are_quoted() -> None:
    module = mysql_account_module()
    assert module.option_file_value('a\\b"c #d') == '"a\\\\b"c #d"'
    with pytest.raises(ValueError, match="line breaks"):
        module.option_file_value("a\nb")
