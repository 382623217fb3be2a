"""DOCX: pandoc JSON -> docx with a generated reference document, then python-docx fixes.

Pandoc does the content; python-docx does what pandoc cannot: exact core properties, the draft
header, the localised footer, right-to-left paragraphs it misses, ``w:lang`` and script fonts
for the handout's language. The zip is re-packed so that rebuilds are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from functools import lru_cache
from typing import Any

from positionkit.languages import Language, get_language
from positionkit.render.ast import Block, div_attr, inlines, prepare, rewrite_divs
from positionkit.render.errors import RenderError
from positionkit.render.fonts import font_families
from positionkit.render.handout import Handout
from positionkit.render.labels import language_name, load_labels
from positionkit.render.ooxml import child, field_runs, set_fonts, set_lang, word_lang
from positionkit.render.package import finish_package
from positionkit.render.pandoc import run_pandoc
from positionkit.style import DEFAULT_STYLE, Style

__all__ = ["reference_docx", "render_docx", "STYLE_NAMES"]

STYLE_NAMES = {
    "key_messages": "Key Messages",
    "key_messages_heading": "Key Messages Heading",
    "fallback": "Fallback",
    "fallback_notice": "Fallback Notice",
    "audience": "Audience",
    "contact": "Contact",
    "draft": "Draft Mark",
    "provenance": "Provenance",
}
"""Paragraph styles positionkit adds to pandoc's reference document (by purpose)."""

_DRAFT_COLOR = "A4262C"
_GREY = "595959"
_PAPER = {"a4": (11906, 16838), "us-letter": (12240, 15840)}  # twentieths of a point
_MARGIN_X, _MARGIN_TOP, _MARGIN_BOTTOM = 1304, 1418, 1361  # 2.3 cm, 2.5 cm, 2.4 cm


def _hex(color: str) -> str:
    return color.lstrip("#").upper()


def _tint(color: str, amount: float) -> str:
    """``color`` mixed with white (``amount`` 0..1 of white), as hex for ``w:shd``."""
    h = _hex(color)
    rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


# --- the reference document -------------------------------------------------------------


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


def _set(rpr, tag: str, val: str | None = None, **attrs: str) -> Any:
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
    sp = _set(_ppr(style), "w:spacing")
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
            _set(rpr, tag, "1" if bold else "0")
    for tag in ("w:i", "w:iCs"):
        if italic is not None:
            _set(rpr, tag, "1" if italic else "0")
    if color:
        col = _set(rpr, "w:color", _hex(color))
        for attr in ("themeColor", "themeShade", "themeTint"):
            key = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + attr
            if key in col.attrib:
                del col.attrib[key]
    if size:
        _set(rpr, "w:sz", str(_pt(size)))
        _set(rpr, "w:szCs", str(_pt(size)))


def _box(style, fill: str, border: str, size: int, *, dashed: bool = False) -> None:
    ppr = _ppr(style)
    bdr = child(ppr, "w:pBdr")
    left = _set(bdr, "w:left", "dashed" if dashed else "single", sz=str(size), space="8", color=border)
    del left  # kept for readability: one border on the side where lines start
    if fill:
        _set(ppr, "w:shd", "clear", color="auto", fill=fill)
    _set(ppr, "w:ind", left="227", right="170")


