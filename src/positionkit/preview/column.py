"""One language of the page: resolved document -> the handout's citeproc AST -> HTML pieces.

The stages are the build's own: the document comes from the resolve stage, citations from
``render.cite.citeproc`` (the same call, style and bibliography as the handout), the title block
from ``pipeline.produce.handout``. Only the last writer differs: pandoc's HTML writer, in
``--sandbox``, with images inlined as ``data:`` URIs from the handout's media (no URL of the page
reaches a file).
"""
from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass

from positionkit.languages import Language, get_language
from positionkit.load.project import Project, split_lang
from positionkit.load import stamps
from positionkit.pipeline.handouts import RenderContext, handout, source_epoch
from positionkit.preview.anchors import Anchor, mark
from positionkit.render.ast import div_attr, prepare, raw_block, rewrite_divs
from positionkit.render.cite import READER, citeproc
from positionkit.render.handout import Handout
from positionkit.labels import language_name
from positionkit.render.media import IMAGE_TYPES, image_type, rewrite_images
from positionkit.render.pandoc import run_pandoc
from positionkit.resolve.document import Resolved

_CUT = re.compile(r"<!--pk:([\w-]+)-->\n?")
NEVER_PRINTED = "Internal note · never printed"


@dataclass(frozen=True)
class Piece:
    """The HTML of one anchored paragraph (or of what comes before the first anchor)."""

    anchor: Anchor | None
    html: str
    status: str = ""
    """'' | 'missing' (no translation: source text) | 'stale' (translation out of date: source
    text) | 'changed' (a stale translation's source paragraph that changed since it was made)."""


@dataclass(frozen=True)
class Column:
    lang: Language
    doc: Resolved
    handout: Handout
    """Title, subtitle, date, organisations, audience, contact: exactly as the handout prints them."""
    pieces: tuple[Piece, ...]
    references: str
    footnotes: str


def render_column(project: Project, doc: Resolved, labels: dict) -> Column:
    lang = get_language(doc.target.lang)
    marked = mark(project, doc)
    ast = citeproc(project, marked.markdown, lang.pandoc_lang, labels["references"],
                   source_epoch(project, doc.target.paper), project.csl_for(doc.target.paper))
    h = handout(RenderContext(project, {doc.target.lang: labels}), doc, ast)
    notes = _notes(marked.notes)
    blocks = prepare(ast, labels["references"])["blocks"]
    blocks = rewrite_divs(blocks, {
        "key-messages": lambda div: [_with_head(div, "pk-box-title", labels.get("key_messages", ""))],
        "pk-note": lambda div: [_note_div(notes.get(div_attr(div)[2].get("n"), []))],
    })
    blocks = rewrite_images(blocks, lambda target, attr, alt: _data_uri(h.media.get(target), attr), cited=ast)
    blocks = _cut(blocks, lang, labels)
    prefix = f"{lang.code}-"
    out = run_pandoc(["--sandbox", "-f", "json", "-t", "html5", "--wrap=none", f"--id-prefix={prefix}"],
                     json.dumps({**ast, "meta": {}, "blocks": blocks}).encode("utf-8"))
    text = out.decode("utf-8")
    footnotes = ""
    at = text.find(f'<section id="{prefix}footnotes"')
    if at != -1:
        text, footnotes = text[:at], text[at:]
    parts = _CUT.split(text)
    anchors = {str(a.n): a for a in marked.anchors}
    status = _status(project, doc)
    pieces = [Piece(None, parts[0])] if parts[0].strip() else []
    references = ""
    for tag, body in zip(parts[1::2], parts[2::2]):
        if tag == "refs":
            references = body
            continue
        anchor = anchors[tag]
        pieces.append(Piece(anchor, body, status(anchor)))
    return Column(lang, doc, h, tuple(pieces), references, footnotes)


