"""A translation must keep its source's structure: the same block includes and variants, and no
div of a kind positionkit does not know.

A typo in a translation's div (``::: {.blok ref=...}``, a lost brace) makes pandoc print the text
or drop the include, and the block silently vanishes from that language's handout. Each problem
is reported at its line in the translation (or, for what the translation lacks, at its first line
with the source line that has it).
"""
from __future__ import annotations

from positionkit.diagnostics import did_you_mean, warning
from positionkit.checks.translations import translation_pairs
from positionkit.markdown import Div, parse, strip_comments, to_lines

KNOWN_CLASSES = ("block", "variant", "when", "unless", "internal", "key-messages", "fallback")
"""Div classes the resolver and the renderers act on; any other must also be in the source."""


def _divs(items, out):
    for item in items:
        if isinstance(item, Div):
            out.append(item)
            _divs(item.children, out)
    return out


def _tree(src):
    items, _ = parse(strip_comments(to_lines(src.body, src.path, src.body_line)))
    return _divs(items, [])


def _includes(divs) -> dict:
    """(kind, name) -> first open Line, for block includes and variants."""
    found: dict = {}
    for div in divs:
        if "block" in div.attrs.classes:
            found.setdefault(("block include", div.attrs.get("ref") or ""), div.open)
        elif "variant" in div.attrs.classes:
            found.setdefault(("variant", div.attrs.get("name") or ""), div.open)
    return found


def compare(src, tr):
    source_divs, translated = _tree(src), _tree(tr)
    allowed = set(KNOWN_CLASSES) | {c for d in source_divs for c in d.attrs.classes}
    for div in translated:
        for cls in div.attrs.classes:
            if cls not in allowed:
                yield warning("PK428", f"div class '.{cls}' is neither in the source {src.path} nor one "
                              "positionkit knows", tr.path, div.open.line, div.open.text.find(cls),
                              hint=did_you_mean(cls, sorted(allowed)) or f"use the source's divs: "
                              f"{', '.join(sorted(allowed))}")
    mine, theirs = _includes(translated), _includes(source_divs)
    for (kind, name), at in theirs.items():
        if (kind, name) not in mine:
            yield warning("PK429", f"{kind} '{name}' of the source ({src.path}:{at.line}) is missing from the "
                          "translation, so that language's handout lacks it", tr.path, tr.body_line,
                          hint=f"copy the line {at.text.strip()} into the translation")
    for (kind, name), at in mine.items():
        if (kind, name) not in theirs:
            yield warning("PK429", f"{kind} '{name}' is in the translation but not in its source {src.path}",
                          tr.path, at.line, hint="a translation has the same includes and variants as its source")


def check(ctx):
    for src, tr in translation_pairs(ctx):
        yield from compare(src, tr)
