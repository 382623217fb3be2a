"""The whole build, top to bottom: load -> resolve -> (citeproc starts) check -> cite + render -> write."""
from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from positionkit.diagnostics import Diagnostic, error, has_errors, info, ordered, warning
from positionkit.load import audiences as aud
from positionkit.load.config import load_config
from positionkit.load.project import Project, load_project
from positionkit.pipeline import cache
from positionkit.pipeline.handouts import RenderContext, cite_ahead, handout, output_path, source_epoch  # noqa: F401 (API)
from positionkit.pipeline import prepare
from positionkit.pipeline.prepare import PreparedUnit
from positionkit.pipeline.provenance import HeadCommit
from positionkit.render import limits
from positionkit.resolve import anchors
from positionkit.system import trace

# Only what a build needs until its first citeproc run is imported above. The checks and the
# rendering side (produce, manifest, write: 30 ms of imports) load while pandoc runs: inside
# build(), and here for the names this module has always offered.
_FROM_PRODUCE = {"Event", "Job", "Progress", "pdf_pages"}


def __getattr__(name: str):
    if name in _FROM_PRODUCE:
        from positionkit.pipeline import produce  # lazy: see above

        return getattr(produce, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

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
    fatal, tailored = strict or final, bool(audiences)
    trace.event("build")
    config, _ = load_config(root)
    config = replace(config, output_dir=output_dir) if output_dir else config
    store = cache.Store.open(root, config.output_dir)
    request = cache.Request(tuple(papers), tuple(formats), tuple(langs), tuple(audiences), final, strict,
                            tuple(shard or ()))
    env = cache.environment()
    with HeadCommit(root) as commit, ExitStack() as later:  # git answers while the build goes on
        replayable = not config.libraries  # library checkouts live outside the files the index watches
        # a new commit alone re-resolves (to put it in manifest.json) but renders nothing
        recorded = store.replay(request, env, commit.value) if replayable else None
        if recorded is not None:
            return _replayed(recorded)

        trace.event("load-start")
        project = load_project(root)
        trace.event("loaded")
        project = replace(project, config=config) if output_dir else project
        limits.configure(project.config.time_limit)
        formats = formats or project.config.formats
        resolution = prepare.resolved(project, papers, langs, audiences)
        trace.event("resolved")
        ctx = RenderContext(project, resolution.labels, final, audiences=resolution.audiences, env=env)
        ahead = not (tailored or shard)  # a plain build: citeproc runs while its documents are checked
        if ahead:
            ctx, digests = _with_refs(ctx, store, resolution.documents)
            stale = [d for d in resolution.documents if _stale_document(ctx, store, d, formats, digests)]
            trace.event("digests")
            ctx = later.enter_context(cite_ahead(ctx, stale, jobs or os.cpu_count() or 1))
        prepared = prepare.checked(project, resolution, final)
        trace.event("checked")
        from positionkit.pipeline import produce  # lazy: see the top of the module

        diags, units = list(prepared.diagnostics), [Unit.of(u, fatal) for u in prepared.units]
        units = in_shard(units, shard) if shard else units
        if _blocked(diags, units, fatal, tailored):
            return _stopped(diags, units, fatal)
        if not ahead:  # only the documents of this shard, of the audiences that may build
            ctx, digests = _with_refs(ctx, store, [d for u in units for d in u.docs])
        keys = _plan_outputs(ctx, units, formats, digests)
        rendered, failures = produce.render_jobs(ctx, _stale(store, units, keys), jobs, progress)  # cite + render
        pages = _check_outputs(project, store, units, rendered, failures, fatal, final)
        if not tailored and any(u.failed for u in units):
            return _stopped(diags, units, fatal, ok=False)
        files = {job.path: rendered[job.path] for u in units if not u.failed for job in u.jobs if job.path in rendered}
        return _write(ctx, store, units, Made(files, keys, pages, commit.value()), diags, fatal, tailored,
                      (request, _extra_inputs(project, papers)) if replayable else None)


@dataclass
class Unit:
    """What succeeds or fails together: a whole plain build, or one audience of one paper."""

    name: str
    docs: list
    diags: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    failed: bool = False

    @classmethod
    def of(cls, prepared: PreparedUnit, fatal: bool) -> "Unit":
        unit = cls(prepared.name, list(prepared.documents))
        unit.fail_on(list(prepared.diagnostics), fatal)
        return unit

    def fail_on(self, diags, fatal: bool) -> None:
        self.diags += diags
        if has_errors(self.diags, fatal):
            self.failed = True

    def reasons(self) -> list[str]:
        diags = ordered(self.diags)
        return [d.format() for d in diags if d.severity.value == "error"] or [d.format() for d in diags]


def document_inputs(ctx: RenderContext, store: cache.Store, doc) -> dict:
    """Everything one document's handouts print or are shaped by, whatever the format."""
    project = ctx.project
    person = ctx.audience(doc)
    csl = project.csl_for(doc.target.paper)
    return {
        "env": dict(ctx.env), "lang": doc.target.lang, "markdown": doc.markdown,
        "meta": doc.meta, "audience": person.printable() if person else None, "final": ctx.final,
        "epoch": ctx.epoch(doc), "labels": ctx.labels[doc.target.lang], "style": asdict(project.config.style),
        "allow_raw": project.config.allow_raw,
        "bibliography": {rel: store.file_hash(rel) for rel in project.bibliography.files},
        "media": {rel: store.file_hash(rel) for _, rel in doc.media},
        "csl": csl and store.file_hash(csl), "reference_docx": store.file_hash("styles/reference.docx"),
        "review": anchors.stamp(project, doc).build,  # source hashes the DOCX carries
        "csl_resolved": csl and getattr(project.csl_styles.get(csl), "digest", None),  # a dependent's parent
    }


def inputs_digests(ctx: RenderContext, store: cache.Store, docs) -> dict:
    """Document target -> the digest of its inputs (document_inputs), worked out once per build:
    the page's "Ref." and the cache key of each of its outputs derive from it (hashing a long
    paper's inputs costs tens of milliseconds)."""
    return {doc.target: cache.digest(document_inputs(ctx, store, doc)) for doc in docs}


def _with_refs(ctx: RenderContext, store: cache.Store, docs) -> tuple[RenderContext, dict]:
    """The documents' input digests, and the context with the page references made from them."""
    digests = inputs_digests(ctx, store, docs)
    return replace(ctx, provenance=page_refs(digests)), digests


def output_key(digest: str, fmt: str) -> str:
    """Everything one output depends on (its document's inputs digest, and the format); a change
    to any of it rebuilds the output. The page's "Ref." is derived from the same inputs, so it
    needs no place of its own here."""
    return cache.digest({"inputs": digest, "format": fmt})


def page_refs(digests: dict) -> dict:
    """Document target -> the footer's trace: "Ref. " and 7 hex digits of its inputs' digest. DOCX
    and PDF of one document carry the same one; it changes only when the handout's inputs do."""
    return {target: "Ref. " + digest[:7] for target, digest in digests.items()}


def _stale_document(ctx: RenderContext, store: cache.Store, doc, formats, digests: dict) -> bool:
    """Whether some output of ``doc`` must be rendered (the cache cannot serve it)."""
    return any(not store.fresh(output_path(ctx.project, doc.target, fmt), output_key(digests[doc.target], fmt))
               for fmt in formats)


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


def _blocked(diags: list[Diagnostic], units: list[Unit], fatal: bool, tailored: bool) -> bool:
    """Errors that stop the whole build, or nothing to build. In a tailored batch a problem with
    one audience stops only that audience."""
    blocking = [d for d in diags if not (tailored and d.code in AUDIENCE_FILE_CODES)]
    return has_errors(blocking, fatal) or not any(u.docs for u in units)


def _plan_outputs(ctx: RenderContext, units: list[Unit], formats, digests: dict) -> dict[str, str]:
    """Each unit's jobs (document x format), and each output's cache key."""
    from positionkit.pipeline.produce import Job  # lazy: see the top of the module

    for unit in units:
        unit.jobs = [Job(doc, fmt, output_path(ctx.project, doc.target, fmt)) for doc in unit.docs for fmt in formats]
    return {job.path: output_key(digests[job.doc.target], job.format) for unit in units for job in unit.jobs}


def _stale(store: cache.Store, units: list[Unit], keys: dict[str, str]) -> list[Job]:
    """The outputs to render: those of sound units that the cache cannot serve."""
    return [job for unit in units if not unit.failed for job in unit.jobs if not store.fresh(job.path, keys[job.path])]


def _check_outputs(project: Project, store: cache.Store, units: list[Unit], rendered: dict, failures: dict,
                   fatal: bool, final: bool) -> dict[str, int]:
    """Render failures and page budgets fail their units; -> page count per rendered PDF."""
    from positionkit.pipeline.docxpages import docx_pages  # lazy: see the top of the module
    from positionkit.pipeline.produce import pdf_pages

    pages = {path: pdf_pages(data) for path, data in rendered.items() if path.endswith(".pdf")}
    if final:  # the budget holds for the DOCX too, as LibreOffice lays it out
        pages.update(docx_pages({j.path: rendered[j.path] for u in units for j in u.jobs
                                 if j.path in rendered and j.format == "docx"
                                 and project.papers[j.doc.target.paper].pages}))
    for unit in units:
        unit.fail_on([failures[j.path] for j in unit.jobs if j.path in failures], fatal)
        unit.fail_on(_budgets(project, unit.jobs, pages, store, final), fatal)
    return pages


@dataclass(frozen=True)
class Made:
    """What rendering produced, with the cache keys computed before it started."""

    files: dict
    """Output path -> bytes, for the outputs of units that did not fail."""
    keys: dict
    """Output path -> cache key (taken before rendering: an input edited meanwhile rebuilds)."""
    pages: dict
    """PDF path -> page count."""
    commit: str | None = None
    """The project's commit, for manifest.json."""


def _write(ctx: RenderContext, store: cache.Store, units: list[Unit], made: Made,
           diags: list[Diagnostic], fatal: bool, tailored: bool, replayable: tuple | None) -> BuildResult:
    """Outputs and manifests to build/, then the cache index; the result says what happened.
    replayable: (request, extra inputs) when the next identical request may be replayed."""
    from positionkit.pipeline import manifest, write  # lazy: see the top of the module

    project = ctx.project
    good = [u for u in units if not u.failed]
    result = BuildResult(diags)
    files = made.files
    manifests = manifest.manifests(project, store, good, files, tailored, made.commit)
    try:
        with write.locked(project.root / project.config.output_dir):
            written = write.commit(project.root, {**files, **manifests})
            if not written:
                _record(store, good, made, manifests)
            result.built = [j.path for u in good for j in u.jobs if j.path in files]
            result.reused = [j.path for u in good for j in u.jobs if j.path not in files]
            result.failed = {u.name: u.reasons() for u in units if u.failed}
            result.diagnostics = ordered(diags + written + [d for u in units for d in u.diags])
            result.outputs = result.built + result.reused
            result.ok = not has_errors(result.diagnostics, fatal) and not result.failed
            if replayable and result.ok and not written:
                store.remember(replayable[0], dict(ctx.env), replayable[1],
                               {"outputs": result.outputs, "written": sorted(manifests),
                                "diagnostics": [d.to_dict() for d in result.diagnostics]}, made.commit)
            store.save()
    except write.Unavailable as exc:
        result.diagnostics = ordered(diags + [exc.diagnostic(project.config.output_dir)])
        result.ok = False
    return result


def _stopped(diags: list[Diagnostic], units: list[Unit], fatal: bool, ok: bool = True) -> BuildResult:
    """Nothing written: the diagnostics say why."""
    result = BuildResult(ordered(diags + [d for u in units for d in u.diags]))
    result.ok = ok and not has_errors(result.diagnostics, fatal)
    return result


def _replayed(recorded: dict) -> BuildResult:
    diags = [Diagnostic.from_dict(d) for d in recorded.get("diagnostics", [])]
    return BuildResult(diags, list(recorded["outputs"]), True, reused=list(recorded["outputs"]), replayed=True)


def _budgets(project: Project, jobs: list[Job], pages_of: dict, store: cache.Store, final: bool) -> list[Diagnostic]:
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


def _record(store: cache.Store, units: list[Unit], made: Made, manifests: dict) -> None:
    for unit in units:
        for job in unit.jobs:
            if job.path in made.files:
                store.record(job.path, made.keys[job.path], made.files[job.path], pages=made.pages.get(job.path))
    for path, data in manifests.items():
        store.record(path, cache.sha(data), data)


def _extra_inputs(project: Project, papers) -> list[str]:
    """Inputs outside the folders the cache index watches (papers/, blocks/, styles/, top level)."""
    slugs = papers or list(project.papers)
    extra = [aud.audiences_path(project, s) for s in slugs if s in project.papers]
    extra += [project.papers[s].meta.get("csl") for s in slugs if s in project.papers]
    return [str(e) for e in extra if isinstance(e, str)] + [project.config.style.csl or ""]
