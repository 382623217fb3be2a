"""What a renderer receives: one resolved, cited document in one language."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from positionkit.languages import Language
from positionkit.resolve.anchors import Stamp
from positionkit.style import DEFAULT_STYLE, Style

__all__ = ["Handout", "running_title"]


@dataclass(frozen=True)
class Handout:
    ast: dict[str, Any]
    """Pandoc JSON AST (what ``pandoc -t json`` prints) after ``--citeproc`` has run."""
    lang: Language
    """Language of the handout; fallback passages carry their own ``lang`` attribute."""
    title: str
    subtitle: str | None = None
    date: str | None = None
    """Already localised display string, e.g. ``"20 novembre 2026"``."""
    organisations: tuple[str, ...] = ()
    audience: str | None = None
    """``"For WTO delegations"`` or ``"Delegation of Kenya"``."""
    contact: str | None = None
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Localised labels (see ``positionkit.labels.LABEL_KEYS``); missing keys use English."""
    style: Style = DEFAULT_STYLE
    draft: bool = False
    """Draft builds carry a visible "Draft" marking in the header; final builds none."""
    provenance: str | None = None
    """Small footer line, e.g. ``"Built 2026-11-20 · commit 3f2a9c1"``."""
    epoch: int = 0
    """``SOURCE_DATE_EPOCH``: every timestamp in the output derives from it."""
    iso_date: str | None = None
    """The document's date at the precision given (``"2018"``, ``"2018-05-03"``), for the DOCX
    properties; ``None`` writes none (rather than the 1970 of a zero epoch)."""
    reference_docx: bytes | None = None
    """The project's own ``styles/reference.docx`` when it has one; else one is generated from style."""
    short_title: str | None = None
    """Running header from page 2; the title (shortened) when the paper gives none."""
    media: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    """Image bytes by Image target exactly as written in the AST (``"figures/chart.png"``; see
    ``positionkit.render.media.media_targets``). Renderers read no files: an image missing here,
    or not PNG/JPEG/GIF/SVG, prints as its alt text."""
    review: Stamp | None = None
    """Review anchors: the DOCX carries them so that a reviewed copy finds its sources again
    (``positionkit review``); the AST then holds the matching ``[]{#pkr<n>}`` marks."""


def running_title(h: Handout, limit: int = 90) -> str:
    """The header's title from page 2: the short title, else the title cut at a word boundary
    (a cut mid-word reads as a typo, in Arabic as a different word)."""
    title = " ".join((h.short_title or h.title).split())
    if len(title) <= limit:
        return title
    cut = title[:limit - 1]
    if " " in cut:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:،؛-–—") + "…"
