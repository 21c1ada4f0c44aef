"""Write the Word templates `deployer docs` ships (src/deployer/docs/templates), one per
document and language. Run it after changing the layout here; the .docx files it writes are
committed. A product team makes its own from these in Word (letterhead, logo, styles) and
points `product.documents` at the folder.

Each template may use: {{ title }} {{ customer }} {{ environment }} {{ product }}
{{ version }} {{ date }} {{ runs }} and, alone in its paragraph, {{p body }} (the document's
sections)."""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parent.parent / "src" / "deployer" / "docs" / "templates"
NAMES = {
    "implementation-report": ("Implementation report", "实施报告"),
    "configuration-manual": ("Configuration manual", "配置手册"),
    "operations-guide": ("Operations guide", "运维指南"),
    "faq": ("FAQ", "FAQ清单"),
    "acceptance-sheet": ("Acceptance sheet", "验收单"),
}
LABELS = {
    "en": ("Customer", "Environment", "Product", "Date", "Made from runs"),
    "zh": ("客户", "环境", "产品", "日期", "依据的运行记录"),
}
#: Latin and East-Asian faces: Word on a Chinese Windows has both; elsewhere fontconfig
#: substitutes what it has (Noto CJK).
FONTS = {"body": ("Arial", "SimSun"), "heading": ("Arial", "SimHei")}


def set_fonts(rpr_owner, latin: str, east_asian: str) -> None:
    """``font.name`` alone sets only the Latin faces: Chinese text needs ``w:eastAsia``."""
    if hasattr(rpr_owner, "get_or_add_rPr"):
        rpr = rpr_owner.get_or_add_rPr()  # keeps the schema's order of a style's children
    else:
        rpr = rpr_owner.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            rpr_owner.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def styled(document) -> None:
    styles = document.styles
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    set_fonts(defaults, *FONTS["body"])
    for name in ("Normal", "Table Grid", "List Bullet"):
        set_fonts(styles[name].element, *FONTS["body"])
    styles["Normal"].font.size = Pt(10.5)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        set_fonts(styles[name].element, *FONTS["heading"])


def page_number(paragraph) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def template(name: str, lang: str) -> Document:
    document = Document()
    styled(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    header = section.header.paragraphs[0]
    header.text = "{{ product }} {{ version }} · {{ title }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.text = "{{ customer }} · {{ environment }} · "
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_number(footer)

    document.add_paragraph("{{ title }}", style="Title")
    labels = LABELS[lang]
    values = (
        "{{ customer }}",
        "{{ environment }}",
        "{{ product }} {{ version }}",
        "{{ date }}",
        "{{ runs }}",
    )
    table = document.add_table(rows=len(labels), cols=2, style="Table Grid")
    for row, label, value in zip(table.rows, labels, values, strict=True):
        row.cells[0].text = label
        row.cells[1].text = value
    note = (
        "本文档由 deployer 依据上表所列运行记录生成，其中各项数据均可在运行记录中查证。"
        if lang == "zh"
        else "deployer wrote this document from the runs listed above; every figure in it "
        "can be found in their records."
    )
    document.add_paragraph(note)
    document.add_paragraph("{{p body }}")
    if name == "acceptance-sheet":
        signatures(document, lang)
    return document


def signatures(document, lang: str) -> None:
    heading = "签字确认" if lang == "zh" else "Signatures"
    document.add_paragraph(heading, style="Heading 1")
    parties = (
        ("客户代表（{{ customer }}）", "实施工程师")
        if lang == "zh"
        else ("Customer representative ({{ customer }})", "Implementation engineer")
    )
    lines = ("签字：", "日期：") if lang == "zh" else ("Signature:", "Date:")
    table = document.add_table(rows=3, cols=2, style="Table Grid")
    for column, party in enumerate(parties):
        table.rows[0].cells[column].text = party
        table.rows[1].cells[column].text = lines[0] + "\n\n"
        table.rows[2].cells[column].text = lines[1]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        for lang in ("zh", "en"):
            target = OUT / f"{name}.{lang}.docx"
            template(name, lang).save(str(target))
            print(target.relative_to(OUT.parent.parent.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
