"""The DOCX page furniture the PDF has: a running title from page 2, the draft mark, the footer on
every page, and automatic hyphenation for the languages the PDF hyphenates.

Word shows the title block on page 1, so the running title is in the default header and page 1
gets its own ("different first page"), holding only the draft mark; its footer is a copy of the
default one.
"""
from __future__ import annotations

import copy

from positionkit.render.docx.style import STYLE_NAMES, W, set_style, two_ended_line

__all__ = ["write_headers", "hyphenate"]

_HYPHENATED_SCRIPTS = {"latin", "cyrillic", "greek"}
"""As in the PDF: other scripts either do not hyphenate or Word's rules for them are poor."""


def _header_line(doc, paragraph, title: str | None, draft: str | None) -> None:
    two_ended_line(doc, paragraph, STYLE_NAMES["running_title"])
    if title:
        paragraph.add_run(title)
    if draft:
        paragraph.add_run().add_tab()
        mark = paragraph.add_run(draft.upper())
        set_style(mark._r, _draft_char_style(doc))


def _draft_char_style(doc):
    from docx.enum.style import WD_STYLE_TYPE

    name = "Draft Mark Char"
    try:
        return doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        para = doc.styles[STYLE_NAMES["draft"]].element.find(f"{W}rPr")
        if para is not None:
            style.element.append(copy.deepcopy(para))
        return style


def write_headers(doc, running_title: str, draft: str | None) -> None:
    """Page 1: the draft mark alone; pages 2 and later: running title at the start, draft mark at
    the end. Call after the footer is written: page 1 gets a copy of it."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    section.header.is_linked_to_previous = False
    _header_line(doc, section.header.paragraphs[0], running_title, draft)
    first = section.first_page_header
    first.is_linked_to_previous = False
    _header_line(doc, first.paragraphs[0], None, draft)
    footer, first_footer = section.footer, section.first_page_footer
    first_footer.is_linked_to_previous = False
    body = first_footer._element
    for el in list(body):
        body.remove(el)
    for el in footer._element:
        body.append(copy.deepcopy(el))


def hyphenate(doc, script: str) -> None:
    """Automatic hyphenation, as the PDF does (titles and headings excepted: their styles say so)."""
    if script not in _HYPHENATED_SCRIPTS:
        return
    settings = doc.settings.element
    if settings.find(f"{W}autoHyphenation") is None:
        anchor = settings.find(f"{W}defaultTabStop")
        from docx.oxml import OxmlElement

        el = OxmlElement("w:autoHyphenation")
        if anchor is not None:
            anchor.addnext(el)
        else:
            settings.insert(0, el)
    for name in ("Title", "Subtitle", "Author", *(f"Heading {n}" for n in range(1, 7)),
                 STYLE_NAMES["key_messages_heading"], "Bibliography"):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        _suppress_hyphens(style.element.get_or_add_pPr())


_AFTER_SUPPRESS = {f"{W}{t}" for t in (
    "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi",
    "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
    "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl",
    "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")}


def _suppress_hyphens(ppr) -> None:
    """``w:suppressAutoHyphens`` in its schema place (Word refuses elements out of order)."""
    from docx.oxml import OxmlElement

    if ppr.find(f"{W}suppressAutoHyphens") is not None:
        return
    el = OxmlElement("w:suppressAutoHyphens")
    anchor = next((c for c in ppr if c.tag in _AFTER_SUPPRESS), None)
    if anchor is not None:
        anchor.addprevious(el)
    else:
        ppr.append(el)
