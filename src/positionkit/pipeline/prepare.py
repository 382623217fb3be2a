"""Everything a build does before rendering: plan, resolve, labels, checks. `positionkit check`
stops here; `build` goes on only when this finds no error. Both call :func:`prepare`."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from positionkit.diagnostics import Diagnostic
from positionkit.languages import get_language
from positionkit.load import audiences as aud
from positionkit.resolve.labels import project_labels
from positionkit.load.project import Project, load_project
from positionkit.resolve import conditions
from positionkit.resolve.document import Resolved, resolve
from positionkit.resolve.picking import Picks
from positionkit.resolve.plan import plan, plan_audiences


@dataclass(frozen=True)
class PreparedUnit:
    """What succeeds or fails together: the whole plain build, or one audience of one paper."""

    name: str
    """"" for a plain build; "<paper>/<audience id>" in a tailored batch."""
    documents: tuple[Resolved, ...]
    diagnostics: tuple[Diagnostic, ...]
    """The checks' findings on these documents."""


@dataclass(frozen=True)
class Prepared:
    """Resolved, checked documents ready to cite and render."""

    units: tuple[PreparedUnit, ...]
    labels: Mapping[str, dict]
    """Language code -> the project's labels in that language."""
    audiences: Mapping[tuple, object]
    """(paper, audience id) -> Audience, for a tailored batch; empty otherwise."""
    diagnostics: tuple[Diagnostic, ...]
    """About the whole request (plan, audiences, conditions, labels); the units hold the checks'."""

    @property
    def documents(self) -> list[Resolved]:
        return [doc for unit in self.units for doc in unit.documents]

    @property
    def all_diagnostics(self) -> list[Diagnostic]:
        return [*self.diagnostics, *(d for unit in self.units for d in unit.diagnostics)]


def prepare(project: Project, papers=(), langs=(), final: bool = False, audiences=()) -> Prepared:
    """plan -> audiences -> conditions -> labels -> resolve -> checks; with audiences (ids, tags
    or 'all') the documents are tailored and checked one audience at a time."""
    return checked(project, resolved(project, papers, langs, audiences), final)


def resolved(project: Project, papers=(), langs=(), audiences=()) -> Prepared:
    """:func:`prepare` up to the checks: its units hold no diagnostics yet (see :func:`checked`).
    A build starts citeproc in between."""
    if audiences:
        targets, people, sets, diags = plan_audiences(project, papers, langs, audiences)
    elif _has_conditions(project, papers):
        (targets, diags), people = plan(project, papers, langs), {}
        rel = aud.audiences_path(project)
        sets = {rel: project.audiences(rel)[0]}
    else:  # nothing to validate: no audience set is consulted
        (targets, diags), people, sets = plan(project, papers, langs), {}, {}
    diags += condition_diagnostics(project, papers, sets)
    labels = {}
    for code in sorted({t.lang for t in targets}):
        labels[code], more = project_labels(project, get_language(code))
        diags += more
    picks = Picks()  # one memo for the batch: its documents read the same files
    docs = [resolve(project, t, people[(t.paper, t.audience)].mapping() if t.audience else None, picks=picks)
            for t in targets]
    groups: dict[str, list[Resolved]] = {}
    for doc in docs:
        name = f"{doc.target.paper}/{doc.target.audience}" if audiences else ""
        groups.setdefault(name, []).append(doc)
    if not audiences:
        groups.setdefault("", [])
    units = tuple(PreparedUnit(name, tuple(group), ()) for name, group in groups.items())
    return Prepared(units, MappingProxyType(labels), MappingProxyType(people), tuple(diags))


def checked(project: Project, prepared: Prepared, final: bool = False) -> Prepared:
    """The checks' findings on each unit of a :func:`resolved` request."""
    from positionkit.checks import run_checks  # lazy: a build imports the checks while citeproc runs

    units = tuple(replace(u, diagnostics=tuple(run_checks(project, u.documents, final))) for u in prepared.units)
    return replace(prepared, units=units)


def condition_diagnostics(project: Project, papers, sets: dict) -> list[Diagnostic]:
    """`.when`/`.unless` divs naming fields or values no audience has (sets: path -> AudienceSet)."""
    diags: list[Diagnostic] = []
    for found in sets.values():
        if found is not None:
            diags += conditions.validate(_texts(project, papers), found)
    return diags


_CONDITION = re.compile(r"^:::+.*\b(when|unless)\b", re.M)


def _has_conditions(project: Project, papers) -> bool:
    """Whether any text a build may print has a line that could open a .when/.unless div."""
    return any(_CONDITION.search(body) for _, body, _ in _texts(project, papers))


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
    """Every diagnostic `positionkit check` prints for the project at root."""
    return prepare(load_project(root), papers, final=final).all_diagnostics
