"""Resolve: one paper x language (x audience) -> one Markdown document with a source map.

Expands block includes, fills parameters, picks each piece's translation or falls back to the
source language (marked), applies audience conditions and drops everything internal. The output
carries, for every line, the file and line it came from, so later checks report positions in the
writer's own files.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property

from positionkit.resolve import conditions
from positionkit.resolve.expansion import Budget
from positionkit.load import stamps as i18n
from positionkit.resolve.picking import Picked, Picks, library_hint  # noqa: F401 (library_hint: public here)
from positionkit.diagnostics import Diagnostic, did_you_mean, error, warning
from positionkit.markdown import (Div, Line, citations, div_lines, image_path, images, mask_code, parse,
                                  strip_comments, to_lines)
from positionkit.load.project import PAPER_TEXT_KEYS, Block, Paper, Project

MAX_DEPTH = 8
"""Blocks including blocks deeper than this are surely a mistake (and bound the work)."""
_PARAM = re.compile(r"\{\{\s*([A-Za-z_][\w-]*)\s*\}\}")
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~^$@:&=\"'])")
INTERNAL_CLASSES = ("internal",)


@dataclass(frozen=True)
class Target:
    paper: str
    lang: str
    audience: str | None = None


@dataclass(frozen=True)
class BlockUse:
    id: str
    variant: str | None
    hash: str
    """sha256 of the block file (and translation) text used."""
    lang: str
    library: str | None = None


@dataclass(frozen=True)
class Resolved:
    target: Target
    lines: tuple[Line, ...]
    meta: dict
    """Localized title, subtitle, date (ISO), organisations, audience, contact."""
    blocks: tuple[BlockUse, ...] = ()
    fallbacks: tuple[str, ...] = ()
    """Source files with paragraphs printed in the source language (translation missing or stale)."""
    inputs: tuple[str, ...] = ()
    """Every project file whose content this document depends on."""
    diagnostics: tuple[Diagnostic, ...] = ()
    media: tuple[tuple[str, str], ...] = ()
    """(image destination as written, project-relative file) for every local image printed."""

    @cached_property
    def masked(self) -> tuple[str, ...]:
        """Each line with code blanked (markdown.mask_code): worked out once for all the checks."""
        return tuple(mask_code(list(self.lines)))

    @cached_property
    def citations(self) -> tuple[tuple[str, Line, int], ...]:
        """(key, line, column) of every citation outside code (markdown.citations), worked out once."""
        return tuple(citations(self.lines, self.masked))

    @property
    def markdown(self) -> str:
        return "\n".join(ln.text for ln in self.lines) + "\n"


def escape(value: str) -> str:
    """A parameter value is text: escape everything Markdown could read as syntax."""
    value = " ".join(str(value).split())
    return _MD_PUNCT.sub(r"\\\1", value)


def localized(value, lang: str, source_lang: str):
    """Parameter values and audience names may be given per language: {en: ..., fr: ...}."""
    if isinstance(value, dict):
        for key in (lang, lang.split("-")[0], source_lang):
            if key in value:
                return value[key]
        return next(iter(value.values()), "")
    return value


@dataclass
class _Ctx:
    project: Project
    paper: Paper
    lang: str
    audience: dict | None
    diags: list = field(default_factory=list)
    blocks: list = field(default_factory=list)
    fallbacks: list = field(default_factory=list)
    inputs: set = field(default_factory=set)
    internal: bool = False
    budget: Budget = field(default_factory=Budget)
    picks: Picks = field(default_factory=Picks)

    @property
    def source_lang(self) -> str:
        return self.project.config.source_lang


def resolve(project: Project, target: Target, audience: dict | None = None, internal: bool = False,
            picks: Picks | None = None) -> Resolved:
    """internal=True keeps `::: internal` divs as written, for the preview (never for an output).
    picks: a memo shared by the documents of one project (many audiences read the same files)."""
    paper = project.papers[target.paper]
    ctx = _Ctx(project, paper, target.lang, audience, internal=internal, picks=picks or Picks())
    ctx.inputs.add(paper.yaml_path)
    out: list[Line] = []
    scope = _paper_scope(ctx)
    for rel in paper.sections:
        src = project.sections.get(rel)
        if src is None:
            continue
        found = _pick(ctx, rel, src)
        picked, content_lang, items = found.lines, found.lang, list(found.items)
        path, body_line = picked[0].path if picked else rel, picked[0].line if picked else src.body_line
        for ln, msg in found.problems:
            ctx.diags.append(warning("PK110", msg, ln.path, ln.line,
                                     hint="close every ::: div with a line of three colons"))
        expanded = _expand(ctx, items, scope, chain=(), lang=content_lang, owner=None)
        if content_lang != target.lang:
            expanded = _fallback_div(expanded, content_lang, path)
        if out:
            out.append(Line("", path, body_line))
        out.extend(expanded)
    if target.lang != ctx.source_lang:
        tmeta = paper.translated_meta.get(target.lang, {})
        ctx.inputs.update(f"{paper.dir}/paper.{target.lang}.yaml" for _ in [0] if tmeta)
    media: dict = {}
    for _alt, dest, ln, _col in images(out):
        rel = image_path(dest, ln.path)
        if rel is not None:
            media.setdefault(dest, rel)
    ctx.inputs.update(media.values())
    return Resolved(target, tuple(out), _meta(ctx), tuple(ctx.blocks), tuple(dict.fromkeys(ctx.fallbacks)),
                    tuple(sorted(ctx.inputs)), tuple(ctx.diags), tuple(media.items()))


def _paper_scope(ctx: _Ctx) -> dict:
    scope = {k: localized(v, ctx.lang, ctx.source_lang) for k, v in ctx.paper.params.items()}
    if ctx.audience:
        for k, v in (ctx.audience.get("params") or {}).items():
            scope[k] = localized(v, ctx.lang, ctx.source_lang)
        scope.setdefault("audience", localized(ctx.audience.get("name"), ctx.lang, ctx.source_lang))
    return scope


def _pick(ctx: _Ctx, rel: str, src) -> Picked:
    """What to print of a source file (see resolve.picking); its findings join this document's."""
    picked = ctx.picks.get(ctx.project, ctx.paper, ctx.lang, rel, src)
    ctx.inputs.update(picked.inputs)
    ctx.fallbacks.extend([rel] if picked.fallback else [])
    ctx.diags.extend(picked.diagnostics)
    return picked


