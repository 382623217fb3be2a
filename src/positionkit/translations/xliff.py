"""Units as XLIFF 1.2, and back.

XLIFF 1.2 rather than 2.x: it is the version every tool translators use reads (Trados, memoQ,
OmegaT through Okapi's XLIFF filter, which implements 1.2; Weblate has had 1.2 for years while
its XLIFF 2.0 support, added in 5.15, is marked "under development"). See docs/translators.md.

One ``<file>`` per source file (``original`` is its path), one ``<trans-unit>`` per unit with the
unit id; placeholders are ``<ph>`` (citations, parameters, code…) and ``<bpt>``/``<ept>`` pairs
(links, images, spans, footnotes) holding the Markdown they stand for, for the translator to see;
on import that content is ignored and taken from the source. A stale unit's target has
``state="needs-review-translation"`` and a note with the previous source text.
"""
from __future__ import annotations

import re

from lxml import etree

from positionkit.diagnostics import Diagnostic, error
from positionkit.translations import placeholders as ph
from positionkit.translations.returned import Returned, ReturnedFile
from positionkit.translations.units import MISSING, STALE, UnitSet

NS = "urn:oasis:names:tc:xliff:document:1.2"
_Q = "{%s}" % NS
NOT_DONE = {"new", "needs-translation", "needs-adaptation", "needs-l10n", "needs-review-translation",
            "needs-review-adaptation", "needs-review-l10n"}


def _inline(parent, pieces) -> None:
    last = None
    for p in pieces:
        if isinstance(p, ph.Ph):
            tag = {ph.PH: "ph", ph.OPEN: "bpt", ph.CLOSE: "ept"}[p.role]
            el = etree.SubElement(parent, _Q + tag, id=p.name.removesuffix("_end") if p.role == ph.CLOSE else p.name)
            el.text = p.original
            last = el
        elif last is None:
            parent.text = (parent.text or "") + p
        else:
            last.tail = (last.tail or "") + p


def write(units: UnitSet, generator: str) -> bytes:
    root = etree.Element(_Q + "xliff", nsmap={None: NS}, version="1.2")
    files: dict[str, etree._Element] = {}
    for u in units.units:
        if u.path not in files:
            f = etree.SubElement(root, _Q + "file", original=u.path, datatype="x-markdown",
                                 attrib={"source-language": units.source_lang, "target-language": units.lang})
            head = etree.SubElement(f, _Q + "header")
            etree.SubElement(head, _Q + "tool", attrib={"tool-id": "positionkit", "tool-name": generator})
            etree.SubElement(head, _Q + "note").text = f"paper {units.paper}"
            files[u.path] = etree.SubElement(f, _Q + "body")
        tu = etree.SubElement(files[u.path], _Q + "trans-unit", id=u.id,
                              attrib={"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
        _inline(etree.SubElement(tu, _Q + "source"), u.source)
        if u.target and u.status != MISSING:
            state = "needs-review-translation" if u.status == STALE else "translated"
            _inline(etree.SubElement(tu, _Q + "target", state=state), u.target)
        etree.SubElement(tu, _Q + "note", attrib={"from": "positionkit"}).text = u.context
        if u.status == STALE:
            prev = ph.to_braces(u.previous) if u.previous else "(not found in the project's git history)"
            etree.SubElement(tu, _Q + "note", attrib={"from": "positionkit"}).text = \
                f"The source changed since this was translated. Previous source: {prev}"
        if u.note:
            etree.SubElement(tu, _Q + "note", attrib={"from": "positionkit"}).text = u.note
        group = etree.SubElement(tu, _Q + "context-group", purpose="location")
        etree.SubElement(group, _Q + "context", attrib={"context-type": "sourcefile"}).text = u.path
        etree.SubElement(group, _Q + "context", attrib={"context-type": "linenumber"}).text = str(u.line)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _pieces(el) -> tuple[list, list[str]]:
    """Inline content -> pieces; unknown elements contribute their text (mrk, g's children)."""
    out: list = [el.text or ""]
    problems: list[str] = []
    for child in el:
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        cid = child.get("id") or ""
        if tag in ("ph", "x", "bpt", "it"):
            out.append(ph.Ph(cid, ""))
        elif tag in ("ept", "ex"):
            out.append(ph.Ph(cid + "_end", ""))
        elif tag in ("g", "mrk"):
            inner, more = _pieces(child)
            out.extend([ph.Ph(cid, "")] if tag == "g" else [])
            out.extend(inner)
            out.extend([ph.Ph(cid + "_end", "")] if tag == "g" else [])
            problems += more
        else:
            problems.append(f"an unexpected <{tag}> element")
        out.append(child.tail or "")
    return [p for p in out if p != ""], problems


def read(data: bytes, rel: str) -> tuple[ReturnedFile | None, list[Diagnostic]]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if getattr(exc, "lineno", None) else 1
        return None, [error("PK424", f"cannot read {rel} as XLIFF: {exc.msg}", rel, line)]
    if etree.QName(root).namespace != NS:
        return None, [error("PK424", f"{rel} is not XLIFF 1.2 (positionkit exports and imports XLIFF 1.2)",
                            rel, 1, hint="in your CAT tool, save or export the file as XLIFF 1.2")]
    out = []
    lang = None
    for f in root.iter(_Q + "file"):
        lang = lang or f.get("target-language")
        for tu in f.iter(_Q + "trans-unit"):
            target = tu.find(_Q + "target")
            if target is None:
                continue
            pieces, problems = _pieces(target)
            text = "".join(p for p in pieces if isinstance(p, str))
            if not text.strip():
                continue
            out.append(Returned(tu.get("id") or "", tuple(_fold(pieces)), tu.sourceline,
                                target.get("state") not in NOT_DONE, tuple(problems)))
    return ReturnedFile(rel, lang, tuple(out), edits_confirm=True), []


def _fold(pieces: list) -> list:
    """Whitespace as in a Markdown paragraph: runs folded, none at either end."""
    out = [re.sub(r"\s+", " ", p) if isinstance(p, str) else p for p in pieces]
    if out and isinstance(out[0], str):
        out[0] = out[0].lstrip()
    if out and isinstance(out[-1], str):
        out[-1] = out[-1].rstrip()
    return [p for p in out if p != ""]
