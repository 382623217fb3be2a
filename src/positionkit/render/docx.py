"""Placeholder until the DOCX renderer lands."""
from positionkit.render.errors import RenderError
from positionkit.render.handout import Handout
from positionkit.style import Style


def reference_docx(style: Style) -> bytes:
    raise RenderError("DOCX rendering is not implemented yet")


def render_docx(h: Handout, *, reference: bytes | None = None) -> bytes:
    raise RenderError("DOCX rendering is not implemented yet")
