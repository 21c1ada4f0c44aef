"""The documents as Word files: rendered from the shipped templates or a product's own,
read back with python-docx."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from docx import Document as open_docx

from deployer.docs.errors import DocsError
from deployer.docs.generate import write_handover
from deployer.docs.records import read_site
from deployer.errors import ExitCode
from deployer.journal import Journal
from deployer.spec import SpecError, load_environment
from tests.support.documents import chinese_runs_without_east_asian_font, docx_text
from tests.support.handover import GoLive, go_live
from tests.unit.docs.conftest import GoLiveWith


def write(golive: GoLive, out: Path, formats: tuple[str, ...] = ("docx",)) -> list[Path]:
    site = read_site(load_environment(golive.spec), Journal(golive.journal))
    written = write_handover(site, out, langs=("zh", "en"), formats=formats, spec_shown="env.yml")
    return [path for entry in written for path in entry.files]


def test_every_docx_is_filled_in_and_chinese_runs_have_an_east_asian_font(
    golive: GoLive, tmp_path: Path
) -> None:
    files = write(golive, tmp_path / "out")
    assert len(files) == 10
    for path in files:
        text = docx_text(path)
        assert "{{" not in text and "{%" not in text, path.name
        for fact in (
            "华东精密机械有限公司",
            "production",
            "sample-erp",
            "1.0",
            golive.first,
            golive.rollback,
        ):
            assert fact in text, (path.name, fact)
        for secret in golive.secrets.values():
            assert secret not in text
        if ".zh." in path.name:
            assert "华东精密机械有限公司" in text
            assert chinese_runs_without_east_asian_font(path) == 0, path.name


def test_two_sets_from_one_journal_are_byte_identical(golive: GoLive, tmp_path: Path) -> None:
    first = write(golive, tmp_path / "a", ("docx", "html"))
    second = write(golive, tmp_path / "b", ("docx", "html"))
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in first]
    assert digest == [hashlib.sha256(p.read_bytes()).hexdigest() for p in second]
    assert (tmp_path / "a" / "handover.json").read_text().replace(str(tmp_path / "a"), "") == (
        tmp_path / "b" / "handover.json"
    ).read_text().replace(str(tmp_path / "b"), "")


def test_a_product_template_replaces_one_document(tmp_path: Path, golive_with: GoLiveWith) -> None:
    own = tmp_path / "letterhead"
    own.mkdir()
    template = open_docx()
    template.add_paragraph("华东精机 LETTERHEAD {{ customer }} / {{ version }}")
    template.add_paragraph("{{p body }}")
    template.save(str(own / "acceptance-sheet.zh.docx"))
    golive = golive_with("documents: letterhead")
    out = tmp_path / "out"
    write(golive, out)
    assert "华东精机 LETTERHEAD 华东精密机械有限公司 / 1.0" in docx_text(
        out / "acceptance-sheet.zh.docx"
    )
    assert "LETTERHEAD" not in docx_text(out / "acceptance-sheet.en.docx")
    assert "LETTERHEAD" not in docx_text(out / "faq.zh.docx")


def test_a_template_naming_an_unknown_field_is_one_clear_error(
    tmp_path: Path, golive_with: GoLiveWith
) -> None:
    own = tmp_path / "own"
    own.mkdir()
    template = open_docx()
    template.add_paragraph("{{ contract_number }}")
    template.save(str(own / "faq.en.docx"))
    golive = golive_with("documents: own")
    with pytest.raises(DocsError) as raised:
        write(golive, tmp_path / "out")
    assert raised.value.exit_code == ExitCode.DOCS_FAILED
    message = str(raised.value)
    assert "faq.en.docx" in message and "contract_number" in message and "\n" not in message
    assert not (tmp_path / "out").exists()  # nothing written


def test_a_documents_folder_that_is_not_there_is_located_in_the_spec(
    tmp_path: Path, golive_with: GoLiveWith
) -> None:
    golive = golive_with("documents: nowhere")
    with pytest.raises(SpecError) as raised:
        write(golive, tmp_path / "out")
    assert "env.yml:" in str(raised.value) and "product.documents" in str(raised.value)


def test_markup_in_the_records_stays_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    golive = go_live(tmp_path, "customer: 华东精密机械有限公司=>customer: 华东 & Co <精密>")
    for name, value in golive.secrets.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "out"
    write(golive, out, ("docx", "html"))
    assert "华东 & Co <精密>" in docx_text(out / "faq.zh.docx")
    assert "华东 &amp; Co &lt;精密&gt;" in (out / "faq.zh.html").read_text(encoding="utf-8")
    assert "<listening>" in docx_text(out / "implementation-report.en.docx")  # an observed value
