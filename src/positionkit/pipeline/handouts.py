"""From a resolved document to the :class:`Handout` a renderer receives: citeproc, the printed
metadata, the footer's provenance line and the image bytes.

:class:`RenderContext` is what every output of one build shares; it travels through rendering
and the cache keys instead of a row of loose parameters.
"""
from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Iterator, Mapping
from urllib.parse import unquote

from positionkit.dates import parse_paper_date
from positionkit.languages import get_language
from positionkit.load.project import Project
from positionkit.render import Handout, media_targets
from positionkit.render.media import no_images
from positionkit.render.cite import Citeproc
from positionkit.render.errors import RenderError
from positionkit.resolve import anchors, values
from positionkit.resolve.document import Resolved, Target


@dataclass(frozen=True)
class RenderContext:
    """What every output of one build shares."""

    project: Project
    labels: Mapping[str, dict]
    """Language code -> the project's labels in that language."""
    final: bool = False
    """A final build: no Draft marking."""
    provenance: Mapping[Target, str] = field(default_factory=lambda: MappingProxyType({}))
    """Document -> the footer's trace, "Ref. " and a short hash of that document's own inputs
    (see pipeline/build.py::page_refs): it changes exactly when what the page prints may, so it
    never defeats the cache; the commit goes in manifest.json."""
    audiences: Mapping[tuple, Any] = field(default_factory=lambda: MappingProxyType({}))
    """(paper, audience id) -> Audience, in a tailored batch."""
    env: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """What every output depends on beyond the project's files (versions, ...; cache.environment)."""
    ahead: dict = field(default_factory=dict)
    """(document, Markdown) -> its citeproc run, started before the checks (see
    :func:`cite_ahead`); :func:`cite` takes a run from here instead of starting one."""

    def audience(self, doc: Resolved):
        return self.audiences.get((doc.target.paper, doc.target.audience))

    def epoch(self, doc: Resolved) -> int:
        return source_epoch(self.project, doc.target.paper)


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


def cited_markdown(doc: Resolved) -> str:
    """What citeproc reads for a document: its lines with their review anchors. A run started
    ahead is taken only for exactly this text (or a tailored group's skeleton of it)."""
    return anchors.anchored_markdown(doc.lines)


def cite(ctx: RenderContext, doc: Resolved, markdown: str | None = None) -> dict:
    """pandoc + citeproc on the document's Markdown with its review anchors (or on a skeleton
    standing for it): the run started ahead for exactly this, else a new one."""
    markdown = cited_markdown(doc) if markdown is None else markdown
    started = ctx.ahead.pop((doc.target, markdown), None)
    return (started or start_cite(ctx, doc, markdown)).ast()


def start_cite(ctx: RenderContext, doc: Resolved, markdown: str) -> Citeproc:
    """:func:`cite`'s citeproc run, started and not waited for."""
    lang = get_language(doc.target.lang)
    return Citeproc(ctx.project, markdown, lang.pandoc_lang, ctx.labels[doc.target.lang]["references"],
                    ctx.epoch(doc), ctx.project.csl_for(doc.target.paper))


@contextmanager
def cite_ahead(ctx: RenderContext, docs: list[Resolved], count: int) -> Iterator[RenderContext]:
    """Start citeproc for the first ``count`` of ``docs`` now: pandoc works on a core of its own
    while Python checks the documents and plans the outputs, and rendering takes the runs
    (:func:`cite`). The runs nobody took (the checks stopped the build) are stopped."""
    ahead: dict = {}
    try:
        for doc in docs[:count]:
            markdown = cited_markdown(doc)
            ahead[(doc.target, markdown)] = start_cite(ctx, doc, markdown)
    except RenderError:  # the same run, started when rendering, says what is wrong
        pass
    try:
        yield replace(ctx, ahead=ahead)
    finally:
        for run in ahead.values():
            run.stop()


def handout(ctx: RenderContext, doc: Resolved, ast: dict | None = None) -> Handout:
    """The handout for one document; citeproc runs here unless its cited AST is given."""
    project, lang, epoch, meta = ctx.project, get_language(doc.target.lang), ctx.epoch(doc), doc.meta
    if ast is None:
        ast = cite(ctx, doc)
    day = output_date(meta.get("date"))
    return Handout(ast=ast, lang=lang, title=str(meta.get("title") or ""), subtitle=meta.get("subtitle"),
                   date=display_date(meta.get("date"), lang.babel_locale),
                   organisations=tuple(meta.get("organisations") or ()), audience=meta.get("audience"),
                   contact=meta.get("contact"), labels=ctx.labels[doc.target.lang], style=project.config.style,
                   draft=not ctx.final, provenance=provenance_line(ctx.provenance.get(doc.target), day), epoch=epoch,
                   iso_date=day,
                   reference_docx=project.reference_docx, short_title=meta.get("short_title"),
                   media=load_media(project, doc, ast), review=anchors.stamp(project, doc))


def printed_values(ctx: RenderContext, doc: Resolved) -> list[str]:
    """The audience values a tailored document prints, in a stable order (by parameter name)."""
    person = ctx.audience(doc)
    if person is None:
        return []
    return values.printed_values(person, doc.target.lang, ctx.project.config.source_lang)


def load_media(project: Project, doc: Resolved, ast: dict) -> dict:
    """The bytes of every image the AST prints, keyed by its target as pandoc wrote it. The load
    stage read them; the check stage verified each is inside the project and printable."""
    if "![" not in doc.markdown:  # cited from this Markdown (or its skeleton): no image syntax, no Image
        no_images(ast)
        return {}
    files = {unquote(dest): rel for dest, rel in doc.media}
    media = {}
    for target in media_targets(ast):
        rel = files.get(unquote(target))
        found = project.images.get(rel) if rel else None
        if found is not None and found.data is not None:
            media[target] = found.data
    return media
