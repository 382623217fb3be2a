"""Internal links ``[text](#anchor)`` must reach a heading or element of the same document.

Checked per resolved document, so a French section linking to an English heading id that the
translation renamed is caught in the French build.
"""
from __future__ import annotations

import re

from positionkit.diagnostics import did_you_mean, warning
from positionkit.markdown import mask_code
from positionkit.checks.headings import anchors

# Bounded repeats keep the scan linear on pathological lines ("[x](#" thousands of times).
_INLINE = re.compile(r"(?<!!)\[[^\]]{0,1000}\]\([ \t]{0,50}<?#([^)\s>]{0,300})>?(?:[ \t]+[\"'][^)]{0,300})?\)")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]{1,1000}\]:[ \t]*<?#([^\s>]{0,300})>?(?:\s.*)?$")


_MAYBE = re.compile(r"\]\([ \t]*<?#|\]:[ \t]*<?#")
"""In every match of _INLINE and _REF_DEF."""


def internal_links(lines, masked=None):
    """(anchor, line, 1-based column) for every link to '#anchor' outside code."""
    masked = mask_code(list(lines)) if masked is None else masked
    if not _MAYBE.search("\n".join(masked)):
        return  # one scan of the whole text rules out most documents
    for ln, text in zip(lines, masked):
        m = _REF_DEF.match(text)
        if m:
            yield m.group(1), ln, m.start(1)
            continue
        for m in _INLINE.finditer(text):
            yield m.group(1), ln, m.start() + 1


def check(ctx):
    keys = ctx.project.bibliography.entries
    for doc in ctx.resolved:
        found = list(internal_links(doc.lines, doc.masked))
        if not found:
            continue
        ids = anchors(doc.lines, keys, doc.masked)
        for anchor, ln, col in found:
            if anchor in ids:
                continue
            lang = doc.target.lang
            yield warning("PK503", f"link to '#{anchor}' leads nowhere in the {lang} handout: no heading "
                          "or element has that id", ln.path, ln.line, col,
                          hint=did_you_mean(anchor, ids) or "link to a heading's id, or give the target "
                          "an explicit id: ## Title {#" + (anchor or "id") + "}")