def _paragraph_style(doc, name: str, base: str = "Normal"):
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
    _set(rpr, "w:sz", str(_pt(size)))
    _set(rpr, "w:szCs", str(_pt(size)))
    s = doc.styles
    _font(s["Normal"], body, size, color="#262626")
    _spacing(s["Normal"], 0, 0, line=264)
    for name in ("Body Text", "First Paragraph"):
        _spacing(s[name], 0, 160, line=264)
        _set(_ppr(s[name]), "w:jc", "both")
    _spacing(s["Compact"], 40, 40, line=264)
    _font(s["Title"], heading, size * 2, bold=True, color="#141414")
    _spacing(s["Title"], 120, 120, line=240)
    ppr = _ppr(s["Title"])
    for el in ppr.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pBdr"):
        ppr.remove(el)
    _set(_ppr(s["Title"]), "w:jc", "left")
    _set(_ppr(s["Title"]), "w:keepNext")
    for el in (_ppr(s["Subtitle"]).find(f"{_W}numPr"), _rpr(s["Subtitle"]).find(f"{_W}spacing")):
        if el is not None:  # pandoc's Subtitle is letter-spaced and numbered like a heading
            el.getparent().remove(el)
    _font(s["Subtitle"], heading, size * 1.3, bold=False, italic=False, color="#464646")
    _spacing(s["Subtitle"], 0, 200, line=252)
    _font(s["Author"], heading, size * 0.9, bold=True, color=accent)
    _spacing(s["Author"], 0, 60)
    _set(_ppr(s["Author"]), "w:jc", "left")
    bdr = child(_ppr(s["Author"]), "w:pBdr")
    _set(bdr, "w:bottom", "single", sz="18", space="6", color=_hex(accent))
    _font(s["Date"], body, size * 0.9, bold=False, color=_GREY)
    _spacing(s["Date"], 0, 0)
    _set(_ppr(s["Date"]), "w:jc", "left")
    audience = _paragraph_style(doc, STYLE_NAMES["audience"], "Date")
    _font(audience, body, size * 0.9, color=_GREY)
    contact = _paragraph_style(doc, STYLE_NAMES["contact"], "Date")
    _font(contact, body, size * 0.9, color=_GREY)
    _spacing(contact, 0, 320)
    cbdr = child(_ppr(contact), "w:pBdr")
    _set(cbdr, "w:bottom", "single", sz="4", space="8", color="BFBFBF")
    levels = [(1, 1.25, True, False), (2, 1.08, True, False), (3, 1.0, True, True)]
    for level, scale, bold, italic in levels:
        st = s[f"Heading {level}"]
        _font(st, heading, size * scale, bold=bold, italic=italic, color=accent)
        _spacing(st, 360 if level == 1 else 260, 100 if level == 1 else 80)
    for level in range(4, 10):
        _font(s[f"Heading {level}"], heading, size, bold=True, color=accent)
    _font(s["Footnote Text"], body, size * 0.82)
    _spacing(s["Footnote Text"], 0, 40, line=240)
    _font(s["Bibliography"], body, size * 0.9)
    _spacing(s["Bibliography"], 0, 80, line=252)
    _set(_ppr(s["Bibliography"]), "w:ind", left="454", hanging="454")
    _font(s["Hyperlink"], body, color=accent)

    km = _paragraph_style(doc, STYLE_NAMES["key_messages"])
    _font(km, body, size)
    _spacing(km, 40, 80, line=264)
    _set(_ppr(km), "w:shd", "clear", color="auto", fill=_tint(accent, 0.9))
    kmh = _paragraph_style(doc, STYLE_NAMES["key_messages_heading"], STYLE_NAMES["key_messages"])
    _font(kmh, heading, size * 1.05, bold=True, color=accent)
    _spacing(kmh, 120, 80)
    _set(_ppr(kmh), "w:keepNext")
    fb = _paragraph_style(doc, STYLE_NAMES["fallback"], "Body Text")
    _box(fb, "", "8C8C8C", 6, dashed=True)
    fbn = _paragraph_style(doc, STYLE_NAMES["fallback_notice"], STYLE_NAMES["fallback"])
    _font(fbn, body, size * 0.8, italic=True, color=_GREY)
    _spacing(fbn, 120, 40)
    _set(_ppr(fbn), "w:keepNext")
    draft = _paragraph_style(doc, STYLE_NAMES["draft"], "Normal")
    _font(draft, body, size * 0.8, bold=True, color="#" + _DRAFT_COLOR)
    _set(_ppr(draft), "w:jc", "right")
    prov = _paragraph_style(doc, STYLE_NAMES["provenance"], "Normal")
    _font(prov, body, size * 0.72, color="#7F7F7F")


def _page_setup(doc, style: Style) -> None:
    from docx.shared import Twips

    section = doc.sections[0]
    width, height = _PAPER[style.paper_size]
    section.page_width, section.page_height = Twips(width), Twips(height)
    section.left_margin = section.right_margin = Twips(_MARGIN_X)
    section.top_margin, section.bottom_margin = Twips(_MARGIN_TOP), Twips(_MARGIN_BOTTOM)
    section.header_distance = section.footer_distance = Twips(680)


def _text_width(doc) -> int:
    section = doc.sections[0]
    return int((section.page_width - section.left_margin - section.right_margin) / 635)


