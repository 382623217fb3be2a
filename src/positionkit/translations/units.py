"""What a translator gets for one paper in one language: units with ids, context and state.

Unit ids are ``<source path>:<paragraph hash>.<n>`` (n counts the units of that paragraph; ``~2``
after the hash tells apart a paragraph repeated word for word in one file) and
``<paper.yaml path>:<field>:<hash>`` for the paper's title, subtitle, short title and audience.
An id names the exact source text a unit was made from, so it survives inserting, removing,
moving and re-wrapping other paragraphs; editing a paragraph gives its units new ids (the old
translation then comes back as the stale unit's previous text, not as a current one).

A block that several papers use is the same file, hence the same ids: translated once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from positionkit.diagnostics import Diagnostic, did_you_mean, error
from positionkit.languages import get_language
from positionkit.load import alignment as al
from positionkit.load import stamps
from positionkit.load.project import Project
from positionkit.load.sources import Source
from positionkit.translations import placeholders as ph
from positionkit.translations.history import previous_chunks
from positionkit.translations.segments import opens_code, template
from positionkit.translations.status import pieces

TRANSLATED, STALE, MISSING = "translated", "stale", "missing"
BODY_ID = re.compile(r"^(?P<path>.+):(?P<hash>[0-9a-f]{8})(?:~(?P<dup>\d+))?\.(?P<n>\d+)$")
META_ID = re.compile(r"^(?P<path>.+\.yaml):(?P<field>[a-z_]+):(?P<hash>[0-9a-f]{8})$")


@dataclass(frozen=True)
class Unit:
    id: str
    path: str
    """Source file (project-relative)."""
    line: int
    """1-based line of the unit in its source file."""
    context: str
    """Block id and section title, for the translator."""
    source: tuple
    """str and Ph pieces."""
    status: str
    """translated | stale | missing"""
    target: tuple | None = None
    previous: tuple | None = None
    """Stale units: the source text the current (old) translation was made from, when known."""
    note: str | None = None


@dataclass(frozen=True)
class UnitSet:
    paper: str
    source_lang: str
    lang: str
    units: tuple[Unit, ...]

    def counts(self) -> dict:
        return {s: n for s in (TRANSLATED, STALE, MISSING) if (n := sum(u.status == s for u in self.units))}


def meta_hash(field: str, value) -> str:
    return stamps.para_hash(" ".join(f"{field}: {value}".split()))


def check_target(project: Project, slug: str, lang: str) -> list[Diagnostic]:
    if slug not in project.papers:
        return [error("PK421", f"no paper named '{slug}'", None,
                      hint=did_you_mean(slug, project.papers) or "positionkit list shows the papers")]
    if get_language(lang) is None:
        return [error("PK421", f"unknown language '{lang}'", None,
                      hint="use a BCP 47 tag such as fr, es, ar, ru, zh-Hans, pt-BR")]
    if lang == project.config.source_lang:
        return [error("PK421", f"{lang} is the source language: there is nothing to translate into it", None)]
    return []


def collect(project: Project, slug: str, lang: str) -> tuple[UnitSet | None, list[Diagnostic]]:
    diags = check_target(project, slug, lang)
    if diags:
        return None, diags
    library = {b.source.path for b in project.blocks.values() if b.library is not None}
    block_of = {b.source.path: b.id for b in project.blocks.values()}
    units: list[Unit] = []
    for kind, src in pieces(project, slug, [lang]):
        if src.path in library:
            continue  # a library's blocks are translated in the library
        where = f"block {block_of[src.path]}" if kind == "block" else f"section {src.path}"
        units.extend(file_units(project, src, project.translations.get(src.path, {}).get(lang), where))
    units.extend(_metadata_units(project, slug, lang))
    return UnitSet(slug, project.config.source_lang, lang, tuple(units)), []


def file_units(project: Project, src: Source, tr: Source | None, where: str) -> list[Unit]:
    alignment = al.align(src, tr)
    stale = {p.made_from for p in alignment.pairs if p.status == al.STALE and p.made_from}
    old = previous_chunks(project.root, src.path, stale) if stale else {}
    out: list[Unit] = []
    seen: dict[str, int] = {}
    in_code = False
    title = ""
    for pair in alignment.pairs:
        tpl = template(pair.source.lines, in_code)
        in_code = opens_code(pair.source.lines, in_code)
        seen[pair.source.hash] = seen.get(pair.source.hash, 0) + 1
        dup = f"~{seen[pair.source.hash]}" if seen[pair.source.hash] > 1 else ""
        targets = _unit_texts(pair.translation, len(tpl.units)) if pair.translation else None
        previous = _unit_texts(old.get(pair.made_from), len(tpl.units)) if pair.status == al.STALE else None
        status = {al.TRANSLATED: TRANSLATED, al.MISSING: MISSING}.get(pair.status, STALE)
        for k, text in enumerate(tpl.units):
            if pair.source.lines[tpl.offsets[k]].lstrip().startswith("#"):
                title = text
            source = tuple(ph.tokenize(text))
            target = tuple(ph.match_names(ph.tokenize(targets[k]), source)) if targets else None
            unit_status = status
            if status == STALE and previous and targets and previous[k] == text:
                unit_status = TRANSLATED  # another unit of this paragraph changed, not this one
            note = None
            if (pair.translation is not None or pair.status == al.TRANSLATED) and targets is None:
                note = "the translation's paragraph is built differently; it is not shown here"
            elif status == STALE and pair.status == al.UNSTAMPED:
                note = "the translation was never stamped: check it against the source"
            out.append(Unit(f"{src.path}:{pair.source.hash}{dup}.{k + 1}", src.path,
                            src.body_line + pair.source.start + tpl.offsets[k],
                            f"{where}" + (f", under '{title}'" if title and title != text else ""),
                            source, unit_status if (target or status != STALE) else MISSING, target,
                            tuple(ph.tokenize(previous[k])) if unit_status == STALE and previous else None, note))
    return out


def unchanged_units(project: Project, path: str, pair: al.Pair, count: int) -> list[bool]:
    """For a stale paragraph: which of its units read as they did when it was translated (the old
    text found in git), so their translation still holds."""
    if pair.status != al.STALE or not pair.made_from:
        return [False] * count
    old = _unit_texts(previous_chunks(project.root, path, {pair.made_from}).get(pair.made_from), count)
    now = _unit_texts(pair.source, count)
    return [bool(old and now and old[k] == now[k]) for k in range(count)]


def _unit_texts(chunk: al.Chunk | None, count: int) -> list[str] | None:
    if chunk is None:
        return None
    texts = template(chunk.lines).units
    return list(texts) if len(texts) == count else None


def _metadata_units(project: Project, slug: str, lang: str) -> list[Unit]:
    paper = project.papers[slug]
    tmeta = paper.translated_meta.get(lang)
    changed: list[str] = []
    fresh = None
    if tmeta:
        fresh, changed = stamps.metadata_freshness(paper.meta, tmeta, paper.yaml_path)
    out = []
    for field in stamps.WATCHED_KEYS:
        value = paper.meta.get(field)
        if not isinstance(value, str) or not value.strip():
            continue
        source = tuple(ph.tokenize(" ".join(value.split())))
        target = tmeta.get(field) if tmeta else None
        if not isinstance(target, str):
            status, target_pieces = MISSING, None
        else:
            target_pieces = tuple(ph.match_names(ph.tokenize(" ".join(target.split())), source))
            ok = fresh is not None and (fresh.status == stamps.CURRENT or
                                        (fresh.status == stamps.STALE and field not in changed))
            status = TRANSLATED if ok else STALE
        out.append(Unit(f"{paper.yaml_path}:{field}:{meta_hash(field, value)}", paper.yaml_path,
                        paper.meta_lines.get(field) or 1, f"paper {slug}, field '{field}'", source, status,
                        target_pieces))
    return out
