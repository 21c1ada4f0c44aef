"""The sample product's build script and config templates, shared by its unit and runtime tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2

from deployer.spec import LoadedEnvironment

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SAMPLE = EXAMPLES / "sample-erp"
MIGRATIONS = SAMPLE / "migrations" / "erp"
TEMPLATES = SAMPLE / "templates"
SPECS = ["huadong-production.yml", "huadong-production-1.1.yml"]
SQL_VERBS = ("CREATE TABLE", "CREATE INDEX", "ALTER TABLE", "DROP ", "INSERT INTO", "UPDATE ")
#: A password with every character the properties format and SQL make special.
HOSTILE_PASSWORD = " p@ss\\w;rd#!=:"


def _load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sample_erp_build", SAMPLE / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


def template_variables(loaded: LoadedEnvironment, password: str) -> dict[str, Any]:
    """What deployer passes to the product's templates, as examples/sample-erp/README.md says."""
    env = loaded.env
    assert env.database is not None
    schema = env.database.schemas[0]
    assert schema.owner is not None
    db_host = env.host(env.database.host)
    return {
        **env.product.config,
        "product_name": env.product.name,
        "product_version": env.product.version,
        "db_host": db_host.address if db_host else env.database.host,
        "db_port": env.database.effective_port,
        "db_name": schema.name,
        "db_user": schema.owner.user,
        "db_password": password,
    }


def jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def render(variables: dict[str, Any], name: str = "erp.properties.j2") -> str:
    return jinja().get_template(name).render(variables)
