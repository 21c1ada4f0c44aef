"""The ``DataImport`` kind: how one legacy export maps onto one table of the product's schema.

Everything a row meets on its way in is declared here, so that an import can be read, reviewed
and rerun: the source and its encoding, what identifies a row, what to do with repeats and with
keys already in the table, and per column where its value comes from and what it must be.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import PurePath
from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from deployer.spec.environment import DbUser, SchemaName
from deployer.spec.secrets import SecretRef
from deployer.spec.types import Address, Name, Port, StrictModel, Text, matching

ColumnName = Annotated[
    str,
    matching(
        r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
        "not a column name (a letter or '_', then letters, digits and '_', at most 64)",
    ),
]
TableName = Annotated[
    str,
    matching(
        r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
        "not a table name (a letter or '_', then letters, digits and '_', at most 64)",
    ),
]
Reference = Annotated[
    str,
    matching(
        r"^[A-Za-z_][A-Za-z0-9_]{0,63}\.[A-Za-z_][A-Za-z0-9_]{0,63}$",
        "write the referenced table and column as table.column, e.g. areas.code",
    ),
]
ColumnType = Literal["integer", "decimal", "string", "date", "datetime", "boolean", "enum"]
Scalar = str | int | float | bool | None

#: Text formats by suffix; xlsx is read by openpyxl.
TEXT_SUFFIXES = {".csv": ",", ".tsv": "\t", ".txt": ","}
SOURCE_SUFFIXES = (*TEXT_SUFFIXES, ".xlsx")
#: The words customers write for yes and no.
TRUE_WORDS = ("是", "Y", "y", "YES", "Yes", "yes", "T", "TRUE", "True", "true", "1", "对", "有效")
FALSE_WORDS = ("否", "N", "n", "NO", "No", "no", "F", "FALSE", "False", "false", "0", "错", "无效")


class FileSource(StrictModel):
    """A CSV, TSV or xlsx export, read as a stream."""

    file: Text = Field(description="csv, tsv or xlsx file, relative to the mapping file.")
    encoding: Text | None = Field(
        default=None,
        description="The text file's encoding (gb18030, gbk, utf-8, ...); required for text "
        "files: GBK and GB2312 are read as GB18030, their superset.",
    )
    header: bool = Field(default=True, description="The first line names the columns.")
    delimiter: str | None = Field(
        default=None, description="Field separator: ',' for csv, a tab for tsv by default."
    )
    quote: str = Field(default='"', description="Quote character of text files.")
    null_values: list[str] = Field(
        default=["", "NULL", "\\N"], description="Field values that mean no value."
    )
    sheet: Text | None = Field(default=None, description="xlsx: the sheet (default: the first).")

    @field_validator("file")
    @classmethod
    def _known_suffix(cls, value: str) -> str:
        if PurePath(value).suffix.lower() not in SOURCE_SUFFIXES:
            raise ValueError(f"expected a {', '.join(SOURCE_SUFFIXES)} file")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                newline = "\n".encode(value)
            except LookupError:
                raise ValueError(
                    f"unknown encoding '{value}'; e.g. gb18030, gbk or utf-8"
                ) from None
            if newline != b"\n":
                # Lines are split before decoding, so that one bad line costs one row.
                raise ValueError(f"{value} is not read line by line; save the file as UTF-8")
        return value

    @field_validator("delimiter", "quote")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError("expected one character")
        return value

    @model_validator(mode="after")
    def _text_needs_encoding(self) -> FileSource:
        if self.is_text and self.encoding is None:
            raise ValueError(
                "encoding is required for a text file (e.g. gb18030 or utf-8): "
                "a guessed encoding is how a wrong byte becomes a wrong invoice"
            )
        if not self.is_text and self.sheet is None and self.delimiter is not None:
            raise ValueError("delimiter applies to csv and tsv files only")
        return self

    @property
    def is_text(self) -> bool:
        return PurePath(self.file).suffix.lower() in TEXT_SUFFIXES

    @property
    def separator(self) -> str:
        return self.delimiter or TEXT_SUFFIXES.get(PurePath(self.file).suffix.lower(), ",")


class LegacyDatabase(StrictModel):
    """The legacy system's own MySQL/MariaDB server, read with one query."""

    engine: Literal["mysql", "mariadb"] = Field(
        description="The legacy server (Oracle sources are not supported yet)."
    )
    host: Address = Field(description="Its address, as seen from `via` when that is given.")
    port: Port = Field(default=3306, description="Its port.")
    user: DbUser = Field(description="An account that may read the query's tables.")
    password: SecretRef = Field(description="That account's password, as a reference.")
    database: SchemaName | None = Field(default=None, description="The default database.")
    via: Name | None = Field(
        default=None,
        description="A host of the spec to reach the server through (an SSH tunnel), for a "
        "server only that host can reach (127.0.0.1 then means that host itself).",
    )


class QuerySource(StrictModel):
    """Rows of one SELECT on the legacy server, streamed (the server sends them as read)."""

    database: LegacyDatabase
    query: Text = Field(description="One SELECT; `from` names its result columns.")
    null_values: list[str] = Field(
        default=["", "NULL", "\\N"], description="Text values that mean no value."
    )

    @field_validator("query")
    @classmethod
    def _one_select(cls, value: str) -> str:
        import sqlglot  # noqa: PLC0415 - only query sources pay for it
        from sqlglot import exp  # noqa: PLC0415

        try:
            statements = [s for s in sqlglot.parse(value, read="mysql") if s is not None]
        except sqlglot.errors.ParseError as exc:
            raise ValueError(
                f"not a query the MySQL dialect reads: {str(exc).splitlines()[0]}"
            ) from None
        if len(statements) != 1 or not isinstance(statements[0], exp.Query):
            raise ValueError("expected one SELECT (an import only reads the legacy system)")
        return value

    @property
    def header(self) -> bool:
        return True  # the result's column names

    @property
    def is_text(self) -> bool:
        return False


