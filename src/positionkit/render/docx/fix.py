"""DOCX post-processing with python-docx: what pandoc's docx writer cannot do.

Exact core properties, the handout's ``w:lang`` and script fonts in every style, right-to-left
paragraphs it misses, the key-messages box as a shaded one-cell table, the draft header and the
localised footer.
"""

from __future__ import annotations

import io
import re

from positionkit.languages import get_language
from positionkit.render.bidi import is_ltr
from positionkit.render.docx.style import (
    STYLE_NAMES,
    W,
    hex_color,
    paragraph_style,
    scrub_core,
    set_val,
    text_width,
    tint,
    write_footer)
from positionkit.fonts import font_families
from positionkit.render.docx.header import hyphenate, write_headers
from positionkit.render.docx.lists import compact_lists
from positionkit.render.handout import Handout, running_title
from positionkit.render.docx.ooxml import child, set_fonts, set_lang, word_lang

__all__ = ["postprocess"]

_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_RTL_LETTER = re.compile("[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]")
_COMPLEX = {"arabic", "hebrew", "devanagari", "bengali", "thai"}


def _language_fonts(doc, h: Handout) -> None:
    """docDefaults and every style with an rPr: the handout's w:lang and script fonts."""
    lang, style = h.lang, h.style
    tag = word_lang(lang.pandoc_lang if lang.script != "latin" else lang.code)
    east_asia = tag if lang.script == "cjk" else None
    # Word sets Arabic, Hebrew, Indic and Thai as "complex script" runs: w:lang's bidi attribute
    # and the cs font apply to them, whatever their direction.
    complex_script = lang.script in _COMPLEX
    bidi = tag if complex_script else None
    body = font_families(lang, style)
    heading = font_families(lang, style, "heading")
    cjk = next((f for f in body if "CJK" in f), None)
    cjk_h = next((f for f in heading if "CJK" in f), None)
    cs = body[0] if complex_script else None
    styles = doc.styles.element
    rpr_default = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    set_lang(rpr_default, tag, east_asia=east_asia or "zh-CN", bidi=bidi or "ar-SA")
    set_fonts(rpr_default, style.body_font, east_asia=cjk, cs=cs)
    for st in styles.findall(f"{W}style"):
        rpr = st.find(f"{W}rPr")
        if rpr is None:
            continue
        if rpr.find(f"{W}lang") is not None:
            set_lang(rpr, tag, east_asia=east_asia, bidi=bidi)
        fonts = rpr.find(f"{W}rFonts")
        if fonts is not None and (cjk or cs):
            is_heading = fonts.get(f"{W}ascii") == style.heading_font
            set_fonts(rpr, None, east_asia=cjk_h if is_heading else cjk, cs=cs)
        if lang.script == "arabic":
            # Complex-script runs take their size from szCs: keep it in step with sz.
            # Arabic faces draw small: 15% up, as in the PDF.
            sz = rpr.find(f"{W}sz")
            if sz is not None:
                set_val(rpr, "w:szCs", str(round(int(sz.get(f"{W}val")) * 1.15)))
    if lang.script == "arabic":
        sz = rpr_default.find(f"{W}sz")
        if sz is not None:
            set_val(rpr_default, "w:szCs", str(round(int(sz.get(f"{W}val")) * 1.15)))


def _rtl(doc) -> None:
    """Right-to-left paragraphs, except those in a left-to-right language: a paragraph keeps the
    direction of its own language, given by a Div or Span ``lang`` (fallback passages, which
    pandoc writes as run-level ``w:lang``) or, without one, by its letters (an English paragraph
    left in an Arabic translation, a Latin title, a Latin-script bibliography entry: set right
    to left, "(United Nations ...)" comes out jumbled and a final full stop jumps to the start)."""
    from docx.oxml import OxmlElement

    fallback_id = paragraph_style(doc, STYLE_NAMES["fallback"]).style_id
    parts = [doc.element.body]
    section = doc.sections[0]
    parts += [section.header._element, section.footer._element]
    if section.different_first_page_header_footer:
        parts += [section.first_page_header._element, section.first_page_footer._element]
    for part in parts:
        for p in part.iter(f"{W}p"):
            ppr = p.find(f"{W}pPr")
            pstyle = ppr.find(f"{W}pStyle") if ppr is not None else None
            style_id = pstyle.get(f"{W}val") if pstyle is not None else None
            if style_id == fallback_id or _left_to_right(p):
                for el in [*p.findall(f"{W}pPr/{W}bidi"), *p.findall(f".//{W}r/{W}rPr/{W}rtl")]:
                    el.getparent().remove(el)  # pandoc marks every paragraph of an RTL document
                continue
            ppr = p.get_or_add_pPr()
            if ppr.find(f"{W}bidi") is None:
                bidi = OxmlElement("w:bidi")
                # schema order: bidi comes after numPr/pBdr/shd/tabs etc.; before spacing/ind/jc.
                anchor = next((c for c in ppr if c.tag in {f"{W}{t}" for t in (
                    "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
                    "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
                    "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr",
                    "pPrChange")}), None)
                if anchor is not None:
                    anchor.addprevious(bidi)
                else:
                    ppr.append(bidi)
            for r in p.findall(f".//{W}r"):
                rpr = r.get_or_add_rPr()
                latin = _LATIN.search("".join(t.text or "" for t in r.iter(f"{W}t")))
                mark = rpr.find(f"{W}rtl")
                if latin and not _RTL_LETTER.search("".join(t.text or "" for t in r.iter(f"{W}t"))):
                    if mark is not None:  # a Latin run marked rtl is reordered as Arabic would be
                        rpr.remove(mark)
                elif mark is None:
                    rpr.append(OxmlElement("w:rtl"))
    sect = doc.element.body.find(f"{W}sectPr")
    if sect is not None and sect.find(f"{W}bidi") is None:
        anchor = next((c for c in sect if c.tag in {f"{W}{t}" for t in (
            "rtlGutter", "docGrid", "printerSettings", "sectPrChange")}), None)
        el = OxmlElement("w:bidi")
        if anchor is not None:
            anchor.addprevious(el)
        else:
            sect.append(el)


