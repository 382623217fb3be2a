"""DOCX: pandoc JSON -> docx with a generated reference document, then python-docx fixes.

Pandoc does the content (this module prepares its AST); :mod:`docx_fix` does what pandoc cannot,
:mod:`docx_style` makes the reference document, :mod:`docx_fonts` embeds the fonts (subset) and
:mod:`package` re-packs the zip so that rebuilds are byte-identical.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from positionkit.languages import get_language
from positionkit.render.bidi import by_direction, isolate_cites
from positionkit.render.ast import Block, div_attr, inlines, prepare, rewrite_divs, to_json
from positionkit.render.docx import anchors
from positionkit.render.docx.fix import postprocess
from positionkit.render.docx.fonts import embed_font_parts
from positionkit.render.docx.style import STYLE_NAMES, cached_reference, reference_docx
from positionkit.render.errors import RenderError
from positionkit.render.handout import Handout
from positionkit.labels import language_name, load_labels
from positionkit.render.media import IMAGE_TYPES, image_type, rewrite_images
from positionkit.render.docx.ooxml import word_lang
from positionkit.render.docx.package import finish_parts
from positionkit.render.pandoc import run_pandoc
from positionkit.system import trace
from positionkit.system.scratch import private_dir
from positionkit.render.raster import svg_to_png
from positionkit.resolve.anchors import META_PREFIX

__all__ = ["reference_docx", "render_docx", "STYLE_NAMES"]


def _custom(name: str, blocks: list[Block], **attrs: str) -> Block:
    kvs = [["custom-style", name], *([k, v] for k, v in attrs.items())]
    return {"t": "Div", "c": [["", [], kvs], blocks]}


def _loosen(block: Block) -> Block:
    """Tight list items (Plain) become Para: pandoc gives tight lists the Compact style and
    ignores the surrounding custom style."""
    if block.get("t") == "Plain":
        return {"t": "Para", "c": block["c"]}
    if block.get("t") == "BulletList":
        return {"t": "BulletList", "c": [[_loosen(b) for b in item] for item in block["c"]]}
    if block.get("t") == "OrderedList":
        attrs, items = block["c"]
        return {"t": "OrderedList", "c": [attrs, [[_loosen(b) for b in item] for item in items]]}
    return block


def _embedded(data: bytes | None, attr: list) -> tuple[str, list] | None:
    """A ``data:`` URI, which pandoc's docx writer embeds without reading any file (sandbox-safe).

    SVG goes in as a PNG drawn at the SVG's own size (see :mod:`raster`), unless the author
    gave a size.
    """
    kind = image_type(data) if data else None
    if kind is None:
        return None
    if kind == "svg":
        drawn = svg_to_png(data)
        if drawn is None:
            return None
        data, width, height = drawn
        kind = "png"
        ident, classes, kvs = attr
        if not any(k in ("width", "height") for k, _ in kvs):
            attr = [ident, classes, [*kvs, ["width", f"{width:.2f}pt"], ["height", f"{height:.2f}pt"]]]
    return f"data:{IMAGE_TYPES[kind]};base64,{base64.b64encode(data).decode('ascii')}", attr


def _docx_ast(h: Handout, labels: dict[str, str]) -> dict[str, Any]:
    def key_messages(div: Block) -> list[Block]:
        heading = _custom(STYLE_NAMES["key_messages_heading"], [{"t": "Para", "c": inlines(labels.get("key_messages", ""))}])
        body = _custom(STYLE_NAMES["key_messages"], [_loosen(b) for b in div["c"][1]])
        return [heading, body]

    def fallback(div: Block) -> list[Block]:
        _, _, attrs = div_attr(div)
        code = attrs.get("lang") or "en"
        src = get_language(code)
        notice = labels.get("fallback_notice", "").replace("{language}", language_name(code, h.lang))
        direction = "rtl" if src is not None and src.rtl else "ltr"
        lang = word_lang(src.pandoc_lang) if src else code
        return [
            _custom(STYLE_NAMES["fallback_notice"], [{"t": "Para", "c": inlines(notice)}]),
            _custom(STYLE_NAMES["fallback"], div["c"][1], lang=lang, dir=direction),
        ]

    doc = prepare(h.ast, labels.get("references", "References"))
    blocks = rewrite_divs(doc["blocks"], {"key-messages": key_messages, "fallback": fallback})
    blocks = rewrite_images(blocks, lambda target, attr, _alt: _embedded(h.media.get(target), attr), cited=h.ast)
    if h.lang.rtl:
        # Unicode isolates (LRI ... PDI): Word and LibreOffice keep the citation in its own
        # order, parentheses included, whatever the Arabic around it.
        # Paragraphs in a left-to-right language need none (see fix._rtl).
        blocks = by_direction(blocks, ltr=lambda block: [block], rtl=lambda block: isolate_cites(
            [block], lambda cite: [{"t": "Str", "c": "\u2066"}, cite, {"t": "Str", "c": "\u2069"}]))

    def line(key: str, text: str) -> list[Block]:
        """A title-block paragraph; with review anchors, marked with the paper.yaml field it shows."""
        mark = [{"t": "Span", "c": [[f"{META_PREFIX}{key}", [], []], []]}] if h.review and key else []
        return [{"t": "Para", "c": mark + inlines(text)}]

    head: list[Block] = []
    if h.organisations:
        head.append(_custom("Author", line("", " · ".join(h.organisations))))
    head.append(_custom("Title", line("title", h.title)))
    if h.subtitle:
        head.append(_custom("Subtitle", line("subtitle", h.subtitle)))
    if h.date:
        head.append(_custom("Date", line("", h.date)))
    if h.audience:
        head.append(_custom(STYLE_NAMES["audience"], line("audience", h.audience)))
    contact = f"{labels.get('contact', 'Contact')}: {h.contact}" if h.contact else ""
    head.append(_custom(STYLE_NAMES["contact"], line("contact" if contact else "", contact)))
    doc["blocks"] = head + blocks
    doc["meta"] = {"lang": {"t": "MetaString", "c": h.lang.pandoc_lang}}
    if h.lang.rtl:
        doc["meta"]["dir"] = {"t": "MetaString", "c": "rtl"}
    return doc


def render_docx(h: Handout, *, reference: bytes | None = None) -> bytes:
    """The handout as DOCX bytes. ``reference``: a project's own reference.docx, else generated."""
    return docx_from_input(h, docx_input(h), reference=reference)


