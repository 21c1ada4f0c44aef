"""Secrets in a spec are references (``${env:NAME}``, ``${file:path}``), never values.

A plaintext value is accepted only when the spec sets ``allow_inline_secrets: true``;
even then ``str()``/``repr()`` never show it, and error messages never echo it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from deployer.errors import DeployerError, ExitCode
from deployer.files import NotRegularFileError, read_regular_file
from deployer.spec.types import has_control

_REFERENCE = re.compile(r"^\$\{(?P<source>[a-z]+):(?P<locator>.*)\}$")
#: A secret file is a password or a key, not a document.
MAX_SECRET_BYTES = 64 * 1024
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Keys in free-form config that hold secrets and so must be references too.
SECRET_KEY = re.compile(
    r"passw(or)?d|(?<![a-z])pass(phrase)?(?![a-z])|secret|token|api_?key|private_?key|credential",
    re.I,
)

Source = Literal["env", "file", "inline"]


def under_secret_key(key: object, value: object) -> bool:
    """A free-form setting whose key names a secret and whose value is one: text or a number,
    not a feature switch such as ``csrf_token: true`` nor a nested mapping."""
    return (
        SECRET_KEY.search(str(key)) is not None
        and isinstance(value, str | int | float)
        and not isinstance(value, bool)
    )


def is_secret_setting(key: object, value: object) -> bool:
    """A free-form setting that holds a secret: a reference, or a value under a secret key."""
    if isinstance(value, str) and secret_reference(value) is not None:
        return True
    return under_secret_key(key, value)


def secret_reference(text: str) -> SecretRef | None:
    """The ``${env:}``/``${file:}`` reference ``text`` is, or None for any other text."""
    try:
        return SecretRef.parse(text, allow_inline=False)
    except ValueError:
        return None


def secret_env_name(scope: str, path: tuple[object, ...]) -> str:
    """The environment variable that carries the secret at ``path`` of a free-form setting
    (``scope``: config, context, host:NAME): named after where the setting is, so that every
    part of a run that renders it agrees."""
    digest = hashlib.sha256(json.dumps([scope, *path], default=str).encode()).hexdigest()
    return f"DEPLOYER_SECRET_{digest[:20].upper()}"


def with_secret_references(
    value: Any,
    scope: str,
    reference: Callable[[str], str],
    leaf: Callable[[Any], Any] = lambda value: value,
    path: tuple[object, ...] = (),
) -> tuple[Any, dict[str, str]]:
    """``value`` (a free-form setting) with each secret in it replaced by ``reference(NAME)``
    and every other leaf by ``leaf(value)``; and the spec's text of each secret by ``NAME``
    (secret_env_name). An item of a list is a setting too: a reference there counts as one
    under a key."""
    if isinstance(value, Mapping):
        pairs: list[tuple[object, object, Any]] = [
            (str(key), key, item) for key, item in value.items()
        ]
    elif isinstance(value, list | tuple):
        pairs = [(index, index, item) for index, item in enumerate(value)]
    else:
        return leaf(value), {}
    values: dict[Any, Any] = {}
    found: dict[str, str] = {}
    for slot, key, item in pairs:
        if is_secret_setting(key, item):
            name = secret_env_name(scope, (*path, key))
            values[slot], more = reference(name), {name: str(item)}
        else:
            values[slot], more = with_secret_references(item, scope, reference, leaf, (*path, key))
        found.update(more)
    return (values if isinstance(value, Mapping) else list(values.values())), found


class SecretUnavailable(DeployerError):
    """A referenced secret cannot be read (unset variable, missing file)."""

    exit_code = ExitCode.INVALID_SPEC


@dataclass(frozen=True)
class SecretRef:
    source: Source
    locator: str = ""
    inline: str = field(default="", repr=False, compare=False)

    def __str__(self) -> str:
        return (
            "<inline secret>" if self.source == "inline" else f"${{{self.source}:{self.locator}}}"
        )

    __repr__ = __str__

    def reveal(self, base_dir: Path) -> str:
        """The secret's value; callers must register it for redaction before logging."""
        if self.source == "inline":
            return self.inline
        if self.source == "env":
            value = os.environ.get(self.locator)
            if value is None:
                raise SecretUnavailable(f"environment variable {self.locator} is not set ({self})")
            return value
        return read_secret_file(resolve_file(self.locator, base_dir))

    @classmethod
    def parse(cls, text: str, allow_inline: bool) -> SecretRef:
        match = _REFERENCE.match(text.strip())
        if match is None:
            if "${" in text:
                raise PydanticCustomError(
                    "secret_reference",
                    "malformed secret reference; use ${env:NAME} or ${file:path}",
                )
            if not allow_inline:
                raise PydanticCustomError(
                    "secret_inline",
                    "plaintext secret is not allowed; use ${env:NAME} or ${file:path} "
                    "(or set allow_inline_secrets: true)",
                )
            return cls("inline", inline=text)
        source, locator = match["source"], match["locator"].strip()
        if source == "env" and not _ENV_NAME.match(locator):
            raise PydanticCustomError(
                "secret_reference", "${env:NAME} needs a variable name of letters, digits and _"
            )
        if source == "file" and not locator:
            raise PydanticCustomError("secret_reference", "${file:path} needs a path")
        if source == "file" and has_control(locator):
            raise PydanticCustomError(
                "secret_reference", "${file:path} must not contain control characters"
            )
        if source not in ("env", "file"):
            raise PydanticCustomError(
                "secret_reference", "unknown secret source; use ${env:NAME} or ${file:path}"
            )
        return cls(source, locator)  # type: ignore[arg-type]

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any, info: ValidationInfo) -> SecretRef:
            if isinstance(value, SecretRef):
                return value
            if not isinstance(value, str):
                raise PydanticCustomError("secret_type", "expected a secret reference string")
            allow = bool((info.context or {}).get("allow_inline_secrets", False))
            return cls.parse(value, allow)

        return core_schema.with_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "description": "A secret reference: ${env:NAME} or ${file:path} "
            "(plaintext only with allow_inline_secrets: true).",
            "examples": ["${env:DB_ADMIN_PASSWORD}", "${file:secrets/db_admin}"],
        }


def resolve_file(locator: str, base_dir: Path) -> Path:
    """A path from a spec: ``~`` expanded, relative paths taken from the spec's folder."""
    path = Path(locator)
    # ~name of an unknown user: kept as written, and then reported as not found.
    with contextlib.suppress(RuntimeError):
        path = path.expanduser()
    return path if path.is_absolute() else base_dir / path


def read_secret_file(path: Path) -> str:
    """The text of a secret file, without its final line break.

    Anything but a regular file is refused before reading: a FIFO would block the reader
    forever, a device could be endless. The bytes must be UTF-8; the error never shows them.
    """
    try:
        raw = read_regular_file(path, MAX_SECRET_BYTES)
    except OSError as exc:
        raise SecretUnavailable(f"cannot read secret file {path}: {exc.strerror}") from None
    except NotRegularFileError as exc:
        raise SecretUnavailable(f"secret file {path} {exc}") from None
    if raw is None:
        raise SecretUnavailable(
            f"secret file {path} is larger than {MAX_SECRET_BYTES // 1024} KiB; "
            "a secret file holds one password or key"
        )
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise SecretUnavailable(
            f"secret file {path} is not UTF-8 text (byte {exc.start + 1}); convert it, "
            "e.g. iconv -f GB18030 -t UTF-8"
        ) from None
