"""A document as Word: its template (the product's own, or the one deployer ships) renders
the cover fields with jinja2 and takes the sections as built here with python-docx. Chinese
text gets its East-Asian font on every run, and the file is written the same, byte for byte,
from the same records."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import jinja2
from docx import Document as open_docx
from docx.document import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docxtpl import DocxTemplate

from deployer.docs.errors import DocsError
from deployer.report.document import Block, Bullets, Commands, Document, Paragraph, Table

#: Han characters, CJK punctuation and full-width forms: text that needs an East-Asian font.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
#: What a run of Chinese text is set in when neither it nor the template names a face.
EAST_ASIAN_FALLBACK = "SimSun"
MONOSPACE = "Consolas"
#: The width of an A4 page inside the shipped templates' margins.
TEXT_WIDTH_CM = 16.6
#: The zip entries' time when the records give none (the earliest a zip can say).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def render_docx(document: Document, template: Path) -> bytes:
    try:
        word = DocxTemplate(str(template))
        body = word.new_subdoc()
        _write_sections(body, document)
        word.render(_context(document, body), _jinja(), autoescape=True)
        rendered = io.BytesIO()
        word.save(rendered)
    except jinja2.TemplateError as exc:
        raise DocsError(f"{template}: the template does not render: {exc}") from None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DocsError(f"{template}: not a Word template deployer can use ({exc})") from None
    finished = open_docx(io.BytesIO(rendered.getvalue()))
    if document.lang == "zh":
        east_asian_fonts(finished)
    _properties(finished, document)
    out = io.BytesIO()
    finished.save(out)
    return _stable_zip(out.getvalue(), _stamp(document.date))


def _jinja() -> jinja2.Environment:
    # A template naming a field deployer does not give is a mistake to show, not a blank.
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def _context(document: Document, body: object) -> dict[str, object]:
    return {**dict(document.fields), "title": document.title, "body": body}


def _write_sections(body: WordDocument, document: Document) -> None:
    styles = {style.name for style in body.styles}
    for section in document.sections:
        body.add_heading(section.title, level=min(section.level, 3))
        for block in section.blocks:
            _write_block(body, block, styles)


def _write_block(body: WordDocument, block: Block, styles: set[str | None]) -> None:
    if isinstance(block, Paragraph):
        body.add_paragraph(block.text)
    elif isinstance(block, Bullets):
        for item in block.items:
            body.add_paragraph(item, style="List Bullet" if "List Bullet" in styles else None)
    elif isinstance(block, Commands):
        for line in block.lines:
            run = body.add_paragraph().add_run(line)
            run.font.name = MONOSPACE
            run.font.size = Pt(9)
    else:
        _write_table(body, block, styles)


def _write_table(body: WordDocument, table: Table, styles: set[str | None]) -> None:
    grid = body.add_table(rows=1 + len(table.rows), cols=len(table.headers))
    if "Table Grid" in styles:
        grid.style = "Table Grid"
    grid.autofit = False
    for column, width in zip(grid.columns, _widths(table), strict=True):
        column.width = width  # the grid, which LibreOffice follows; the cells, which Word does
        for cell in column.cells:
            cell.width = width
    for cell, text in zip(grid.rows[0].cells, table.headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row, values in zip(grid.rows[1:], table.rows, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
    body.add_paragraph()


def _widths(table: Table) -> list[Cm]:
    """Columns as wide as what they hold, within limits: a code column stays narrow and a
    reason gets the room."""
    weights = [
        min(max(_width(text) for text in column), 32)
        for column in zip(table.headers, *table.rows, strict=True)
    ]
    weights = [max(weight, 9) for weight in weights]
    total = sum(weights)
    return [Cm(TEXT_WIDTH_CM * weight / total) for weight in weights]


def _width(text: str) -> int:
    """Roughly how many Latin letters wide ``text`` is: a Chinese character takes two."""
    return sum(2 if CJK.match(char) else 1 for char in max(text.splitlines() or [""], key=len))


def east_asian_fonts(word: WordDocument) -> int:
    """Give every run holding Chinese text an East-Asian face (``w:eastAsia``), the
    template's default where it names one: Word and LibreOffice otherwise set Chinese in a
    Latin face's fallback. Returns how many runs it changed."""
    face = _default_east_asian(word) or EAST_ASIAN_FALLBACK
    changed = 0
    parts = [word.element]
    for section in word.sections:
        parts += [section.header._element, section.footer._element]
    for part in parts:
        for run in part.iter(qn("w:r")):
            text = "".join(t.text or "" for t in run.iter(qn("w:t")))
            if not CJK.search(text):
                continue
            rpr = run.get_or_add_rPr()
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is None:
                fonts = OxmlElement("w:rFonts")
                rpr.insert(0, fonts)
            if not fonts.get(qn("w:eastAsia")):
                fonts.set(qn("w:eastAsia"), face)
                changed += 1
    return changed


def _default_east_asian(word: WordDocument) -> str | None:
    defaults = word.styles.element.find(qn("w:docDefaults"))
    fonts = None if defaults is None else defaults.find(f".//{qn('w:rFonts')}")
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def _properties(word: WordDocument, document: Document) -> None:
    properties = word.core_properties
    properties.title = document.title
    properties.author = "deployer"
    properties.last_modified_by = "deployer"
    properties.revision = 1
    stamp = _when(document.date)
    properties.created = stamp
    properties.modified = stamp
    properties.last_printed = stamp


def _when(iso: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return datetime(*ZIP_EPOCH, tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).replace(microsecond=0)


def _stamp(iso: str) -> tuple[int, int, int, int, int, int]:
    moment = _when(iso)
    if moment.year < ZIP_EPOCH[0]:
        return ZIP_EPOCH
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _stable_zip(data: bytes, stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """The same archive with every entry dated ``stamp``: a zip otherwise records the time
    it was written, and two documents from the same records would differ."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
