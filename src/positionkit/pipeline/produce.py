"""Produce: resolved documents -> output bytes, doing shared work once.

Citeproc runs once per document (or once per group of tailored documents, see batch.py) and
feeds every format; pandoc runs and typst compiles go on a small thread pool.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from io import BytesIO
from typing import Callable
from urllib.parse import unquote

from pypdf import PdfReader

from positionkit.dates import parse_paper_date
from positionkit.diagnostics import Diagnostic, error
from positionkit.languages import get_language
from positionkit.load.project import Project
from positionkit.render import RENDERERS, Handout, RenderError, media_targets
from positionkit.render import cite_shared as batch
from positionkit.render import pdf as pdf_mod
from positionkit.render.cite import citeproc
from positionkit.render.docx import writer as docx_mod
from positionkit.resolve import anchors
from positionkit.resolve.document import Resolved, Target, localized


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


def source_epoch(project: Project, slug: str) -> int:
    """SOURCE_DATE_EPOCH if set, else the paper's date: the same inputs give the same bytes."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env and env.isdigit():
        return int(env)
    date, _ = parse_paper_date(project.papers[slug].meta.get("date"))
    return date.epoch if date else 0


def display_date(value, babel_locale: str) -> str | None:
    date, _ = parse_paper_date(value)
    return date.display(babel_locale) if date else None


