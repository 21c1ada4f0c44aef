"""Field types shared by the environment spec and the support matrix."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

API_VERSION = "deployer/v1"

_DNS_NAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


class StrictModel(BaseModel):
    """Unknown keys are errors (typos must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _text_only(value: Any) -> Any:
    """YAML turns unquoted 5.7 into a float and 1.10 into 1.1: insist on quotes."""
    if isinstance(value, bool):
        raise PydanticCustomError(
            "quote", "expected text; unquoted yes/no/on/off read as true/false, so quote it"
        )
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "quote",
            "YAML reads this unquoted value as the number {value}; quote it as written "
            "(e.g. '1.10', which unquoted would become 1.1)",
            {"value": value},
        )
    return value


def _version_range(value: Any) -> Any:
    value = _text_only(value)
    if isinstance(value, str):
        try:
            SpecifierSet(value)
        except InvalidSpecifier:
            raise PydanticCustomError(
                "version_range",
                "not a version range; write e.g. '>=5.7,<8.1' or '==10.11.*'",
            ) from None
    return value


def _address(value: Any) -> Any:
    if isinstance(value, str):
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not _DNS_NAME.match(value):
                raise PydanticCustomError("address", "not an IP address or DNS name") from None
    return value


Text = Annotated[str, BeforeValidator(_text_only), StringConstraints(min_length=1)]
Version = Annotated[
    str,
    BeforeValidator(_text_only),
    StringConstraints(pattern=r"^[0-9][0-9A-Za-z.+_-]*$"),
    Field(description="A version, quoted: '5.7', '10.1', '17'."),
]
VersionRange = Annotated[
    str,
    BeforeValidator(_version_range),
    Field(description="A PEP 440 style range such as '>=5.7,<8.1'."),
]
Name = Annotated[
    str,
    BeforeValidator(_text_only),
    StringConstraints(pattern=r"^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$"),
    Field(description="Lower-case letters, digits, '-' and '_'."),
]
Address = Annotated[str, BeforeValidator(_address), Field(description="IP address or DNS name.")]
Port = Annotated[int, Field(ge=1, le=65535)]
LabelText = Annotated[str, BeforeValidator(_text_only)]
Labels = dict[LabelText, LabelText]
