"""The whole build, top to bottom: load -> resolve -> check -> cite -> render -> write."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from positionkit.checks import run_checks
from positionkit.load import audiences as aud
from positionkit.pipeline import cache, manifest, produce, write
from positionkit.pipeline.provenance import head_commit
from positionkit.resolve.labels import project_labels
from positionkit.pipeline.docxpages import docx_pages
from positionkit.pipeline.produce import Event, Job, Progress, handout, output_path, pdf_pages, source_epoch  # noqa: F401 (API)
from positionkit.load.config import load_config
from positionkit.diagnostics import Diagnostic, error, has_errors, info, ordered, warning
from positionkit.languages import get_language
from positionkit.pipeline.prepare import condition_diagnostics
from positionkit.resolve import anchors
from positionkit.resolve.plan import plan, plan_audiences
from positionkit.load.project import load_project
from positionkit.resolve.document import resolve
from positionkit.render import limits


AUDIENCE_FILE_CODES = ("PK801", "PK802", "PK803", "PK804", "PK805", "PK806", "PK807")
"""Problems with single audiences or selectors: reported, and the rest of a batch still builds."""


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


def build(root: Path, papers=(), formats=(), langs=(), final: bool = False, strict: bool = False,
          jobs: int | None = None, progress: Progress | None = None, audiences=(),
          output_dir: str | None = None, shard: tuple[int, int] | None = None) -> BuildResult:
    """Build handouts; with audiences (ids, tags or 'all'), one tailored set per audience.

    A plain build is all or nothing. A tailored batch builds every audience it can: one that
    fails is reported and the others are written. Outputs whose inputs did not change are reused
    from the cache; when nothing changed at all, nothing is even loaded. output_dir (relative to
    root) replaces [project] output_dir. shard (i, n): only the i-th of n parts (see `in_shard`).
    """
    fatal = strict or final
    config, _ = load_config(root)
    config = replace(config, output_dir=output_dir) if output_dir else config
    store = cache.Store.open(root, config.output_dir)
    request = cache.Request(tuple(papers), tuple(formats), tuple(langs), tuple(audiences), final, strict,
                            tuple(shard or ()))
    provenance = _provenance(root)
    env = cache.environment(provenance)
    shortcut = not config.libraries  # library checkouts live outside the files the index watches
    recorded = store.replay(request, env) if shortcut else None
    if recorded is not None:
        return _replayed(recorded)

    project = load_project(root)
    project = replace(project, config=config) if output_dir else project
    limits.configure(project.config.time_limit)
    units, people, labels, diags = _prepare(project, papers, langs, audiences, final)
    units = in_shard(units, shard) if shard else units
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
    rendered, failures = produce.render_jobs(project, stale, labels, final, provenance, jobs, progress, people)
    pages = {path: pdf_pages(data) for path, data in rendered.items() if path.endswith(".pdf")}
    if final:  # the budget holds for the DOCX too, as LibreOffice lays it out
        pages.update(docx_pages({j.path: rendered[j.path] for u in units for j in u.jobs
                                 if j.path in rendered and j.format == "docx"
                                 and project.papers[j.doc.target.paper].pages}))
    for unit in units:
        unit.fail_on([failures[j.path] for j in unit.jobs if j.path in failures], fatal)
        unit.fail_on(_budgets(project, unit.jobs, pages, store, final), fatal)
    good = [u for u in units if not u.failed]
    if not audiences and len(good) < len(units):
        result.diagnostics = ordered(diags + [d for u in units for d in u.diags])
        return result
    files = {job.path: rendered[job.path] for u in good for job in u.jobs if job.path in rendered}
    manifests = manifest.manifests(project, store, good, files, audiences)
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


def in_shard(units: list, shard: tuple[int, int]) -> list:
    """The i-th of n parts of a build, by output folder: one audience of one paper in a tailored
    batch, one paper in a plain build. Folders are dealt out in name order, round-robin, so each
    part's manifest.json is whole and the n parts together are exactly the whole build."""
    i, n = shard

    def folder(doc) -> tuple:
        return doc.target.paper, doc.target.audience or ""

    folders = sorted({folder(doc) for unit in units for doc in unit.docs})
    mine = set(folders[i - 1::n])
    kept = []
    for unit in units:
        unit.docs = [doc for doc in unit.docs if folder(doc) in mine]
        if unit.docs or not unit.name:  # a plain build keeps its one unit (and its diagnostics)
            kept.append(unit)
    return kept


def _replayed(recorded: dict) -> BuildResult:
    diags = cache.diagnostics_from_json(recorded.get("diagnostics", []))
    return BuildResult(diags, list(recorded["outputs"]), True, reused=list(recorded["outputs"]), replayed=True)


def _prepare(project, papers, langs, selectors, final):
    """-> (units, audiences by (paper, id), labels per language, diagnostics for the whole build)."""
    if selectors:
        targets, people, sets, diags = plan_audiences(project, papers, langs, selectors)
    else:
        (targets, diags), people = plan(project, papers, langs), {}
        rel = aud.audiences_path(project)
        sets = {rel: project.audiences(rel)[0]}
    diags += condition_diagnostics(project, papers, sets)
    labels = {}
    for code in sorted({t.lang for t in targets}):
        labels[code], more = project_labels(project, get_language(code))
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
        "media": {rel: store.file_hash(rel) for _, rel in doc.media},
        "csl": csl and store.file_hash(csl), "reference_docx": store.file_hash("styles/reference.docx"),
        "review": anchors.stamp(project, doc).build,  # source hashes the DOCX carries
        "csl_resolved": csl and getattr(project.csl_styles.get(csl), "digest", None),  # a dependent's parent
    })


def _budgets(project, jobs, pages_of, store, final) -> list[Diagnostic]:
    """Page budgets; the page count of a reused PDF comes from the cache index."""
    diags = []
    for job in jobs:
        paper = project.papers[job.doc.target.paper]
        if job.format not in ("pdf", "docx") or not paper.pages or (job.format == "docx" and not final):
            continue
        pages = pages_of.get(job.path) or store.output(job.path).get("pages")
        if job.format == "docx" and not pages:
            diags.append(info("PK540", f"the page count of {job.path} was not checked: LibreOffice "
                              "(soffice) is not installed", paper.yaml_path, paper.meta_lines.get("pages"),
                              hint="install LibreOffice to check the DOCX against the page budget"))
        elif pages and pages > paper.pages:
            make = error if final else warning
            what = "PDF" if job.format == "pdf" else "DOCX (as LibreOffice lays it out)"
            diags.append(make("PK501", f"the {job.doc.target.lang} {what} has {pages} pages; the budget is "
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
    slugs = papers or list(project.papers)
    extra = [aud.audiences_path(project, s) for s in slugs if s in project.papers]
    extra += [project.papers[s].meta.get("csl") for s in slugs if s in project.papers]
    return [str(e) for e in extra if isinstance(e, str)] + [project.config.style.csl or ""]


def _provenance(root: Path) -> str | None:
    commit = head_commit(root)
    return f"Ref. {commit}" if commit else None