def _write_footer(doc, page_of: str, provenance: str | None) -> None:
    """Provenance at the start, "Page X of Y" (Word fields) at the end, on one line."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    section = doc.sections[0]
    section.footer.is_linked_to_previous = False
    footer = section.footer
    for p in list(footer.paragraphs)[1:]:
        p._element.getparent().remove(p._element)
    p = footer.paragraphs[0]
    for r in list(p._element):
        if r.tag != qn("w:pPr"):
            p._element.remove(r)
    p.style = _paragraph_style(doc, STYLE_NAMES["provenance"])
    ppr = p._element.get_or_add_pPr()
    tabs = child(ppr, "w:tabs")
    for t in list(tabs):
        tabs.remove(t)
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "right")
    tab.set(qn("w:pos"), str(_text_width(doc)))
    tabs.append(tab)
    bdr = child(ppr, "w:pBdr")
    _set(bdr, "w:top", "single", sz="4", space="4", color="D9D9D9")
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
    _write_footer(doc, "Page {page} of {total}", None)
    _scrub_core(doc, title="", epoch=0)
    out = io.BytesIO()
    doc.save(out)
    return finish_package(out.getvalue(), 0)


# --- the handout ------------------------------------------------------------------------


def _custom(name: str, blocks: list[Block], **attrs: str) -> Block:
    kvs = [["custom-style", name], *([k, v] for k, v in attrs.items())]
    return {"t": "Div", "c": [["", [], kvs], blocks]}


def _loosen(block: Block) -> Block:
    """Tight list items (Plain) become Para: pandoc gives tight lists the Compact style and
    ignores the surrounding custom style."""
    if block.get("t") == "Plain":
        return {"t": "Para", "c": block["c"]}
    if block.get("t") == "BulletList":
        return {"t": "BulletList", "c": [[_loosen(b) for b in item] for item in block["c"]]}
    if block.get("t") == "OrderedList":
        attrs, items = block["c"]
        return {"t": "OrderedList", "c": [attrs, [[_loosen(b) for b in item] for item in items]]}
    return block


def _docx_ast(h: Handout, labels: dict[str, str]) -> dict[str, Any]:
    def key_messages(div: Block) -> list[Block]:
        heading = _custom(STYLE_NAMES["key_messages_heading"], [{"t": "Para", "c": inlines(labels.get("key_messages", ""))}])
        body = _custom(STYLE_NAMES["key_messages"], [_loosen(b) for b in div["c"][1]])
        return [heading, body]

    def fallback(div: Block) -> list[Block]:
        _, _, attrs = div_attr(div)
        code = attrs.get("lang") or "en"
        src = get_language(code)
        notice = labels.get("fallback_notice", "").replace("{language}", language_name(code, h.lang))
        direction = "rtl" if src is not None and src.rtl else "ltr"
        lang = word_lang(src.pandoc_lang) if src else code
        return [
            _custom(STYLE_NAMES["fallback_notice"], [{"t": "Para", "c": inlines(notice)}]),
            _custom(STYLE_NAMES["fallback"], div["c"][1], lang=lang, dir=direction),
        ]

    doc = prepare(h.ast, labels.get("references", "References"))
    blocks = rewrite_divs(doc["blocks"], {"key-messages": key_messages, "fallback": fallback})
    head: list[Block] = []
    if h.organisations:
        head.append(_custom("Author", [{"t": "Para", "c": inlines(" · ".join(h.organisations))}]))
    head.append(_custom("Title", [{"t": "Para", "c": inlines(h.title)}]))
    if h.subtitle:
        head.append(_custom("Subtitle", [{"t": "Para", "c": inlines(h.subtitle)}]))
    if h.date:
        head.append(_custom("Date", [{"t": "Para", "c": inlines(h.date)}]))
    if h.audience:
        head.append(_custom(STYLE_NAMES["audience"], [{"t": "Para", "c": inlines(h.audience)}]))
    contact = f"{labels.get('contact', 'Contact')}: {h.contact}" if h.contact else ""
    head.append(_custom(STYLE_NAMES["contact"], [{"t": "Para", "c": inlines(contact)}]))
    doc["blocks"] = head + blocks
    doc["meta"] = {"lang": {"t": "MetaString", "c": h.lang.pandoc_lang}}
    if h.lang.rtl:
        doc["meta"]["dir"] = {"t": "MetaString", "c": "rtl"}
    return doc


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _scrub_core(doc, *, title: str, epoch: int, subject: str = "", author: str = "",
                language: str = "") -> None:
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    cp = doc.core_properties
    cp.title, cp.subject, cp.author, cp.language = title, subject, author, language
    cp.last_modified_by = ""
    cp.comments = cp.keywords = cp.category = cp.content_status = ""
    cp.identifier = cp.version = ""
    cp.revision = 1
    cp.created = cp.modified = when


def _language_fonts(doc, h: Handout) -> None:
    """docDefaults and every style with an rPr: the handout's w:lang and script fonts."""
    lang, style = h.lang, h.style
    tag = word_lang(lang.pandoc_lang if lang.script != "latin" else lang.code)
    east_asia = tag if lang.script == "cjk" else None
    bidi = tag if lang.rtl else None
    body = font_families(lang, style)
    heading = font_families(lang, style, "heading")
    cjk = next((f for f in body if "CJK" in f), None)
    cjk_h = next((f for f in heading if "CJK" in f), None)
    cs = body[0] if lang.script == "arabic" else None
    styles = doc.styles.element
    rpr_default = styles.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")
    set_lang(rpr_default, tag, east_asia=east_asia or "zh-CN", bidi=bidi or "ar-SA")
    set_fonts(rpr_default, style.body_font, east_asia=cjk, cs=cs)
    for st in styles.findall(f"{_W}style"):
        rpr = st.find(f"{_W}rPr")
        if rpr is None:
            continue
        if rpr.find(f"{_W}lang") is not None:
            set_lang(rpr, tag, east_asia=east_asia, bidi=bidi)
        fonts = rpr.find(f"{_W}rFonts")
        if fonts is not None and (cjk or cs):
            is_heading = fonts.get(f"{_W}ascii") == style.heading_font
            set_fonts(rpr, None, east_asia=cjk_h if is_heading else cjk, cs=cs)
        if lang.script == "arabic":
            # Complex-script runs take their size from szCs: keep it in step with sz.
            # Arabic faces draw small: 15% up, as in the PDF.
            sz = rpr.find(f"{_W}sz")
            if sz is not None:
                _set(rpr, "w:szCs", str(round(int(sz.get(f"{_W}val")) * 1.15)))
    if lang.script == "arabic":
        sz = rpr_default.find(f"{_W}sz")
        if sz is not None:
            _set(rpr_default, "w:szCs", str(round(int(sz.get(f"{_W}val")) * 1.15)))


