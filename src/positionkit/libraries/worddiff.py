"""A word diff of two texts, as `git diff --word-diff=plain` writes it: [-removed-]{+added+}, with a
few words of context around each change and '…' for the unchanged stretches between."""
from __future__ import annotations

import difflib

CONTEXT = 6
"""Unchanged words kept on each side of a change."""


def word_diff(old: str, new: str, context: int = CONTEXT) -> str:
    """'' when the words are the same (a change of spacing or line breaks only)."""
    a, b = old.split(), new.split()
    if a == b:
        return ""
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    out: list[str] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            out.append(_context(a[i1:i2], context, first=n == 0, last=n == len(ops) - 1))
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(piece for piece in out if piece)


def _context(words: list[str], keep: int, first: bool, last: bool) -> str:
    if first and len(words) > keep:
        return "… " + " ".join(words[-keep:])
    if last and len(words) > keep:
        return " ".join(words[:keep]) + " …"
    if not first and not last and len(words) > 2 * keep:
        return " ".join(words[:keep]) + " … " + " ".join(words[-keep:])
    return " ".join(words)
