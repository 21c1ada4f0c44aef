"""Load spec files into validated models, or raise ``SpecError`` with every problem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ValidationError

from deployer.spec import yamlsource
from deployer.spec.crosscheck import cross_check
from deployer.spec.diagnose import problems_from
from deployer.spec.environment import Environment
from deployer.spec.matrix import SupportMatrix
from deployer.spec.problems import DOCUMENT, Problem, SpecError
from deployer.spec.secrets import resolve_file
from deployer.spec.types import API_VERSION
from deployer.spec.yamlsource import YamlDocument

KINDS: dict[str, type[BaseModel]] = {"Environment": Environment, "SupportMatrix": SupportMatrix}
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class LoadedEnvironment:
    """A validated environment with its support matrix and where both came from."""

    env: Environment
    matrix: SupportMatrix
    path: Path
    doc: YamlDocument

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def read_document(path: Path, shown: str | None = None) -> tuple[YamlDocument, type[BaseModel]]:
    """Parse a spec file and tell which kind it declares."""
    doc = yamlsource.load(path, shown)
    if not isinstance(doc.data, dict):
        found = "a list" if isinstance(doc.data, list) else "a single value"
        raise SpecError([doc.problem((), f"expected a mapping at the top level, found {found}")])
    problems: list[Problem] = []
    api_version, kind = doc.data.get("apiVersion"), doc.data.get("kind")
    if api_version != API_VERSION:
        message = (
            "required field is missing"
            if api_version is None
            else f"unsupported apiVersion; expected {API_VERSION}"
        )
        problems.append(doc.problem(("apiVersion",), message, key=api_version is None))
    if kind not in KINDS:
        message = (
            "required field is missing"
            if kind is None
            else f"unknown kind; expected one of {', '.join(KINDS)}"
        )
        problems.append(doc.problem(("kind",), message, key=kind is None))
    if problems:
        raise SpecError(problems)
    return doc, KINDS[str(kind)]


def validate_model(doc: YamlDocument, model: type[Model], context: dict[str, Any]) -> Model:
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as exc:
        raise SpecError(problems_from(exc, doc, model)) from None


def load_matrix(path: Path, shown: str | None = None) -> SupportMatrix:
    doc, kind = read_document(path, shown)
    if kind is not SupportMatrix:
        raise SpecError([doc.problem(("kind",), "expected kind: SupportMatrix")])
    return validate_model(doc, SupportMatrix, {})


def load_environment(path: Path, shown: str | None = None) -> LoadedEnvironment:
    """Load an environment spec and the support matrix it references."""
    doc, kind = read_document(path, shown)
    if kind is not Environment:
        raise SpecError([doc.problem(("kind",), "expected kind: Environment")])
    allow_inline = doc.data.get("allow_inline_secrets") is True
    env = validate_model(doc, Environment, {"allow_inline_secrets": allow_inline})
    problems = cross_check(env, doc, path.parent)
    if problems:
        raise SpecError(problems)
    matrix_path = resolve_file(env.matrix, path.parent)
    matrix_shown = (
        str(Path(doc.file).parent / env.matrix)
        if not Path(env.matrix).is_absolute()
        else env.matrix
    )
    matrix = load_matrix(matrix_path, matrix_shown)
    problems = _product_matches_matrix(env, matrix, doc)
    if problems:
        raise SpecError(problems)
    return LoadedEnvironment(env, matrix, path, doc)


def _product_matches_matrix(
    env: Environment, matrix: SupportMatrix, doc: YamlDocument
) -> list[Problem]:
    if env.product.name != matrix.product:
        return [
            doc.problem(
                ("matrix",), f"matrix is for product '{matrix.product}', not '{env.product.name}'"
            )
        ]
    try:
        supported = Version(env.product.version) in SpecifierSet(matrix.product_versions)
    except InvalidVersion:
        return [doc.problem(("product", "version"), "not a comparable version")]
    if not supported:
        return [
            doc.problem(
                ("product", "version"),
                f"version {env.product.version} is outside "
                f"the matrix's product_versions '{matrix.product_versions}'",
            )
        ]
    return []


__all__ = ["DOCUMENT", "LoadedEnvironment", "load_environment", "load_matrix", "read_document"]