def _rtl(doc) -> None:
    """Right-to-left everywhere except fallback passages in a left-to-right language."""
    from docx.oxml import OxmlElement

    fallback_id = _paragraph_style(doc, STYLE_NAMES["fallback"]).style_id
    parts = [doc.element.body]
    section = doc.sections[0]
    parts += [section.header._element, section.footer._element]
    for part in parts:
        for p in part.iter(f"{_W}p"):
            ppr = p.find(f"{_W}pPr")
            pstyle = ppr.find(f"{_W}pStyle") if ppr is not None else None
            if pstyle is not None and pstyle.get(f"{_W}val") == fallback_id:
                continue
            ppr = p.get_or_add_pPr()
            if ppr.find(f"{_W}bidi") is None:
                bidi = OxmlElement("w:bidi")
                # schema order: bidi comes after numPr/pBdr/shd/tabs etc.; before spacing/ind/jc.
                anchor = next((c for c in ppr if c.tag in {f"{_W}{t}" for t in (
                    "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
                    "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
                    "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr",
                    "pPrChange")}), None)
                if anchor is not None:
                    anchor.addprevious(bidi)
                else:
                    ppr.append(bidi)
            for r in p.findall(f"{_W}r"):
                rpr = r.get_or_add_rPr()
                if rpr.find(f"{_W}rtl") is None:
                    rpr.append(OxmlElement("w:rtl"))
    sect = doc.element.body.find(f"{_W}sectPr")
    if sect is not None and sect.find(f"{_W}bidi") is None:
        anchor = next((c for c in sect if c.tag in {f"{_W}{t}" for t in (
            "rtlGutter", "docGrid", "printerSettings", "sectPrChange")}), None)
        el = OxmlElement("w:bidi")
        if anchor is not None:
            anchor.addprevious(el)
        else:
            sect.append(el)