def output_date(value) -> str | None:
    """The date a footer and the DOCX properties carry: SOURCE_DATE_EPOCH's day when the builder
    sets one, else the paper's date at the precision written ("2018"), else none at all."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env and env.isdigit():
        return dt.datetime.fromtimestamp(int(env), dt.timezone.utc).date().isoformat()
    date, _ = parse_paper_date(value)
    return date.iso if date else None


def output_path(project: Project, target: Target, fmt: str) -> str:
    out = project.config.output_dir
    folder = f"{out}/{target.paper}" + (f"/{target.audience}" if target.audience else "")
    return f"{folder}/{target.paper}.{target.lang}.{fmt}"


def provenance_line(provenance: str | None, day: str | None) -> str | None:
    """The footer's trace line: project commit and date (see :func:`output_date`: the builder's
    SOURCE_DATE_EPOCH day, else the paper's date as written, else none), so rebuilding gives the
    same bytes and no footer says 1970."""
    return " · ".join(p for p in (provenance, day) if p) or None


def handout(project: Project, doc: Resolved, labels: dict, final: bool, provenance: str | None,
            ast: dict | None = None) -> Handout:
    lang = get_language(doc.target.lang)
    epoch = source_epoch(project, doc.target.paper)
    if ast is None:
        ast = citeproc(project, anchors.anchored_markdown(doc.lines), lang.pandoc_lang, labels["references"], epoch,
                       project.csl_for(doc.target.paper))
    meta = doc.meta
    day = output_date(meta.get("date"))
    return Handout(ast=ast, lang=lang, title=str(meta.get("title") or ""), subtitle=meta.get("subtitle"),
                   date=display_date(meta.get("date"), lang.babel_locale),
                   organisations=tuple(meta.get("organisations") or ()), audience=meta.get("audience"),
                   contact=meta.get("contact"), labels=labels, style=project.config.style,
                   draft=not final, provenance=provenance_line(provenance, day), epoch=epoch, iso_date=day,
                   reference_docx=project.reference_docx, short_title=meta.get("short_title"),
                   media=load_media(project, doc, ast), review=anchors.stamp(project, doc))


def load_media(project: Project, doc: Resolved, ast: dict) -> dict:
    """The bytes of every image the AST prints, keyed by its target as pandoc wrote it. The load
    stage read them; the check stage verified each is inside the project and printable."""
    files = {unquote(dest): rel for dest, rel in doc.media}
    media = {}
    for target in media_targets(ast):
        rel = files.get(unquote(target))
        found = project.images.get(rel) if rel else None
        if found is not None and found.data is not None:
            media[target] = found.data
    return media


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(BytesIO(data)).pages)


def render_jobs(project, jobs, labels, final, provenance, workers, progress, people):
    """Render the stale outputs, doing shared work once (see batch.py).

    Documents that differ only in audience values share one citeproc run; when their values are
    plain Latin text they also share one DOCX and one Typst source, filled in per audience, so
    each tailored output costs a text replacement and a typst compile.
    """
    rendered: dict = {}
    failures: dict = {}
    docs = list({job.doc.target: job.doc for job in jobs}.values())
    formats = {t: [j for j in jobs if j.doc.target == t] for t in (d.target for d in docs)}
    src = project.config.source_lang

    def values(doc) -> list[str]:
        person = people.get((doc.target.paper, doc.target.audience))
        if person is None:
            return []
        return [str(localized(person.params[n], doc.target.lang, src)) for n in sorted(person.params)] + \
            [str(localized(person.name, doc.target.lang, src) or "")]

    def key(doc):
        return doc.target.paper, doc.target.lang, json.dumps({k: v for k, v in doc.meta.items() if k != "audience"},
                                                             sort_keys=True, default=str)

    def cite(doc, markdown):
        lang = get_language(doc.target.lang)
        return citeproc(project, markdown, lang.pandoc_lang, labels[doc.target.lang]["references"],
                        source_epoch(project, doc.target.paper), project.csl_for(doc.target.paper))

    def own(doc, g, i, ast):
        """This document's handout: the group's AST with its values put back, or its own citeproc."""
        if ast is not None and batch.safe(ast, g.tables[i]):
            ast = batch.substitute(ast, g.tables[i]) if g.tables[i] else ast
        else:
            ast = cite(doc, anchors.anchored_markdown(doc.lines))
        return handout(project, doc, labels[doc.target.lang], final, provenance, ast)

    stock = {"docx": docx_mod.render_docx, "pdf": pdf_mod.render_pdf}

    def prepare(g):
        """Cite the group's skeleton once; with plain values, render its shared DOCX / Typst source."""
        first = docs[g.members[0]]
        try:
            ast = cite(first, g.markdown)
        except RenderError as exc:
            return render_failure(project, first, exc, "PK601", "pandoc could not process this paper"), {}
        tables = [g.tables[i] for i in g.members]
        tokens = {tok: "" for t in tables for tok in t}
        shared = len(g.members) > 1 and batch.safe(ast, tokens) and all(
            batch.shareable([*t.values(), str(docs[i].meta.get("audience") or "")]) for i, t in zip(g.members, tables))
        templates = {}
        if shared:
            h = handout(project, first, labels[first.target.lang], final, provenance, ast)
            h = replace(h, audience=batch.META_TOKEN, review=replace(h.review, audience=anchors.AUDIENCE_TOKEN))
            fmts = {j.format for i in g.members for j in formats[docs[i].target]}
            if "docx" in fmts and RENDERERS["docx"] is stock["docx"]:
                templates["docx"] = (h, _attempt(lambda: RENDERERS["docx"](h)))
            if "pdf" in fmts and RENDERERS["pdf"] is stock["pdf"]:
                templates["pdf"] = (h, _attempt(lambda: pdf_mod.typst_source(h)))
        return ast, templates

    def member(g, i, ast, templates):
        """-> [(job, bytes | Diagnostic | RenderError)] for one document's outputs."""
        doc = docs[i]
        if isinstance(ast, Diagnostic):
            return [(job, ast) for job in formats[doc.target]]
        name = str(doc.meta.get("audience") or "")
        out, mine = [], None
        for job in formats[doc.target]:
            if job.format in templates:
                h, tpl = templates[job.format]
                if isinstance(tpl, RenderError):
                    out.append((job, tpl))
                elif job.format == "docx":
                    review = {anchors.AUDIENCE_TOKEN: anchors.audience_id(doc.target.audience) or ""}
                    out.append((job, batch.fill_docx(tpl, {**g.tables[i], **review}, name, h.epoch)))
                else:
                    out.append((job, _attempt(lambda: pdf_mod.compile_pdf(h, batch.fill_typst(tpl, g.tables[i], name)))))
                continue
            try:
                mine = mine or own(doc, g, i, ast)
            except RenderError as exc:
                out.append((job, exc))
                continue
            out.append((job, _attempt(lambda: RENDERERS[job.format](mine))))
        return out

    groups = batch.group(docs, lambda d: anchors.anchored_markdown(d.lines), values, key)
    started, done, total = time.perf_counter(), 0, len(jobs)
    with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
        prepared = list(pool.map(prepare, groups))
        tasks = [pool.submit(member, g, i, *p) for g, p in zip(groups, prepared) for i in g.members]
        for task in tasks:
            for job, data in task.result():
                done += 1
                if isinstance(data, bytes):
                    rendered[job.path] = data
                elif isinstance(data, Diagnostic):
                    failures[job.path] = data
                else:
                    failures[job.path] = render_failure(project, job.doc, data, "PK602", f"rendering {job.path} failed")
                if progress:
                    progress(Event(job.path, "built" if isinstance(data, bytes) else "failed", done, total,
                                   time.perf_counter() - started))
    return rendered, failures


def render_failure(project, doc, exc, code, what) -> Diagnostic:
    """A failed pandoc run or compile, at the paper.yaml line listing the sections (a time limit
    hit is PK610 whatever the stage)."""
    paper = project.papers[doc.target.paper]
    code = "PK610" if getattr(exc, "code", None) == "PK610" else code
    found = error(code, f"{what}: {exc}", paper.yaml_path, paper.meta_lines.get("sections") or 1,
                  hint="see time_limit in docs/reliability.md" if code == "PK610" else None)
    detail = exc.shown_detail() if isinstance(exc, RenderError) else None
    return replace(found, detail=detail) if detail else found


def _attempt(fn):
    try:
        return fn()
    except RenderError as exc:
        return exc


