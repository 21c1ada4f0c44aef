"""Where a terminal line may break in English and Chinese text (widths in terminal cells)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from deployer.report.wrap import widest_word, wrap

LOCALE = "请将 db1 的系统字符集设为 UTF-8（localectl set-locale LANG=C.UTF-8）。"


@pytest.mark.parametrize("width", range(16, 60, 3))
def test_lines_fit_and_join_back_to_the_text(width: int) -> None:
    lines = wrap(LOCALE, width)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == LOCALE.replace(" ", "")
    for word in ("UTF-8", "（localectl", "set-locale", "LANG=C.UTF-8）。"):
        assert any(word in line for line in lines), (width, word, lines)


def test_chinese_breaks_between_characters_not_inside_latin_words() -> None:
    assert wrap(LOCALE, 20) == [
        "请将 db1 的系统字符",
        "集设为 UTF-8",
        "（localectl",
        "set-locale",
        "LANG=C.UTF-8）。",
    ]


def test_closing_punctuation_never_starts_a_line_nor_opening_ends_one() -> None:
    assert wrap("服务设置（ab）。", 10) == ["服务设置", "（ab）。"]
    assert wrap("甲乙丙丁，戊", 8) == ["甲乙丙", "丁，戊"]


def test_english_breaks_at_blanks_and_keeps_hard_breaks() -> None:
    assert wrap("Stop or move the service\non port 8080", 12) == [
        "Stop or move",
        "the service",
        "on port 8080",
    ]


def test_only_a_word_wider_than_the_line_is_folded() -> None:
    assert wrap("see /usr/java/jdk1.8.0_392-amd64", 12) == [
        "see",
        "/usr/java/jd",
        "k1.8.0_392-a",
        "md64",
    ]
    assert widest_word("see /usr/java/jdk1.8.0_392-amd64") == 28
    assert widest_word("请将系统字符集设为 UTF-8（localectl") == 11  # （ is two cells
