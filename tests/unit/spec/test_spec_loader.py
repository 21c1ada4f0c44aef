"""loader: a spec file in, a validated environment and its matrix out, or every problem."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from deployer.spec import SpecError, load_environment, load_matrix
from deployer.spec.loader import read_document
from deployer.spec.matrix import SupportMatrix

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "huadong-production.yml"
EXAMPLE_MATRIX = REPO / "examples" / "sample-erp-matrix.yml"
FILES = REPO / "tests" / "fixtures" / "spec-invalid" / "_files"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder with the shared fixture files and a valid spec, ``spec.yml``, to edit."""
    shutil.copytree(FILES, tmp_path, dirs_exist_ok=True)
    shutil.copy(FILES / "valid-environment.yml", tmp_path / "spec.yml")
    return tmp_path


def edit(site: Path, *replacements: tuple[str, str]) -> Path:
    spec = site / "spec.yml"
    text = spec.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    spec.write_text(text, encoding="utf-8")
    return spec


def problems_of(path: Path, shown: str = "spec.yml") -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_environment(path, shown)
    return [str(problem) for problem in caught.value.problems]


def test_the_example_loads_with_its_matrix() -> None:
    loaded = load_environment(EXAMPLE)
    assert loaded.env.customer == "华东精密机械有限公司"
    assert [host.name for host in loaded.env.hosts] == ["app1", "db1"]
    assert loaded.env.database is not None
    assert loaded.env.database.host == "db1"
    assert loaded.env.database.effective_port == 3306
    assert loaded.matrix.product == loaded.env.product.name
    assert loaded.path == EXAMPLE
    assert loaded.base_dir == EXAMPLE.parent
    assert loaded.doc.file == str(EXAMPLE)


def test_the_example_matrix_loads() -> None:
    matrix = load_matrix(EXAMPLE_MATRIX)
    assert isinstance(matrix, SupportMatrix)
    assert {entry.family for entry in matrix.os} >= {"debian", "centos", "kylin"}


def test_read_document_tells_the_kind() -> None:
    assert read_document(EXAMPLE_MATRIX)[1] is SupportMatrix


def test_the_wrong_kind_for_the_loader(site: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_environment(site / "matrix.yml", "m.yml")
    assert [str(p) for p in caught.value.problems] == [
        "m.yml:3:7: kind: expected kind: Environment"
    ]
    with pytest.raises(SpecError) as caught:
        load_matrix(site / "spec.yml", "s.yml")
    assert [str(p) for p in caught.value.problems] == [
        "s.yml:3:7: kind: expected kind: SupportMatrix"
    ]


def test_the_shared_valid_spec_loads(site: Path) -> None:
    loaded = load_environment(site / "spec.yml")
    assert loaded.env.hosts[0].auth.type == "key"
    assert loaded.env.labels == {"site": "yes"}


def test_field_cross_field_and_matrix_problems_are_reported_together(site: Path) -> None:
    spec = edit(
        site,
        ('tomcat: {version: "10.1"}', 'tomcat: {version: "10.1", port: 0}'),
        ("  host: db1", "  host: db9"),
        ("artifact: sample-erp-1.0.war", "artifact: missing.war"),
        ("matrix: matrix.yml", "matrix: matrix-invalid.yml"),
    )
    assert [p.split(": ")[1] for p in problems_of(spec)] == [
        "product.artifact",
        "middleware.tomcat.port",
        "database.host",
        "os[0].versions",
        "arch[1]",
    ]
    # The spec's own problems first, then those of the matrix it references.
    assert problems_of(spec)[-1].startswith("matrix-invalid.yml:9:16: arch[1]:")


def test_a_field_found_invalid_gets_no_second_complaint(site: Path) -> None:
    spec = edit(
        site, ("artifact: sample-erp-1.0.war", "artifact: 5"), ("matrix: matrix.yml", 'matrix: ""')
    )
    assert problems_of(spec) == [
        "spec.yml:11:13: product.artifact: "
        "YAML reads unquoted 5 as a number; write it in quotes: '5'",
        "spec.yml:15:9: matrix: must not be empty",
    ]


def test_product_is_checked_against_the_matrix(site: Path) -> None:
    spec = edit(site, ('  version: "1.0"', '  version: "2.0"'))
    assert problems_of(spec) == [
        "spec.yml:10:12: product.version: version 2.0 is outside "
        "the matrix's product_versions '>=1.0,<2.0'"
    ]
    spec = edit(site, ('  version: "2.0"', '  version: "1.0-final"'))
    assert problems_of(spec) == ["spec.yml:10:12: product.version: not a comparable version"]


def test_no_matrix_comparison_when_the_product_is_already_invalid(site: Path) -> None:
    spec = edit(site, ("  name: sample-erp", "  name: Sample ERP"))
    assert [p.split(": ")[1] for p in problems_of(spec)] == ["product.name"]


def test_matrix_path_is_shown_as_the_user_would_type_it(site: Path) -> None:
    (site / "conf").mkdir()
    spec = edit(site, ("matrix: matrix.yml", "matrix: ../matrix-invalid.yml"))
    shutil.move(spec, site / "conf" / "spec.yml")
    for name in ("sample-erp-1.0.war", "deploy_key", "db_admin_password"):
        shutil.copy(site / name, site / "conf" / name)
    shutil.copytree(site / "templates", site / "conf" / "templates")
    shutil.copytree(site / "migrations", site / "conf" / "migrations")
    found = problems_of(site / "conf" / "spec.yml", "conf/spec.yml")
    assert found[0].startswith("conf/../matrix-invalid.yml:8:15: os[0].versions:")


def test_inline_secrets_when_allowed_are_loaded_but_never_shown(site: Path) -> None:
    value = "Vk3-loader-Secret"
    spec = edit(
        site,
        ("environment: staging\n", "environment: staging\nallow_inline_secrets: true\n"),
        ('password: "${env:DB_ADMIN_PASSWORD}"', f"password: {value}"),
    )
    loaded = load_environment(spec)
    assert loaded.env.database is not None
    assert loaded.env.database.admin.password.reveal(loaded.base_dir) == value
    assert value not in repr(loaded.env)
    assert value not in loaded.env.model_dump_json()


def test_secret_file_references_are_resolved_from_the_spec_folder(site: Path) -> None:
    loaded = load_environment(site / "spec.yml")
    assert loaded.env.database is not None
    owner = loaded.env.database.schemas[0].owner
    assert owner is not None
    assert owner.password.reveal(loaded.base_dir) == "placeholder-secret-file-content"


def test_a_missing_spec_file() -> None:
    assert problems_of(Path("/nonexistent/spec.yml"), "spec.yml") == [
        "spec.yml:1:1: (document): file not found"
    ]


def test_header_problems_stop_before_the_model(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yml"
    spec.write_text(textwrap.dedent("apiVersion: deployer/v2\nkind: Envirnment\nhosts: 5\n"))
    assert problems_of(spec) == [
        "spec.yml:1:13: apiVersion: unsupported apiVersion 'deployer/v2'; expected deployer/v1",
        "spec.yml:2:7: kind: unknown kind 'Envirnment' (did you mean 'Environment'?)",
    ]
