"""Images are inputs too: every image a section, block or translation shows is read here, once.

What the check stage needs (is it inside the project, does it exist, what kind is it) and what the
render stage prints (the bytes) both come from this table; nothing reads an image file later.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from positionkit.load.sources import Source, inside
from positionkit.markdown import image_path, images, to_lines

MAX_IMAGE_BYTES = 25 * 1024 * 1024
"""A larger file is not read (a photo straight from a camera is ~10 MB; a handout needs far less)."""

OUTSIDE, MISSING, UNREADABLE, TOO_LARGE = "outside", "missing", "unreadable", "too large"

# An SVG file: optional BOM, XML declaration, comments and doctype, then the <svg> element.
_SVG = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,500}\?>\s*)?(?:<!--.{0,2000}?-->\s*|<!DOCTYPE[^>]{0,1000}>\s*)*<svg[\s>]",
                  re.DOTALL)


def image_type(data: bytes) -> str | None:
    """``"png"``, ``"jpeg"``, ``"gif"`` or ``"svg"`` from the bytes themselves; else ``None``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if _SVG.match(data[:4096]):
        return "svg"
    return None


@dataclass(frozen=True)
class Image:
    """One image file a text refers to, as the load stage found it."""

    rel: str
    """Project-relative path (may start with '../' when the text points out of the project)."""
    data: bytes | None = None
    """The file's bytes; None when it could not be read (see problem)."""
    problem: str | None = None
    """None, or one of OUTSIDE, MISSING, UNREADABLE, TOO_LARGE."""


def load_images(root: Path, sources: Iterable[Source]) -> dict[str, Image]:
    """Every image the given texts show, keyed by project-relative path."""
    found: dict[str, Image] = {}
    for src in sources:
        for _alt, dest, _ln, _col in images(to_lines(src.body, src.path, src.body_line)):
            rel = image_path(dest, src.path)
            if rel is None or rel in found:
                continue
            found[rel] = _read(root, rel)
    return found


def _read(root: Path, rel: str) -> Image:
    path = root / rel
    if rel == ".." or rel.startswith("../") or not inside(root, path):
        return Image(rel, problem=OUTSIDE)
    try:
        if not path.is_file():
            return Image(rel, problem=MISSING)
        if path.stat().st_size > MAX_IMAGE_BYTES:
            return Image(rel, problem=TOO_LARGE)
        return Image(rel, path.read_bytes())
    except OSError:
        return Image(rel, problem=UNREADABLE)
