"""Produce: resolved documents -> output bytes, doing shared work once.

Citeproc runs once per document (or once per group of tailored documents, see
render/cite_shared.py) and feeds every format. The work is three kinds of small task on one
thread pool: cite a group, make each member's handout, render each output. A task that finishes
queues the tasks that need its result, so one document's DOCX and PDF render side by side
(pandoc runs in its own process; typst releases the GIL while it compiles).
"""
from __future__ import annotations

import json
import os
import re
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Callable

from positionkit.diagnostics import Diagnostic, error
from positionkit.languages import get_language
from positionkit.resolve.labels import project_labels
from positionkit.load.project import Project
from positionkit.pipeline import freeing
from positionkit.pipeline.handouts import RenderContext, cite, cited_markdown, display_date, handout, printed_values
from positionkit import render
from positionkit.render import Handout, RenderError
from positionkit.render import cite_shared as shared
from positionkit.resolve import anchors
from positionkit.resolve.document import Resolved

# The renderers (python-docx, fontTools, typst: a quarter of a second to import) are not
# imported at the top: render_jobs loads them while the first pandoc runs citeproc (_warm_up).


@dataclass(frozen=True)
class Event:
    """Progress: one output done."""

    path: str
    status: str
    """built | failed"""
    done: int
    total: int
    elapsed: float
    """Seconds since rendering started."""

    @property
    def eta(self) -> float:
        return self.elapsed / self.done * (self.total - self.done) if self.done else 0.0


Progress = Callable[[Event], None]


@dataclass(frozen=True)
class Job:
    """One output file to make."""

    doc: Resolved
    format: str
    path: str
    """Project-relative output path."""


@dataclass(frozen=True)
class Cited:
    """A group's citeproc result (or why it failed) and its shared renderings by format."""

    ast: dict | Diagnostic
    templates: dict = field(default_factory=dict)
    """format -> (handout with placeholder audience, DOCX bytes | Typst source | RenderError)."""
    alone: bool = False
    """The group has one document: nothing but its own outputs reads this AST."""


@dataclass
class Tally:
    """Outcomes as they arrive, and progress reports."""

    total: int
    progress: Progress | None
    rendered: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    project: Project | None = None

    def add(self, job: Job, outcome) -> None:
        if isinstance(outcome, bytes):
            self.rendered[job.path] = outcome
        elif isinstance(outcome, Diagnostic):
            self.failures[job.path] = outcome
        else:
            self.failures[job.path] = render_failure(self.project, job.doc, outcome, "PK602",
                                                     f"rendering {job.path} failed")
        if self.progress:
            done = len(self.rendered) + len(self.failures)
            self.progress(Event(job.path, "built" if isinstance(outcome, bytes) else "failed", done,
                                self.total, time.perf_counter() - self.started))


def render_jobs(ctx: RenderContext, jobs: list[Job], workers: int | None = None,
                progress: Progress | None = None) -> tuple[dict, dict]:
    """Render the jobs -> ({path: bytes}, {path: Diagnostic}).

    Documents that differ only in audience values share one citeproc run; when their values are
    plain Latin text they also share one DOCX and one Typst source, filled in per audience, so
    each tailored output costs a text replacement and a typst compile.
    """
    docs = list({job.doc.target: job.doc for job in jobs}.values())
    jobs_of = {d.target: [j for j in jobs if j.doc.target == d.target] for d in docs}
    groups = shared.group(docs, cited_markdown, partial(printed_values, ctx), _group_key)
    tally = Tally(len(jobs), progress, project=ctx.project)
    with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
        running: dict[Future, tuple] = {}
        for g in groups:
            members = [(docs[i], g.tables[i], jobs_of[docs[i].target]) for i in g.members]
            running[pool.submit(cite_group, ctx, g.markdown, members)] = ("cited", members)
        _warm_up(ctx, jobs)
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: running[f][0]):
                kind, what = running.pop(future)
                if kind == "cited":
                    for doc, table, doc_jobs in what:
                        running[pool.submit(member_outputs, ctx, doc, table, doc_jobs, future.result())] = ("member", None)
                elif kind == "member":
                    # the PDF first: its pandoc run and typst compile are the longer way
                    for job, outcome in sorted(future.result(), key=lambda o: o[0].format != "pdf"):
                        if callable(outcome):
                            running[pool.submit(_attempt, outcome)] = ("output", job)
                        else:
                            tally.add(job, outcome)
                else:
                    tally.add(what, future.result())
    return tally.rendered, tally.failures


