"""Citation styles by name: the three that ship, and whether a style prints notes.

``[style] csl = "chicago-notes"`` (or ``"oscola"``, ``"chicago-author-date"``) picks a shipped
style; anything else is a path to a .csl file in the project. With a note style, pandoc's
citeproc turns each citation into a footnote (a citation already inside a footnote stays in
it), in DOCX and PDF alike.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

__all__ = ["BUILTIN", "builtin_csl", "is_note_style"]

BUILTIN = {
    "chicago-author-date": "chicago-author-date.csl",
    "chicago-notes": "chicago-notes-bibliography.csl",
    "oscola": "oscola.csl",
}
"""Name in ``[style] csl`` -> file in ``positionkit/data/csl`` (see its README for licences)."""

_CLASS = re.compile(r"<style\b[^>]*\bclass=\"([a-z-]+)\"")


def builtin_csl(name: str | None) -> Path | None:
    """The shipped file for a style name, or ``None`` when ``name`` is not one (a project path)."""
    if not name or name not in BUILTIN:
        return None
    return Path(str(resources.files("positionkit").joinpath(f"data/csl/{BUILTIN[name]}")))


def is_note_style(csl_text: str) -> bool:
    """``class="note"`` in the root element: citations print as footnotes."""
    match = _CLASS.search(csl_text[:4000])
    return bool(match) and match.group(1) == "note"