def docx_input(h: Handout) -> bytes:
    """What pandoc's DOCX writer reads for this handout: the JSON of its prepared AST."""
    return to_json(_docx_ast(h, load_labels(h.lang, h.labels)))


def docx_from_input(h: Handout, data: bytes, *, reference: bytes | None = None) -> bytes:
    """The DOCX of ``data`` (:func:`docx_input` of ``h``). Reads every field of ``h`` but its
    AST: a build frees the AST before this runs."""
    labels = load_labels(h.lang, h.labels)
    reference = reference if reference is not None else h.reference_docx
    ref = reference if reference is not None else cached_reference(h.style)
    with private_dir("docx") as tmp:
        ref_path = Path(tmp) / "reference.docx"
        ref_path.write_bytes(ref)
        raw = run_pandoc(
            ["--sandbox", "-f", "json", "-t", "docx", "--reference-doc", str(ref_path), "-o", "-"],
            data,
            epoch=h.epoch,
        )
    try:
        fixed = postprocess(raw, h, labels)
    except (KeyError, ValueError) as exc:
        raise RenderError(f"the reference document lacks something positionkit needs: {exc}") from exc
    docx = finish_parts(embed_font_parts(anchors.mark_parts(fixed, h.review)), h.epoch)
    trace.event("docx-done")
    return docx