def _key_messages_box(doc, accent: str, rtl: bool) -> None:
    """Each run of key-messages paragraphs goes into a one-cell shaded table with an accent
    rule on the start side: paragraph borders break apart wherever list indents differ."""
    from docx.oxml import OxmlElement

    ids = {_paragraph_style(doc, STYLE_NAMES[k]).style_id for k in ("key_messages", "key_messages_heading")}
    body = doc.element.body
    groups: list[list] = []
    current: list = []
    for el in list(body):
        style = el.find(f"{_W}pPr/{_W}pStyle") if el.tag == f"{_W}p" else None
        if style is not None and style.get(f"{_W}val") in ids:
            current.append(el)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    width = _text_width(doc)
    fill = _tint(accent, 0.9)
    for group in groups:
        tbl = OxmlElement("w:tbl")
        tblpr = child(tbl, "w:tblPr")
        if rtl:
            child(tblpr, "w:bidiVisual")
        _set(tblpr, "w:tblW", w=str(width), type="dxa")
        borders = child(tblpr, "w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            _set(borders, f"w:{side}", "nil")
        _set(tblpr, "w:tblLayout", type="fixed")
        margins = child(tblpr, "w:tblCellMar")
        for side, value in (("top", 100), ("left", 200), ("bottom", 120), ("right", 200)):
            _set(margins, f"w:{side}", w=str(value), type="dxa")
        grid = child(tbl, "w:tblGrid")
        _set(grid, "w:gridCol", w=str(width))
        tr = OxmlElement("w:tr")
        tbl.append(tr)
        tc = OxmlElement("w:tc")
        tr.append(tc)
        tcpr = child(tc, "w:tcPr")
        _set(tcpr, "w:tcW", w=str(width), type="dxa")
        tcb = child(tcpr, "w:tcBorders")
        # With bidiVisual, Word and LibreOffice read "left" as the start side.
        _set(tcb, "w:left", "single", sz="24", space="0", color=_hex(accent))
        _set(tcpr, "w:shd", "clear", color="auto", fill=fill)
        group[0].addprevious(tbl)
        for p in group:
            tc.append(p)
        # Word needs a paragraph between a table and whatever follows to keep them apart.
        spacer = OxmlElement("w:p")
        spacer_ppr = child(spacer, "w:pPr")
        _set(spacer_ppr, "w:spacing", before="0", after="0", line="160", lineRule="exact")
        tbl.addnext(spacer)


def _draft_header(doc, label: str) -> None:
    section = doc.sections[0]
    section.header.is_linked_to_previous = False
    header = section.header
    p = header.paragraphs[0]
    for r in list(p.runs):
        r._element.getparent().remove(r._element)
    p.style = _paragraph_style(doc, STYLE_NAMES["draft"])
    run = p.add_run(label.upper())
    run.font.all_caps = False


def _postprocess(data: bytes, h: Handout, labels: dict[str, str]) -> bytes:
    from docx import Document

    doc = Document(io.BytesIO(data))
    _scrub_core(
        doc,
        title=h.title,
        subject=h.subtitle or "",
        author="; ".join(h.organisations),
        language=h.lang.code,
        epoch=h.epoch,
    )
    _language_fonts(doc, h)
    _key_messages_box(doc, h.style.accent_color, h.lang.rtl)
    if h.draft:
        _draft_header(doc, labels.get("draft", "Draft"))
    _write_footer(doc, labels.get("page_of") or "{page} / {total}", h.provenance)
    if h.lang.rtl:
        _rtl(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_docx(h: Handout, *, reference: bytes | None = None) -> bytes:
    """The handout as DOCX bytes. ``reference``: a project's own reference.docx, else generated."""
    import tempfile
    from pathlib import Path

    labels = load_labels(h.lang, h.labels)
    reference = reference if reference is not None else h.reference_docx
    ref = reference if reference is not None else _cached_reference(h.style)
    with tempfile.TemporaryDirectory(prefix="positionkit-docx-") as tmp:
        ref_path = Path(tmp) / "reference.docx"
        ref_path.write_bytes(ref)
        raw = run_pandoc(
            ["--sandbox", "-f", "json", "-t", "docx", "--reference-doc", str(ref_path), "-o", "-"],
            json.dumps(_docx_ast(h, labels)).encode("utf-8"),
            epoch=h.epoch,
        )
    try:
        fixed = _postprocess(raw, h, labels)
    except (KeyError, ValueError) as exc:
        raise RenderError(f"the reference document lacks something positionkit needs: {exc}") from exc
    return finish_package(fixed, h.epoch)


@lru_cache(maxsize=8)
def _cached_reference(style: Style) -> bytes:
    return reference_docx(style)
