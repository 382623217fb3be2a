"""Placeholder until the PDF renderer lands."""
from positionkit.render.errors import RenderError
from positionkit.render.handout import Handout


def typst_source(h: Handout) -> str:
    raise RenderError("PDF rendering is not implemented yet")


def render_pdf(h: Handout) -> bytes:
    raise RenderError("PDF rendering is not implemented yet")
