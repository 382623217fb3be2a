"""Word budgets per section, from paper.yaml ``words: {02-context.md: 300}``.

A section's words are what it prints: its own text plus every block it includes, without
internal notes, comments, citation keys or link targets. Budgets apply to the source language
(what writers write); the page budget (PK501) covers each translation's rendered length.
CJK characters count one word each, as word processors count them.
"""
from __future__ import annotations

import re

from positionkit.diagnostics import did_you_mean, error, warning
from positionkit.markdown import CITATION, _DIV_CLOSE, _DIV_OPEN
from positionkit.load.project import split_lang

_IMAGE = re.compile(r"!\[[^\]]{0,1000}\]\([^)]{0,1000}\)")  # bounded: linear on any line
_LINK_DEST = re.compile(r"\]\([^)]{0,1000}\)")
_ATTRS = re.compile(r"\{[^{}]{0,1000}\}")
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def count_words(texts) -> int:
    n = 0
    for text in texts:
        if _DIV_OPEN.match(text) or _DIV_CLOSE.match(text):
            continue
        text = _IMAGE.sub(" ", text)
        text = _LINK_DEST.sub("] ", text)
        text = _ATTRS.sub(" ", text)
        text = CITATION.sub(" ", text)
        text = _CJK.sub(r" \1 ", text)
        n += len(_WORD.findall(text))
    return n


def budgets(paper) -> tuple[dict, list]:
    """({section path: words}, diagnostics) from paper.yaml's 'words'."""
    raw = paper.meta.get("words")
    where = (paper.yaml_path, paper.meta_lines.get("words"))
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, [error("PK508", "words must map section file names to word counts", *where,
                          hint="words: {02-context.md: 300}")]
    names = [s[len(paper.dir) + 1:] for s in paper.sections]
    out, diags = {}, []
    for name, limit in raw.items():
        if str(name) not in names:
            diags.append(error("PK508", f"words: '{name}' is not a section of this paper", *where,
                               hint=did_you_mean(str(name), names) or f"sections: {', '.join(names)}"))
        elif not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            diags.append(error("PK508", f"words: the budget for '{name}' must be a whole number of words, "
                               f"not '{limit}'", *where))
        else:
            out[f"{paper.dir}/{name}"] = limit
    return out, diags


def section_words(doc, sections) -> dict:
    """Section path -> words printed, counting included blocks towards the section including them."""
    counts: dict = {}
    current = None
    for ln, text in zip(doc.lines, doc.masked):
        source = split_lang(ln.path)[0]
        if source in sections:
            current = source
        if current is not None:
            counts.setdefault(current, []).append(text)
    return {k: count_words(v) for k, v in counts.items()}


def check(ctx):
    source_lang = ctx.project.config.source_lang
    for slug in sorted({doc.target.paper for doc in ctx.resolved}):
        paper = ctx.project.papers[slug]
        limits, diags = budgets(paper)
        yield from diags
        if not limits:
            continue
        for doc in ctx.resolved:
            if doc.target.paper != slug or doc.target.lang != source_lang:
                continue
            for path, n in section_words(doc, set(paper.sections)).items():
                limit = limits.get(path)
                if limit and n > limit:
                    yield warning("PK509", f"section has {n} words; its budget is {limit}", path, None,
                                  hint=f"cut {n - limit} word(s), use a short block variant, or raise "
                                  f"'words' in {paper.yaml_path}")
