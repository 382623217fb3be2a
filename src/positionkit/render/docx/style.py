"""DOCX styling: the reference document pandoc formats with, and helpers the post-processing
shares with it (paragraph styles by purpose, the footer, exact core properties).

The generated reference.docx carries the project's style: fonts, sizes, accent colour, page
setup, Title/Subtitle/Author/Date, a shaded "Key Messages" style and a PAGE/NUMPAGES footer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.util
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from positionkit.system.diskcache import cached_bytes, file_stamp

from positionkit.render.docx.ooxml import child, field_runs, set_fonts
from positionkit.render.docx.package import finish_package
from positionkit.render.pandoc import pandoc_path, run_pandoc
from positionkit.style import DEFAULT_STYLE, Style

__all__ = [
    "STYLE_NAMES",
    "W",
    "cached_reference",
    "hex_color",
    "paragraph_style",
    "reference_docx",
    "scrub_core",
    "set_val",
    "text_width",
    "tint",
    "write_footer",
]

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

STYLE_NAMES = {
    "key_messages": "Key Messages",
    "key_messages_heading": "Key Messages Heading",
    "fallback": "Fallback",
    "fallback_notice": "Fallback Notice",
    "audience": "Audience",
    "contact": "Contact",
    "draft": "Draft Mark",
    "provenance": "Provenance",
    "running_title": "Running Title",
}
"""Paragraph styles positionkit adds to pandoc's reference document (by purpose)."""

_DRAFT_COLOR = "A4262C"
_GREY = "595959"
_PAPER = {"a4": (11906, 16838), "us-letter": (12240, 15840)}  # twentieths of a point
_MARGIN_X, _MARGIN_TOP, _MARGIN_BOTTOM = 1191, 1191, 1304  # 2.1 cm, 2.1 cm, 2.3 cm: the PDF's page


def hex_color(color: str) -> str:
    return color.lstrip("#").upper()


def tint(color: str, amount: float) -> str:
    """``color`` mixed with white (``amount`` 0..1 of white), as hex for ``w:shd``."""
    h = hex_color(color)
    rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)



@lru_cache(maxsize=1)
def _pandoc_reference() -> bytes:
    return run_pandoc(["--print-default-data-file", "reference.docx"], b"")


def _pt(value: float) -> int:
    """Half-points for ``w:sz``."""
    return round(value * 2)


def _rpr(style) -> Any:
    return style.element.get_or_add_rPr()


def _ppr(style) -> Any:
    return style.element.get_or_add_pPr()


def set_val(rpr, tag: str, val: str | None = None, **attrs: str) -> Any:
    el = child(rpr, tag)
    if val is not None:
        el.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val", val)
    for k, v in attrs.items():
        el.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + k, v)
    return el


def _spacing(style, before: int, after: int, line: int | None = None) -> None:
    attrs = {"before": str(before), "after": str(after)}
    if line:
        attrs.update(line=str(line), lineRule="auto")
    sp = set_val(_ppr(style), "w:spacing")
    for k in list(sp.attrib):
        del sp.attrib[k]
    for k, v in attrs.items():
        sp.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + k, v)


def _font(style, family: str, size: float | None = None, *, bold: bool | None = None,
          italic: bool | None = None, color: str | None = None) -> None:
    rpr = _rpr(style)
    set_fonts(rpr, family)
    for tag in ("w:b", "w:bCs"):
        if bold is not None:
            set_val(rpr, tag, "1" if bold else "0")
    for tag in ("w:i", "w:iCs"):
        if italic is not None:
            set_val(rpr, tag, "1" if italic else "0")
    if color:
        col = set_val(rpr, "w:color", hex_color(color))
        for attr in ("themeColor", "themeShade", "themeTint"):
            key = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + attr
            if key in col.attrib:
                del col.attrib[key]
    if size:
        set_val(rpr, "w:sz", str(_pt(size)))
        set_val(rpr, "w:szCs", str(_pt(size)))


def _box(style, fill: str, border: str, size: int, *, dashed: bool = False) -> None:
    ppr = _ppr(style)
    bdr = child(ppr, "w:pBdr")
    left = set_val(bdr, "w:left", "dashed" if dashed else "single", sz=str(size), space="8", color=border)
    del left  # kept for readability: one border on the side where lines start
    if fill:
        set_val(ppr, "w:shd", "clear", color="auto", fill=fill)
    set_val(ppr, "w:ind", left="227", right="170")


def set_style(element, style) -> None:
    """Give a paragraph's ``w:p`` or a run's ``w:r`` ``style``, as python-docx's Paragraph.style and
    Run.style setters do (the default style of its kind is written as none), without their scan
    of every style for the default one (half of the running header's 6 ms)."""
    element.style = None if style.element.default else style.style_id


def paragraph_style(doc, name: str, base: str = "Normal"):
    from docx.enum.style import WD_STYLE_TYPE

    try:
        return doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles[base]
        style.quick_style = True
        return style


