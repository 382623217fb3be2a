"""The whole build, top to bottom: load -> resolve -> check -> cite -> render -> write."""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from . import __version__, cache, write
from .cite import citeproc
from .config import load_config
from .diagnostics import Diagnostic, error, has_errors, ordered, warning
from .languages import get_language
from .check import condition_diagnostics
from .plan import plan, plan_audiences
from .project import Project, load_project
from .render import RENDERERS, Handout, RenderError
from .resolve import Resolved, Target, resolve


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
AUDIENCE_FILE_CODES = ("PK801", "PK802", "PK803", "PK804", "PK805", "PK806", "PK807")
"""Problems with single audiences or selectors: reported, and the rest of a batch still builds."""


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
    """Every output this build stands for: built now or reused from the cache."""
    ok: bool = False
    built: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    failed: dict = field(default_factory=dict)
    """Audience (or paper) -> reasons, for a tailored batch."""
    replayed: bool = False
    """Nothing changed since the same build: nothing was loaded, resolved or rendered."""


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


def handout(project: Project, doc: Resolved, labels: dict, final: bool, provenance: str | None,
            ast: dict | None = None) -> Handout:
    lang = get_language(doc.target.lang)
    epoch = source_epoch(project, doc.target.paper)
    if ast is None:
        ast = citeproc(project, doc.markdown, lang.pandoc_lang, labels["references"], epoch,
                       project.csl_for(doc.target.paper))
    meta = doc.meta
    return Handout(ast=ast, lang=lang, title=str(meta.get("title") or ""), subtitle=meta.get("subtitle"),
                   date=display_date(meta.get("date"), lang.babel_locale),
                   organisations=tuple(meta.get("organisations") or ()), audience=meta.get("audience"),
                   contact=meta.get("contact"), labels=labels, style=project.config.style,
                   draft=not final, provenance=provenance, epoch=epoch,
                   reference_docx=project.reference_docx)


