"""SVG to PNG for DOCX: pandoc can embed an SVG only as Word 2016's ``svgBlip`` with no
fallback picture (it would need rsvg-convert), which LibreOffice and older Word show as an empty
frame. typst, already in-process for the PDF, draws the SVG onto a page of exactly its size.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path

from positionkit.system.scratch import private_dir

__all__ = ["PPI", "svg_to_png"]

PPI = 192
"""Raster resolution: twice a screen's, sharp when printed at the SVG's own size."""


@lru_cache(maxsize=32)
def svg_to_png(data: bytes) -> tuple[bytes, float, float] | None:
    """``(png, width_pt, height_pt)`` for SVG bytes, or ``None`` if typst cannot draw them."""
    import typst  # 0.1 s to import: only when an SVG is drawn

    with private_dir("svg") as root:
        (Path(root) / "image.svg").write_bytes(data)
        source = b'#set page(width: auto, height: auto, margin: 0pt, fill: none)\n#image("/image.svg")\n'
        try:
            # typst.compile makes its own world: safe on any thread, no lock
            png = typst.compile(input=source, root=root, format="png", ppi=PPI, ignore_system_fonts=True)
        except (typst.TypstError, RuntimeError):  # not an SVG typst can parse, or a linked file
            return None
    if not isinstance(png, bytes) or not png.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    return png, width * 72 / PPI, height * 72 / PPI
