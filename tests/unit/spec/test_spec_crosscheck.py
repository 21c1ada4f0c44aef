"""crosscheck: problems that span fields, found on the raw data so they are never hidden."""

from __future__ import annotations

import textwrap
from pathlib import Path

from deployer.spec.crosscheck import cross_check
from deployer.spec.yamlsource import YamlDocument, parse

HOSTS = """\
hosts:
  - {name: app1, address: 10.0.0.11, roles: [web, app]}
  - {name: db1, address: 10.0.0.21, roles: [db]}
middleware: {nginx: {}, tomcat: {}, jdk: {}}
"""


def found(text: str, base_dir: Path = Path("/nonexistent")) -> list[str]:
    doc = parse(textwrap.dedent(text), "t.yml")
    return [str(problem) for problem in cross_check(doc, base_dir)]


def test_a_consistent_spec_has_no_findings() -> None:
    assert found(HOSTS + "database: {host: db1}\n") == []


def test_duplicate_host_names_and_addresses_ignore_case() -> None:
    text = HOSTS.replace("name: db1, address: 10.0.0.21", "name: APP1, address: 10.0.0.11")
    assert found(text + "database: {host: 10.9.9.9}\n") == [
        "t.yml:3:12: hosts[1].name: duplicate host name 'app1' (also hosts[0])",
        "t.yml:3:27: hosts[1].address: duplicate host address '10.0.0.11' (also hosts[0])",
    ]


def test_database_host_must_be_a_known_host() -> None:
    assert found(HOSTS + "database: {host: db2}\n") == [
        "t.yml:5:18: database.host: unknown host 'db2' (did you mean 'db1'?)"
    ]
    assert found(HOSTS + "database: {host: oracle}\n") == [
        "t.yml:5:18: database.host: unknown host 'oracle'; known hosts: app1, db1"
    ]


def test_an_external_database_address_is_not_a_host_reference() -> None:
    text = HOSTS.replace("roles: [db]", "roles: [web]")
    assert found(text + "database: {host: db.example.cn}\n") == []
    assert found(text + "database: {host: 10.1.2.3}\n") == []


def test_database_host_needs_the_db_role() -> None:
    assert found(HOSTS + "database: {host: app1}\n") == [
        "t.yml:5:18: database.host: host 'app1' does not have the db role"
    ]


def test_a_db_host_needs_a_database_section() -> None:
    assert found(HOSTS) == [
        "t.yml:2:3: hosts: a host has the db role but there is no database section"
    ]


def test_roles_need_their_middleware() -> None:
    text = HOSTS.replace("middleware: {nginx: {}, tomcat: {}, jdk: {}}", "middleware: {jdk: {}}")
    assert found(text + "database: {host: db1}\n") == [
        "t.yml:4:13: middleware: a host has the web role, so middleware.nginx is required",
        "t.yml:4:13: middleware: a host has the app role, so middleware.tomcat is required",
    ]


def test_hosts_with_an_unknown_role_do_not_cause_derived_findings() -> None:
    text = HOSTS.replace("roles: [db]", "roles: [database]")
    assert found(text + "database: {host: db1}\n") == []


def test_referenced_files_and_folders_must_exist(tmp_path: Path) -> None:
    (tmp_path / "app.war").write_text("war", encoding="utf-8")
    (tmp_path / "migrations").mkdir()
    text = HOSTS + textwrap.dedent(
        """\
        product: {artifact: app.war, templates: app.war}
        matrix: matrix.yml
        database:
          host: db1
          admin: {password: "${file:admin.pw}"}
          schemas:
            - {migrations: migrations, owner: {password: "${file:owner.pw}"}}
            - {migrations: nowhere}
        """
    )
    text = text.replace("roles: [web, app]}", "roles: [web, app], auth: {key_file: id_key}}")
    assert [line.replace(str(tmp_path), "T") for line in found(text, tmp_path)] == [
        "t.yml:5:41: product.templates: folder not found: T/app.war",
        "t.yml:6:9: matrix: file not found: T/matrix.yml",
        "t.yml:2:74: hosts[0].auth.key_file: file not found: T/id_key",
        "t.yml:12:20: database.schemas[1].migrations: folder not found: T/nowhere",
        "t.yml:9:21: database.admin.password: file not found: T/admin.pw",
        "t.yml:11:50: database.schemas[0].owner.password: file not found: T/owner.pw",
    ]


def test_config_keys_named_like_secrets_need_references() -> None:
    text = HOSTS + textwrap.dedent(
        """\
        database: {host: db1}
        product:
          config:
            timezone: Asia/Shanghai
            db_password: "${env:DB_PASSWORD}"
            smtp: {password: hunter2}
            keys: [{api_key: abc}]
            csrf_token_check: true
        """
    )
    assert found(text) == [
        "t.yml:10:22: product.config.smtp.password: plaintext secret is not allowed; "
        "use ${env:NAME} or ${file:path} (or set allow_inline_secrets: true)",
        "t.yml:11:22: product.config.keys[0].api_key: plaintext secret is not allowed; "
        "use ${env:NAME} or ${file:path} (or set allow_inline_secrets: true)",
    ]
    assert found(text + "allow_inline_secrets: true\n") == []


def test_host_override_config_is_checked_too() -> None:
    text = HOSTS.replace("roles: [db]}", "roles: [db], overrides: {product_config: {token: x}}}")
    assert found(text + "database: {host: db1}\n") == [
        "t.yml:3:86: hosts[1].overrides.product_config.token: plaintext secret is not allowed; "
        "use ${env:NAME} or ${file:path} (or set allow_inline_secrets: true)"
    ]


def test_values_of_the_wrong_shape_are_left_to_the_model() -> None:
    for data in (
        None,
        [],
        "text",
        {"hosts": "app1", "database": {"host": 5}},
        {"hosts": [None, 5, {"name": ["x"], "roles": "db"}], "database": []},
        {"product": {"artifact": 5, "config": ["a", {"password": None}]}, "matrix": ""},
        {"middleware": [], "hosts": [{"roles": ["web"]}]},
    ):
        doc = YamlDocument("t.yml", data)
        assert [p.message for p in cross_check(doc, Path("/nonexistent"))] in (
            [],
            ["a host has the web role, so middleware.nginx is required"],
        )
