"""Where each paragraph of a resolved document came from, and what it is a translation of.

Before citeproc, the preview puts an empty div (``::: {.pk-at n="7"}`` then ``:::``) in front
of every top-level paragraph of the resolved Markdown. An empty div changes neither the text nor
the citations, and pandoc keeps it in the AST, so the HTML can later be cut at exactly those
points and each piece labelled with its file, line and block, and aligned with the same piece in
another language. Internal notes (kept by ``resolve(..., internal=True)``) are taken out here
and replaced by an empty ``.pk-note`` div: they never go through citeproc, so the page's
citations and bibliography stay exactly the handout's.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from positionkit.load import stamps
from positionkit.load.project import Project
from positionkit.markdown import parse_attrs
from positionkit.resolve.document import INTERNAL_CLASSES, Resolved

_DIV_OPEN = re.compile(r"^ {0,3}:{3,}\s*(\{[^}]*\}|[\w-]+)\s*:*\s*$")
_DIV_CLOSE = re.compile(r"^ {0,3}:{3,}\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^(?:[-+*]|\d+[.)]|#[.)]|\(?[a-zA-Z]\)|[a-zA-Z]\.)\s")
_NOTE_DEF = re.compile(r"^\[\^[^\]]+\]:")
_ATTACHED = re.compile(r"^(?:[:~](?:\s|$)|[Tt]able:)")
_DASHES = re.compile(r"^\s*-{3,}[\s-]*$")
"""A definition (': ...') belongs to the term above it, a table caption to its table: no anchor
may come between them."""


@dataclass(frozen=True)
class Anchor:
    """One marked paragraph (or list, table, box) of one language's document."""

    n: int
    path: str
    """The file the text was printed from: a translation, or the source when it falls back."""
    line: int
    """1-based line of the paragraph's first line in ``path``."""
    end: int
    """Last line of ``path`` before the next anchor (for diagnostics shown beside it)."""
    key: str
    """What it translates: the source file and the source paragraph's hash. Paragraphs of two
    languages with the same key are translations of each other."""
    block: str | None = None
    """Block id when the paragraph comes from a block."""
    fallback: bool = False
    """Printed in the source language because the translation is missing or stale."""


@dataclass(frozen=True)
class Marked:
    markdown: str
    anchors: tuple[Anchor, ...]
    notes: tuple[str, ...] = ()
    """Markdown of each internal note, by the ``n`` of its ``.pk-note`` placeholder."""


class _Sources:
    """Paragraph keys of the project's sections, blocks and translations."""

    def __init__(self, project: Project):
        self.texts = {**project.sections, **{b.source.path: b.source for b in project.blocks.values()}}
        self.block_of = {b.source.path: b.id for b in project.blocks.values()}
        self.origin: dict[str, str] = {}
        for src_path, langs in project.translations.items():
            for tr in langs.values():
                self.texts[tr.path] = tr
                self.origin[tr.path] = src_path
        self._starts: dict[str, tuple[list[int], list[str]]] = {}

    def key(self, path: str, line: int) -> tuple[str, str | None]:
        """(alignment key, block id) of the paragraph at ``line`` of ``path``."""
        source = self.origin.get(path, path)
        starts, hashes = self._paragraphs(path)
        k = bisect.bisect_right(starts, line) - 1
        mark = hashes[k] if 0 <= k < len(hashes) else f"{path}#{line}"
        return f"{source}@{mark}", self.block_of.get(source)

    def _paragraphs(self, path: str) -> tuple[list[int], list[str]]:
        if path not in self._starts:
            src = self.texts.get(path)
            paras = stamps.paragraphs(src.body) if src else []
            starts = [src.body_line + off for _, off in paras] if src else []
            if path in self.origin:
                # A current translation was made from exactly these source paragraphs: the stamp
                # lists their hashes in order (a stale one is never printed, its source is).
                rec = src.meta.get("translation") if src else None
                recorded = rec.get("paragraphs") if isinstance(rec, dict) else None
                hashes = [str(h) for h in recorded] if isinstance(recorded, list) else []
                hashes += [f"{path}#{i}" for i in range(len(hashes), len(starts))]
            else:
                hashes = [stamps.para_hash(p) for p, _ in paras]
            self._starts[path] = (starts, hashes)
        return self._starts[path]