def _fallback_div(lines: list[Line], lang: str, path: str) -> list[Line]:
    first = lines[0] if lines else Line("", path, 1)
    return [Line(f'::: {{.fallback lang="{lang}"}}', first.path, first.line), Line("", first.path, first.line),
            *lines, Line("", first.path, first.line), Line(":::", first.path, first.line)]


def _substitute(ctx: _Ctx, ln: Line, scope: dict, declared: set | None) -> Line:
    if "{{" not in ln.text:
        return ln

    def fill(m):
        name = m.group(1)
        if name in scope and scope[name] is not None:
            return escape(scope[name])
        if ctx.audience and name in (ctx.audience.get("internal") or {}):
            ctx.diags.append(conditions.internal_reference(name, ln, m.start() + 1))
            return ""
        if declared is not None and name not in declared:
            ctx.diags.append(error("PK311", f"parameter '{name}' is not declared in this block's front matter",
                                   ln.path, ln.line, m.start() + 1,
                                   hint=did_you_mean(name, declared) or "declare it under 'params:'"))
        elif declared is None:
            ctx.diags.append(error("PK311", f"unknown parameter '{name}'", ln.path, ln.line, m.start() + 1,
                                   hint=did_you_mean(name, scope) or "give it a value under 'params:' in paper.yaml"))
        return ""

    return Line(_PARAM.sub(fill, ln.text), ln.path, ln.line)


