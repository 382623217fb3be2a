"""The print view: the real PDF pages, as PNG images, so a page budget can be watched while
writing. The handout is made exactly as a build makes it (pipeline.produce.handout) and typst
draws its pages in-process (render.pdf.render_png_pages), with the PDF's own Typst source."""
from __future__ import annotations

from pathlib import Path

from positionkit.diagnostics import Diagnostic, error
from positionkit.load.project import load_project
from positionkit.pipeline.handouts import RenderContext, handout
from positionkit.preview.view import Request, documents
from positionkit.render.errors import RenderError
from positionkit.render.pdf import render_png_pages

PPI = 120
"""A4 comes out 992 px wide: sharp on a normal screen at page width, quick to draw."""


def print_pages(root: Path, request: Request, langs) -> tuple[dict[str, list[bytes] | Diagnostic], int | None]:
    """-> ({language: PNG pages, or the reason there are none}, the paper's page budget)."""
    project = load_project(root)
    paper = project.papers.get(request.paper)
    if paper is None:
        return {}, None
    docs, labels, _ = documents(project, Request(request.paper, request.langs, request.audience), langs)
    out: dict[str, list[bytes] | Diagnostic] = {}
    for doc in docs:
        code = doc.target.lang
        try:
            out[code] = render_png_pages(handout(RenderContext(project, labels), doc), PPI)
        except RenderError as exc:
            out[code] = error("PK964", f"the {code} PDF could not be made: {exc}", paper.yaml_path)
    return out, paper.pages
