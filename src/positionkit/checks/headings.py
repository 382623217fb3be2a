"""Heading ids: two headings with the same id make links and DOCX bookmarks ambiguous.

Ids follow pandoc's ``auto_identifiers`` algorithm (strip formatting, keep letters, digits, ``_``,
``-``, ``.``; words joined by ``-``; lowercase; nothing before the first letter; ``section`` when
empty; ``-1``, ``-2`` when taken), and an explicit ``{#id}`` wins. The ids are computed here once
per document and shared with the link check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from positionkit.diagnostics import warning
from positionkit.markdown import _DIV_CLOSE, _DIV_OPEN, _FENCE, CITATION, Line, mask_code, parse_attrs

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_TRAILING_ATTR = re.compile(r"[ \t]*(\{[^{}]{0,1000}\})[ \t]*$")
_INLINE_ID = re.compile(r"\]\{([^{}]{0,1000})\}")
_LINK_DEST = re.compile(r"\]\([^)]{0,1000}\)")  # bounded repeats: linear on any line
_INLINE_NOTE = re.compile(r"\^\[[^\]]{0,1000}\]")
_ESCAPE = re.compile(r"\\(.)")
_EMPH_UNDERSCORE = re.compile(r"(?<![^\W_])(_{1,3})(?=[^\s_])(.{1,300}?)(?<=[^\s_])\1(?![^\W_])")


@dataclass(frozen=True)
class Heading:
    id: str
    """The id pandoc gives it (after de-duplication)."""
    explicit: bool
    text: str
    line: Line
    wanted: str = ""
    """The id before pandoc de-duplicated it ('context' for 'context-1')."""
    index: int = -1
    """Index of its line in the document's lines."""


@lru_cache(maxsize=4096)
def auto_id(text: str) -> str:
    """The identifier pandoc gives a heading with this (Markdown) text, before de-duplication
    (remembered: every audience's document has the same headings)."""
    text = _INLINE_NOTE.sub("", text)
    text = _LINK_DEST.sub("]", text)
    text = _INLINE_ID.sub("]", text)
    text = _ESCAPE.sub(r"\1", text)
    text = re.sub(r"\.\.\.|-{2,}", "", text)  # smart punctuation: ellipsis, en and em dashes
    text = _EMPH_UNDERSCORE.sub(r"\2", text)
    kept = "".join(c for c in text.lower() if c.isalnum() or c in "_-." or c.isspace())
    ident = "-".join(kept.split())
    while ident and not ident[0].isalpha():
        ident = ident[1:]
    return ident or "section"


def _heading_attrs(text: str) -> tuple[str, str | None]:
    """('Title', 'explicit-id' or None) from 'Title {#explicit-id .class}' and closing hashes."""
    explicit = None
    m = _TRAILING_ATTR.search(text)
    if m:
        attrs = parse_attrs(re.sub(r"(?<=[{\s])-(?=[\s}])", ".unnumbered", m.group(1)))
        if attrs is not None:
            explicit = attrs.id or None
            text = text[: m.start()]
    text = re.sub(r"[ \t]+#+[ \t]*$", "", text)
    return text.strip(), explicit


def headings(lines: tuple[Line, ...] | list[Line], masked=None) -> list[Heading]:
    """Every ATX and setext heading outside code, with the id pandoc will give it (masked:
    mask_code(lines) when the caller has it)."""
    masked = mask_code(list(lines)) if masked is None else masked
    found: list[tuple[str, str | None, Line, int]] = []
    prev_blank = True
    for i, (ln, text) in enumerate(zip(lines, masked)):
        in_code = text == "" and ln.text.strip() != ""
        if in_code:
            prev_blank = bool(_FENCE.match(ln.text))  # a closing fence ends the code block
            continue
        m = _ATX.match(ln.text) if prev_blank and "#" in ln.text else None  # (the tests: cheap)
        if m:
            found.append((*_heading_attrs(m.group(2) or ""), ln, i))
            prev_blank = True
            continue
        nxt = lines[i + 1].text if i + 1 < len(lines) else ""
        if (prev_blank and ln.text.strip() and not ln.text.startswith("    ")
                and nxt.lstrip()[:1] in ("=", "-") and _SETEXT.match(nxt)
                and not _DIV_OPEN.match(ln.text) and not _DIV_CLOSE.match(ln.text)
                and not ln.text.lstrip().startswith(("-", "*", "+", ">", "|"))):
            found.append((*_heading_attrs(ln.text), ln, i))
        prev_blank = not ln.text.strip() or (":::" in ln.text and bool(_DIV_OPEN.match(ln.text) or
                                                                      _DIV_CLOSE.match(ln.text)))
    used: set[str] = set()
    tried: dict[str, int] = {}
    """base -> last suffix tried, so a thousand 'Notes' headings cost a thousand steps, not a million."""
    out = []
    for text, explicit, ln, i in found:
        base = ident = explicit or auto_id(text)
        n = tried.get(base, 0) if not explicit and base in used else 0
        while ident in used and not explicit:
            n += 1
            ident = f"{base}-{n}"
        tried[base] = n
        used.add(ident)
        out.append(Heading(ident, bool(explicit), text, ln, base, i))
    return out


def element_ids(lines, masked=None) -> list[tuple[str, Line]]:
    """Explicit ids on divs (``::: {#id}``) and spans/links (``[text]{#id}``) outside code."""
    out = []
    for ln, text in zip(lines, mask_code(list(lines)) if masked is None else masked):
        m = _DIV_OPEN.match(text)
        if m:
            attrs = parse_attrs(m.group(2))
            if attrs is not None and attrs.id:
                out.append((attrs.id, ln))
            continue
        for mm in _INLINE_ID.finditer(text):
            attrs = parse_attrs("{" + mm.group(1) + "}")
            if attrs is not None and attrs.id:
                out.append((attrs.id, ln))
    return out


def anchors(lines, bib_keys, masked=None) -> set[str]:
    """Every id a ``#fragment`` can reach in the rendered document."""
    masked = mask_code(list(lines)) if masked is None else masked
    ids = {h.id for h in headings(lines, masked)} | {i for i, _ in element_ids(lines, masked)}
    cited = {m.group(1).strip("{}") for text in masked for m in CITATION.finditer(text)}
    ids |= {f"ref-{k}" for k in cited if k in bib_keys}
    if cited & set(bib_keys):
        ids |= {"refs", "bibliography"}  # citeproc's reference list and its heading
    return ids


def check(ctx):
    seen: dict[int, list] = {}
    """id(document) -> (index, text) of its heading lines, for the documents of its shape."""
    for doc in ctx.resolved:
        shape = ctx.shapes.get(id(doc), doc)
        if shape is not doc and id(shape) in seen and all(doc.lines[i].text == t for i, t in seen[id(shape)]):
            continue  # its shape's headings, word for word (values elsewhere): the same findings
        found = headings(doc.lines, doc.masked)
        seen[id(doc)] = [(h.index, h.line.text) for h in found]
        first: dict[str, Line] = {}
        for h in found:
            prev = first.get(h.wanted)
            first.setdefault(h.id, h.line)
            if prev is None:
                continue
            where = f"{prev.path}:{prev.line}"
            if h.explicit:
                msg, hint = (f"heading id '{h.id}' is already used by the heading at {where}",
                             "ids must be unique within a paper: choose another {#id}")
            else:
                msg, hint = (f"heading id '{h.wanted}' is already used by the heading at {where} "
                             f"(this one becomes '{h.id}')",
                             f"give one of them its own id: {h.text} {{#another-id}}")
            yield warning("PK502", msg, h.line.path, h.line.line, hint=hint)
