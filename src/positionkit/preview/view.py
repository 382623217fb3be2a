"""What one preview page shows: load -> prepare (resolve + checks, as a build does) -> one
column per language. Nothing is cached between calls here: the server caches whole pages and
drops them when an input changes, so a page is always the project as it is on disk."""
from __future__ import annotations

import hashlib
import sys
import threading
import traceback
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from positionkit.diagnostics import Diagnostic, error, ordered
from positionkit.load import audiences as aud
from positionkit.load.project import Project, load_project
from positionkit.pipeline.prepare import prepare
from positionkit.preview.column import Column, render_column
from positionkit.render.errors import RenderError
from positionkit.resolve.document import resolve


@dataclass(frozen=True)
class Request:
    paper: str
    langs: tuple[str, ...] = ()
    """Languages side by side; none: the paper's source language (or the audience's languages)."""
    audience: str | None = None
    internal: bool = False
    """Show internal notes (never printed)."""


@dataclass(frozen=True)
class View:
    request: Request
    project: Project
    found: bool
    """The paper exists, or at least its paper.yaml does (then the diagnostics say what is wrong)."""
    columns: tuple[Column, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    languages: tuple[str, ...] = ()
    """The paper's languages."""
    audiences: tuple[str, ...] = ()
    """Audience ids in the paper's audiences file."""
    audience_langs: tuple[str, ...] = ()
    """The languages a build makes the chosen audience's version in."""

    @property
    def title(self) -> str:
        paper = self.project.papers.get(self.request.paper)
        return str(paper.meta.get("title") or self.request.paper) if paper else self.request.paper


def broken_papers(project: Project) -> set[str]:
    """Papers whose paper.yaml exists but could not be loaded (known from the load diagnostics:
    a URL never leads to a file-system lookup)."""
    return {d.path.split("/")[1] for d in project.diagnostics
            if d.path and d.path.startswith("papers/") and d.path.endswith("/paper.yaml")
            and d.path.count("/") == 2} - set(project.papers)


def build_view(root: Path, request: Request) -> View:
    project = load_project(root)
    paper = project.papers.get(request.paper)
    if paper is None:
        found = request.paper in broken_papers(project)
        return View(request, project, found, diagnostics=tuple(_relevant(project.diagnostics, request.paper)))
    languages = tuple(paper.languages) or (project.config.source_lang,)
    rel = aud.audiences_path(project, request.paper)
    aset, _ = project.audiences(rel)
    ids = tuple(a.id for a in aset.audiences) if aset is not None else ()
    source = project.config.source_lang
    langs = request.langs or (() if request.audience else (source if source in languages else languages[0],))
    try:
        docs, labels, diags = documents(project, request, langs)
        with ThreadPoolExecutor(2) as pool:
            columns = tuple(pool.map(lambda d: column(project, d, labels[d.target.lang]), docs))
    except RenderError as exc:
        columns, diags = (), [error("PK961", f"the preview could not render this paper: {exc}",
                                    paper.yaml_path)]
    except Exception as exc:  # a bug must not take the server down; the terminal gets the traceback
        traceback.print_exc(file=sys.stderr)
        columns, diags = (), [error("PK969", f"internal error in the preview: {exc!r}", paper.yaml_path,
                                    hint="please report it with the traceback the terminal shows")]
    person = aset.get(request.audience) if aset is not None and request.audience else None
    made = tuple(aud.languages_for(person, list(languages), source)) if person else ()
    return View(request, project, True, columns, tuple(_relevant(diags, request.paper)), languages, ids, made)


_COLUMNS: OrderedDict[str, Column] = OrderedDict()
_COLUMNS_LOCK = threading.Lock()
MAX_COLUMNS = 24


def column(project: Project, doc, labels: dict) -> Column:
    """render_column, reused while nothing it depends on changed: a save in one language then
    re-renders that language only (citeproc is most of a page's time)."""
    key = _column_key(project, doc, labels)
    with _COLUMNS_LOCK:
        if key in _COLUMNS:
            _COLUMNS.move_to_end(key)
            return _COLUMNS[key]
    made = render_column(project, doc, labels)
    with _COLUMNS_LOCK:
        _COLUMNS[key] = made
        while len(_COLUMNS) > MAX_COLUMNS:
            _COLUMNS.popitem(last=False)
    return made


def _column_key(project: Project, doc, labels: dict) -> str:
    """Everything a column depends on: the resolved text with its source map, the metadata and
    diagnostics it shows, the labels, and the bytes of every input file, bibliography and style."""
    digest = hashlib.sha256(repr((str(project.root), doc.target, [(ln.path, ln.line, ln.text) for ln in doc.lines],
                                  sorted(doc.meta.items(), key=str), doc.diagnostics, sorted(labels.items()),
                                  project.config.allow_raw)).encode())
    files = [*doc.inputs, *project.bibliography.files, project.csl_for(doc.target.paper) or ""]
    for rel in sorted(set(files)):
        path = project.root / rel
        digest.update(rel.encode() + b"\0" + (path.read_bytes() if rel and path.is_file() else b"") + b"\0")
    return digest.hexdigest()


def documents(project: Project, request: Request, langs) -> tuple[list, dict, list[Diagnostic]]:
    """The build's own resolution and checks for this paper, languages and audience."""
    selectors = (request.audience,) if request.audience else ()
    prepared = prepare(project, [request.paper], langs, False, selectors)
    docs, labels, people, diags = prepared.documents, prepared.labels, prepared.audiences, prepared.all_diagnostics
    if request.internal:
        docs = [resolve(project, doc.target, people[(doc.target.paper, doc.target.audience)].mapping()
                        if doc.target.audience else None, internal=True) for doc in docs]
    return docs, labels, diags


def _relevant(diags, slug: str) -> list[Diagnostic]:
    """Everything but what concerns only another paper."""
    own = f"papers/{slug}/"
    return ordered(d for d in diags if not (d.path and d.path.startswith("papers/") and not d.path.startswith(own)))
