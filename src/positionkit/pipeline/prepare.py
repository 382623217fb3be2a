"""Everything a build does before rendering: plan, resolve, labels, checks. `positionkit check`
stops here; `build` goes on only when this finds no error."""
from __future__ import annotations

from pathlib import Path

from positionkit.load import audiences
from positionkit.resolve import conditions
from positionkit.checks import run_checks
from positionkit.diagnostics import Diagnostic
from positionkit.resolve.labels import project_labels
from positionkit.languages import get_language
from positionkit.resolve.plan import plan
from positionkit.load.project import Project, load_project
from positionkit.resolve.document import Resolved, resolve


def prepare(project: Project, papers=(), langs=(), final: bool = False
            ) -> tuple[list[Resolved], dict, list[Diagnostic]]:
    """-> (resolved documents, labels per language, diagnostics)."""
    targets, diags = plan(project, papers, langs)
    rel = audiences.audiences_path(project)
    diags += condition_diagnostics(project, papers, {rel: project.audiences(rel)[0]})
    resolved = [resolve(project, t) for t in targets]
    labels = {}
    for code in sorted({t.lang for t in targets}):
        labels[code], more = project_labels(project, get_language(code))
        diags += more
    return resolved, labels, diags + run_checks(project, resolved, final)


def condition_diagnostics(project: Project, papers, sets: dict) -> list[Diagnostic]:
    """`.when`/`.unless` divs naming fields or values no audience has (sets: path -> AudienceSet)."""
    diags: list[Diagnostic] = []
    for found in sets.values():
        if found is not None:
            diags += conditions.validate(_texts(project, papers), found)
    return diags


def _texts(project, papers):
    """(path, body, first line) of every section, block and translation a build may print."""
    slugs = papers or list(project.papers)
    rels = [rel for slug in slugs if slug in project.papers for rel in project.papers[slug].sections]
    sources = [project.sections[r] for r in rels if r in project.sections]
    sources += [b.source for b in project.blocks.values()]
    for src in list(sources):
        sources += list(project.translations.get(src.path, {}).values())
    return [(s.path, s.body, s.body_line) for s in sources]


def check_project(root: Path, papers=(), final: bool = False) -> list[Diagnostic]:
    return prepare(load_project(root), papers, final=final)[2]