def mark(project: Project, doc: Resolved) -> Marked:
    """The document's Markdown with an anchor before each top-level paragraph."""
    sources = _Sources(project)
    out: list[str] = []
    found: list[dict] = []
    notes: list[str] = []
    stack: list[bool] = []
    """For each open div: may anchors go inside it (only the resolver's fallback divs)."""
    fence: str | None = None
    blank, in_list = True, False
    table = None
    lines = list(doc.lines)
    i = 0
    while i < len(lines):
        ln = lines[i]
        text = ln.text
        i += 1
        if found and found[-1]["path"] == ln.path:
            found[-1]["end"] = max(found[-1]["end"], ln.line)
        if fence is not None:
            out.append(text)
            if text.strip().startswith(fence) and set(text.strip()) == {fence[0]}:
                fence = None
            continue
        if not text.strip():
            out.append(text)
            blank = True
            continue
        # A fence opens a div only where a block may start, and closes one only if one is open;
        # otherwise pandoc reads it as text. What follows a fence starts a block of its own.
        opening = _DIV_OPEN.match(text) if blank else None
        attrs = parse_attrs(opening.group(1)) if opening else None
        if stack and _DIV_CLOSE.match(text):
            stack.pop()
            out.append(text)
            blank, in_list = True, False
            continue
        starts = blank and all(stack) and not text[0].isspace()
        following = lines[i].text if i < len(lines) else ""
        if _DASHES.match(text):
            # A multiline table runs from a dash row to a dash row followed by a blank line, and
            # its rows are separated by blank lines: nothing may be put between them.
            if table is None and following.strip():
                table = ln
            elif table is not None and table is not ln and not following.strip():
                table, starts = None, False
        if starts and table is None and not _NOTE_DEF.match(text) and not _ATTACHED.match(text) \
                and not _DASHES.match(text) and not (in_list and _LIST_ITEM.match(text)) \
                and not (attrs and "fallback" in attrs.classes):
            key, block = sources.key(ln.path, ln.line)
            found.append({"path": ln.path, "line": ln.line, "end": ln.line, "key": key, "block": block,
                          "fallback": bool(stack)})
            out += [f'::: {{.pk-at n="{len(found) - 1}"}}', ":::", ""]
        if starts:
            in_list = bool(_LIST_ITEM.match(text))
        blank = False
        if attrs is not None and any(c in INTERNAL_CLASSES for c in attrs.classes):
            body, i = _note(lines, i)
            notes.append(body)
            out += [f'::: {{.pk-note n="{len(notes) - 1}"}}', ":::"]
            continue
        if attrs is not None:
            stack.append("fallback" in attrs.classes)
            blank, in_list = True, False
        elif _FENCE.match(text):
            fence = _FENCE.match(text).group(1)
        out.append(text)
    anchors = tuple(Anchor(n, a["path"], a["line"], a["end"], a["key"], a["block"], a["fallback"])
                    for n, a in enumerate(found))
    return Marked("\n".join(out) + "\n", anchors, tuple(notes))


def _note(lines: list, i: int) -> tuple[str, int]:
    """The body of the internal div whose opening line came just before ``i``; -> (Markdown,
    index after its closing line)."""
    depth, body, fence = 1, [], None
    while i < len(lines):
        text = lines[i].text
        i += 1
        if fence is None and _FENCE.match(text):
            fence = _FENCE.match(text).group(1)
        elif fence is not None and text.strip().startswith(fence) and set(text.strip()) == {fence[0]}:
            fence = None
        elif fence is None and _DIV_CLOSE.match(text):
            depth -= 1
            if depth == 0:
                break
        elif fence is None and _DIV_OPEN.match(text):
            depth += 1
        body.append(text)
    return "\n".join(body) + "\n", i