def _left_to_right(p) -> bool:
    """The paragraph's own language runs left to right: its runs' ``w:lang`` (from a Div/Span
    ``lang``) names one, or, with none, most of its letters are left-to-right ones."""
    langs = {el.get(f"{W}val") for el in p.findall(f".//{W}r/{W}rPr/{W}lang")}
    text = "".join(t.text or "" for t in p.iter(f"{W}t"))
    if langs and None not in langs:
        known = [get_language(code) for code in langs]
        if all(lang is not None and not lang.rtl for lang in known):
            return True
        if any(lang is not None and lang.rtl for lang in known):
            return False
    return is_ltr(text)


def _key_messages_box(doc, accent: str, rtl: bool) -> None:
    """Each run of key-messages paragraphs goes into a one-cell shaded table with an accent
    rule on the start side: paragraph borders break apart wherever list indents differ."""
    from docx.oxml import OxmlElement

    ids = {paragraph_style(doc, STYLE_NAMES[k]).style_id for k in ("key_messages", "key_messages_heading")}
    body = doc.element.body
    groups: list[list] = []
    current: list = []
    for el in list(body):
        style = el.find(f"{W}pPr/{W}pStyle") if el.tag == f"{W}p" else None
        if style is not None and style.get(f"{W}val") in ids:
            current.append(el)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    width = text_width(doc)
    fill = tint(accent, 0.9)
    for group in groups:
        tbl = OxmlElement("w:tbl")
        tblpr = child(tbl, "w:tblPr")
        if rtl:
            child(tblpr, "w:bidiVisual")
        set_val(tblpr, "w:tblW", w=str(width), type="dxa")
        borders = child(tblpr, "w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            set_val(borders, f"w:{side}", "nil")
        set_val(tblpr, "w:tblLayout", type="fixed")
        margins = child(tblpr, "w:tblCellMar")
        for side, value in (("top", 100), ("left", 200), ("bottom", 120), ("right", 200)):
            set_val(margins, f"w:{side}", w=str(value), type="dxa")
        grid = child(tbl, "w:tblGrid")
        set_val(grid, "w:gridCol", w=str(width))
        tr = OxmlElement("w:tr")
        tbl.append(tr)
        tc = OxmlElement("w:tc")
        tr.append(tc)
        tcpr = child(tc, "w:tcPr")
        set_val(tcpr, "w:tcW", w=str(width), type="dxa")
        tcb = child(tcpr, "w:tcBorders")
        # With bidiVisual, Word and LibreOffice read "left" as the start side.
        set_val(tcb, "w:left", "single", sz="24", space="0", color=hex_color(accent))
        set_val(tcpr, "w:shd", "clear", color="auto", fill=fill)
        group[0].addprevious(tbl)
        for p in group:
            tc.append(p)
        # Word needs a paragraph between a table and whatever follows to keep them apart.
        spacer = OxmlElement("w:p")
        spacer_ppr = child(spacer, "w:pPr")
        set_val(spacer_ppr, "w:spacing", before="0", after="0", line="160", lineRule="exact")
        tbl.addnext(spacer)


def postprocess(data: bytes, h: Handout, labels: dict[str, str]) -> dict[str, bytes]:
    """The fixed package's parts, name -> bytes (render.docx.package writes the zip once)."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    scrub_core(
        doc,
        title=h.title,
        subject=h.subtitle or "",
        author="; ".join(h.organisations),
        language=h.lang.code,
        epoch=h.epoch,
        iso=h.iso_date,
    )
    _language_fonts(doc, h)
    _key_messages_box(doc, h.style.accent_color, h.lang.rtl)
    write_footer(doc, labels.get("page_of") or "{page} / {total}", h.provenance)
    write_headers(doc, running_title(h), labels.get("draft", "Draft") if h.draft else None)
    hyphenate(doc, h.lang.script)
    compact_lists(doc)
    if h.lang.rtl:
        _rtl(doc)
    return _parts(doc)


_WRITER_STEPS = ("_write_content_types_stream", "_write_pkg_rels", "_write_parts")
"""What PackageWriter.write does between opening and closing the zip (python-docx 1.1, 1.2)."""


class _PartsWriter:
    """python-docx's physical package writer interface (write, close), into a dict."""

    def __init__(self):
        self.parts: dict[str, bytes] = {}

    def write(self, pack_uri, blob: bytes) -> None:
        self.parts[pack_uri.membername] = blob

    def close(self) -> None:
        pass


def _parts(doc) -> dict[str, bytes]:
    """What ``doc.save`` would zip, as parts: python-docx's own serialisation (its PackageWriter
    steps, in its order) without compressing a zip the caller would only open again (a zip
    round trip cost 10 ms per DOCX). A python-docx whose writer lacks these steps gets saved."""
    from docx.opc.pkgwriter import PackageWriter  # lazy: python-docx loads while citeproc runs

    package = doc.part.package
    steps = [getattr(PackageWriter, name, None) for name in _WRITER_STEPS]
    if not all(steps):
        out = io.BytesIO()
        doc.save(out)
        from positionkit.render.docx.package import read_parts  # lazy: only on this fallback

        return read_parts(out.getvalue())
    for part in package.parts:
        part.before_marshal()
    writer = _PartsWriter()
    steps[0](writer, package.parts)
    steps[1](writer, package.rels)
    steps[2](writer, package.parts)
    return writer.parts
