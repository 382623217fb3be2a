"""Everything a build does before rendering: plan, resolve, labels, checks. `positionkit check`
stops here; `build` goes on only when this finds no error."""
from __future__ import annotations

from pathlib import Path

from .checks import run_checks
from .diagnostics import Diagnostic
from .labels import project_labels
from .languages import get_language
from .plan import plan
from .project import Project, load_project
from .resolve import Resolved, resolve


def prepare(project: Project, papers=(), langs=(), final: bool = False
            ) -> tuple[list[Resolved], dict, list[Diagnostic]]:
    """-> (resolved documents, labels per language, diagnostics)."""
    targets, diags = plan(project, papers, langs)
    resolved = [resolve(project, t) for t in targets]
    labels = {}
    for code in sorted({t.lang for t in targets}):
        labels[code], more = project_labels(project.root, get_language(code))
        diags += more
    return resolved, labels, diags + run_checks(project, resolved, final)


def check_project(root: Path, papers=(), final: bool = False) -> list[Diagnostic]:
    return prepare(load_project(root), papers, final=final)[2]
