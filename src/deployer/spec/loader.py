"""Load spec files into validated models, or raise ``SpecError`` with every problem."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ValidationError

from deployer.spec import yamlsource
from deployer.spec.crosscheck import cross_check
from deployer.spec.dataimport import DataImport, FileSource
from deployer.spec.diagnose import problems_from
from deployer.spec.environment import Environment
from deployer.spec.matrix import SupportMatrix
from deployer.spec.problems import DOCUMENT, Problem, SpecError
from deployer.spec.secrets import resolve_file
from deployer.spec.types import API_VERSION
from deployer.spec.yamlsource import YamlDocument

KINDS: dict[str, type[BaseModel]] = {
    "Environment": Environment,
    "SupportMatrix": SupportMatrix,
    "DataImport": DataImport,
}
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
            else f"unsupported apiVersion{_shown(api_version)}; expected {API_VERSION}"
        )
        problems.append(doc.problem(("apiVersion",), message, key=api_version is None))
    if not isinstance(kind, str) or kind not in KINDS:
        problems.append(_kind_problem(doc, kind))
    if problems:
        raise SpecError(problems)
    return doc, KINDS[str(kind)]


def _kind_problem(doc: YamlDocument, kind: object) -> Problem:
    if kind is None:
        return doc.problem(("kind",), "required field is missing", key=True)
    message = f"unknown kind{_shown(kind)}; expected one of {', '.join(KINDS)}"
    hint = difflib.get_close_matches(kind, list(KINDS), n=1) if isinstance(kind, str) else []
    if hint:
        message = f"unknown kind{_shown(kind)} (did you mean '{hint[0]}'?)"
    return doc.problem(("kind",), message)


def _shown(value: object) -> str:
    """`` 'value'`` for short text worth quoting back, else nothing."""
    return f" '{value}'" if isinstance(value, str) and 0 < len(value) <= 40 else ""


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
    return environment_from(doc, path)


@dataclass(frozen=True)
class LoadedImport:
    """A validated data import mapping, with its document for locating later problems (a
    column the table lacks) and the folder its source is relative to."""

    mapping: DataImport
    path: Path
    doc: YamlDocument

    @property
    def source_path(self) -> Path | None:
        """The source file (None: the source is a query)."""
        source = self.mapping.source
        return (
            resolve_file(source.file, self.path.parent) if isinstance(source, FileSource) else None
        )

    @property
    def source_shown(self) -> str:
        source = self.mapping.source
        if isinstance(source, FileSource):
            return str(self.source_path)
        via = f" via {source.database.via}" if source.database.via else ""
        return f"a query on {source.database.host}:{source.database.port}{via}"


def load_data_import(path: Path, shown: str | None = None) -> LoadedImport:
    doc, kind = read_document(path, shown)
    if kind is not DataImport:
        raise SpecError([doc.problem(("kind",), "expected kind: DataImport")])
    return LoadedImport(validate_model(doc, DataImport, {}), path, doc)


def load_document(
    doc: YamlDocument, kind: type[BaseModel], path: Path
) -> LoadedEnvironment | SupportMatrix | LoadedImport:
    """Validate a document ``read_document`` returned, as the kind it declared."""
    if kind is SupportMatrix:
        return validate_model(doc, SupportMatrix, {})
    if kind is DataImport:
        return LoadedImport(validate_model(doc, DataImport, {}), path, doc)
    return environment_from(doc, path)


def environment_from(doc: YamlDocument, path: Path) -> LoadedEnvironment:
    """Validate an environment document read from ``path``.

    Every problem is collected before raising: invalid fields, cross-field mistakes, the
    matrix file's own problems and a product the matrix does not cover.
    """
    problems: list[Problem] = []
    env: Environment | None = None
    allow_inline = doc.data.get("allow_inline_secrets") is True
    try:
        env = validate_model(doc, Environment, {"allow_inline_secrets": allow_inline})
    except SpecError as exc:
        problems.extend(exc.problems)
    reported = {problem.field for problem in problems}
    # A field already found invalid gets no second, derived complaint.
    problems.extend(p for p in cross_check(doc, path.parent) if p.field not in reported)
    matrix, matrix_problems = _referenced_matrix(doc, path.parent)
    problems.extend(matrix_problems)
    if matrix is not None and not reported & {"product", "product.name", "product.version"}:
        problems.extend(_product_matches_matrix(doc, matrix))
    if problems:
        raise SpecError(problems)
    assert env is not None and matrix is not None  # each way to None reported a problem
    return LoadedEnvironment(env, matrix, path, doc)


def _referenced_matrix(
    doc: YamlDocument, base_dir: Path
) -> tuple[SupportMatrix | None, tuple[Problem, ...]]:
    """The matrix the spec names, or the problems of the matrix file itself."""
    locator = doc.data.get("matrix")
    if not isinstance(locator, str) or not locator.strip():
        return None, ()  # the model reports it
    matrix_path = resolve_file(locator.strip(), base_dir)
    if not matrix_path.is_file():
        return None, ()  # cross_check reports it
    # Shown the way the user would type it from where they typed the spec's path.
    shown = str(Path(doc.file).parent / Path(locator.strip()).expanduser())
    try:
        return load_matrix(matrix_path, shown), ()
    except SpecError as exc:
        return None, exc.problems


def _product_matches_matrix(doc: YamlDocument, matrix: SupportMatrix) -> list[Problem]:
    product = doc.data.get("product")
    name = product.get("name") if isinstance(product, dict) else None
    version = product.get("version") if isinstance(product, dict) else None
    if isinstance(name, str) and name.strip() != matrix.product:
        message = f"matrix is for product '{matrix.product}', not '{name.strip()}'"
        return [doc.problem(("matrix",), message)]
    if not isinstance(version, str):
        return []  # missing or not text: the model reports it
    try:
        supported = Version(version.strip()) in SpecifierSet(matrix.product_versions)
    except InvalidVersion:
        return [doc.problem(("product", "version"), "not a comparable version")]
    if supported:
        return []
    message = (
        f"version {version.strip()} is outside "
        f"the matrix's product_versions '{matrix.product_versions}'"
    )
    return [doc.problem(("product", "version"), message)]


__all__ = [
    "DOCUMENT",
    "LoadedEnvironment",
    "LoadedImport",
    "environment_from",
    "load_data_import",
    "load_document",
    "load_environment",
    "load_matrix",
    "read_document",
]