def cite_group(ctx: RenderContext, markdown: str, members: list) -> Cited:
    """Cite the group's skeleton once; with plain values, render its shared DOCX / Typst source."""
    first = members[0][0]
    try:
        ast = cite(ctx, first, markdown)
    except RenderError as exc:
        return Cited(render_failure(ctx.project, first, exc, "PK601", "pandoc could not process this paper"))
    if len(members) < 2:
        return Cited(ast, alone=True)
    tokens = {tok: "" for _, table, _ in members for tok in table}
    if not shared.safe(ast, tokens) or not all(
            shared.shareable([*table.values(), str(doc.meta.get("audience") or "")]) for doc, table, _ in members):
        return Cited(ast)
    refs = [ctx.provenance.get(doc.target) for doc, _, _ in members]
    if all(refs) and all(map(shared.shareable_ref, refs)):
        ctx = replace(ctx, provenance={first.target: shared.REF_TOKEN})
    elif any(refs):
        return Cited(ast)  # some with a trace, some without: each renders alone
    h = handout(ctx, first, ast)
    h = replace(h, audience=shared.META_TOKEN, review=replace(h.review, audience=anchors.AUDIENCE_TOKEN))
    formats = {job.format for _, _, doc_jobs in members for job in doc_jobs}
    templates = {}
    docx_mod, pdf_mod = _stock()
    renderers = render.RENDERERS
    if "docx" in formats and renderers["docx"] is docx_mod.render_docx:
        templates["docx"] = (h, _attempt(partial(renderers["docx"], h)))
    if "pdf" in formats and renderers["pdf"] is pdf_mod.render_pdf:
        templates["pdf"] = (h, _attempt(partial(pdf_mod.typst_source, h)))
    return Cited(ast, templates)


def member_outputs(ctx: RenderContext, doc: Resolved, table: dict, jobs: list[Job], cited: Cited) -> list:
    """-> [(job, bytes | Diagnostic | RenderError | work still to do)] for one document's outputs."""
    if isinstance(cited.ast, Diagnostic):
        return [(job, cited.ast) for job in jobs]
    name, ref = str(doc.meta.get("audience") or ""), ctx.provenance.get(doc.target, "")
    out, mine = [], None
    for job in jobs:
        if job.format in cited.templates:
            h, template = cited.templates[job.format]
            if isinstance(template, RenderError):
                out.append((job, template))
            elif job.format == "docx":
                review = _review_fill(ctx, doc, h.review)
                if review is None:  # its review stamp differs beyond the values: render alone
                    mine = mine or own_handout(ctx, doc, table, cited.ast)
                    out.append((job, partial(render.RENDERERS[job.format], mine)))
                else:
                    out.append((job, shared.fill_docx(template, {**table, **review}, name, h.epoch, ref)))
            else:
                out.append((job, partial(_compile, h, template, table, name, ref)))
            continue
        try:
            mine = mine or own_handout(ctx, doc, table, cited.ast)
        except RenderError as exc:
            out.append((job, exc))
            continue
        out.append((job, partial(render.RENDERERS[job.format], mine)))
    if cited.alone and mine is not None and not cited.templates:
        out = freeing.staged(out, mine, cited.ast)
    return out


def own_handout(ctx: RenderContext, doc: Resolved, table: dict, ast: dict) -> Handout:
    """This document's handout: the group's AST with its values put back, or its own citeproc."""
    if shared.safe(ast, table):
        return handout(ctx, doc, shared.substitute(ast, table) if table else ast)
    return handout(ctx, doc, cite(ctx, doc))


def render_handout(project: Project, document: Resolved, fmt: str = "pdf", *, final: bool = False,
                   provenance: str | None = None, labels: dict | None = None) -> bytes:
    """One handout in memory, writing nothing: cite and render one resolved document
    (e.g. from ``prepare(project).documents``) to ``fmt`` ("docx" or "pdf").

    ``labels``: the document language's labels, as ``prepare`` returns them (default: read from
    the project's styles/i18n). Raises ``ValueError`` for an unknown format and ``RenderError``
    when pandoc or typst fails. ``provenance``: the footer's trace (a build prints "Ref. " and a
    short hash of the document's inputs); the footer then shows it and the date.
    """
    renderers = render.RENDERERS
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(sorted(renderers))}")
    lang = document.target.lang
    if labels is None:
        labels, _ = project_labels(project, get_language(lang))
    ctx = RenderContext(project, {lang: labels}, final, {document.target: provenance} if provenance else {})
    return renderers[fmt](handout(ctx, document))


