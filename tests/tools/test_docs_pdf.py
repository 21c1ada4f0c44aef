"""The hand-over documents as PDF, made by LibreOffice from the Word files and read back
with pdftotext; each first page is left as a PNG for a person to look at. Skips where
LibreOffice or poppler is missing (scripts/setup.sh installs both)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deployer.docs.generate import write_handover
from deployer.docs.pdf import libreoffice
from deployer.docs.records import read_site
from deployer.journal import Journal
from deployer.spec import load_environment
from tests.support.documents import OUTPUT, first_page_png, pdf_text, poppler_missing
from tests.support.handover import go_live


def test_every_document_becomes_a_pdf_that_says_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if libreoffice() is None or poppler_missing():
        pytest.skip(
            poppler_missing() or "LibreOffice is not installed (scripts/setup.sh installs it)"
        )
    golive = go_live(tmp_path)
    for name, value in golive.secrets.items():
        monkeypatch.setenv(name, value)
    site = read_site(load_environment(golive.spec), Journal(golive.journal))
    out = tmp_path / "handover"
    written = write_handover(
        site, out, langs=("zh", "en"), formats=("docx", "pdf"), spec_shown="env.yml"
    )
    pages = OUTPUT / "docs-unit"
    for entry in written:
        pdf = next(path for path in entry.files if path.suffix == ".pdf")
        # Without white space: a table cell wraps a run id where it likes.
        text = "".join(pdf_text(pdf).split())
        for fact in (
            "华东精密机械有限公司",
            "production",
            "sample-erp1.0",
            golive.first,
            golive.rollback,
        ):
            assert fact in text, (pdf.name, fact)
        for secret in golive.secrets.values():
            assert secret not in text
        png = first_page_png(pdf, pages)
        assert png.stat().st_size > 10_000, png
    print(f"first pages: {pages}")
