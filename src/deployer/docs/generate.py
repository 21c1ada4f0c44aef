"""The hand-over set: each document in each language, as Word, PDF and HTML, written into
one folder with ``handover.json`` naming the runs they were made from and each file's
digest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from deployer.docs.acceptance import acceptance_sheet
from deployer.docs.common import secret_values
from deployer.docs.configuration import configuration_manual
from deployer.docs.faq import faq
from deployer.docs.implementation import implementation_report
from deployer.docs.operations import operations_guide
from deployer.docs.pdf import require_libreoffice, to_pdf
from deployer.docs.records import SiteRecords
from deployer.docs.word import render_docx
from deployer.files import write_atomic
from deployer.journal.redact import Redactor
from deployer.report.document import Bullets, Commands, Document, Paragraph, Section, Table
from deployer.report.html import render_document_html
from deployer.report.i18n import Lang
from deployer.spec.problems import SpecError

FORMATS = ("docx", "pdf", "html")
LANGS: tuple[Lang, ...] = ("zh", "en")
MANIFEST = "handover.json"

Builder = Callable[[SiteRecords, Lang, str], Document]
BUILDERS: dict[str, Builder] = {
    "implementation-report": lambda site, lang, _: implementation_report(site, lang),
    "configuration-manual": lambda site, lang, _: configuration_manual(site, lang),
    "operations-guide": operations_guide,
    "faq": faq,
    "acceptance-sheet": lambda site, lang, _: acceptance_sheet(site, lang),
}


@dataclass(frozen=True)
class Written:
    document: Document
    template: Path
    files: tuple[Path, ...]


def shipped_templates() -> Path:
    return Path(str(resources.files("deployer.docs") / "templates"))


def template_for(site: SiteRecords, name: str, lang: Lang) -> Path:
    """The product's own template for the document when it has one, else deployer's."""
    filename = f"{name}.{lang}.docx"
    own = site.loaded.env.product.documents
    if own is not None:
        folder = site.loaded.base_dir / own
        if not folder.is_dir():
            problem = site.loaded.doc.problem(("product", "documents"), f"no such folder: {folder}")
            raise SpecError([problem])
        if (folder / filename).is_file():
            return folder / filename
    return shipped_templates() / filename


def documents(site: SiteRecords, langs: Sequence[Lang], spec_shown: str) -> list[Document]:
    """Every document in every language, with any readable secret value masked."""
    redact = Redactor(secret_values(site))
    return [
        masked(build(site, lang, spec_shown), redact)
        for name, build in BUILDERS.items()
        for lang in langs
    ]


def write_handover(
    site: SiteRecords,
    out: Path,
    *,
    langs: Sequence[Lang],
    formats: Sequence[str],
    spec_shown: str,
) -> list[Written]:
    if "pdf" in formats:
        require_libreoffice()  # before anything is written
    # Every document rendered before the first is written: a template that fails leaves the
    # folder as it was.
    rendered = []
    for document in documents(site, langs, spec_shown):
        template = template_for(site, document.name, document.lang)
        rendered.append((document, template, render_docx(document, template)))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for document, template, word in rendered:
        stem = f"{document.name}.{document.lang}"
        files = [out / f"{stem}.docx"]
        write_atomic(files[0], word, mode=0o644)
        if "html" in formats:
            files.append(out / f"{stem}.html")
            write_atomic(files[-1], render_document_html(document), mode=0o644)
        written.append(Written(document, template, tuple(files)))
    if "pdf" in formats:
        pdfs = to_pdf([entry.files[0] for entry in written], out)
        written = [
            replace(entry, files=(*entry.files, pdf))
            for entry, pdf in zip(written, pdfs, strict=True)
        ]
    if "docx" not in formats:
        for entry in written:
            entry.files[0].unlink()
        written = [replace(entry, files=entry.files[1:]) for entry in written]
    write_atomic(out / MANIFEST, _manifest(site, written), mode=0o644)
    return written


def _manifest(site: SiteRecords, written: list[Written]) -> str:
    entries = [
        {
            "document": entry.document.name,
            "lang": entry.document.lang,
            "template": _shown(site, entry.template),
            "files": {path.name: _sha256(path) for path in entry.files if path.suffix != ".pdf"},
        }
        for entry in written
    ]
    return (
        json.dumps(
            {"runs": list(site.made_from), "date": site.date, "documents": entries},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )


def _shown(site: SiteRecords, template: Path) -> str:
    """Which template made a document, the same on every machine: deployer's own by name,
    a product's by its path from the spec."""
    if template.parent == shipped_templates():
        return f"deployer:{template.name}"
    try:
        return str(template.relative_to(site.loaded.base_dir))
    except ValueError:
        return str(template)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def masked(document: Document, redact: Redactor) -> Document:
    """``document`` with every secret value in its text replaced by the redactor's mask."""
    return replace(
        document,
        title=redact(document.title),
        cover=tuple((label, redact(value)) for label, value in document.cover),
        fields=tuple((name, redact(value)) for name, value in document.fields),
        sections=tuple(
            Section(redact(s.title), tuple(_masked_block(b, redact) for b in s.blocks), s.level)
            for s in document.sections
        ),
    )


def _masked_block(
    block: Paragraph | Bullets | Commands | Table, redact: Redactor
) -> Paragraph | Bullets | Commands | Table:
    if isinstance(block, Paragraph):
        return Paragraph(redact(block.text))
    if isinstance(block, Bullets):
        return Bullets(tuple(redact(item) for item in block.items))
    if isinstance(block, Commands):
        return Commands(tuple(redact(line) for line in block.lines))
    return Table(
        tuple(redact(h) for h in block.headers),
        tuple(tuple(redact(cell) for cell in row) for row in block.rows),
    )
