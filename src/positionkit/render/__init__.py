"""The render stage: a :class:`Handout` in, the bytes of one output file out.

Renderers write nothing; the ``write`` stage owns ``build/``. Both formats are fed from the same
cited pandoc AST, so citations read identically in DOCX and PDF.

The renderers (python-docx, fontTools, typst) load on first use: `positionkit check` and the
load stage, which only need the labels, do not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable

from positionkit.render.errors import RenderError
from positionkit.render.handout import Handout
from positionkit.labels import LABEL_KEYS, load_labels
from positionkit.render.media import media_targets

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

_LAZY = {
    "reference_docx": "positionkit.render.docx.writer",
    "render_docx": "positionkit.render.docx.writer",
    "render_pdf": "positionkit.render.pdf",
    "typst_source": "positionkit.render.pdf",
}

if TYPE_CHECKING:
    from positionkit.render.docx.writer import reference_docx, render_docx
    from positionkit.render.pdf import render_pdf, typst_source

    RENDERERS: dict[str, Callable[[Handout], bytes]]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name == "RENDERERS":
        # Output format name -> renderer. An unknown format is the caller's diagnostic.
        value = {"docx": __getattr__("render_docx"), "pdf": __getattr__("render_pdf")}
    else:
        raise AttributeError(f"module 'positionkit.render' has no attribute {name!r}")
    globals()[name] = value
    return value
