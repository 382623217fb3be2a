"""Which paragraph of a translation translates which paragraph of its source, and is it current.

A stamp records, for each paragraph of the translation in order, the hash of the source paragraph
it was made from (``translation.paragraphs``; ``null`` marks a paragraph that is still an
untranslated copy of the source). Matching those hashes against the source as it is now gives, per
source paragraph, the translated text to print or nothing (stale or missing: print the source).

Paragraphs are the blank-line-separated chunks :func:`positionkit.load.stamps.paragraphs` hashes,
so every existing stamp keeps its meaning.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from positionkit.load import stamps
from positionkit.load.sources import Source

TRANSLATED, STALE, MISSING, UNSTAMPED = "translated", "stale", "missing", "unstamped"
STATES = (TRANSLATED, STALE, MISSING, UNSTAMPED)


@dataclass(frozen=True)
class Chunk:
    """One blank-line-separated paragraph of a file's body."""

    lines: tuple[str, ...]
    """The raw lines, as written."""
    start: int
    """0-based line offset of its first line in the body."""

    @property
    def text(self) -> str:
        """Normalised text (NFC, whitespace folded): what the stamp hashes."""
        return stamps.normalised(self.lines)

    @property
    def hash(self) -> str:
        return stamps.para_hash(self.text)


def chunks(body: str) -> list[Chunk]:
    return [Chunk(lines, start) for lines, start in stamps.line_blocks(body)]


@dataclass(frozen=True)
class Pair:
    """A source paragraph and what the translation has for it."""

    source: Chunk
    status: str
    """translated | stale | missing | unstamped"""
    translation: Chunk | None = None
    """The translation's paragraph (translated, stale or unstamped), else None."""
    made_from: str | None = None
    """Hash of the source paragraph the translation was made from (stale: the old one)."""


@dataclass(frozen=True)
class Alignment:
    pairs: tuple[Pair, ...]
    aligned: bool = True
    """False when the translation's paragraphs cannot be matched to its stamp (then every pair is
    stale, or unstamped, and the whole file is judged as one)."""

    def count(self, status: str) -> int:
        return sum(1 for p in self.pairs if p.status == status)


def recorded(translation: Source) -> list[str | None] | None:
    """The stamp's per-paragraph hashes (None entries: untranslated copies), or None when unstamped."""
    rec = translation.meta.get("translation")
    if not isinstance(rec, dict):
        return None
    hashes = rec.get("paragraphs")
    if not isinstance(hashes, list):
        return None
    if rec.get("state") == "untranslated" and "source_hash" not in rec:
        return [None] * len(hashes)  # a scaffold from `i18n new`: copies of the source, not translations
    if "source_hash" not in rec:
        return None
    return [str(h) if h is not None else None for h in hashes]


def align(source: Source, translation: Source | None) -> Alignment:
    src = chunks(source.body)
    if translation is None:
        return Alignment(tuple(Pair(c, MISSING) for c in src))
    mine = chunks(translation.body)
    old = recorded(translation)
    if old is None:
        if len(mine) == len(src):
            return Alignment(tuple(Pair(c, UNSTAMPED, t) for c, t in zip(src, mine)))
        return Alignment(tuple(Pair(c, UNSTAMPED) for c in src), aligned=False)
    if len(old) != len(mine):
        rec = translation.meta["translation"]
        whole = TRANSLATED if rec.get("source_hash") == stamps.source_hash(source.body) else STALE
        return Alignment(tuple(Pair(c, whole) for c in src), aligned=False)  # judged as one file
    new = [c.hash for c in src]
    pairs: list[Pair | None] = [None] * len(src)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k, j in enumerate(range(j1, j2)):
            i = i1 + k
            if tag == "equal":
                pairs[j] = Pair(src[j], TRANSLATED, mine[i], old[i])
            elif tag == "replace" and i < i2 and old[i] is not None:
                pairs[j] = Pair(src[j], STALE, mine[i], old[i])  # edited in place: the old translation
    return Alignment(tuple(p or Pair(src[j], MISSING) for j, p in enumerate(pairs)))
