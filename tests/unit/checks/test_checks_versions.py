"""Version parsing and range matching, from tests/fixtures/checks/versions/*.json."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from deployer.checks import versions
from tests.support.checks import FIXTURES

CASES = FIXTURES / "checks" / "versions"


def _load(name: str, key: str) -> list[Any]:
    data = json.loads((CASES / name).read_text(encoding="utf-8"))
    return [
        pytest.param(case, id=f"{case.get('kind')}:{case.get('text', case.get('observed'))}")
        for case in data[key]
    ]


@pytest.mark.parametrize("case", _load("parse.json", "cases"))
def test_parse(case: dict[str, str]) -> None:
    assert versions.parse(case["text"], case["kind"]) == Version(case["expected"])  # type: ignore[arg-type]


@pytest.mark.parametrize("case", _load("parse.json", "errors"))
def test_parse_refuses_text_without_a_version(case: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="version"):
        versions.parse(case["text"], case["kind"])  # type: ignore[arg-type]
    assert versions.parse_or_none(case["text"], case["kind"]) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("case", _load("matches.json", "cases"))
def test_matches(case: dict[str, Any]) -> None:
    assert versions.matches(case["observed"], case["range"], case["kind"]) is case["expected"]


def test_jdk_ranges_written_the_old_way_mean_the_same() -> None:
    assert str(versions.specifiers(">=1.8,<12", "jdk")) == str(versions.specifiers(">=8,<12"))
    assert versions.specifiers(">=1.8", "generic") != versions.specifiers(">=8", "generic")


def test_bad_range_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="range"):
        versions.matches("1.0", "about 1")


@given(
    st.lists(st.integers(min_value=0, max_value=9999), min_size=1, max_size=5),
    st.text().filter(lambda s: not s[:1].isdigit()),  # '5.5.5-10.11' is MariaDB's prefix
)
def test_any_dotted_number_survives_a_suffix(parts: list[int], suffix: str) -> None:
    dotted = ".".join(str(p) for p in parts)
    text = f"{dotted}-{suffix}" if suffix else dotted
    assert versions.parse(text) == Version(dotted)
