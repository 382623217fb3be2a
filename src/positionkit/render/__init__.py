"""The render stage: a :class:`Handout` in, the bytes of one output file out.

Renderers write nothing; the ``write`` stage owns ``build/``. Both formats are fed from the same
cited pandoc AST, so citations read identically in DOCX and PDF.
"""

from __future__ import annotations

from typing import Callable

from positionkit.render.errors import RenderError
from positionkit.render.handout import Handout
from positionkit.labels import LABEL_KEYS, load_labels
from positionkit.render.docx.writer import reference_docx, render_docx
from positionkit.render.media import media_targets
from positionkit.render.pdf import render_pdf, typst_source

__all__ = [
    "Handout",
    "LABEL_KEYS",
    "RENDERERS",
    "RenderError",
    "load_labels",
    "media_targets",
    "reference_docx",
    "render_docx",
    "render_pdf",
    "typst_source",
]

RENDERERS: dict[str, Callable[[Handout], bytes]] = {"docx": render_docx, "pdf": render_pdf}
"""Output format name -> renderer. An unknown format is the caller's diagnostic."""
