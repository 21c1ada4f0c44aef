"""Database setting comparisons: exact values, comparisons, sizes, booleans, sets."""

from __future__ import annotations

import pytest

from deployer.checks.dbsettings import requirement, satisfied, size


@pytest.mark.parametrize(
    ("observed", "wanted", "ok"),
    [
        ("utf8mb4", "utf8mb4", True),
        ("UTF8MB4", "utf8mb4", True),
        ("latin1", "utf8mb4", False),
        ("1", 1, True),
        ("0", 1, False),
        ("67108864", ">=64M", True),
        ("16777216", ">=64M", False),
        ("1073741824", ">=1G", True),
        ("134217728", "<=1G", True),
        ("151", ">100", True),
        ("100", ">100", False),
        ("0", "!=0", False),
        ("2", "!=0", True),
        ("ON", 1, True),
        ("OFF", "==0", True),
        ("ON", "=OFF", False),
        (
            "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION",
            "NO_ENGINE_SUBSTITUTION,STRICT_TRANS_TABLES",
            True,
        ),
        ("STRICT_TRANS_TABLES", "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION", False),
        ("AL32UTF8", "AL32UTF8", True),
        ("ZHS16GBK", "AL32UTF8", False),
    ],
)
def test_satisfied(observed: str, wanted: str | int, ok: bool) -> None:
    assert satisfied(observed, wanted) is ok


def test_ordering_needs_numbers() -> None:
    with pytest.raises(ValueError, match="compare"):
        satisfied("latin1", ">=64M")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("64M", 64 * 1024**2), ("64m", 64 * 1024**2), ("1G", 1024**3), ("512K", 512 * 1024),
     ("1.5G", int(1.5 * 1024**3)), ("67108864", 67108864), ("64MB", 64 * 1024**2),
     ("utf8mb4", None), ("", None)],
)  # fmt: skip
def test_size(text: str, expected: int | None) -> None:
    assert size(text) == expected


@pytest.mark.parametrize(
    ("wanted", "shown", "fix"),
    [
        (1, "1", "1"),
        ("utf8mb4", "utf8mb4", "utf8mb4"),
        (">=64M", ">=64M", "64M"),
        ("<= 1G", "<=1G", "1G"),
        ("!=0", "!=0", None),
        (">100", ">100", None),
        ("=ON", "ON", "ON"),
    ],
)
def test_requirement_text_and_fix_value(wanted: str | int, shown: str, fix: str | None) -> None:
    need = requirement(wanted)
    assert (str(need), need.fix_value) == (shown, fix)