_PAGE_TREE = re.compile(rb"<<(?:(?!>>).)*?/Type\s*/Pages\b(?:(?!>>).)*>>", re.S)
_COUNT = re.compile(rb"/Count\s+(\d+)")


def _review_fill(ctx: RenderContext, doc: Resolved, shared_stamp) -> dict | None:
    """What turns the shared DOCX's review stamp into this document's: its audience id, build id
    and title-block hashes (all that differs between tailored documents of one group); None when
    more than that differs."""
    if shared_stamp is None:
        return {}
    own = anchors.stamp(ctx.project, doc)
    if (own.hashes, [k for k, _ in own.meta]) != (shared_stamp.hashes, [k for k, _ in shared_stamp.meta]):
        return None
    fill = {anchors.AUDIENCE_TOKEN: own.audience or "", shared_stamp.build: own.build}
    fill.update({theirs: mine for (_, theirs), (_, mine) in zip(shared_stamp.meta, own.meta) if theirs != mine})
    return fill


def pdf_pages(data: bytes) -> int:
    """Page count. typst writes its page tree as one plain (uncompressed) dictionary, read here
    without loading a PDF library (pypdf costs a third of a second to import); anything else
    goes to pypdf."""
    roots = [m.group(0) for m in _PAGE_TREE.finditer(data) if b"/Parent" not in m.group(0)]
    count = _COUNT.search(roots[0]) if len(roots) == 1 else None
    if count:
        return int(count.group(1))
    from io import BytesIO

    from pypdf import PdfReader  # lazy: only PDFs typst did not write need it

    return len(PdfReader(BytesIO(data)).pages)


def _compile(h: Handout, template: str, table: dict, name: str, ref: str) -> bytes:
    return _stock()[1].compile_pdf(h, shared.fill_typst(template, table, name, ref))


def _stock():
    """The built-in renderer modules (docx writer, pdf): a group's shared DOCX / Typst source
    is made only with these."""
    from positionkit.render import pdf  # lazy: see the top of the module
    from positionkit.render.docx import writer

    return writer, pdf


def _warm_up(ctx: RenderContext, jobs: list[Job]) -> None:
    """Import the renderers and load typst's fonts while the pool's threads wait for pandoc:
    the process would otherwise sit idle during citeproc and pay for them afterwards."""
    formats = {job.format for job in jobs}
    if not formats & {"docx", "pdf"}:
        return
    render.RENDERERS  # noqa: B018 (imports both renderer modules)
    # the title block's localised date: babel reads its locale data on first use (15-20 ms that
    # would otherwise come between citeproc and the renderers); the result is thrown away
    dates = {(repr(job.doc.meta.get("date")), job.doc.target.lang): job.doc.meta.get("date") for job in jobs}
    for (_, code), value in dates.items():
        display_date(value, get_language(code).babel_locale)
    if "docx" in formats:
        import docx  # noqa: F401  lazy: python-docx, for the DOCX fix-ups
    import filelock  # noqa: F401  lazy: the output folder's lock (write.locked), needed at the end
    if "pdf" in formats:
        pdf = _stock()[1]
        style = ctx.project.config.style
        for code in sorted({job.doc.target.lang for job in jobs if job.format == "pdf"}):
            pdf.warm_up(get_language(code), style)


def _group_key(doc: Resolved) -> tuple:
    return doc.target.paper, doc.target.lang, json.dumps(
        {k: v for k, v in doc.meta.items() if k != "audience"}, sort_keys=True, default=str)


def render_failure(project, doc, exc, code, what) -> Diagnostic:
    """A failed pandoc run or compile, at the paper.yaml line listing the sections (a time limit
    hit is PK610 whatever the stage)."""
    if project is None:
        return error(code, f"{what}: {exc}", None)
    paper = project.papers[doc.target.paper]
    code = "PK610" if getattr(exc, "code", None) == "PK610" else code
    found = error(code, f"{what}: {exc}", paper.yaml_path, paper.meta_lines.get("sections") or 1,
                  hint="see time_limit in docs/reliability.md" if code == "PK610" else None)
    detail = exc.shown_detail() if isinstance(exc, RenderError) else None
    return replace(found, detail=detail) if detail else found


def _attempt(work: Callable[[], bytes]):
    try:
        return work()
    except RenderError as exc:
        return exc
