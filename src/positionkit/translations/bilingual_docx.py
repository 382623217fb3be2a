"""Units as a bilingual Word document, for translators who only have Word, and back.

One two-column table: the source cell holds the unit id (small, grey: leave it as it is), the
source text and, for a stale unit, what the source said before; the translator writes in the
right-hand cell. Placeholders are written ``{cite1}`` as in PO; a legend under each source says
what they stand for. The language pair and paper are kept in the document's core properties.
"""
from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.shared import Pt, RGBColor

from positionkit.diagnostics import Diagnostic, error
from positionkit.languages import get_language
from positionkit.translations import placeholders as ph
from positionkit.translations.returned import Returned, ReturnedFile
from positionkit.translations.units import MISSING, STALE, UnitSet

IDENTIFIER = "positionkit-translation"
MAX_BYTES = 20 * 1024 * 1024
_GREY = RGBColor(0x70, 0x70, 0x70)


def _name(code: str) -> str:
    lang = get_language(code)
    return lang.name if lang else code


def write(units: UnitSet, generator: str) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    props = doc.core_properties
    props.identifier, props.language, props.subject = IDENTIFIER, units.lang, units.paper
    props.title = f"{units.paper}: {_name(units.source_lang)} to {_name(units.lang)}"
    props.comments = f"made by {generator}"
    doc.add_heading(f"Translation of {units.paper} into {_name(units.lang)}", level=1)
    doc.add_paragraph(
        "Write each translation in the right-hand column. Keep every {placeholder} (for example "
        "{cite1}) where it belongs in your sentence; write a brace as {{ or }}. Leave the grey unit "
        "ids and the left-hand column as they are. Rows marked 'needs review' were translated before "
        "the source changed: check and update them.")
    rtl = bool(get_language(units.lang) and get_language(units.lang).rtl)
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    head = table.rows[0].cells
    head[0].text = _name(units.source_lang)
    head[1].text = _name(units.lang)
    for u in units.units:
        left, right = table.add_row().cells
        tag = left.paragraphs[0].add_run(u.id + {STALE: "  (needs review)", MISSING: ""}.get(u.status, ""))
        tag.font.size, tag.font.color.rgb = Pt(7), _GREY
        left.add_paragraph(ph.to_braces(u.source))
        if u.status == STALE and u.previous:
            run = left.add_paragraph().add_run("Before: " + ph.to_braces(u.previous))
            run.italic = True
        legend = [f"{{{p.name}}} = {p.original}" for p in u.source if isinstance(p, ph.Ph)]
        if legend:
            run = left.add_paragraph().add_run("; ".join(legend))
            run.font.size, run.font.color.rgb = Pt(7), _GREY
        if u.target and u.status != MISSING:
            right.paragraphs[0].text = ph.to_braces(u.target)
        if rtl:  # the translator types right to left in this cell
            right.paragraphs[0]._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def read(data: bytes, rel: str) -> tuple[ReturnedFile | None, list[Diagnostic]]:
    if len(data) > MAX_BYTES:
        return None, [error("PK424", f"{rel} is too large for a bilingual table", rel, 1)]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > 10 * MAX_BYTES:
                return None, [error("PK424", f"{rel} unpacks to too much data", rel, 1)]
        doc = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return None, [error("PK424", f"cannot read {rel} as a Word document: {exc}", rel, 1)]
    if doc.core_properties.identifier != IDENTIFIER or not doc.tables:
        return None, [error("PK424", f"{rel} is not a bilingual table exported by positionkit", rel, 1,
                            hint="positionkit i18n export PAPER --lang L --to docx makes one")]
    out = []
    for row_no, row in enumerate(doc.tables[0].rows[1:], start=2):
        cells = row.cells
        if len(cells) < 2 or not cells[0].paragraphs:
            continue
        uid = cells[0].paragraphs[0].text.replace("(needs review)", "").strip()
        text = " ".join(p.text for p in cells[1].paragraphs).strip()
        if not uid or not text:
            continue
        target, problems = ph.from_braces(" ".join(text.split()))
        out.append(Returned(uid, tuple(target), row_no, True, tuple(problems)))
    return ReturnedFile(rel, doc.core_properties.language or None, tuple(out), checks_unchanged=True), []
