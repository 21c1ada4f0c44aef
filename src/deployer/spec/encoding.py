"""Read a spec file as UTF-8 text, or say in one line what is wrong with its bytes.

Specs are often written on Windows machines at customer sites, so the usual failures are
GB18030/GBK files from Chinese editors and UTF-16 files from PowerShell redirection.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from deployer.files import NotRegularFileError, read_regular_file
from deployer.spec.problems import file_problem

MAX_BYTES = 1024 * 1024

# Names as iconv(1) spells them, so the suggested command works when pasted.
_ICONV_NAMES = {
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "utf-32-le": "UTF-32LE",
    "utf-32-be": "UTF-32BE",
    "latin-1": "ISO-8859-1",
}


def read_text(path: Path, shown: str) -> str:
    """Return the file as text, or raise a one-line problem saying what is wrong."""
    raw = _read_bytes(path, shown)
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    wide = _wide_encoding(raw)
    if wide:
        raise file_problem(shown, _convert_hint(wide))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        raise file_problem(shown, _not_utf8(raw), line=line, col=col) from None
    if "\x00" in text:
        line, col = _line_col(raw, raw.index(b"\x00"))
        raise file_problem(shown, "contains NUL bytes; this is not a text file", line, col)
    return text


def _read_bytes(path: Path, shown: str) -> bytes:
    try:
        raw = read_regular_file(path, MAX_BYTES)
    except FileNotFoundError:
        raise file_problem(shown, "file not found") from None
    except OSError as exc:
        raise file_problem(shown, f"cannot read: {exc.strerror}") from None
    except NotRegularFileError as exc:
        # A FIFO or a device would make the read wait forever or never end.
        raise file_problem(shown, f"{exc}, not a YAML file") from None
    if raw is None:
        raise file_problem(shown, f"file is larger than {MAX_BYTES // 1024} KiB; refusing to parse")
    return raw


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of a byte offset (the bytes before it are UTF-8)."""
    start = raw.rfind(b"\n", 0, offset) + 1
    before = raw[start:offset].decode("utf-8", errors="replace")
    return raw.count(b"\n", 0, offset) + 1, len(before) + 1


def _wide_encoding(raw: bytes) -> str | None:
    """UTF-16/32 by byte-order mark, or UTF-16 without one by its telltale NUL bytes."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    # ASCII text (YAML keys are ASCII) in UTF-16 has a NUL in every other byte.
    even, odd = raw[0::2].count(0), raw[1::2].count(0)
    enough = max(2, len(raw) // 8)  # a NUL in at least a quarter of the characters
    if odd >= enough and even * 8 <= odd:
        return "UTF-16LE"
    if even >= enough and odd * 8 <= even:
        return "UTF-16BE"
    return None


def _not_utf8(raw: bytes) -> str:
    if _looks_chinese(raw):
        # Short Chinese texts fool statistical detectors; GB18030 (a superset of GBK) is
        # what Chinese Windows editors write.
        return _convert_hint("GB18030")
    # Only a spec that is not UTF-8 needs the detector: every other command skips its import.
    from charset_normalizer import from_bytes  # noqa: PLC0415

    best = from_bytes(raw).best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        return "file is not UTF-8 and its encoding could not be recognised"
    return _convert_hint(_iconv_name(best.encoding))


def _convert_hint(encoding: str) -> str:
    return f"file is not UTF-8 (it looks like {encoding}); convert it: iconv -f {encoding} -t UTF-8"


def _iconv_name(python_name: str) -> str:
    name = codecs.lookup(python_name).name.replace("_", "-")
    if name.startswith("iso8859-"):
        return "ISO-8859-" + name.removeprefix("iso8859-")
    return _ICONV_NAMES.get(name, name.upper())


def _looks_chinese(raw: bytes) -> bool:
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    han = sum(1 for char in text if "\u4e00" <= char <= "\u9fff")
    high = sum(1 for byte in raw if byte >= 0x80)
    return han > 0 and han * 2 >= high * 0.9