def pdf_pages(data: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


def build(root: Path, papers=(), formats=(), langs=(), final: bool = False, strict: bool = False,
          jobs: int | None = None, progress: Progress | None = None, audiences=()) -> BuildResult:
    """Build handouts; with audiences (ids, tags or 'all'), one tailored set per audience.

    A plain build is all or nothing. A tailored batch builds every audience it can: one that
    fails is reported and the others are written. Outputs whose inputs did not change are reused
    from the cache; when nothing changed at all, nothing is even loaded.
    """
    fatal = strict or final
    config, _ = load_config(root)
    store = cache.Store.open(root, config.output_dir)
    request = cache.Request(tuple(papers), tuple(formats), tuple(langs), tuple(audiences), final, strict)
    provenance = _provenance(root)
    env = cache.environment(provenance)
    shortcut = not config.libraries  # library checkouts live outside the files the index watches
    recorded = store.replay(request, env) if shortcut else None
    if recorded is not None:
        return _replayed(recorded)

    project = load_project(root)
    units, people, labels, diags = _prepare(project, papers, langs, audiences, final)
    result = BuildResult(diags)
    blocking = [d for d in diags if not (audiences and d.code in AUDIENCE_FILE_CODES)]
    if has_errors(blocking, fatal) or not any(u.docs for u in units):
        result.diagnostics = ordered(diags + [d for u in units for d in u.diags])
        result.ok = not has_errors(result.diagnostics, fatal)
        return result
    for unit in units:
        unit.fail_on([], fatal)
        unit.jobs = [Job(doc, fmt, output_path(project, doc.target, fmt))
                     for doc in unit.docs for fmt in (formats or project.config.formats)]
    keys = {job.path: _key(project, store, job, labels, final, provenance, env, people)
            for unit in units for job in unit.jobs}
    stale = [job for unit in units if not unit.failed for job in unit.jobs
             if not store.fresh(job.path, keys[job.path])]
    rendered, failures = _render(project, stale, labels, final, provenance, jobs, progress, people)
    pages = {path: pdf_pages(data) for path, data in rendered.items() if path.endswith(".pdf")}
    for unit in units:
        unit.fail_on([failures[j.path] for j in unit.jobs if j.path in failures], fatal)
        unit.fail_on(_budgets(project, unit.jobs, pages, store, final), fatal)
    good = [u for u in units if not u.failed]
    if not audiences and len(good) < len(units):
        result.diagnostics = ordered(diags + [d for u in units for d in u.diags])
        return result
    files = {job.path: rendered[job.path] for u in good for job in u.jobs if job.path in rendered}
    manifests = _manifests(project, store, good, files, audiences)
    try:
        with write.locked(project.root / project.config.output_dir):
            written = write.commit(project.root, {**files, **manifests})
            if not written:
                _record(store, good, keys, files, manifests, pages)
            result.built = [j.path for u in good for j in u.jobs if j.path in rendered]
            result.reused = [j.path for u in good for j in u.jobs if j.path not in rendered]
            result.failed = {u.name: u.reasons() for u in units if u.failed}
            result.diagnostics = ordered(diags + written + [d for u in units for d in u.diags])
            result.outputs = result.built + result.reused
            result.ok = not has_errors(result.diagnostics, fatal) and not result.failed
            if shortcut and result.ok and not written:
                store.remember(request, env, _extra_inputs(project, papers),
                               {"outputs": result.outputs, "written": sorted(manifests),
                                "diagnostics": cache.diagnostics_to_json(result.diagnostics)})
            store.save()
    except write.Unavailable as exc:
        result.diagnostics = ordered(diags + [exc.diagnostic(project.config.output_dir)])
        result.ok = False
    return result


@dataclass
class Unit:
    """What succeeds or fails together: a whole plain build, or one audience of one paper."""

    name: str
    docs: list
    diags: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    failed: bool = False

    def fail_on(self, diags, fatal: bool) -> None:
        self.diags += diags
        if has_errors(self.diags, fatal):
            self.failed = True

    def reasons(self) -> list[str]:
        diags = ordered(self.diags)
        return [d.format() for d in diags if d.severity.value == "error"] or [d.format() for d in diags]


def _replayed(recorded: dict) -> BuildResult:
    diags = cache.diagnostics_from_json(recorded.get("diagnostics", []))
    return BuildResult(diags, list(recorded["outputs"]), True, reused=list(recorded["outputs"]), replayed=True)


def _prepare(project, papers, langs, selectors, final):
    """-> (units, audiences by (paper, id), labels per language, diagnostics for the whole build)."""
    from . import audiences as aud
    from .checks import run_checks
    from .labels import project_labels

    if selectors:
        targets, people, sets, diags = plan_audiences(project, papers, langs, selectors)
    else:
        (targets, diags), people = plan(project, papers, langs), {}
        rel = aud.audiences_path(project)
        found, _ = aud.load(project.root, rel)
        sets = {rel: found}
    diags += condition_diagnostics(project, papers, sets)
    labels = {}
    for code in sorted({t.lang for t in targets}):
        labels[code], more = project_labels(project.root, get_language(code))
        diags += more
    docs = [resolve(project, t, people[(t.paper, t.audience)].mapping() if t.audience else None)
            for t in targets]
    if not selectors:
        return [Unit("", docs, run_checks(project, docs, final))], people, labels, diags
    groups: dict = {}
    for doc in docs:
        groups.setdefault(f"{doc.target.paper}/{doc.target.audience}", []).append(doc)
    units = [Unit(name, group, run_checks(project, group, final)) for name, group in groups.items()]
    return units, people, labels, diags


def _key(project, store, job, labels, final, provenance, env, people) -> str:
    """Everything one output depends on; a change to any of it rebuilds the output."""
    doc = job.doc
    person = people.get((doc.target.paper, doc.target.audience))
    csl = project.csl_for(doc.target.paper)
    return cache.digest({
        "env": env, "format": job.format, "lang": doc.target.lang, "markdown": doc.markdown,
        "meta": doc.meta, "audience": person.printable() if person else None, "final": final,
        "provenance": provenance, "epoch": source_epoch(project, doc.target.paper),
        "labels": labels[doc.target.lang], "style": asdict(project.config.style),
        "allow_raw": project.config.allow_raw,
        "bibliography": {rel: store.file_hash(rel) for rel in project.bibliography.files},
        "csl": csl and store.file_hash(csl), "reference_docx": store.file_hash("styles/reference.docx"),
    })


def _render(project, jobs, labels, final, provenance, workers, progress, people):
    """Render the stale outputs, doing shared work once (see batch.py).

    Documents that differ only in audience values share one citeproc run; when their values are
    plain Latin text they also share one DOCX and one Typst source, filled in per audience, so
    each tailored output costs a text replacement and a typst compile.
    """
    from dataclasses import replace

    from . import batch
    from .render import docx as docx_mod, pdf as pdf_mod
    from .resolve import localized

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
            ast = cite(doc, doc.markdown)
        return handout(project, doc, labels[doc.target.lang], final, provenance, ast)

    stock = {"docx": docx_mod.render_docx, "pdf": pdf_mod.render_pdf}

    def prepare(g):
        """Cite the group's skeleton once; with plain values, render its shared DOCX / Typst source."""
        first = docs[g.members[0]]
        try:
            ast = cite(first, g.markdown)
        except RenderError as exc:
            return error("PK601", f"pandoc could not process this paper: {exc}",
                         project.papers[first.target.paper].yaml_path), {}
        tables = [g.tables[i] for i in g.members]
        tokens = {tok: "" for t in tables for tok in t}
        shared = len(g.members) > 1 and batch.safe(ast, tokens) and all(
            batch.shareable([*t.values(), str(docs[i].meta.get("audience") or "")]) for i, t in zip(g.members, tables))
        templates = {}
        if shared:
            h = replace(handout(project, first, labels[first.target.lang], final, provenance, ast),
                        audience=batch.META_TOKEN)
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
                    out.append((job, batch.fill_docx(tpl, g.tables[i], name, h.epoch)))
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

    groups = batch.group(docs, lambda d: d.markdown, values, key)
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
                    failures[job.path] = error("PK602", f"rendering {job.path} failed: {data}", None)
                if progress:
                    progress(Event(job.path, "built" if isinstance(data, bytes) else "failed", done, total,
                                   time.perf_counter() - started))
    return rendered, failures


def _attempt(fn):
    try:
        return fn()
    except RenderError as exc:
        return exc


def _budgets(project, jobs, pages_of, store, final) -> list[Diagnostic]:
    """Page budgets; the page count of a reused PDF comes from the cache index."""
    diags = []
    for job in jobs:
        paper = project.papers[job.doc.target.paper]
        if job.format != "pdf" or not paper.pages:
            continue
        pages = pages_of.get(job.path) or store.output(job.path).get("pages")
        if pages and pages > paper.pages:
            make = error if final else warning
            diags.append(make("PK501", f"the {job.doc.target.lang} PDF has {pages} pages; the budget is "
                              f"{paper.pages}", paper.yaml_path, paper.meta_lines.get("pages"),
                              hint="shorten the text, use short block variants, or raise 'pages'"))
    return diags


def _record(store, units, keys, files, manifests, pages) -> None:
    for unit in units:
        for job in unit.jobs:
            if job.path in files:
                store.record(job.path, keys[job.path], files[job.path], pages=pages.get(job.path))
    for path, data in manifests.items():
        store.record(path, cache.sha(data), data)


def _extra_inputs(project, papers) -> list[str]:
    """Inputs outside the folders the cache index watches (papers/, blocks/, styles/, top level)."""
    from . import audiences as aud

    slugs = papers or list(project.papers)
    extra = [aud.audiences_path(project, s) for s in slugs if s in project.papers]
    extra += [project.papers[s].meta.get("csl") for s in slugs if s in project.papers]
    return [str(e) for e in extra if isinstance(e, str)] + [project.config.style.csl or ""]


def _provenance(root: Path) -> str | None:
    from . import vcs

    commit = vcs.head_commit(root)
    return f"Ref. {commit}" if commit else None


def _manifests(project, store, units, files, tailored) -> dict:
    """One manifest.json per paper (plain build) or per audience folder (tailored batch); a manifest
    whose content did not change is not rewritten."""
    groups: dict = {}
    for unit in units:
        for job in unit.jobs:
            t = job.doc.target
            folder = f"{project.config.output_dir}/{t.paper}" + (f"/{t.audience}" if tailored else "")
            groups.setdefault((t.paper, folder), []).append(job)
    out = {}
    for (slug, folder), jobs in groups.items():
        shas = {j.path: cache.sha(files[j.path]) if j.path in files else store.output(j.path).get("sha256")
                for j in jobs}
        data = write.manifest_bytes(_manifest(project, store, slug, jobs, shas))
        path = f"{folder}/manifest.json"
        if not store.fresh(path, cache.sha(data)):
            out[path] = data
    return out


def _manifest(project: Project, store, slug: str, jobs: list[Job], shas: dict) -> dict:
    import platform

    from . import tools

    inputs = sorted({p for j in jobs for p in j.doc.inputs} | set(project.bibliography.files))
    return {
        "paper": slug,
        "positionkit": __version__,
        "tools": tools.tool_versions(),
        "python": platform.python_version(),
        "inputs": {p: h for p in inputs if (h := store.file_hash(p))},
        "outputs": {
            j.path: {"sha256": shas[j.path], "lang": j.doc.target.lang, "format": j.format,
                     "audience": j.doc.target.audience,
                     "fallbacks": list(j.doc.fallbacks),
                     "blocks": [{"id": b.id, "variant": b.variant, "hash": b.hash, "lang": b.lang,
                                 "library": b.library} for b in j.doc.blocks]}
            for j in jobs
        },
        "libraries": [s.manifest() for s in project.libraries],
    }