def _expand(ctx: _Ctx, items: list, scope: dict, chain: tuple, lang: str, owner: Block | None) -> list[Line]:
    declared = set(owner.params) if owner else None
    out: list[Line] = []
    for item in items:
        if isinstance(item, Line):
            out.append(_substitute(ctx, item, scope, declared))
            continue
        classes = item.attrs.classes
        if any(c in INTERNAL_CLASSES for c in classes):
            out.extend(div_lines(item) if ctx.internal else ())
            continue
        if "block" in classes:
            out.extend(_include(ctx, item, scope, chain, lang))
        elif "variant" in classes:
            continue  # only reached when a variant div is nested where it means nothing
        elif "when" in classes or "unless" in classes:
            keep, diags = conditions.keep(item, ctx.audience)
            ctx.diags.extend(diags)
            if keep:
                out.extend(_expand(ctx, item.children, scope, chain, lang, owner))
        else:
            out.append(item.open)
            out.extend(_expand(ctx, item.children, scope, chain, lang, owner))
            out.append(item.close or Line(":::", item.open.path, item.open.line))
    return out


def lookup(project: Project, ref: str, within: str | None) -> Block | None:
    """A block by reference: overrides first, then the including library, then the project."""
    ref = project.config.overrides.get(ref, ref)
    if within and ":" not in ref and f"{within}:{ref}" in project.blocks:
        return project.blocks[f"{within}:{ref}"]
    return project.blocks.get(ref)


def _include(ctx: _Ctx, div: Div, scope: dict, chain: tuple, lang: str) -> list[Line]:
    at = div.open
    ref = div.attrs.get("ref")
    within = chain[-1].library if chain else None
    if not ref:
        ctx.diags.append(error("PK301", "block include has no ref", at.path, at.line,
                               hint='write ::: {.block ref="topic/name"}'))
        return []
    if div.children and any(isinstance(c, Div) or c.text.strip() for c in div.children):
        ctx.diags.append(warning("PK301", f"text inside the include of '{ref}' is ignored", at.path, at.line,
                                 hint="an include is an empty div: ::: {.block ref=...} then :::"))
    block = lookup(ctx.project, ref, within)
    if block is None:
        ctx.diags.append(error("PK304", f"unknown block '{ref}'", at.path, at.line,
                               hint=did_you_mean(ref, ctx.project.blocks) or "positionkit blocks list"))
        return []
    ids = [b.id for b in chain]
    if block.id in ids:
        if ids[-1] == block.id:
            msg = f"block '{block.id}' includes itself"
        else:
            msg = "include cycle: " + " -> ".join(ids[ids.index(block.id):] + [block.id])
        ctx.diags.append(error("PK308", msg, at.path, at.line, hint="remove one of these includes"))
        return []
    if len(chain) >= MAX_DEPTH:
        ctx.diags.append(error("PK309", f"blocks nested more than {MAX_DEPTH} deep", at.path, at.line))
        return []
    refused = ctx.budget.refuse([b.id for b in chain], block.id, block.source.text, at)
    if refused is not None:
        ctx.diags.extend(refused)
        return []
    src = block.source
    if block.status == "retired":
        ctx.diags.append(error("PK305", f"block '{block.id}' is retired", at.path, at.line,
                               hint="remove the include or use the block that replaces it"))
    elif block.status == "draft":
        ctx.diags.append(warning("PK306", f"block '{block.id}' is still a draft", at.path, at.line,
                                 hint="approve it (status: approved) before a final build"))
    review_by = src.meta.get("review_by")
    if isinstance(review_by, (dt.date, str)) and str(review_by) < dt.date.today().isoformat():
        ctx.diags.append(warning("PK307", f"block '{block.id}' was due for review on {review_by}", at.path,
                                 at.line, hint=f"review {src.path} and move its review_by date"))
    variant = div.attrs.get("variant")
    params = {k: v for k, v in div.attrs.kv if k not in ("ref", "variant")}
    for name in params:
        if name not in block.params:
            ctx.diags.append(error("PK311", f"block '{block.id}' has no parameter '{name}'", at.path, at.line,
                                   hint=did_you_mean(name, block.params) or
                                   f"declared: {', '.join(block.params) or 'none'}"))
    inner = {}
    for name, decl in block.params.items():
        default = decl.get("default") if isinstance(decl, dict) else decl
        value = params.get(name, scope.get(name, default))
        if value is None:
            ctx.diags.append(error("PK313", f"parameter '{name}' of block '{block.id}' has no value", at.path,
                                   at.line, hint=f'pass it: {name}="...", or set it in paper.yaml params'))
        inner[name] = localized(value, ctx.lang, ctx.source_lang)

    if lang == ctx.lang:
        found = _pick(ctx, src.path, src)
        picked, content_lang, items, problems = found.lines, found.lang, list(found.items), found.problems
    else:
        picked, content_lang = to_lines(src.body, src.path, src.body_line), lang
        items, problems = parse(strip_comments(picked))
    path = picked[0].path if picked else src.path
    ctx.inputs.add(src.path)
    for ln, msg in problems:
        ctx.diags.append(warning("PK110", msg, ln.path, ln.line))
    variants = {c.attrs.get("name"): c for c in items if isinstance(c, Div) and "variant" in c.attrs.classes}
    if variant:
        if variant not in variants:
            ctx.diags.append(error("PK310", f"block '{block.id}' has no variant '{variant}'", at.path, at.line,
                                   hint=did_you_mean(variant, [v for v in variants if v]) or
                                   f"variants: {', '.join(v for v in variants if v) or 'none'}"))
            return []
        items = variants[variant].children
    else:
        items = [c for c in items if not (isinstance(c, Div) and "variant" in c.attrs.classes)]
    printed = "\n".join(ln.text for ln in picked)
    digest = hashlib.sha256(src.text.encode() + (printed.encode() if printed != src.body else b"")).hexdigest()
    ctx.blocks.append(BlockUse(block.id, variant, digest, content_lang, block.library))
    lines = _expand(ctx, items, inner, chain + (block,), content_lang, block)
    lines = _trim(lines)
    if content_lang != lang:
        lines = _fallback_div(lines, content_lang, path)
    return [Line("", at.path, at.line), *lines, Line("", at.path, at.line)]