def _source_kind(value: Any) -> str:
    """A source naming a query or a database is a query source; anything else a file. The
    tags are no field names: error locations carry them, and must not be read as fields."""
    is_query = isinstance(value, dict) and ("query" in value or "database" in value)
    return "query-source" if is_query else "file-source"


Source = Annotated[
    Annotated[FileSource, Tag("file-source")] | Annotated[QuerySource, Tag("query-source")],
    Discriminator(_source_kind),
]


class ColumnMapping(StrictModel):
    """Where one column's value comes from, and what it must be."""

    from_: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None, alias="from", description="The source column's header (or 1-based number)."
    )
    value: Scalar = Field(default=None, description="A constant instead of a source column.")
    type: ColumnType = Field(default="string", description="What the value must be.")
    required: bool = Field(default=False, description="An empty value rejects the row.")
    trim: bool = Field(default=False, description="Strip spaces at both ends first.")
    max_length: int | None = Field(default=None, ge=1, description="string: most characters.")
    precision: int | None = Field(default=None, ge=1, le=65, description="decimal: digits.")
    scale: int | None = Field(default=None, ge=0, le=30, description="decimal: after the point.")
    formats: list[Annotated[str, StringConstraints(min_length=1)]] | None = Field(
        default=None, description="date/datetime: strptime formats, tried in order."
    )
    values: dict[str, Scalar] | None = Field(
        default=None, description="enum: source value -> stored value."
    )
    true_values: list[str] | None = Field(default=None, description="boolean: words for yes.")
    false_values: list[str] | None = Field(default=None, description="boolean: words for no.")
    references: Reference | None = Field(
        default=None, description="table.column of the schema that must hold the value."
    )

    @model_validator(mode="before")
    @classmethod
    def _constant_typed_as_written(cls, data: Any) -> Any:
        """``value: 11`` is a number and ``value: true`` a yes: a constant without a type
        takes the type YAML gave it."""
        if isinstance(data, dict) and "type" not in data and "value" in data:
            # bool first: YAML's true is also an int to Python.
            for python, typed in ((bool, "boolean"), (int, "integer"), (float, "decimal")):
                if isinstance(data["value"], python):
                    return {**data, "type": typed}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> ColumnMapping:
        if (self.from_ is None) == (self.value is None):
            raise ValueError("give either from (a source column) or value (a constant)")
        misplaced = [
            name
            for name, wanted in (
                ("max_length", "string"),
                ("precision", "decimal"),
                ("scale", "decimal"),
                ("values", "enum"),
                ("true_values", "boolean"),
                ("false_values", "boolean"),
            )
            if getattr(self, name) is not None and self.type != wanted
        ]
        if self.formats is not None and self.type not in ("date", "datetime"):
            misplaced.append("formats")
        if misplaced:
            raise ValueError(f"{', '.join(misplaced)} does not apply to type {self.type}")
        if self.type == "enum" and not self.values:
            raise ValueError("type enum needs values (source value: stored value)")
        if self.scale is not None and self.precision is not None and self.scale > self.precision:
            raise ValueError("scale cannot exceed precision")
        return self

    @property
    def truths(self) -> tuple[str, ...]:
        return tuple(self.true_values) if self.true_values is not None else TRUE_WORDS

    @property
    def falsehoods(self) -> tuple[str, ...]:
        return tuple(self.false_values) if self.false_values is not None else FALSE_WORDS

    @property
    def quantum(self) -> Decimal | None:
        return Decimal(1).scaleb(-self.scale) if self.scale is not None else None


class DataImport(StrictModel):
    """One source into one table."""

    api_version: Literal["deployer/v1"] = Field(alias="apiVersion")
    kind: Literal["DataImport"]
    schema_: SchemaName = Field(alias="schema", description="A schema of the spec's database.")
    table: TableName = Field(description="The table; the product's migrations create it.")
    source: Source
    duplicates: Literal["first", "last", "reject"] = Field(
        default="reject",
        description="A key repeated in the file: keep the first, keep the last, or reject "
        "the repeats.",
    )
    on_conflict: Literal["reject", "skip", "update"] = Field(
        default="reject",
        description="A key already in the table: reject the row, skip it, or update the "
        "table's row where a value differs.",
    )
    batch_size: int = Field(default=2000, ge=1, le=100000, description="Rows per transaction.")
    columns: dict[ColumnName, ColumnMapping] = Field(min_length=1)
    # After columns: its validator reads them.
    key: list[ColumnName] = Field(min_length=1, description="The columns identifying a row.")

    @field_validator("key")
    @classmethod
    def _keys_are_columns(cls, value: list[str], info: ValidationInfo) -> list[str]:
        columns = info.data.get("columns")
        missing = [name for name in value if columns is not None and name not in columns]
        if missing:
            raise ValueError(f"{', '.join(missing)} is not among columns")
        return value

    @property
    def qualified_table(self) -> str:
        """``schema.table``, as runs record and reports show it."""
        return f"{self.schema_}.{self.table}"

    @property
    def references(self) -> dict[str, tuple[str, str]]:
        """Column -> (table, column) it must be found in."""
        return {
            name: (ref.split(".")[0], ref.split(".")[1])
            for name, column in self.columns.items()
            if (ref := column.references) is not None
        }


def constant(value: Any) -> str | None:
    """A constant ``value:`` as source text, as if the file held it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
