"""Compare a server variable with what the matrix asks: exact values or comparisons.

Matrix values: an integer (exact: ``lower_case_table_names: 1``), a word (exact, ignoring
case: ``utf8mb4``), or a comparison ``>=64M``, ``<=1G``, ``>0``, ``!=0``, ``==ON``.
Sizes take K, M, G or T (powers of 1024), as MySQL's own option files do; servers report
bytes. ON/OFF, TRUE/FALSE and YES/NO equal 1/0. Comma lists (``sql_mode``) compare as sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMPARISON = re.compile(r"^\s*(?P<op>>=|<=|!=|==|=|>|<)?\s*(?P<value>.*?)\s*$")
_SIZE = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[KMGT]?)(?:I?B)?$", re.IGNORECASE)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_BOOLEANS = {"on": "1", "true": "1", "yes": "1", "off": "0", "false": "0", "no": "0"}


@dataclass(frozen=True)
class Requirement:
    operator: str  # one of == != >= <= > <
    value: str

    def __str__(self) -> str:
        return self.value if self.operator == "==" else f"{self.operator}{self.value}"

    @property
    def fix_value(self) -> str | None:
        """A value that satisfies the requirement, for a config file; None if none is obvious."""
        return self.value if self.operator in ("==", ">=", "<=") else None


def requirement(wanted: str | int) -> Requirement:
    if isinstance(wanted, int):
        return Requirement("==", str(wanted))
    match = _COMPARISON.match(wanted)
    assert match is not None  # the pattern matches any text
    operator = match.group("op") or "=="
    return Requirement("==" if operator == "=" else operator, match.group("value"))


def size(text: str) -> int | None:
    """'64M' -> 67108864, '67108864' -> 67108864, 'utf8mb4' -> None."""
    match = _SIZE.match(text.strip())
    if not match:
        return None
    return int(float(match.group("number")) * _UNITS[match.group("unit").upper()])


def satisfied(observed: str, wanted: str | int) -> bool:
    """Whether the server's value meets the requirement; ValueError if not comparable."""
    need = requirement(wanted)
    if need.operator in ("==", "!="):
        equal = _equal(observed, need.value)
        return equal if need.operator == "==" else not equal
    have, bound = size(observed), size(need.value)
    if have is None or bound is None:
        raise ValueError(f"cannot compare {observed!r} with {need}")
    return {
        ">=": have >= bound,
        "<=": have <= bound,
        ">": have > bound,
        "<": have < bound,
    }[need.operator]


def _equal(observed: str, expected: str) -> bool:
    left, right = observed.strip(), expected.strip()
    if "," in left or "," in right:
        return _as_set(left) == _as_set(right)
    have, want = size(left), size(right)
    if have is not None and want is not None:
        return have == want
    return _BOOLEANS.get(left.lower(), left.lower()) == _BOOLEANS.get(right.lower(), right.lower())


def _as_set(text: str) -> set[str]:
    return {part.strip().upper() for part in text.split(",") if part.strip()}
