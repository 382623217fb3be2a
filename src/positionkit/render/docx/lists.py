"""List indents as the PDF sets them: pandoc's numbering indents each level by half an inch, which
on an A4 briefing page wraps list items onto extra lines (the DOCX ran a page longer than the PDF)."""
from __future__ import annotations

from positionkit.render.docx.style import W

__all__ = ["compact_lists"]

_STEP, _HANG_BULLET, _HANG_NUMBER = 340, 230, 340
"""Twentieths of a point: 17 pt per level; the bullet or number hangs 11.5 pt / 17 pt."""


def compact_lists(doc) -> None:
    try:
        numbering = doc.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):  # a document without lists
        return
    for lvl in numbering.iter(f"{W}lvl"):
        level = int(lvl.get(f"{W}ilvl", "0"))
        fmt = lvl.find(f"{W}numFmt")
        bullet = fmt is not None and fmt.get(f"{W}val") == "bullet"
        hanging = _HANG_BULLET if bullet else _HANG_NUMBER
        for ind in lvl.findall(f"{W}pPr/{W}ind"):
            for attr in list(ind.attrib):
                del ind.attrib[attr]
            ind.set(f"{W}left", str(_STEP * level + hanging + 60))
            ind.set(f"{W}hanging", str(hanging))
