"""Review anchors: which resolved paragraph came from which source lines, and the marks that
carry it through pandoc into a DOCX.

Every paragraph, heading and list item of a resolved document gets an opaque, stable name
(``pkr1``, ``pkr2`` ... in document order) and the hash of the source lines it was made from.
The DOCX carries only the names (as hidden bookmarks) and the hashes (in a document property),
never a path: ``positionkit review`` re-resolves the paper and finds each paragraph again by
name and hash (see :mod:`positionkit.review.locate`).

The marks are empty spans (``[]{#pkr7}``) put at the start of a paragraph's first line in the
Markdown pandoc reads: pandoc turns a span with an id into a bookmark, and an empty span adds no
text, so heading identifiers, citations and the PDF (which drops them) are unchanged.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from positionkit.markdown import Line

PREFIX = "pkr"
"""Anchor ids in the Markdown and AST; the DOCX bookmark is ``_`` + id (hidden in Word)."""
META_PREFIX = "pkm"
"""Anchors of the title block (``pkmtitle`` ...), which comes from paper.yaml."""
_LIST = re.compile(r"^( {0,3}(?:[-+*]|\(?(?:\d{1,9}|[A-Za-z]|[ivxlcdmIVXLCDM]+|#|@[\w-]*)[.)])[ \t]+)(?=\S)")
"""Bullet and (fancy) ordered list markers; generous on purpose: a mark after a marker that turns
out not to be one stays inside the paragraph and changes nothing."""
_RULE = re.compile(r"^\s*[-=]{2,}[ \t=-]*$")
"""A simple table's dash row or a setext underline: a mark would shift columns or break the heading."""
_HEADING = re.compile(r"^( {0,3}#{1,6}[ \t]+)(?=\S)")
_QUOTE = re.compile(r"^( {0,3}>[ \t]?)(?=\S)")
_FOOTNOTE = re.compile(r"^(\[\^[^\]]+\]:[ \t]*)(?=\S)")
_SKIP = re.compile(r"^\s*(?:[:~][ \t]|:{3,}|`{3,}|~{3,}|\||\+[-=]|!\[|<|\$\$|\{=|\[[^\]^][^\]]*\]:|[-*_]([ \t]*[-*_]){2,}\s*$"
                   r"|={3,}\s*$|-{3,}\s*$|\[\]\{#)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Anchor:
    """One paragraph of a resolved document and the source lines it came from."""

    name: str
    """``pkr<n>``, numbered in document order."""
    path: str
    """Project-relative source file."""
    line: int
    """First source line (1-based)."""
    end: int
    """Last source line."""
    hash: str
    """First 12 hex digits of the sha256 of those source lines as written."""
    index: int
    """Index of the paragraph's first line in ``Resolved.lines``."""
    count: int
    """Number of resolved lines in the paragraph."""


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _prefix(text: str) -> int | None:
    """Where the mark goes in a paragraph's first line; None where a mark would change the
    meaning (fences, tables, raw HTML, a lone image, code)."""
    if not text.strip() or _SKIP.match(text) or text.startswith(("    ", "\t")):
        return None
    for pattern in (_HEADING, _LIST, _QUOTE, _FOOTNOTE):
        m = pattern.match(text)
        if m:
            rest = text[m.end():]
            if _SKIP.match(rest) or not rest.strip():
                return None
            return m.end()
    return len(text) - len(text.lstrip(" "))


def _starts(lines: tuple[Line, ...]) -> list[tuple[int, int]]:
    """(index of first line, number of lines) of every paragraph that can carry a mark."""
    out: list[tuple[int, int]] = []
    fence: str | None = None
    i, n = 0, len(lines)
    prev_blank = True
    while i < n:
        text = lines[i].text
        if fence is not None:
            if text.strip().startswith(fence) and set(text.strip()) == {fence[0]}:
                fence = None
            i, prev_blank = i + 1, False
            continue
        m = _FENCE.match(text)
        if m:
            fence, i, prev_blank = m.group(1), i + 1, False
            continue
        if not text.strip():
            i, prev_blank = i + 1, True
            continue
        starts = prev_blank or _LIST.match(text) or _HEADING.match(text) or text.lstrip().startswith(":::") \
            or (i and (_HEADING.match(lines[i - 1].text) or lines[i - 1].text.lstrip().startswith(":::")))
        if not starts or _prefix(text) is None:
            i, prev_blank = i + 1, False
            continue
        j = i + 1
        while j < n and not _HEADING.match(text):
            nxt = lines[j]
            if (not nxt.text.strip() or _LIST.match(nxt.text) or _HEADING.match(nxt.text) or _FENCE.match(nxt.text)
                    or nxt.text.lstrip().startswith(":::") or nxt.path != lines[i].path
                    or nxt.line != lines[j - 1].line + 1):
                break
            j += 1
        if not any(_RULE.match(lines[k].text) for k in range(i + 1, j)):
            out.append((i, j - i))
        i, prev_blank = j, False
    return out


def anchors(lines: tuple[Line, ...], texts: dict[str, str]) -> tuple[Anchor, ...]:
    """The anchor of every markable paragraph; ``texts``: path -> file text as written."""
    out = []
    split: dict[str, list[str]] = {}
    for k, (i, count) in enumerate(_starts(lines), start=1):
        first, last = lines[i], lines[i + count - 1]
        if first.path not in split:
            split[first.path] = texts.get(first.path, "").split("\n")
        raw = "\n".join(split[first.path][first.line - 1:last.line])
        out.append(Anchor(f"{PREFIX}{k}", first.path, first.line, last.line, source_hash(raw), i, count))
    return tuple(out)


def anchored_markdown(lines: tuple[Line, ...]) -> str:
    """The resolved Markdown with an empty ``[]{#pkr<n>}`` span opening every markable paragraph."""
    texts = [ln.text for ln in lines]
    for k, (i, _count) in enumerate(_starts(lines), start=1):
        at = _prefix(texts[i])
        texts[i] = f"{texts[i][:at]}[]{{#{PREFIX}{k}}}{texts[i][at:]}"
    return "\n".join(texts) + "\n"


PROPERTY = "positionkit-review"
"""Name of the DOCX custom document property that carries a :class:`Stamp`."""
AUDIENCE_TOKEN = "pkvzreviewaudienceq"
"""Stands for the audience in a DOCX shared by tailored documents (see render.cite_shared)."""


@dataclass(frozen=True)
class Stamp:
    """What a DOCX says about itself so that a reviewed copy finds its sources again."""

    paper: str
    lang: str
    audience: str | None
    """sha256 prefix of the audience id (ids are the project's own names: not printed as such)."""
    hashes: tuple[str, ...]
    """Source hash of anchor ``pkr1``, ``pkr2`` ... in order."""
    meta: tuple[tuple[str, str], ...] = ()
    """(key, hash of its value) for the title block fields printed from paper.yaml."""

    @property
    def build(self) -> str:
        """Content id of the build: the same sources give the same id."""
        return source_hash(" ".join([self.paper, self.lang, *self.hashes, *(f"{k}={h}" for k, h in self.meta)]))

    def to_json(self) -> str:
        import json

        return json.dumps({"v": 1, "paper": self.paper, "lang": self.lang, "audience": self.audience,
                           "build": self.build, "hashes": " ".join(self.hashes),
                           "meta": dict(self.meta)}, separators=(",", ":"), sort_keys=True)


def audience_id(audience: str | None) -> str | None:
    return source_hash(f"audience:{audience}") if audience else None


def project_texts(project) -> dict[str, str]:
    """path -> text as written, for every Markdown file a resolved document can print."""
    texts = {path: src.text for path, src in project.sections.items()}
    for block in project.blocks.values():
        texts[block.source.path] = block.source.text
    for per_lang in project.translations.values():
        for src in per_lang.values():
            texts[src.path] = src.text
    return texts


META_KEYS = ("title", "subtitle", "audience", "contact")
"""Title-block fields a reviewer may edit; each maps back to paper.yaml or paper.<lang>.yaml."""


def stamp(project, doc, texts: dict[str, str] | None = None) -> Stamp:
    """The :class:`Stamp` of a resolved document (``doc``: a ``Resolved``)."""
    found = anchors(doc.lines, texts if texts is not None else project_texts(project))
    meta = tuple((k, source_hash(str(doc.meta.get(k)))) for k in META_KEYS if doc.meta.get(k))
    t = doc.target
    return Stamp(t.paper, t.lang, audience_id(t.audience), tuple(a.hash for a in found), meta)
