"""Reading exports: strict decoding line by line, line numbers kept, records that span lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.data.source import SourceUnreadable, reading_encoding, sheet_rows, text_rows
from deployer.spec.dataimport import FileSource


def rows(tmp_path: Path, content: bytes, encoding: str = "gb18030", **options: object) -> list:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    return list(text_rows(path, FileSource(file="export.csv", encoding=encoding, **options)))


def test_gbk_is_read_as_gb18030_which_keeps_what_gbk_lacks(tmp_path: Path) -> None:
    assert reading_encoding("GBK") == reading_encoding("gb2312") == "gb18030"
    text = "编码,名称\r\n1,㙍镇\r\n"
    found = rows(tmp_path, text.encode("gb18030"), encoding="gbk")
    assert [r.cells for r in found] == [("编码", "名称"), ("1", "㙍镇")]
    assert [r.line for r in found] == [1, 2]


def test_an_undecodable_line_is_set_aside_with_its_bytes_and_the_next_still_reads(
    tmp_path: Path,
) -> None:
    content = "a,b\n1,甲\n".encode("gb18030") + b"2,\xff\xfe\n" + "3,乙\n".encode("gb18030")
    found = rows(tmp_path, content)
    assert [(r.line, r.cells) for r in found] == [
        (1, ("a", "b")),
        (2, ("1", "甲")),
        (3, None),
        (4, ("3", "乙")),
    ]
    assert found[2].raw == b"2,\xff\xfe"


def test_a_quoted_field_over_two_lines_is_one_record_numbered_by_its_first_line(
    tmp_path: Path,
) -> None:
    found = rows(tmp_path, b'a,b\r\n1,"two\r\nlines"\r\n2,x\r\n', encoding="utf-8")
    assert [(r.line, r.cells) for r in found] == [
        (1, ("a", "b")),
        (2, ("1", "two\r\nlines")),
        (4, ("2", "x")),
    ]


def test_blank_lines_are_no_records_and_a_utf8_bom_is_not_part_of_the_header(
    tmp_path: Path,
) -> None:
    found = rows(tmp_path, b"\xef\xbb\xbfcode\n\n1\n", encoding="utf-8")
    assert [(r.line, r.cells) for r in found] == [(1, ("code",)), (3, ("1",))]


def test_a_tab_separated_file_splits_on_tabs(tmp_path: Path) -> None:
    path = tmp_path / "export.tsv"
    path.write_bytes(b"a\tb,c\n")
    (row,) = text_rows(path, FileSource(file="export.tsv", encoding="utf-8"))
    assert row.cells == ("a", "b,c")


def test_a_file_that_is_no_workbook_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(SourceUnreadable, match="not a readable xlsx workbook"):
        list(sheet_rows(path, FileSource(file="export.xlsx")))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'a,b\n1,"never closed\n2,x\n3,y\n', "unexpected end of data"),
        (b'a,b\n1,"closed"then text\n2,x\n3,y\n', "expected after"),
        (b'a,b\n1,"runs on\n' + b"filler\n" * 25 + b'"\n2,x\n3,y\n', "more than 20 lines"),
    ],
)
def test_bad_quoting_costs_its_own_line_and_the_lines_after_are_read_again(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    found = rows(tmp_path, content, encoding="utf-8")
    broken = [r for r in found if r.cells == ()]
    assert [r.line for r in broken][:1] == [2] and reason in broken[0].raw.decode()
    assert [r.cells for r in found[-2:]] == [("2", "x"), ("3", "y")]
    assert found[-1].line == content.count(b"\n")
