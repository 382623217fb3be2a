"""Translation freshness: what a translation was made from, and whether its source moved on.

A translation records a hash of its source's *normalised* text (Unicode NFC, whitespace and line
wrapping folded) and one short hash per source paragraph, so re-wrapping a paragraph changes
nothing, while a changed word marks exactly that paragraph.
"""
from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from positionkit.load.sources import Source

CURRENT, STALE, UNSTAMPED, MISSING, REVIEWED = "current", "stale", "unstamped", "missing", "reviewed"
STATES = ("translated", "reviewed")


def line_blocks(body: str) -> list[tuple[tuple[str, ...], int]]:
    """(raw lines, 0-based line offset in body) of each blank-line-separated paragraph."""
    out, buf, start = [], [], 0
    for i, line in enumerate(body.split("\n") + [""]):
        if line.strip():
            if not buf:
                start = i
            buf.append(line)
        elif buf:
            out.append((tuple(buf), start))
            buf = []
    return out


def normalised(lines) -> str:
    """What a stamp hashes: the lines joined, NFC, whitespace folded."""
    text = unicodedata.normalize("NFC", " ".join(lines))
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(body: str) -> list[tuple[str, int]]:
    """(normalised paragraph, 0-based line offset in body) for each non-empty paragraph."""
    return [(normalised(lines), start) for lines, start in line_blocks(body)]


def para_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def source_hash(body: str) -> str:
    norm = "\n\n".join(p for p, _ in paragraphs(body))
    return "sha256:" + hashlib.sha256(norm.encode()).hexdigest()


def stamp_data(source_body: str) -> dict:
    return {"source_hash": source_hash(source_body),
            "paragraphs": [para_hash(p) for p, _ in paragraphs(source_body)]}


@dataclass(frozen=True)
class Freshness:
    status: str
    """current | stale | unstamped."""
    changed: tuple[int, ...] = ()
    """1-based lines in the source file of paragraphs added or changed since the stamp."""
    state: str = "translated"
    """translated | reviewed, as the translation's front matter says."""


def freshness(source: Source, translation: Source) -> Freshness:
    rec = translation.meta.get("translation")
    if not isinstance(rec, dict) or "source_hash" not in rec:
        return Freshness(UNSTAMPED)
    state = str(rec.get("state", "translated"))
    if rec.get("source_hash") == source_hash(source.body):
        return Freshness(CURRENT, (), state)
    now = paragraphs(source.body)
    old = [str(h) for h in rec.get("paragraphs") or []]
    new = [para_hash(p) for p, _ in now]
    changed = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            changed.extend(source.body_line + now[j][1] for j in range(j1, j2))
    return Freshness(STALE, tuple(changed), state)


TEXT_KEYS = ("title", "subtitle", "short_title", "audience", "contact", "organisations")
"""paper.yaml fields a paper.<lang>.yaml translates, in the order their hashes are recorded."""


WATCHED_KEYS = ("title", "subtitle", "short_title", "audience")
"""The prose fields whose change makes a paper.<lang>.yaml stale (a new contact address does not)."""


def metadata_source(meta: dict, path: str) -> Source:
    """paper.yaml's prose fields as a source text: one paragraph per field, so a changed title
    marks the title alone. A value's own blank lines are folded (a paragraph hash folds other
    whitespace anyway), so each field stays exactly one paragraph."""
    paras = [f"{k}: {' '.join(str(meta[k]).split())}" for k in WATCHED_KEYS if meta.get(k)]
    return Source(path, "", {}, "\n\n".join(paras), 1, {})


def metadata_freshness(meta: dict, translated: dict, path: str) -> tuple[Freshness, list[str]]:
    """Freshness of a paper.<lang>.yaml, and the names of the fields changed since its stamp."""
    src = metadata_source(meta, path)
    fresh = freshness(src, Source(path, "", translated, "", 1, {}))
    fields = [k for k in WATCHED_KEYS if meta.get(k)]
    starts = [off for _, off in paragraphs(src.body)]
    changed = [fields[starts.index(line - 1)] for line in fresh.changed if line - 1 in starts]
    return fresh, changed
