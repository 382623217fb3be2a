"""Low-level WordprocessingML helpers shared by the reference document and the DOCX renderer."""

from __future__ import annotations

import io
import zipfile

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

__all__ = ["child", "field_runs", "set_fonts", "set_lang", "word_lang"]

# Word's proofing tools know regions, not scripts: zh-Hans is spelled zh-CN there.
_WORD_TAGS = {"zh-Hans": "zh-CN", "zh": "zh-CN", "zh-Hant": "zh-TW", "ar": "ar-SA", "fa": "fa-IR",
              "he": "he-IL", "ur": "ur-PK", "ja": "ja-JP", "ko": "ko-KR",
              "hi": "hi-IN", "bn": "bn-BD", "th": "th-TH"}
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def word_lang(code: str) -> str:
    """The ``w:lang`` value Word expects for a BCP 47 tag."""
    return _WORD_TAGS.get(code, code)


def child(parent, tag: str, *, first: bool = False):
    """The first ``tag`` child of ``parent``, created (appended, or first) if missing."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        if first:
            parent.insert(0, found)
        else:
            parent.append(found)
    return found


def set_fonts(rpr, ascii: str | None = None, east_asia: str | None = None, cs: str | None = None) -> None:
    """Explicit fonts on an ``w:rPr``; theme references are dropped (they would win in Word)."""
    fonts = child(rpr, "w:rFonts", first=True)
    for attr in _THEME_ATTRS:
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    if ascii:
        fonts.set(qn("w:ascii"), ascii)
        fonts.set(qn("w:hAnsi"), ascii)
    if east_asia:
        fonts.set(qn("w:eastAsia"), east_asia)
    if cs:
        fonts.set(qn("w:cs"), cs)


def set_lang(rpr, val: str, *, east_asia: str | None = None, bidi: str | None = None) -> None:
    lang = child(rpr, "w:lang")
    lang.set(qn("w:val"), val)
    if east_asia:
        lang.set(qn("w:eastAsia"), east_asia)
    if bidi:
        lang.set(qn("w:bidi"), bidi)


def _run(text: str | None = None, *, instr: str | None = None, char: str | None = None):
    r = OxmlElement("w:r")
    if char:
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), char)
        r.append(fld)
    elif instr:
        it = OxmlElement("w:instrText")
        it.set(qn("xml:space"), "preserve")
        it.text = f" {instr} "
        r.append(it)
    else:
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text or ""
        r.append(t)
    return r


def field_runs(template: str, fields: dict[str, tuple[str, str]]) -> list:
    """Runs for ``template`` where each ``{name}`` becomes a Word field.

    ``fields`` maps a name to ``(instruction, placeholder)``: ``{"page": ("PAGE", "1")}``.
    Complex fields (begin/instr/separate/result/end) so that Word and LibreOffice both update.
    """
    runs = []
    rest = template
    while rest:
        start = rest.find("{")
        end = rest.find("}", start)
        name = rest[start + 1:end] if start >= 0 and end > start else None
        if name not in fields:
            runs.append(_run(rest))
            break
        if start:
            runs.append(_run(rest[:start]))
        instr, placeholder = fields[name]
        runs += [_run(char="begin"), _run(instr=instr), _run(char="separate"), _run(placeholder),
                 _run(char="end")]
        rest = rest[end + 1:]
    return runs
