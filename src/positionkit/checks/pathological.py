"""Text known to make pandoc's Markdown reader run for minutes, found before pandoc runs.

Measured with pandoc 3.9 (see docs/reliability.md): each '[' left open in a paragraph doubles
the reader's time (20 of them: more than 20 s); '<' with no '>' after it on its line costs time
quadratic in their number over the whole document (8000: more than 30 s), and so do backticks
without a partner in one paragraph. Real prose has none of these in such numbers; a pasted dump
or an attack does. The build's time limit (time_limit) stays as the last line of defence.
"""
from __future__ import annotations

import re

from positionkit.diagnostics import error

MAX_OPEN_BRACKETS = 10
"""'[' left open in one paragraph (pandoc's time doubles with each)."""
MAX_BRACKET_COST = 2 ** 13
"""Sum over paragraphs of 2^(open brackets): many paragraphs with a few each add up."""
MAX_OPEN_ANGLES = 1000
"""'<' with no '>' later on its line, in the whole document."""
MAX_BACKTICKS = 2000
"""Backticks in one paragraph."""
_BLOCK_START = re.compile(r"^\s{0,3}(?:[-*+]\s|\d{1,9}[.)]\s|#|>|:::)")
_HINT = "pandoc would take minutes on this; escape the characters (\\[ or \\<) or remove them"


def _paragraphs(lines, masked):
    """Lists of (line, masked text): blank lines and block starts (items, headings) split them."""
    para = []
    for ln, text in zip(lines, masked):
        if not text.strip() or _BLOCK_START.match(text):
            if para:
                yield para
            para = [(ln, text)] if text.strip() else []
        else:
            para.append((ln, text))
    if para:
        yield para


_BRACKET = re.compile(r"[\[\]]")


def _open_brackets(para):
    """Positions (line, col) of the '[' still open at the paragraph's end (only the brackets are
    visited: most lines have none)."""
    stack = []
    for ln, text in para:
        if "[" not in text and (not stack or "]" not in text):
            continue
        for m in _BRACKET.finditer(text):
            i = m.start()
            if i and text[i - 1] == "\\":
                continue
            if text[i] == "[":
                stack.append((ln, i + 1))
            elif stack:
                stack.pop()
    return stack


def check(ctx):
    for doc in ctx.resolved:
        masked = doc.masked
        cost, angles, first_angle, reported = 0, 0, None, False
        for para in _paragraphs(doc.lines, masked):
            opened = _open_brackets(para)
            cost += 2 ** min(len(opened), 40) - 1
            if len(opened) > MAX_OPEN_BRACKETS or (cost > MAX_BRACKET_COST and opened and not reported):
                ln, col = opened[0]
                reported = True
                yield error("PK522", f"{len(opened)} '[' left open in this paragraph" +
                            ("" if len(opened) > MAX_OPEN_BRACKETS else " (and many more in earlier ones)"),
                            ln.path, ln.line, col, hint=_HINT)
            ticks = sum(text.count("`") for _, text in para)
            if ticks > MAX_BACKTICKS:
                ln, text = next((ln, t) for ln, t in para if "`" in t)
                yield error("PK522", f"{ticks} backticks in one paragraph", ln.path, ln.line,
                            text.index("`") + 1, hint=_HINT)
            for ln, text in para:
                last = text.rfind(">")
                count = text.count("<", last + 1)
                if count and first_angle is None:
                    first_angle = (ln, text.index("<", last + 1) + 1)
                angles += count
        if angles > MAX_OPEN_ANGLES:
            ln, col = first_angle
            yield error("PK522", f"{angles} '<' without a closing '>' in this document", ln.path, ln.line, col,
                        hint=_HINT)