def _style_document(doc, style: Style) -> None:
    size, accent = style.font_size, style.accent_color
    body, heading = style.body_font, style.heading_font
    defaults = doc.styles.element.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}docDefaults")
    rpr = defaults.find(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}rPr")
    set_fonts(rpr, body)
    set_val(rpr, "w:sz", str(_pt(size)))
    set_val(rpr, "w:szCs", str(_pt(size)))
    # pair kerning at every size, as typst sets the PDF, so lines break alike (schema: before sz)
    kern = set_val(rpr, "w:kern", "2")
    rpr.find(f"{W}sz").addprevious(kern)
    s = doc.styles
    _font(s["Normal"], body, size, color="#262626")
    # 1.05 x the font's line height: IBM Plex's is 1.3 em, so lines sit 1.37 em apart, as in the
    # PDF (typst: cap height + 0.68 em leading); 1.1 x set the DOCX 5% looser
    _spacing(s["Normal"], 0, 0, line=252)
    for name in ("Body Text", "First Paragraph"):
        # 4 pt between paragraphs, near the PDF's: 8 pt made the DOCX a page longer in five
        _spacing(s[name], 0, 80, line=252)
        set_val(_ppr(s[name]), "w:jc", "both")
    _spacing(s["Compact"], 30, 30, line=252)
    _font(s["Title"], heading, size * 1.75, bold=True, color="#141414")
    _spacing(s["Title"], 120, 120, line=240)
    ppr = _ppr(s["Title"])
    for el in ppr.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pBdr"):
        ppr.remove(el)
    set_val(_ppr(s["Title"]), "w:jc", "left")
    set_val(_ppr(s["Title"]), "w:keepNext")
    for el in (_ppr(s["Subtitle"]).find(f"{W}numPr"), _rpr(s["Subtitle"]).find(f"{W}spacing")):
        if el is not None:  # pandoc's Subtitle is letter-spaced and numbered like a heading
            el.getparent().remove(el)
    _font(s["Subtitle"], heading, size * 1.18, bold=False, italic=False, color="#464646")
    _spacing(s["Subtitle"], 0, 200, line=252)
    _font(s["Author"], heading, size * 0.9, bold=True, color=accent)
    _spacing(s["Author"], 0, 60)
    set_val(_ppr(s["Author"]), "w:jc", "left")
    bdr = child(_ppr(s["Author"]), "w:pBdr")
    set_val(bdr, "w:bottom", "single", sz="18", space="6", color=hex_color(accent))
    _font(s["Date"], body, size * 0.9, bold=False, color=_GREY)
    _spacing(s["Date"], 0, 0)
    set_val(_ppr(s["Date"]), "w:jc", "left")
    audience = paragraph_style(doc, STYLE_NAMES["audience"], "Date")
    _font(audience, body, size * 0.9, color=_GREY)
    contact = paragraph_style(doc, STYLE_NAMES["contact"], "Date")
    _font(contact, body, size * 0.9, color=_GREY)
    _spacing(contact, 0, 280)
    cbdr = child(_ppr(contact), "w:pBdr")
    set_val(cbdr, "w:bottom", "single", sz="4", space="8", color="BFBFBF")
    # One scale for both formats (see briefing.typ): title 1.75x, then 1.22, 1.05, 1 (italic)
    levels = [(1, 1.22, True, False, 340, 110), (2, 1.05, True, False, 260, 80), (3, 1.0, True, True, 200, 60)]
    for level, scale, bold, italic, before, after in levels:
        st = s[f"Heading {level}"]
        _font(st, heading, size * scale, bold=bold, italic=italic, color=accent)
        _spacing(st, before, after)
    for level in range(4, 10):
        _font(s[f"Heading {level}"], heading, size, bold=True, color=accent)
    _font(s["Footnote Text"], body, size * 0.82)
    _spacing(s["Footnote Text"], 0, 40, line=240)
    # as the PDF's references: 0.82 em, entries set a little apart
    _font(s["Bibliography"], body, size * 0.82)
    _spacing(s["Bibliography"], 0, 50, line=240)
    set_val(_ppr(s["Bibliography"]), "w:ind", left="454", hanging="454")
    _font(s["Hyperlink"], body, color=accent)

    km = paragraph_style(doc, STYLE_NAMES["key_messages"])
    _font(km, body, size)
    _spacing(km, 30, 60, line=252)
    set_val(_ppr(km), "w:shd", "clear", color="auto", fill=tint(accent, 0.9))
    kmh = paragraph_style(doc, STYLE_NAMES["key_messages_heading"], STYLE_NAMES["key_messages"])
    _font(kmh, heading, size * 1.05, bold=True, color=accent)
    _spacing(kmh, 120, 80)
    set_val(_ppr(kmh), "w:keepNext")
    fb = paragraph_style(doc, STYLE_NAMES["fallback"], "Body Text")
    _box(fb, "", "8C8C8C", 6, dashed=True)
    fbn = paragraph_style(doc, STYLE_NAMES["fallback_notice"], STYLE_NAMES["fallback"])
    _font(fbn, body, size * 0.8, italic=True, color=_GREY)
    _spacing(fbn, 120, 40)
    set_val(_ppr(fbn), "w:keepNext")
    draft = paragraph_style(doc, STYLE_NAMES["draft"], "Normal")
    _font(draft, body, size * 0.8, bold=True, color="#" + _DRAFT_COLOR)
    set_val(_ppr(draft), "w:jc", "right")
    running = paragraph_style(doc, STYLE_NAMES["running_title"], "Normal")
    _font(running, body, size * 0.78, color="#6E6E6E")
    prov = paragraph_style(doc, STYLE_NAMES["provenance"], "Normal")
    _font(prov, body, size * 0.72, color="#7F7F7F")


