"""`positionkit check`: the plain documents and, by default, every audience's text too.

`.when`/`.unless` divs print only for some audiences, so a problem inside one (a bad citation,
an unknown block) shows only in those audiences' documents. `check` resolves and checks them all
(or the audiences --audience selects) and says which it checked and which it could not.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from positionkit.checks import CHECKS, READ_VALUES, run_checks
from positionkit.load import audiences as aud
from positionkit.load.project import Project
from positionkit.pipeline.prepare import condition_diagnostics, prepare
from positionkit.resolve.document import Resolved, resolve
from positionkit.resolve.picking import Picks
from positionkit.resolve.plan import ordered_unique, plan_audiences
from positionkit.resolve.values import printed_values, shape


@dataclass
class Checked:
    diagnostics: list = field(default_factory=list)
    documents: int = 0
    """Paper x language (x audience) documents resolved and checked."""
    audiences: dict = field(default_factory=dict)
    """paper -> ids of the audiences whose text was checked."""
    unchecked: dict = field(default_factory=dict)
    """paper -> why its audiences were not checked."""


def check(project: Project, papers=(), langs=(), selectors=(), final: bool = False) -> Checked:
    """selectors (--audience): only those audiences; none: the plain documents and every audience."""
    result = Checked()
    if not selectors:
        prepared = prepare(project, papers, langs, final)
        result.documents, result.diagnostics = len(prepared.documents), prepared.all_diagnostics
    slugs = [s for s in (papers or project.papers) if s in project.papers]
    chosen = _audience_papers(project, slugs, result) if not selectors else slugs
    if chosen:
        _check_audiences(project, chosen, langs, selectors or (aud.ALL,), final, result)
    result.diagnostics = ordered_unique(result.diagnostics)
    return result


def _audience_papers(project: Project, slugs: list, result: Checked) -> list[str]:
    """Papers whose audiences file has audiences; the others are noted as unchecked."""
    chosen = []
    for slug in slugs:
        rel = aud.audiences_path(project, slug)
        found, diags = project.audiences(rel)
        broken = sorted({d.line for d in diags if d.severity.value == "error" and d.line})
        if found is not None and found.audiences:
            chosen.append(slug)
            if broken:
                result.unchecked[slug] = f"the entries of {rel} with errors (lines {', '.join(map(str, broken))})"
        elif diags:
            result.unchecked[slug] = f"{rel} cannot be read"
    return chosen


def _check_audiences(project: Project, slugs: list, langs, selectors, final: bool, result: Checked) -> None:
    targets, people, sets, diags = plan_audiences(project, slugs, langs, selectors)
    diags += condition_diagnostics(project, slugs, sets)
    picks = Picks()  # the audiences of a paper and language read the same files: pick them once
    docs = [resolve(project, t, people[(t.paper, t.audience)].mapping(), picks=picks) for t in targets]
    for t in targets:
        result.audiences.setdefault(t.paper, [])
        if t.audience not in result.audiences[t.paper]:
            result.audiences[t.paper].append(t.audience)
    result.documents += len(docs)
    every = distinct(docs)
    shape_of = shapes(project, every, people)
    firsts = list({id(doc): doc for doc in shape_of.values()}.values())
    result.diagnostics += diags + run_checks(project, firsts, final, [c for c in CHECKS if c not in READ_VALUES]) \
        + run_checks(project, every, final, READ_VALUES, shape_of)
    for slug in slugs:
        if slug not in result.audiences and langs and slug not in result.unchecked:
            result.unchecked[slug] = f"no audience reads {', '.join(langs)}"


def distinct(docs: list[Resolved]) -> list[Resolved]:
    """The first of each set of documents the checks cannot tell apart.

    A check reads a document's target paper and language, its lines (text, file, line), its
    title-block metadata, its inputs and the resolve stage's diagnostics; whether it has an
    audience at all (citations.py) is the same for every document here. Two documents equal in
    all of these get the same diagnostics, and `run_checks` drops duplicates, so checking one of
    them loses nothing. Audiences that differ only in the audience id (tags used by no condition,
    languages) resolve to the same text."""
    seen: dict = {}
    for doc in docs:
        key = (doc.target.paper, doc.target.lang, doc.lines, repr(sorted(doc.meta.items())),
               doc.inputs, doc.diagnostics)
        seen.setdefault(key, doc)
    return list(seen.values())


def shapes(project: Project, docs: list[Resolved], people: dict) -> dict[int, Resolved]:
    """id(document) -> the first document of its shape: audiences whose documents differ only in
    plain printed values (the country, the audience's name; resolve.values.plain) share one. A
    document with a value that is not plain is a shape of its own (resolve.values.shape). The
    checks that read the values themselves (checks.READ_VALUES) still see every document."""
    first: dict = {}
    out: dict[int, Resolved] = {}
    src = project.config.source_lang
    for doc in docs:
        person = people.get((doc.target.paper, doc.target.audience))
        found = shape(doc.markdown, printed_values(person, doc.target.lang, src)) if person else None
        if found is None:
            out[id(doc)] = doc
            continue
        key = (doc.target.paper, doc.target.lang, found, tuple((ln.path, ln.line) for ln in doc.lines),
               repr(sorted((k, v) for k, v in doc.meta.items() if k != "audience")), doc.inputs, doc.diagnostics)
        out[id(doc)] = first.setdefault(key, doc)
    return out


def summary(result: Checked) -> list[str]:
    """What was checked, in words: the audiences included, and any that could not be."""
    lines = []
    for slug, ids in result.audiences.items():
        shown = ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
        lines.append(f"{slug}: checked the text of {len(ids)} audience(s) ({shown})")
    for slug, why in result.unchecked.items():
        lines.append(f"{slug}: audiences NOT checked: {why}")
    return lines
