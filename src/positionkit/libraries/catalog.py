"""The block library as data: list and filter, search, render one block, where-used, scaffold.

`positionkit blocks ...` (blocks_cli.py) prints what these return. Nothing here reads or writes
files: everything comes from a loaded Project, and the scaffold is returned as text. Rendering
goes through resolve.py (a one-include document), so `blocks show` prints exactly what a paper
would print.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from positionkit.diagnostics import Diagnostic, did_you_mean, error
from positionkit.markdown import Div, Line, parse, strip_comments, to_lines
from positionkit.load.project import Block, Paper, Project, split_lang
from positionkit.resolve.document import INTERNAL_CLASSES, Target, lookup, resolve
from positionkit.load.sources import Source

WEIGHTS = {"title": 10, "summary": 3, "body": 1}
"""Search score per occurrence of a term in each field."""
BODY_CAP = 5
"""Occurrences counted in a body: a long block must not outrank a well-titled one by repetition."""
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")
_SHOW_SLUG = "__blocks_show__"
_SHOW_PATH = "(blocks show)"


@dataclass(frozen=True)
class Entry:
    """One row of `blocks list`."""

    id: str
    status: str
    title: str
    review_by: str | None
    owner: str
    topics: tuple[str, ...]
    overdue: bool
    path: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    score: int


@dataclass(frozen=True)
class Use:
    """One include of a block."""

    path: str
    line: int
    variant: str | None
    paper: str | None
    """Slug of the paper whose section (or its translation) this is; None in a block."""
    block: str | None
    """Id of the including block; None in a section."""


@dataclass(frozen=True)
class Where:
    uses: tuple[Use, ...]
    """Direct includes, sections first."""
    papers: tuple[str, ...]
    """Every paper that prints the block, directly or through other blocks."""


def _today() -> dt.date:
    return dt.date.today()


def _date(value) -> str | None:
    return None if value is None else str(value)


def overdue(block: Block, today: dt.date | None = None) -> bool:
    review_by = _date(block.meta.get("review_by"))
    return bool(review_by) and review_by < (today or _today()).isoformat()


def unknown(project: Project, block_id: str) -> Diagnostic:
    return error("PK320", f"unknown block '{block_id}'",
                 hint=did_you_mean(block_id, project.blocks) or "positionkit blocks list")


def find(project: Project, block_id: str) -> tuple[Block | None, list[Diagnostic]]:
    block = lookup(project, block_id, None)
    return (block, []) if block else (None, [unknown(project, block_id)])


def topics(block: Block) -> tuple[str, ...]:
    raw = block.meta.get("topics") or []
    return tuple(str(t) for t in (raw if isinstance(raw, list) else [raw]))


def entries(project: Project, topic: str | None = None, status: str | None = None,
            today: dt.date | None = None) -> list[Entry]:
    """Blocks in id order; a topic matches the `topics` list or the id's folder."""
    out = []
    for bid in sorted(project.blocks):
        block = project.blocks[bid]
        local = bid.split(":", 1)[-1]
        if topic and topic not in topics(block) and local.split("/")[0] != topic:
            continue
        if status and block.status != status:
            continue
        out.append(Entry(bid, block.status, str(block.meta.get("title") or ""), _date(block.meta.get("review_by")),
                         str(block.meta.get("owner") or ""), topics(block), overdue(block, today),
                         block.source.path))
    return out


def visible_text(block: Block) -> str:
    """The body a reader could see: without comments, internal notes and div fences."""
    items, _ = parse(strip_comments(to_lines(block.source.body, block.source.path, block.source.body_line)))
    out: list[str] = []

    def walk(items):
        for item in items:
            if isinstance(item, Line):
                out.append(item.text)
            elif not any(c in INTERNAL_CLASSES for c in item.attrs.classes):
                walk(item.children)

    walk(items)
    return "\n".join(out)


def search(project: Project, text: str) -> list[Hit]:
    """Blocks containing every word of text, best first: title counts most, then summary, then body."""
    terms = [t for t in text.lower().split() if t]
    if not terms:
        return []
    hits = []
    for bid, block in project.blocks.items():
        fields = {"title": str(block.meta.get("title") or "").lower(),
                  "summary": str(block.meta.get("summary") or "").lower(),
                  "body": visible_text(block).lower()}
        if not all(any(t in f for f in fields.values()) for t in terms):
            continue
        score = 0
        for name, value in fields.items():
            for t in terms:
                n = value.count(t)
                score += WEIGHTS[name] * (min(n, BODY_CAP) if name == "body" else n)
        hits.append(Hit(bid, str(block.meta.get("title") or ""), score))
    return sorted(hits, key=lambda h: (-h.score, h.id))