def _page_setup(doc, style: Style) -> None:
    from docx.shared import Twips

    section = doc.sections[0]
    width, height = _PAPER[style.paper_size]
    section.page_width, section.page_height = Twips(width), Twips(height)
    section.left_margin = section.right_margin = Twips(_MARGIN_X)
    section.top_margin, section.bottom_margin = Twips(_MARGIN_TOP), Twips(_MARGIN_BOTTOM)
    section.header_distance = section.footer_distance = Twips(680)


def text_width(doc) -> int:
    section = doc.sections[0]
    return int((section.page_width - section.left_margin - section.right_margin) / 635)


def two_ended_line(doc, paragraph, style_name: str):
    """Empty ``paragraph`` (its properties kept), give it ``style_name`` and one right tab at the
    text's right edge: what comes before the tab starts at the left margin, what follows it ends
    at the right one (running header, footer). -> its pPr."""
    from docx.oxml import OxmlElement

    for r in list(paragraph._element):
        if r.tag != f"{W}pPr":
            paragraph._element.remove(r)
    set_style(paragraph._p, paragraph_style(doc, style_name))
    ppr = paragraph._element.get_or_add_pPr()
    tabs = child(ppr, "w:tabs")
    for t in list(tabs):
        tabs.remove(t)
    tab = OxmlElement("w:tab")
    tab.set(f"{W}val", "right")
    tab.set(f"{W}pos", str(text_width(doc)))
    tabs.append(tab)
    return ppr


def write_footer(doc, page_of: str, provenance: str | None) -> None:
    """Provenance at the start, "Page X of Y" (Word fields) at the end, on one line."""
    section = doc.sections[0]
    section.footer.is_linked_to_previous = False
    footer = section.footer
    for p in list(footer.paragraphs)[1:]:
        p._element.getparent().remove(p._element)
    p = footer.paragraphs[0]
    ppr = two_ended_line(doc, p, STYLE_NAMES["provenance"])
    bdr = child(ppr, "w:pBdr")
    set_val(bdr, "w:top", "single", sz="4", space="4", color="D9D9D9")
    if provenance:
        p.add_run(provenance)
    p.add_run().add_tab()
    for run in field_runs(page_of, {"page": ("PAGE", "1"), "total": ("NUMPAGES", "1")}):
        p._element.append(run)


def reference_docx(style: Style = DEFAULT_STYLE) -> bytes:
    """A reference.docx for pandoc carrying ``style``: fonts, sizes, accent colour, page setup,
    Title/Subtitle/Author/Date, a shaded "Key Messages" style and a PAGE/NUMPAGES footer.

    Coalitions can hand-edit it (``styles/reference.docx``); :func:`render_docx` accepts it back.
    """
    from docx import Document

    doc = Document(io.BytesIO(_pandoc_reference()))
    _style_document(doc, style)
    _page_setup(doc, style)
    write_footer(doc, "Page {page} of {total}", None)
    scrub_core(doc, title="", epoch=0)
    out = io.BytesIO()
    doc.save(out)
    return finish_package(out.getvalue(), 0)


def scrub_core(doc, *, title: str, epoch: int, subject: str = "", author: str = "",
                language: str = "", iso: str | None = None) -> None:
    """Core properties with nothing but what the paper says. Created/modified carry the paper's
    date at its own precision (W3C-DTF allows "2018"), or are left out: never 1970."""
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    cp = doc.core_properties
    cp.title, cp.subject, cp.author, cp.language = title, subject, author, language
    cp.last_modified_by = ""
    cp.comments = cp.keywords = cp.category = cp.content_status = ""
    cp.identifier = cp.version = ""
    cp.revision = 1
    cp.created = cp.modified = when
    for name in ("created", "modified"):
        el = cp._element.find(f"{{http://purl.org/dc/terms/}}{name}")
        if el is None:
            continue
        if iso and len(iso) < len("2018-05-03"):  # a year or a month: no made-up day
            el.text = iso
        elif not iso and not epoch:  # no date at all; a zero epoch would say 1970
            el.getparent().remove(el)


@lru_cache(maxsize=8)
def cached_reference(style: Style) -> bytes:
    """reference_docx(style), made once per machine and kept in the per-user disk cache (it runs
    pandoc and python-docx: a tenth of a second in every fresh process)."""
    here = Path(__file__).parent
    code = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(here.glob("*.py")))).hexdigest()[:16]
    spec = importlib.util.find_spec("docx")
    key = [dataclasses.asdict(style), code, file_stamp(pandoc_path()),
           file_stamp(spec.origin) if spec and spec.origin else None]
    return cached_bytes("docx-reference", key, lambda: reference_docx(style))
