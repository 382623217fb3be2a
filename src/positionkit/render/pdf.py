"""PDF: pandoc JSON -> Typst source (our briefing template) -> typst, compiled in-process.

Pandoc writes the Typst source; :mod:`compiler` compiles it in-process with one curated font set
and no system fonts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from dataclasses import dataclass
from typing import Any, Mapping

from positionkit.languages import Language, get_language
from positionkit.render.ast import (
    drop_marks,
    Block,
    div_attr,
    fallback_languages,
    known,
    prepare,
    raw_block,
    rewrite_divs,
    stringify,
    to_json)
from positionkit.render.bidi import by_direction, is_ltr, isolate_cites
from positionkit.render import compiler
from positionkit.render.errors import RenderError
from positionkit.fonts import font_families, font_files
from positionkit.render.handout import Handout, running_title
from positionkit.labels import language_name, load_labels
from positionkit.render.media import media_name, rewrite_images
from positionkit.render.raster import svg_to_png
from positionkit.render.pandoc import run_pandoc
from positionkit.render.pdftext import repair_text_layer
from positionkit.scripts import scripts_in
from positionkit.resolve.anchors import PREFIX
from positionkit.style import Style
from positionkit.system import trace

__all__ = ["render_pdf", "render_png_pages", "typst_from_input", "typst_input", "typst_source"]

_DRAFT_COLOR = "#A4262C"
_CLUSTER_SCRIPTS = {"thai", "bengali", "devanagari", "tamil", "khmer"}
"""Scripts whose clusters hold several glyphs: typst's ToUnicode reads them doubled (pdftext)."""
_LATIN_QUOTES = '(double: ("\u201c", "\u201d"), single: ("\u2018", "\u2019"))'
# Arabic faces draw smaller on the same body size than Latin ones: scale to match x-heights.
_SIZE_SCALE = {"arabic": 1.15}


def _str(value: str | None) -> str:
    """A Typst string literal (or ``none``): text never gets parsed as markup."""
    if value is None:
        return "none"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{escaped}"'


def _fonts(lang: Language, style: Style, role: str = "body", extra: str = "", text: str = "") -> str:
    items = []
    for i, family in enumerate(font_families(lang, style, role, text)):
        if lang.script == "cjk" and i == 0:
            # Latin runs only: CJK punctuation and quotes must come from the CJK face.
            items.append(f'(name: {_str(family)}, covers: "latin-in-cjk")')
        else:
            items.append(_str(family))
    if extra:
        items.append(extra)
    return "(" + ", ".join(items) + ",)"


def _dir(text: str, lang: Language) -> str:
    if lang.rtl and is_ltr(text):
        return "ltr"
    return "rtl" if lang.rtl else "ltr"


def _all_text(h: Handout) -> str:
    """Everything printed, footnotes included, to find the scripts it uses (each needs its font
    in the list: a Chinese title cited only in a footnote printed as empty boxes)."""
    meta = [h.title, h.subtitle or "", h.audience or "", h.contact or "", *h.organisations]
    return " ".join(meta) + " " + known(h.ast, "text", _body_text)


def _body_text(ast: dict) -> str:
    return stringify(ast.get("blocks", []), notes=True)


def _label(labels: dict[str, str], key: str) -> str:
    return labels.get(key) or ""


def _preamble(h: Handout, labels: dict[str, str]) -> str:
    lang, style = h.lang, h.style
    short_title = running_title(h)
    # Thai has no spaces between words: typst breaks its lines only at the few there are, and
    # justifying them opens gaps of several words' width.
    justify = lang.script != "thai"
    leading = {"arabic": "0.9em", "cjk": "0.85em", "hebrew": "0.75em"}.get(lang.script, "0.68em")
    fields = {
        "title": _str(h.title),
        "short-title": _str(short_title),
        "subtitle": _str(h.subtitle),
        # An untranslated (Latin) title in a right-to-left handout is set left to right.
        "title-dir": _dir(h.title, lang),
        "subtitle-dir": _dir(h.subtitle or "", lang),
        "date": _str(h.date),
        "organisations": "(" + "".join(f"{_str(o)}, " for o in h.organisations) + ")",
        "audience": _str(h.audience),
        "contact": _str(h.contact),
        "contact-label": _str(_label(labels, "contact")),
        "lang": _str(lang.typst_lang),
        "region": _str(lang.typst_region),
        "rtl": "true" if lang.rtl else "false",
        "script": _str(lang.script),
        "font": _fonts(lang, style, text=_all_text(h)),
        "heading-font": _fonts(lang, style, "heading", text=_all_text(h)),
        "size": f"{style.font_size * _SIZE_SCALE.get(lang.script, 1.0):.2f}pt",
        "leading": leading,
        "justify": "true" if justify else "false",
        # Amiri kerns the letter after ر/و/ز apart; PDF text extraction then reads the gap as a
        # space ("البشر ية"): 12% of words were lost to search and copy. Unkerned, all are kept.
        "kerning": "false" if lang.script == "arabic" else "true",
        "hyphenate": "auto" if lang.script in {"latin", "cyrillic", "greek"} else "false",
        "accent": f'rgb({_str(style.accent_color)})',
        "draft-color": f'rgb({_str(_DRAFT_COLOR)})',
        "paper": _str(style.paper_size),
        "draft": _str(_label(labels, "draft")) if h.draft else "none",
        "provenance": _str(h.provenance),
        "page-of": _str(_label(labels, "page_of") or "{page} / {total}"),
    }
    body = ",\n  ".join(f"{k}: {v}" for k, v in fields.items())
    return (
        f"#let pk = (\n  {body},\n)\n"
        "#let keymessages = pk-keymessages.with(pk)\n"
        "#let fallback = pk-fallback.with(pk)\n"
        "#let references = pk-references.with(pk)\n"
        "#show: pk-briefing.with(pk)\n"
    )