def _cut(blocks: list, lang: Language, labels: dict) -> list:
    """Top-level blocks with a cut mark at each anchor; a fallback div is split at its anchors
    so each paragraph of it lines up with its source paragraph in another column."""
    out: list = []
    refs = False
    for block in blocks:
        kind = block.get("t")
        ident, classes, attrs = div_attr(block) if kind == "Div" else ("", [], {})
        if "pk-at" in classes:
            out.append(raw_block("html", f"<!--pk:{attrs.get('n')}-->"))
        elif not refs and (ident == "refs" or (kind == "Header" and block["c"][1][0] == "bibliography")):
            refs = True
            out += [raw_block("html", "<!--pk:refs-->"), block]
        elif "fallback" in classes:
            out += _split_fallback(block, lang, labels)
        else:
            out.append(block)
    return out


def _split_fallback(div: dict, lang: Language, labels: dict) -> list:
    _, _, attrs = div_attr(div)
    code = attrs.get("lang") or "en"
    source = get_language(code)
    direction = "rtl" if source is not None and source.rtl else "ltr"
    notice = (labels.get("fallback_notice") or "").replace("{language}", language_name(code, lang))
    out: list = []
    part: list = []

    def flush():
        if part:
            out.append({"t": "Div", "c": [["", ["fallback"], [["lang", code], ["dir", direction]]], list(part)]})
            part.clear()

    for block in div["c"][1]:
        if block.get("t") == "Div" and "pk-at" in div_attr(block)[1]:
            flush()
            out.append(raw_block("html", f"<!--pk:{div_attr(block)[2].get('n')}-->"))
            if notice:
                part.append(raw_block("html", f'<p class="pk-fallback-notice">{html.escape(notice)}</p>'))
                notice = ""
        else:
            part.append(block)
    flush()
    return out


def _with_head(div: dict, cls: str, title: str) -> dict:
    head = [raw_block("html", f'<p class="{cls}">{html.escape(title)}</p>')] if title else []
    return {"t": "Div", "c": [div["c"][0], head + div["c"][1]]}


def _note_div(blocks: list) -> dict:
    head = raw_block("html", f'<p class="pk-internal-label">{NEVER_PRINTED}</p>')
    return {"t": "Div", "c": [["", ["pk-internal"], []], [head, *blocks]]}


def _notes(bodies: tuple[str, ...]) -> dict[str, list]:
    """Each internal note as pandoc blocks, read like the sections but without citeproc: a
    citation in a note shows as written and never reaches the page's bibliography."""
    if not bodies:
        return {}
    source = "\n\n".join(f'::: {{.pk-note-body n="{i}"}}\n{body}\n:::\n' for i, body in enumerate(bodies))
    # Never raw output, whatever allow_raw says: a note is never printed, and may come from a library.
    ast = json.loads(run_pandoc(["--sandbox", "-f", READER, "-t", "json"], source.encode("utf-8")))
    return {div_attr(b)[2].get("n"): b["c"][1] for b in ast.get("blocks", [])
            if b.get("t") == "Div" and "pk-note-body" in div_attr(b)[1]}


def _data_uri(data: bytes | None, attr: list):
    kind = image_type(data) if data else None
    if kind is None:
        return None  # as in both handouts: an image that cannot print shows its alt text
    return f"data:{IMAGE_TYPES[kind]};base64,{base64.b64encode(data).decode('ascii')}", attr


def _status(project: Project, doc: Resolved):
    """-> function(anchor) -> the piece's translation status in this document."""
    stale = {split_lang(d.path)[0] for d in doc.diagnostics if d.code == "PK402" and d.path}
    changed: set = set()
    for src_path in stale:
        src = project.sections.get(src_path) or next(
            (b.source for b in project.blocks.values() if b.source.path == src_path), None)
        tr = project.translations.get(src_path, {}).get(doc.target.lang)
        if src is not None and tr is not None:
            changed |= {(src_path, line) for line in stamps.freshness(src, tr).changed}

    def status(anchor: Anchor) -> str:
        if not anchor.fallback:
            return ""
        if (anchor.path, anchor.line) in changed:
            return "changed"
        return "stale" if anchor.path in stale else "missing"

    return status