def render(project: Project, block: Block, variant: str | None = None) -> tuple[str, list[Diagnostic]]:
    """The block's Markdown as a paper would print it: declared defaults filled in, internal notes
    and (without a variant) variant divs dropped. A parameter with no default prints as «name»."""
    attrs = [f'ref="{block.id}"']
    if variant:
        attrs.append(f'variant="{variant}"')
    for name, decl in block.params.items():
        default = decl.get("default") if isinstance(decl, dict) else decl
        if default is None and re.fullmatch(r"[\w-]+", str(name)):
            attrs.append(f'{name}="«{name}»"')
    text = "::: {.block " + " ".join(attrs) + "}\n:::\n"
    section = Source(_SHOW_PATH, text, {}, text, 1, {})
    lang = project.config.source_lang
    paper = Paper(_SHOW_SLUG, "papers/" + _SHOW_SLUG, {"title": block.id}, {}, (_SHOW_PATH,), (lang,))
    synthetic = dataclasses.replace(project, papers={_SHOW_SLUG: paper}, sections={_SHOW_PATH: section})
    doc = resolve(synthetic, Target(_SHOW_SLUG, lang))
    diags = []
    for d in doc.diagnostics:
        if d.path != _SHOW_PATH:
            diags.append(d)
        elif d.code not in ("PK305", "PK306", "PK307"):  # status and review date are shown as metadata
            diags.append(d.at(None))
    return doc.markdown.strip("\n") + "\n", diags


def includes(items: list) -> list[tuple[str, Line, str | None]]:
    """(ref, line, variant) of every `.block` include in a parsed tree, nested ones too; includes
    inside internal notes print nowhere and are left out."""
    found = []
    for item in items:
        if not isinstance(item, Div) or any(c in INTERNAL_CLASSES for c in item.attrs.classes):
            continue
        if "block" in item.attrs.classes and item.attrs.get("ref"):
            found.append((item.attrs.get("ref"), item.open, item.attrs.get("variant")))
        found.extend(includes(item.children))
    return found


def _sources(project: Project) -> list[tuple[Source, str | None, Block | None]]:
    """Every text that can include a block: (source, paper slug, owning block)."""
    owner = {rel: slug for slug, paper in project.papers.items() for rel in paper.sections}
    out = []
    for rel, src in sorted(project.sections.items()):
        out.append((src, owner.get(rel), None))
        for _, tr in sorted(project.translations.get(rel, {}).items()):
            out.append((tr, owner.get(rel), None))
    for bid in sorted(project.blocks):
        block = project.blocks[bid]
        out.append((block.source, None, block))
        for _, tr in sorted(project.translations.get(block.source.path, {}).items()):
            out.append((tr, None, block))
    return out


def uses(project: Project) -> dict[str, list[Use]]:
    """Block id -> every include of it, across sections, blocks and their translations."""
    table: dict[str, list[Use]] = {}
    for src, slug, block in _sources(project):
        items, _ = parse(strip_comments(to_lines(src.body, src.path, src.body_line)))
        within = block.library if block else None
        for ref, ln, variant in includes(items):
            target = lookup(project, ref, within)
            if target is None:
                continue
            table.setdefault(target.id, []).append(Use(ln.path, ln.line, variant, slug, block.id if block else None))
    return table


def where(project: Project, block_id: str) -> Where:
    table = uses(project)
    def order(u: Use):  # sections before blocks, each source before its translations
        source, lang = split_lang(u.path)
        return (u.block is not None, source, lang or "", u.line)

    direct = tuple(sorted(table.get(block_id, []), key=order))
    papers, seen, todo = set(), {block_id}, [block_id]
    while todo:
        for use in table.get(todo.pop(), []):
            if use.paper:
                papers.add(use.paper)
            elif use.block and use.block not in seen:
                seen.add(use.block)
                todo.append(use.block)
    return Where(direct, tuple(sorted(papers)))


def add_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def check_new_id(block_id: str) -> list[Diagnostic]:
    if not ID_PATTERN.match(block_id):
        return [error("PK321", f"'{block_id}' is not a valid block id",
                      hint="write topic/name in lower case letters, digits and hyphens, "
                           "e.g. data-flows/privacy-not-protectionism")]
    return []


def _yaml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def scaffold(block_id: str, owner: str, title: str | None = None, summary: str | None = None,
             today: dt.date | None = None) -> str:
    """The text of a new draft block with every front-matter field filled in."""
    today = today or _today()
    topic, name = block_id.split("/")
    title = title or name.replace("-", " ").capitalize()
    summary = summary or "One sentence saying what this block argues."
    return (
        "---\n"
        f"id: {block_id}\n"
        f"title: {_yaml_str(title)}\n"
        f"summary: {_yaml_str(summary)}\n"
        f"topics: [{topic}]\n"
        "status: draft               # draft | approved | retired\n"
        f"owner: {_yaml_str(owner)}\n"
        "license: CC-BY-4.0\n"
        f"reviewed: {today.isoformat()}\n"
        f"review_by: {add_year(today).isoformat()}\n"
        "params: {}                  # name: {default: \"...\", note: \"...\"}; use as {{ name }}\n"
        "variants: {}                # short: \"One paragraph for two-page notes\"\n"
        "---\n"
        "Write the argument here: 80-250 words, neutral in tone, for trade delegates.\n"
        "\n"
        "::: internal\n"
        "Notes for writers (sourcing doubts, strategy). Never printed.\n"
        "Cite sources from references.bib as [@key].\n"
        ":::\n"
    )
