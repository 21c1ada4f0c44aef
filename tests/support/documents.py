"""Reading hand-over documents back as a person gets them: a PDF's text (pdftotext) and its
first page as a PNG (pdftoppm), kept where a person can look at it after the run."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from docx import Document as open_docx
from docx.oxml.ns import qn

from deployer.docs.word import CJK

#: Where rendered pages are left for people: DEPLOYER_TEST_OUTPUT, else a folder in /tmp.
OUTPUT = Path(
    os.environ.get("DEPLOYER_TEST_OUTPUT") or Path(tempfile.gettempdir()) / "deployer-test-output"
)


def poppler_missing() -> str | None:
    missing = [tool for tool in ("pdftotext", "pdftoppm") if shutil.which(tool) is None]
    return (
        f"{', '.join(missing)} not installed (scripts/setup.sh installs poppler-utils)"
        if missing
        else None
    )


def pdf_text(pdf: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def first_page_png(pdf: Path, folder: Path) -> Path:
    """The PDF's first page as ``folder/<name>.png`` (90 dpi)."""
    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / pdf.stem
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "90",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
        capture_output=True,
    )
    return prefix.with_name(prefix.name + ".png")


NAMES = (
    "implementation-report",
    "configuration-manual",
    "operations-guide",
    "faq",
    "acceptance-sheet",
)


def docx_text(path: Path) -> str:
    """Every paragraph of a .docx, table cells, headers and footers included, reopened with
    python-docx."""
    word = open_docx(str(path))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    for section in word.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def chinese_runs_without_east_asian_font(path: Path) -> int:
    """How many runs of a .docx hold Chinese text but name no East-Asian face."""
    body = open_docx(str(path)).element.body
    missing = 0
    for run in body.iter(qn("w:r")):
        if not CJK.search("".join(t.text or "" for t in run.iter(qn("w:t")))):
            continue
        properties = run.find(qn("w:rPr"))
        fonts = None if properties is None else properties.find(qn("w:rFonts"))
        missing += fonts is None or not fonts.get(qn("w:eastAsia"))
    return missing
