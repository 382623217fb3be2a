"""Locate: which document a reviewed DOCX is, and where each of its paragraphs comes from now.

The DOCX names its paper, language and (hashed) audience and, per paragraph, an anchor and the
hash of the source lines it was made from (see :mod:`positionkit.resolve.anchors`). The paper is
resolved again from the current sources; an anchor whose hash is still found is located
exactly, wherever the paragraph moved. A hash that is no longer found means the source changed
since the build: the paragraph is located by its text and reported as changed. Without anchors
(a copy saved through a tool that drops them) every paragraph is located by text with difflib,
and says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from positionkit.load.project import Project
from positionkit.resolve import anchors as anc
from positionkit.resolve.document import Resolved, Target, resolve
from positionkit.resolve.plan import plan, plan_audiences
from positionkit.review.read import Paragraph, Reviewed

MIN_RATIO = 0.75
"""Text matching accepts a source paragraph this similar (difflib ratio) and no less."""
_CITE = re.compile(r"\[[^\[\]]*@[^\[\]]*\]|(?<![\w\\])-?@[\w:.#$%&+?<>~/-]*\w")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_SYNTAX = re.compile(r"\[\]\{#[^}]*\}|\{[#.][^}]*\}|^\s{0,3}(?:#{1,6}|[-+*]|\d+[.)]|>)\s+|[*_`]|\\(?=\S)", re.M)
_QUOTES = str.maketrans("“”„«»‘’", "\"\"\"\"\"''")


@dataclass(frozen=True)
class Place:
    """Where one reviewed paragraph comes from in today's sources."""

    how: str
    """anchor | text | meta | rendered | new (a paragraph the reviewer added after ``anchor``)."""
    anchor: anc.Anchor | None = None
    changed: bool = False
    """The source of this paragraph changed since the DOCX was built."""
    meta_key: str | None = None


@dataclass(frozen=True)
class Located:
    doc: Resolved
    anchors: tuple[anc.Anchor, ...]
    places: tuple[Place, ...]
    """One per ``Reviewed.paragraphs`` entry."""
    by_text: bool
    """The DOCX carried no usable anchors: paragraphs were matched by text."""


def plain(text: str) -> str:
    """Markdown or DOCX text reduced to words, for comparing the two."""
    text = _CITE.sub("", _LINK.sub(r"\1", text))
    text = _SYNTAX.sub("", text)
    return " ".join(text.translate(_QUOTES).split())


def ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0


def anchor_text(doc: Resolved, a: anc.Anchor) -> str:
    return "\n".join(ln.text for ln in doc.lines[a.index:a.index + a.count])


def _docs(project: Project, stamp: dict | None) -> list[Resolved]:
    """The documents the DOCX may be: exactly one when its stamp names it."""
    if stamp and stamp.get("paper") in project.papers:
        paper, lang, audience = stamp["paper"], str(stamp.get("lang")), stamp.get("audience")
        if audience:
            targets, people, _, _ = plan_audiences(project, [paper], [lang], ["all"])
            for t in targets:
                if anc.audience_id(t.audience) == audience:
                    return [resolve(project, t, people[(t.paper, t.audience)].mapping())]
            return []
        return [resolve(project, Target(paper, lang))]
    return [resolve(project, t) for t in plan(project)[0]]


def best_match(text: str, candidates: list[tuple[anc.Anchor, str]]) -> tuple[anc.Anchor | None, float]:
    want = plain(text)
    best, score = None, 0.0
    for a, source in candidates:
        r = ratio(want, source)
        if r > score:
            best, score = a, r
    return best, score


def locate(project: Project, reviewed: Reviewed) -> Located | None:
    """None when no document of the project matches the DOCX."""
    stamp = reviewed.stamp
    docs = _docs(project, stamp)
    if not docs:
        return None
    texts = anc.project_texts(project)
    names = {p for par in reviewed.paragraphs for p in par.anchors if p.startswith(anc.PREFIX)}
    hashes = str((stamp or {}).get("hashes", "")).split()
    if len(docs) == 1 and stamp and names and hashes:
        doc = docs[0]
        found = anc.anchors(doc.lines, texts)
        return Located(doc, found, tuple(_by_anchor(doc, found, p, hashes) for p in reviewed.paragraphs), False)
    scored = []
    for doc in docs:
        found = anc.anchors(doc.lines, texts)
        cands = [(a, plain(anchor_text(doc, a))) for a in found]
        places = tuple(_by_text(p, cands) for p in reviewed.paragraphs)
        scored.append((sum(1 for pl in places if pl.how == "text"), doc, found, places))
    score, doc, found, places = max(scored, key=lambda s: s[0])
    return Located(doc, found, places, True) if score else None


def _by_text(par: Paragraph, cands) -> Place:
    a, score = best_match(par.before, cands)
    return Place("text", a) if a is not None and score >= MIN_RATIO else Place("rendered")


def _by_anchor(doc: Resolved, found: tuple[anc.Anchor, ...], par: Paragraph, hashes: list[str]) -> Place:
    meta = [n[len(anc.META_PREFIX):] for n in par.anchors if n.startswith(anc.META_PREFIX)]
    if meta:
        return Place("meta", meta_key=meta[0])
    names = [n for n in par.anchors if n.startswith(anc.PREFIX) and n[len(anc.PREFIX):].isdigit()]
    if not names:
        return Place("new") if par.new else Place("rendered")
    n = int(names[0][len(anc.PREFIX):])
    want = hashes[n - 1] if 0 < n <= len(hashes) else None
    if n <= len(found) and found[n - 1].hash == want:
        return Place("anchor", found[n - 1])
    moved = [a for a in found if a.hash == want]
    if moved:
        return Place("anchor", min(moved, key=lambda a: abs(int(a.name[len(anc.PREFIX):]) - n)))
    cands = [(a, plain(anchor_text(doc, a))) for a in found]
    before, score = best_match(par.before, cands)
    after, score_after = best_match(par.after, cands)
    near = found[n - 1] if n <= len(found) else None
    best = before if score >= 0.5 else after if score_after >= 0.5 else near
    return Place("anchor", best, changed=True)


def new_paragraph_owner(located: Located, index: int) -> anc.Anchor | None:
    """The anchored paragraph a reviewer's new paragraph follows."""
    for place in reversed(located.places[:index]):
        if place.anchor is not None:
            return place.anchor
    return None
