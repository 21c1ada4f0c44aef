"""Field types shared by the environment spec and the support matrix."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

API_VERSION = "deployer/v1"

_DOTTED_NUMBERS = re.compile(r"^[0-9.]+$")
_ZONE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_DNS_NAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


class StrictModel(BaseModel):
    """Unknown keys are errors (typos must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def text_only(value: Any) -> Any:
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
    if isinstance(value, date):
        raise PydanticCustomError("quote", "YAML reads this unquoted value as a date; quote it")
    return value


def _no_bool(value: Any) -> Any:
    """``port: yes`` must not become port 1."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "expected a whole number")
    return value


def _version_range(value: Any) -> Any:
    value = text_only(value)
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
    value = text_only(value)
    if isinstance(value, str):
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            # 10.20.30.311 matches the DNS name grammar, but nobody means it as a name.
            if _DOTTED_NUMBERS.match(value) or not _DNS_NAME.match(value):
                raise PydanticCustomError("address", "not an IP address or DNS name") from None
        else:
            # Python takes anything after '%' as an IPv6 zone; ssh and Ansible pass it on.
            zone = getattr(address, "scope_id", None)
            if zone is not None and not _ZONE.match(zone):
                raise PydanticCustomError(
                    "address", "not an IPv6 zone id (letters, digits, '_', '.' and '-', e.g. eth0)"
                )
    return value


#: Why a value failed its pattern, keyed by the pattern, for the error message.
PATTERN_HINTS: dict[str, str] = {}


def matching(pattern: str, hint: str) -> StringConstraints:
    """A pattern constraint (kept in the JSON Schema) with a readable reason for mismatches."""
    PATTERN_HINTS[pattern] = hint
    return StringConstraints(pattern=pattern)


@dataclass(frozen=True)
class QuotedMatching(GroupedMetadata):
    """Text that YAML must not read as a number, date or boolean, matching ``pattern``;
    ``hint`` is the error message when it does not. The pattern comes first, so that the JSON
    Schema keeps it (a validator in front would hide it)."""

    pattern: str
    hint: str

    def __post_init__(self) -> None:
        PATTERN_HINTS[self.pattern] = self.hint

    def __iter__(self) -> Iterator[object]:
        yield StringConstraints(pattern=self.pattern)
        yield BeforeValidator(text_only)


#: Control characters (C0 but tab, DEL, C1) and Unicode line separators, as a regex class body:
#: in a unit file, config file or shell command line they start a new line, and with it a new
#: directive or command.
CONTROL_CLASS = r"\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029"
NO_CONTROL = f"^[^{CONTROL_CLASS}]*$"
_NO_CONTROL_HINT = "must not contain line breaks or other control characters"
_CONTROL = re.compile(f"[{CONTROL_CLASS}]")


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character that could break a line in a file or command."""
    return _CONTROL.search(text) is not None


# Constraints come before the validators so that the JSON Schema keeps them too.
Text = Annotated[
    str,
    StringConstraints(min_length=1),
    QuotedMatching(NO_CONTROL, _NO_CONTROL_HINT),
]
Version = Annotated[
    str,
    QuotedMatching(r"^[0-9][0-9A-Za-z.+_-]*$", "not a version; write e.g. '10.1' or '8.0.36'"),
    Field(description="A version, quoted: '5.7', '10.1', '17'."),
]
VersionRange = Annotated[
    str,
    BeforeValidator(_version_range),
    Field(description="A PEP 440 style range such as '>=5.7,<8.1'."),
]
Name = Annotated[
    str,
    QuotedMatching(
        r"^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$",
        "use lower-case letters, digits, '-' and '_' (at most 63, e.g. 'app1')",
    ),
    Field(description="Lower-case letters, digits, '-' and '_'."),
]
Address = Annotated[str, BeforeValidator(_address), Field(description="IP address or DNS name.")]
Port = Annotated[
    int, Field(ge=1, le=65535), BeforeValidator(_no_bool), Field(description="TCP port.")
]
LabelText = Annotated[str, QuotedMatching(NO_CONTROL, _NO_CONTROL_HINT)]
Labels = dict[LabelText, LabelText]