def _typst_blocks(h: Handout, labels: dict[str, str], alts: list[str]) -> list[Block]:
    """The handout as pandoc blocks for the Typst writer; ``alts`` collects each image's alt
    text, in the order of the numbered image targets."""
    def key_messages(div: Block) -> list[Block]:
        title = _str(_label(labels, "key_messages"))
        return [raw_block("typst", f"#keymessages(title: {title})["), *div["c"][1], raw_block("typst", "]")]

    def fallback(div: Block) -> list[Block]:
        _, _, attrs = div_attr(div)
        code = attrs.get("lang") or "en"
        src = get_language(code)
        notice = _label(labels, "fallback_notice").replace("{language}", language_name(code, h.lang))
        if src is None:
            args = f'lang: {_str(code.split("-")[0])}, font: pk.font'
        else:
            fonts = _fonts(src, h.style, extra="..pk.font")
            size = h.style.font_size * _SIZE_SCALE.get(src.script, 1.0)
            args = (
                f"lang: {_str(src.typst_lang)}, region: {_str(src.typst_region)}, "
                f"dir: {'rtl' if src.rtl else 'ltr'}, font: {fonts}, size: {size:.2f}pt"
            )
        return [
            raw_block("typst", f"#fallback({args}, notice: {_str(notice)})["),
            *div["c"][1],
            raw_block("typst", "]"),
        ]

    def refs(div: Block) -> list[Block]:
        if h.lang.rtl:
            # Entries from a Latin-script .bib are set left to right inside an RTL handout;
            # bidi reordering of "Smith, Jane, and ..." in an RTL paragraph scrambles them.
            # citeproc's own words ("و" for "and") do not make an entry right-to-left: count.
            latin = f"#block(width: 100%)[#set text(dir: ltr, font: ({_str(h.style.body_font)}, ..pk.font))"
            entries: list[Block] = []
            for entry in div["c"][1]:
                if not is_ltr(stringify(entry)):
                    entries.append(entry)
                else:
                    entries += [raw_block("typst", latin), entry, raw_block("typst", "]")]
            div = {"t": "Div", "c": [div["c"][0], entries]}
        return [raw_block("typst", "#references["), div, raw_block("typst", "]")]

    def image(target: str, attr: list, alt: list) -> tuple[str, list] | None:
        data = h.media.get(target)
        name = media_name(data) if data else None
        if name and name.endswith(".svg") and svg_to_png(data) is None:
            return None  # typst cannot draw it (e.g. it links to other files): alt text, as in DOCX
        if not name:
            return None
        # A file compile_pdf writes into typst's root; the fragment numbers the alt text, which
        # pandoc's Typst writer drops and typst_source puts back (see _ALT_MARK).
        alts.append(" ".join(stringify(alt).split()))
        return f"/{name}#{_ALT_MARK}{len(alts) - 1}", attr

    doc = prepare(h.ast, _label(labels, "references"))
    blocks = rewrite_divs(doc["blocks"], {"key-messages": key_messages, "fallback": fallback, "#refs": refs})
    blocks = rewrite_images(blocks, image, cited=h.ast)
    if h.lang.rtl:
        # A Latin paragraph is set left to right with Latin quotes, at the Latin body size; in
        # right-to-left paragraphs a Latin citation is an unbreakable left-to-right box: kept
        # whole, in its own order, parentheses included.
        latin = (f"#block(width: 100%)[#set text(dir: ltr, size: {h.style.font_size:.2f}pt, "
                 f"font: ({_str(h.style.body_font)}, ..pk.font))\n#set smartquote(quotes: {_LATIN_QUOTES})")
        blocks = by_direction(
            blocks,
            ltr=lambda block: [raw_block("typst", latin), block, raw_block("typst", "]")],
            rtl=lambda block: isolate_cites([block], lambda cite: [
                {"t": "RawInline", "c": ["typst", "#box[#text(dir: ltr)["]}, cite,
                {"t": "RawInline", "c": ["typst", "]]"]}]))
    return [raw_block("typst", _preamble(h, labels)), *blocks]


@lru_cache(maxsize=1)
def _template_path() -> str:
    return str(resources.files("positionkit.render").joinpath("briefing.typ"))


