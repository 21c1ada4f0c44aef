"""The sample product in examples/sample-erp: reproducible WARs, migrations, config templates.

The same product running on real MariaDB and Tomcat is in tests/integration/.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
import yaml

from deployer.migrations.files import discover, read_migration
from deployer.spec import load_environment
from tests.support.sample_erp import (
    EXAMPLES,
    HOSTILE_PASSWORD,
    MIGRATIONS,
    SAMPLE,
    SPECS,
    SQL_VERBS,
    TEMPLATES,
    build,
    jinja,
    render,
    template_variables,
)

# --- WARs -------------------------------------------------------------------------------


def test_committed_wars_match_a_fresh_build() -> None:
    result = subprocess.run(
        [sys.executable, str(SAMPLE / "build.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_check_reports_stale_missing_and_unknown_wars(tmp_path: Path) -> None:
    assert build.main(["--dist", str(tmp_path)]) == 0
    assert build.check(tmp_path) == []
    war = tmp_path / "sample-erp-1.0.war"
    war.write_bytes(war.read_bytes()[:-1])
    (tmp_path / "sample-erp-1.1.war").unlink()
    (tmp_path / "sample-erp-9.9.war").write_bytes(b"")
    problems = build.check(tmp_path)
    assert len(problems) == 3
    assert "sample-erp-1.0.war: differs" in problems[0]
    assert "sample-erp-1.1.war: missing" in problems[1]
    assert "sample-erp-9.9.war: no such version" in problems[2]
    assert build.main(["--check", "--dist", str(tmp_path)]) == 1


def test_builds_are_byte_identical_and_versions_differ() -> None:
    assert build.build_war("1.0") == build.build_war("1.0")
    assert build.build_war("1.0") != build.build_war("1.1")


@pytest.mark.parametrize(("version", "schema"), [("1.0", 1), ("1.1", 2)])
def test_war_holds_the_pages_and_its_version(version: str, schema: int) -> None:
    path = SAMPLE / "dist" / f"sample-erp-{version}.war"
    with zipfile.ZipFile(path) as war:
        assert war.testzip() is None
        names = war.namelist()
        infos = war.infolist()
        files = {name: war.read(name) for name in names if not name.endswith("/")}
    assert {"WEB-INF/web.xml", "health.jsp", "index.jsp", "WEB-INF/version.properties"} <= set(
        names
    )
    assert names[0] == "META-INF/" and names == sorted(
        names, key=lambda n: (n[:9] != "META-INF/", n)
    )
    assert not [name for name in names if name.endswith(".jar")], "the JDBC driver is not bundled"
    assert {info.date_time for info in infos} == {build.FIXED_TIME}
    assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}
    properties = files["WEB-INF/version.properties"].decode()
    assert f"\nversion={version}\n" in properties
    assert f"\nschema={schema}\n" in properties
    assert "\nproduct=sample-erp\n" in properties
    root = ET.fromstring(files["WEB-INF/web.xml"])
    assert root.tag == "{https://jakarta.ee/xml/ns/jakartaee}web-app"
    assert root.get("version") in {"5.0", "6.0"}
    for page in ("health.jsp", "index.jsp"):
        assert b"/WEB-INF/jspf/erp.jspf" in files[page]
    for name, content in files.items():
        content.decode("utf-8")  # every text in the WAR is UTF-8
        assert b"\r\n" not in content or name == "META-INF/MANIFEST.MF", name


def test_wars_differ_only_in_their_version_file() -> None:
    old, new = build.war_entries("1.0"), build.war_entries("1.1")
    assert set(old) == set(new)
    assert [name for name in old if old[name] != new[name]] == ["WEB-INF/version.properties"]


def test_pages_import_only_java_apis() -> None:
    pages = sorted((SAMPLE / "src").rglob("*.jsp*"))
    imports = [
        (page.name, name.strip())
        for page in pages
        for attribute in re.findall(r'import="([^"]*)"', page.read_text(encoding="utf-8"))
        for name in attribute.split(",")
    ]
    assert len(pages) == 3 and len(imports) > 5
    assert [item for item in imports if not item[1].startswith("java.")] == []


# --- migrations -------------------------------------------------------------------------


def split_statements(text: str) -> list[str]:
    """Statements as a line-based runner splits them: each ends with `;` at a line end."""
    statements: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("--")):
            continue
        current.append(line)
        if stripped.endswith(";"):
            statements.append("\n".join(current).strip()[:-1].rstrip())
            current = []
    assert not current, f"text after the last statement: {current}"
    return statements


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS.glob("*.sql"))


def test_migrations_are_named_numbered_and_paired() -> None:
    names = [path.name for path in migration_files()]
    assert names == [
        "U2__add_order_status.sql",
        "V1__create_core_tables.sql",
        "V2__add_order_status.sql",
    ]
    assert not (MIGRATIONS / ".gitkeep").exists()
    versions = sorted(int(name[1:].split("__")[0]) for name in names if name.startswith("V"))
    assert versions == list(range(1, len(versions) + 1))
    assert {"1.0": 1, "1.1": max(versions)} == build.VERSIONS
    for name in names:
        if name.startswith("U"):
            assert (MIGRATIONS / ("V" + name[1:])).is_file(), f"{name} undoes no migration"


@pytest.mark.parametrize("path", migration_files(), ids=lambda path: path.name)
def test_migration_splits_into_plain_statements(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    statements = split_statements(text)
    assert len(statements) >= 3
    for statement in statements:
        assert statement.upper().startswith(SQL_VERBS), statement[:60]
        assert ";" not in statement, f"a ';' inside a statement: {statement[:60]}"
        assert "--" not in statement, f"comments only between statements: {statement[:60]}"
    forbidden = r"\bDELIMITER\b|\bPROCEDURE\b|\bTRIGGER\b|\bIF (NOT )?EXISTS\b"
    assert not re.search(forbidden, text, re.IGNORECASE)
    # deployer's own splitter (quotes and comments aware) must see the very same statements.
    assert read_migration(path).statements == tuple(statements)


def test_deployer_discovers_the_migrations_with_their_undo() -> None:
    found = discover(MIGRATIONS)
    assert [(m.version, m.description) for m in found] == [
        (1, "create core tables"),
        (2, "add order status"),
    ]
    assert found[0].undo is None
    assert found[1].undo is not None and found[1].undo.name == "U2__add_order_status.sql"


def test_tables_are_utf8mb4_with_chinese_seed_rows() -> None:
    text = (MIGRATIONS / "V1__create_core_tables.sql").read_text(encoding="utf-8")
    creates = [s for s in split_statements(text) if s.startswith("CREATE TABLE")]
    assert len(creates) >= 3
    for statement in creates:
        assert statement.endswith("DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"), statement[
            :40
        ]
    assert "苏州精工机床有限公司" in text


# --- templates and specs ----------------------------------------------------------------


def properties(text: str) -> dict[str, str]:
    """The properties lines this template writes: `key=value`, no continuation lines."""
    pairs = (line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    return {key: value for key, value in pairs}


@pytest.mark.parametrize("spec", SPECS)
def test_templates_render_with_the_example_config(spec: str) -> None:
    loaded = load_environment(EXAMPLES / spec)
    assert loaded.env.product.templates is not None
    assert (loaded.base_dir / loaded.env.product.templates).resolve() == TEMPLATES
    variables = template_variables(loaded, "not-the-real-one")
    for template in sorted(TEMPLATES.glob("*.j2")):
        assert render(variables, template.name).endswith("\n")
    values = properties(render(variables))
    assert values["erp.company_name"] == "华东精密机械有限公司"
    assert values["erp.timezone"] == "Asia/Shanghai"
    assert values["erp.db.url"] == "jdbc:mariadb://10.20.30.21:3306/erp"
    assert values["erp.db.user"] == "erp_app"
    assert values["erp.db.password"] == "not-the-real-one"
    assert values["erp.db.pool_size"] == "20"
    assert values["erp.db.history_table"] == "deployer_schema_history"


def test_template_escapes_values_for_the_properties_format() -> None:
    variables = template_variables(load_environment(EXAMPLES / SPECS[0]), HOSTILE_PASSWORD)
    variables["company_name"] = "华东\n精密"
    variables["db_host"] = "fd00::21"
    values = properties(render(variables))
    assert values["erp.db.password"] == "\\ p@ss\\\\w;rd#!=:"
    assert values["erp.company_name"] == "华东\\n精密"
    assert values["erp.db.url"] == "jdbc:mariadb://[fd00::21]:3306/erp"


def test_template_fails_loudly_on_a_missing_variable() -> None:
    variables = template_variables(load_environment(EXAMPLES / SPECS[0]), "x")
    del variables["company_name"]
    with pytest.raises(jinja2.UndefinedError, match="company_name"):
        render(variables)


def test_every_template_variable_is_documented() -> None:
    documented = set(
        re.findall(r"^\| `([a-z_]+)` \|", (SAMPLE / "README.md").read_text(), re.MULTILINE)
    )
    for template in sorted(TEMPLATES.glob("*.j2")):
        source = template.read_text(encoding="utf-8")
        used = jinja2.meta.find_undeclared_variables(jinja().parse(source))
        assert used <= documented, f"{template.name}: undocumented {sorted(used - documented)}"


def test_upgrade_spec_changes_only_the_product_version() -> None:
    """The release, its artifact and the schema version it needs; nothing else."""
    old, new = (yaml.safe_load((EXAMPLES / spec).read_text(encoding="utf-8")) for spec in SPECS)
    old_schema, new_schema = old["database"]["schemas"][0], new["database"]["schemas"][0]
    assert (old_schema.pop("target"), new_schema.pop("target")) == (1, 2)
    assert (new["product"].pop("version"), new["product"].pop("artifact")) == (
        "1.1",
        "sample-erp/dist/sample-erp-1.1.war",
    )
    assert (old["product"].pop("version"), old["product"].pop("artifact")) == (
        "1.0",
        "sample-erp/dist/sample-erp-1.0.war",
    )
    assert old == new
