"""encoding: spec files must be UTF-8; anything else is named so it can be converted (the
suggested iconv command is run for real in tests/tools/test_iconv_suggestion.py)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from deployer.spec.encoding import MAX_BYTES, read_text
from tests.support.spec_text import TEXT, problem_of, write


def test_utf8_with_and_without_bom(tmp_path: Path) -> None:
    assert read_text(write(tmp_path, TEXT.encode()), "s.yml") == TEXT
    assert read_text(write(tmp_path, codecs.BOM_UTF8 + TEXT.encode()), "s.yml") == TEXT


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "gb2312"])
def test_chinese_windows_encodings_are_named_gb18030(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, TEXT.encode(encoding))
    assert problem_of(path) == (
        "s.yml:1:3: (document): file is not UTF-8 (it looks like GB18030); "
        "convert it: iconv -f GB18030 -t UTF-8"
    )


@pytest.mark.parametrize(
    ("encoding", "named"),
    [
        ("utf-16", "UTF-16"),
        ("utf-16-le", "UTF-16LE"),
        ("utf-16-be", "UTF-16BE"),
        ("utf-32", "UTF-32"),
    ],
)
def test_wide_encodings_are_named(tmp_path: Path, encoding: str, named: str) -> None:
    path = write(tmp_path, TEXT.encode(encoding))
    assert problem_of(path) == (
        f"s.yml:1:1: (document): file is not UTF-8 (it looks like {named}); "
        f"convert it: iconv -f {named} -t UTF-8"
    )


def test_the_first_bad_byte_is_located(tmp_path: Path) -> None:
    raw = b"a: 1\nb: caf" + "é".encode("latin-1") + b"\n"
    assert problem_of(write(tmp_path, raw)).startswith("s.yml:2:7: (document): file is not UTF-8")


def test_nul_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, b"a: 1\nb: x\x00y\n")
    assert problem_of(path) == "s.yml:2:5: (document): contains NUL bytes; this is not a text file"


def test_size_limit(tmp_path: Path) -> None:
    assert read_text(write(tmp_path, b"#" * MAX_BYTES), "s.yml")
    path = write(tmp_path, b"#" * (MAX_BYTES + 1))
    assert (
        problem_of(path) == "s.yml:1:1: (document): file is larger than 1024 KiB; refusing to parse"
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert problem_of(tmp_path / "nope.yml") == "s.yml:1:1: (document): file not found"
    assert problem_of(tmp_path) == "s.yml:1:1: (document): is a directory, not a YAML file"


def test_other_read_errors_name_the_reason(tmp_path: Path) -> None:
    not_a_folder = write(tmp_path, TEXT.encode())
    assert (
        problem_of(not_a_folder / "s.yml") == "s.yml:1:1: (document): cannot read: Not a directory"
    )