def typst_source(h: Handout) -> str:
    """The complete Typst source for a handout (what :func:`render_pdf` compiles)."""
    return typst_from_input(h, typst_input(h))


def typst_input(h: Handout) -> TypstInput:
    """What pandoc's Typst writer reads for this handout (its prepared AST as JSON) and the alt
    texts it drops: all :func:`typst_from_input` needs, so the AST may be freed after this."""
    labels = load_labels(h.lang, h.labels)
    alts: list[str] = []
    blocks = _typst_blocks(h, labels, alts)
    doc = {"pandoc-api-version": h.ast.get("pandoc-api-version"), "meta": {}, "blocks": blocks}
    return TypstInput(drop_marks(to_json(doc), PREFIX), alts)  # review anchors are for the DOCX only


def typst_from_input(h: Handout, data: TypstInput) -> str:
    """The Typst source pandoc writes from :func:`typst_input` (reads ``h.epoch`` only)."""
    out = run_pandoc(
        ["--sandbox", "-f", "json", "-t", "typst-citations", "--template", _template_path(),
         "--wrap=none"],
        data.json,
        epoch=h.epoch,
    )
    return _put_alt_text(out.decode("utf-8"), data.alts)


_ALT_MARK = "pk-alt-"
_MARKED_IMAGE = re.compile(r'image\("(/m-[0-9a-f]{24}\.[a-z]+)#' + _ALT_MARK + r'(\d+)"')


def _put_alt_text(source: str, alts: list[str]) -> str:
    """Each ``image("/m-….png#pk-alt-N"`` pandoc wrote becomes ``image("/m-….png", alt: "…"``:
    typst carries ``alt`` into the tagged PDF (the image's ``/Alt``), for screen readers."""

    def put(m: re.Match) -> str:
        alt = alts[int(m.group(2))] if int(m.group(2)) < len(alts) else ""
        return f'image("{m.group(1)}", alt: {_str(alt)}' if alt else f'image("{m.group(1)}"'

    return _MARKED_IMAGE.sub(put, source)


def _fonts_for(h: Handout) -> Any:
    langs = [h.lang] + [l for l in map(get_language, fallback_languages(h.ast.get("blocks", []))) if l]
    paths: dict[str, None] = {}
    for lang in langs:
        for p in font_files(lang, h.style, _all_text(h)):
            paths.setdefault(str(p), None)
    return compiler.font_set(tuple(sorted(paths)))


def render_pdf(h: Handout) -> bytes:
    """Compile the handout to PDF bytes; identical input and epoch give identical bytes."""
    return compile_pdf(h, typst_source(h))


def compile_pdf(h: Handout, source: str) -> bytes:
    """Compile Typst source made by :func:`typst_source` for ``h`` (batches reuse one source)."""
    return compile_from(compile_input(h), source)


@dataclass(frozen=True)
class TypstInput:
    """What pandoc's Typst writer is given for a handout, taken from its AST beforehand."""

    json: bytes
    """The prepared AST, as pandoc reads it."""
    alts: list
    """Each image's alt text, put back into the source after pandoc (see _ALT_MARK)."""


@dataclass(frozen=True)
class CompileInput:
    """What compiling a handout's Typst source needs besides the source, taken from the handout
    beforehand: a compile holds no reference to the handout's AST (a build frees it first)."""

    fonts: Any
    media: Mapping[str, bytes]
    epoch: int
    repair: bool
    """The text uses a script whose PDF text layer typst writes wrong (repair_text_layer)."""


def compile_input(h: Handout) -> CompileInput:
    repair = any(sc.name in _CLUSTER_SCRIPTS for sc in scripts_in(_all_text(h)))
    return CompileInput(_fonts_for(h), h.media, int(h.epoch), repair)


def compile_from(job: CompileInput, source: str) -> bytes:
    """The PDF of ``source`` (see :func:`compile_pdf`)."""
    pdf = compiler.compile_source(job.fonts, job.media, job.epoch, source, format="pdf")
    if not isinstance(pdf, bytes):
        raise RenderError("typst returned no PDF")
    if job.repair:
        try:
            pdf = repair_text_layer(pdf)
        except Exception:  # pypdf on typst's output: a failed repair keeps the PDF as typst made it
            pass
    trace.event("pdf-done")
    return pdf


def render_png_pages(h: Handout, ppi: int = 96) -> list[bytes]:
    """The handout's pages as PNG images, one per PDF page (the preview's print view): the same
    Typst source and compiler as :func:`render_pdf`, so the pages break where the PDF's do."""
    job = compile_input(h)
    pages = compiler.compile_source(job.fonts, job.media, job.epoch, typst_source(h), format="png", ppi=ppi)
    return [pages] if isinstance(pages, bytes) else list(pages)


def warm_up(lang: Language, style: Style) -> None:
    """Load typst and the font set for ``lang`` ahead of the first compile (a build calls this
    while pandoc runs citeproc, when the process would otherwise wait)."""
    compiler.ready(compiler.font_set(tuple(sorted(dict.fromkeys(str(p) for p in font_files(lang, style))))))
