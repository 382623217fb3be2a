"""Review round trip: comments and tracked changes in a reviewed DOCX back to the source lines.

read (the WordprocessingML) -> locate (the document and each paragraph's source, by anchor or
by text) -> changes (items placed at path:line:col, with their edits) -> apply (atomic writes,
library patches) -> report (text or JSON).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from positionkit.diagnostics import Diagnostic, error, warning
from positionkit.load.project import load_project
from positionkit.review.apply import PATCH_DIR, apply
from positionkit.review.changes import Planner
from positionkit.review.items import Item
from positionkit.review.locate import locate
from positionkit.review.read import ReadError, read_docx
from positionkit.review.report import BY_TEXT, diagnostic, render_json, to_dict
from positionkit.review.sources import SourceIndex

__all__ = ["PATCH_DIR", "Item", "ReviewResult", "diagnostic", "render_json", "review", "to_dict"]


@dataclass(frozen=True)
class ReviewResult:
    items: list[Item] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Problems with the file itself (unreadable, not from this project, anchors lost)."""
    written: list[str] = field(default_factory=list)
    """Project files written (or, without apply, that would be)."""
    document: str | None = None
    """'paper.lang' (and '/audience') the DOCX was matched to."""


def review(root: Path, docx: Path, *, write: bool = False) -> ReviewResult:
    """Every comment and tracked change of ``docx``, placed in the sources; with ``write``, applied."""
    shown = docx.name
    try:
        reviewed = read_docx(docx)
    except ReadError as exc:
        return ReviewResult(diagnostics=[error("PK938", f"{shown}: {exc}",
                                               hint="give a .docx file saved by Word or LibreOffice")])
    project = load_project(root)
    located = locate(project, reviewed)
    if located is None:
        return ReviewResult(diagnostics=[error("PK939", f"{shown} does not match any paper of this project",
                                               hint="review it in the project its DOCX was built from")])
    diags = []
    if located.by_text:
        diags.append(warning(BY_TEXT, f"{shown} carries no positionkit anchors: every change was matched to its "
                             "source by text", hint="items say 'matched by text'; check them before --apply"))
    index = SourceIndex(project)
    items = Planner(project, located, index).items(reviewed)
    build = str((reviewed.stamp or {}).get("build") or "unanchored")
    items, written = apply(items, index, build, write)
    t = located.doc.target
    name = f"{t.paper}.{t.lang}" + (f"/{t.audience}" if t.audience else "")
    return ReviewResult(items, diags, written, name)
