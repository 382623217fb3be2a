"""The whole build, top to bottom: load -> resolve -> check -> cite -> render -> write."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import __version__
from .check import prepare
from .cite import citeproc
from .diagnostics import Diagnostic, error, has_errors, warning
from .languages import get_language
from .project import Project, load_project
from .render import RENDERERS, Handout, RenderError
from .resolve import Resolved, Target
from . import write

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Job:
    """One output file to make."""

    doc: Resolved
    format: str
    path: str
    """Project-relative output path."""


@dataclass
class BuildResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    ok: bool = False


def source_epoch(project: Project, slug: str) -> int:
    """SOURCE_DATE_EPOCH if set, else the paper's date: the same inputs give the same bytes."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env and env.isdigit():
        return int(env)
    date = project.papers[slug].meta.get("date")
    if isinstance(date, dt.datetime):
        return int(date.replace(tzinfo=date.tzinfo or dt.timezone.utc).timestamp())
    if isinstance(date, dt.date):
        return int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc).timestamp())
    return 0


def display_date(value, babel_locale: str) -> str | None:
    if isinstance(value, dt.date):
        from babel.dates import format_date

        try:
            return format_date(value, format="long", locale=babel_locale)
        except Exception:  # an unknown locale must not stop a build: print ISO instead
            return value.isoformat()
    return str(value) if value else None


def output_path(project: Project, target: Target, fmt: str) -> str:
    out = project.config.output_dir
    folder = f"{out}/{target.paper}" + (f"/{target.audience}" if target.audience else "")
    return f"{folder}/{target.paper}.{target.lang}.{fmt}"


def handout(project: Project, doc: Resolved, labels: dict, final: bool, provenance: str | None) -> Handout:
    lang = get_language(doc.target.lang)
    epoch = source_epoch(project, doc.target.paper)
    ast = citeproc(project, doc.markdown, lang.pandoc_lang, labels["references"], epoch)
    meta = doc.meta
    return Handout(ast=ast, lang=lang, title=str(meta.get("title") or ""), subtitle=meta.get("subtitle"),
                   date=display_date(meta.get("date"), lang.babel_locale),
                   organisations=tuple(meta.get("organisations") or ()), audience=meta.get("audience"),
                   contact=meta.get("contact"), labels=labels, style=project.config.style,
                   draft=not final, provenance=provenance, epoch=epoch)


def pdf_pages(data: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


def build(root: Path, papers=(), formats=(), langs=(), final: bool = False, strict: bool = False,
          jobs: int | None = None, progress: Progress | None = None) -> BuildResult:
    project = load_project(root)
    resolved, labels, diags = prepare(project, papers, langs, final)
    result = BuildResult(diags)
    if has_errors(diags, strict or final) or not resolved:
        result.ok = not has_errors(diags, strict or final)
        return result
    work = [Job(doc, fmt, output_path(project, doc.target, fmt))
            for doc in resolved for fmt in (formats or project.config.formats)]
    provenance = _provenance(project)
    rendered, failures = _render(project, resolved, work, labels, final, provenance, jobs, progress)
    diags += failures
    diags += _budgets(project, work, rendered, final)
    if has_errors(diags, strict or final):
        return result
    files = {job.path: rendered[job.path] for job in work}
    for slug in sorted({job.doc.target.paper for job in work}):
        manifest = _manifest(project, slug, [j for j in work if j.doc.target.paper == slug], files)
        files[f"{project.config.output_dir}/{slug}/manifest.json"] = write.manifest_bytes(manifest)
    out_dir = project.root / project.config.output_dir
    with write.locked(out_dir):
        diags += write.commit(project.root, files)
    result.outputs = [job.path for job in work]
    result.ok = not has_errors(diags, strict or final)
    return result


def _render(project, resolved, work, labels, final, provenance, jobs, progress):
    """Citeproc once per document, then every format from that one AST; two small tasks at a time."""
    rendered: dict = {}
    failures: list[Diagnostic] = []
    workers = jobs or min(2, os.cpu_count() or 1)

    def cite(doc):
        return doc, handout(project, doc, labels[doc.target.lang], final, provenance)

    def render(job, h):
        return job, RENDERERS[job.format](h)

    with ThreadPoolExecutor(workers) as pool:
        handouts = {}
        for fut in [pool.submit(cite, doc) for doc in resolved]:
            try:
                doc, h = fut.result()
                handouts[doc.target] = h
            except RenderError as exc:
                failures.append(error("PK601", f"pandoc could not process this paper: {exc}",
                                      project.papers[doc.target.paper].yaml_path))
        futures = [pool.submit(render, job, handouts[job.doc.target]) for job in work
                   if job.doc.target in handouts]
        for fut in futures:
            try:
                job, data = fut.result()
            except RenderError as exc:
                failures.append(error("PK602", f"rendering failed: {exc}", None))
                continue
            rendered[job.path] = data
            if progress:
                progress(job.path)
    return rendered, failures


def _budgets(project, work, rendered, final) -> list[Diagnostic]:
    diags = []
    for job in work:
        paper = project.papers[job.doc.target.paper]
        if job.format != "pdf" or not paper.pages or job.path not in rendered:
            continue
        pages = pdf_pages(rendered[job.path])
        if pages > paper.pages:
            make = error if final else warning
            diags.append(make("PK501", f"the {job.doc.target.lang} PDF has {pages} pages; the budget is "
                              f"{paper.pages}", paper.yaml_path, paper.meta_lines.get("pages"),
                              hint="shorten the text, use short block variants, or raise 'pages'"))
    return diags


def _provenance(project: Project) -> str | None:
    from . import vcs

    commit = vcs.head_commit(project.root)
    return f"Ref. {commit}" if commit else None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(project: Project, slug: str, jobs: list[Job], files: dict) -> dict:
    import platform

    from .tools import tool_versions

    inputs = sorted({p for j in jobs for p in j.doc.inputs} | set(project.bibliography.files))
    return {
        "paper": slug,
        "positionkit": __version__,
        "tools": tool_versions(),
        "python": platform.python_version(),
        "inputs": {p: _sha((project.root / p).read_bytes()) for p in inputs if (project.root / p).is_file()},
        "outputs": {
            j.path: {"sha256": _sha(files[j.path]), "lang": j.doc.target.lang, "format": j.format,
                     "audience": j.doc.target.audience,
                     "fallbacks": list(j.doc.fallbacks),
                     "blocks": [{"id": b.id, "variant": b.variant, "hash": b.hash, "lang": b.lang,
                                 "library": b.library} for b in j.doc.blocks]}
            for j in jobs
        },
        "libraries": [s.manifest() for s in project.libraries],
    }