def _trim(lines: list[Line]) -> list[Line]:
    while lines and not lines[0].text.strip():
        lines = lines[1:]
    while lines and not lines[-1].text.strip():
        lines = lines[:-1]
    return lines


def _metadata_freshness(paper: Paper, lang: str, tmeta: dict) -> list[Diagnostic]:
    """A translated title that fell behind paper.yaml is still printed (an English title in a French
    handout helps nobody) but said, and refused by --final like any warning."""
    path = f"{paper.dir}/paper.{lang}.yaml"
    fresh, fields = i18n.metadata_freshness(paper.meta, tmeta, paper.yaml_path)
    hint = f"check it against paper.yaml, then: positionkit i18n stamp {path}"
    if fresh.status == i18n.UNSTAMPED:
        return [warning("PK413", f"{path} is not stamped, so positionkit cannot tell it is current", path, 1,
                        hint=hint)]
    if fresh.status == i18n.STALE:
        what = ", ".join(fields) or "a field was removed"
        return [warning("PK413", f"{path} is stale: paper.yaml changed since it was translated ({what})",
                        path, 1, hint=hint)]
    return []


def _meta(ctx: _Ctx) -> dict:
    paper, lang = ctx.paper, ctx.lang
    meta = {k: paper.meta.get(k) for k in PAPER_TEXT_KEYS}
    meta["date"] = paper.meta.get("date")
    if lang != ctx.source_lang:
        tmeta = paper.translated_meta.get(lang, {})
        for key in PAPER_TEXT_KEYS:
            if key in tmeta:
                meta[key] = tmeta[key]
            elif paper.meta.get(key) and key in ("title", "subtitle", "audience"):
                ctx.diags.append(warning("PK403", f"paper {key} is not translated into {lang}", paper.yaml_path,
                                         paper.meta_lines.get(key),
                                         hint=f"add '{key}: ...' to {paper.dir}/paper.{lang}.yaml"))
        if tmeta:
            ctx.diags.extend(_metadata_freshness(paper, lang, tmeta))
    orgs = meta.get("organisations") or []
    meta["organisations"] = [str(o) for o in (orgs if isinstance(orgs, list) else [orgs])]
    if ctx.audience:
        name = localized(ctx.audience.get("name"), lang, ctx.source_lang)
        if name:
            meta["audience"] = str(name)
    return meta
