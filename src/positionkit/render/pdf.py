"""PDF: pandoc JSON -> Typst source (our briefing template) -> typst, compiled in-process.

No typst executable exists (the PyPI package is a binding), so pandoc only writes Typst source
and ``typst.Compiler`` compiles it with one curated font set and no system fonts.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

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
    stringify)
from positionkit.render.bidi import by_direction, is_ltr, isolate_cites
from positionkit.render import limits
from positionkit.render.errors import RenderError, first_line
from positionkit.system.scratch import private_dir
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

__all__ = ["render_pdf", "render_png_pages", "typst_source"]

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
    """Everything printed, to find the scripts it uses (each needs its font in the list)."""
    meta = [h.title, h.subtitle or "", h.audience or "", h.contact or "", *h.organisations]
    return " ".join(meta) + " " + known(h.ast, "text", _body_text)


def _body_text(ast: dict) -> str:
    return stringify(ast.get("blocks", []))


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
    labels = load_labels(h.lang, h.labels)
    alts: list[str] = []
    blocks = _typst_blocks(h, labels, alts)
    doc = {"pandoc-api-version": h.ast.get("pandoc-api-version"), "meta": {}, "blocks": blocks}
    out = run_pandoc(
        ["--sandbox", "-f", "json", "-t", "typst-citations", "--template", _template_path(),
         "--wrap=none"],
        drop_marks(json.dumps(doc), PREFIX).encode("utf-8"),  # review anchors are for the DOCX only
        epoch=h.epoch,
    )
    return _put_alt_text(out.decode("utf-8"), alts)


_ALT_MARK = "pk-alt-"
_MARKED_IMAGE = re.compile(r'image\("(/m-[0-9a-f]{24}\.[a-z]+)#' + _ALT_MARK + r'(\d+)"')


def _put_alt_text(source: str, alts: list[str]) -> str:
    """Each ``image("/m-….png#pk-alt-N"`` pandoc wrote becomes ``image("/m-….png", alt: "…"``:
    typst carries ``alt`` into the tagged PDF (the image's ``/Alt``), for screen readers."""

    def put(m: re.Match) -> str:
        alt = alts[int(m.group(2))] if int(m.group(2)) < len(alts) else ""
        return f'image("{m.group(1)}", alt: {_str(alt)}' if alt else f'image("{m.group(1)}"'

    return _MARKED_IMAGE.sub(put, source)


_FONTS_LOCK = threading.Lock()
_FONT_DIRS: list[tempfile.TemporaryDirectory] = []


@lru_cache(maxsize=16)
def _font_set(paths: tuple[str, ...]) -> Any:
    """A typst font book holding exactly ``paths`` (plus typst's embedded fonts).

    The binding only scans folders, and the folders fonts live in hold more than we want (all
    of /usr/share/fonts/opentype/noto), so the chosen files are linked into a private folder
    that lives as long as the process.
    """
    import typst

    folder = private_dir("fonts")
    _FONT_DIRS.append(folder)
    for i, path in enumerate(paths):
        link = Path(folder.name) / f"{i:02d}-{Path(path).name}"
        try:
            link.symlink_to(path)
        except OSError:  # Windows without symlink rights: a hard link or, last, a copy
            try:
                link.hardlink_to(path)
            except OSError:
                shutil.copyfile(path, link)
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[folder.name])


def _fonts_for(h: Handout) -> Any:
    langs = [h.lang] + [l for l in map(get_language, fallback_languages(h.ast.get("blocks", []))) if l]
    paths: dict[str, None] = {}
    for lang in langs:
        for p in font_files(lang, h.style, _all_text(h)):
            paths.setdefault(str(p), None)
    with _FONTS_LOCK:
        return _font_set(tuple(sorted(paths)))


def render_pdf(h: Handout) -> bytes:
    """Compile the handout to PDF bytes; identical input and epoch give identical bytes."""
    return compile_pdf(h, typst_source(h))


def compile_pdf(h: Handout, source: str) -> bytes:
    """Compile Typst source made by :func:`typst_source` for ``h`` (batches reuse one source)."""
    pdf = _compile(h, source, format="pdf")
    if not isinstance(pdf, bytes):
        raise RenderError("typst returned no PDF")
    if any(sc.name in _CLUSTER_SCRIPTS for sc in scripts_in(_all_text(h))):
        try:
            pdf = repair_text_layer(pdf)
        except Exception:  # pypdf on typst's output: a failed repair keeps the PDF as typst made it
            pass
    return pdf


def render_png_pages(h: Handout, ppi: int = 96) -> list[bytes]:
    """The handout's pages as PNG images, one per PDF page (the preview's print view): the same
    Typst source and compiler as :func:`render_pdf`, so the pages break where the PDF's do."""
    pages = _compile(h, typst_source(h), format="png", ppi=ppi)
    return [pages] if isinstance(pages, bytes) else list(pages)


def _compile(h: Handout, source: str, **options: Any) -> Any:
    import typst

    def run():
        with _compiler(_fonts_for(h)) as (compiler, root):
            _write_media(root, h)
            return compiler.compile(input=source.encode("utf-8"), timestamp=int(h.epoch), **options)

    try:
        return limits.within(run)
    except typst.TypstError as exc:
        raise RenderError(f"typst could not compile the handout: {first_line(str(exc.message))}",
                          f"{exc.message}\n{exc.diagnostic}") from exc
    except RenderError:
        raise
    except Exception as exc:  # the binding raises plain RuntimeErrors too
        raise RenderError(f"typst could not compile the handout: {first_line(str(exc))}", str(exc)) from exc


_IDLE: dict[int, list] = {}
"""Font set -> compilers not in use. typst releases the GIL while it compiles, so compiles run
in parallel on the build's threads; one compiler serves one compile at a time (the binding
refuses a second: "Already borrowed"), so each thread takes its own."""
_IDLE_LOCK = threading.Lock()


@contextmanager
def _compiler(fonts: Any) -> Iterator[tuple[Any, Path]]:
    """A compiler for this font set and its root folder, for the length of one compile.

    Compilers live as long as the process and keep typst's caches between compiles, which
    makes the second and later handouts about 4x faster. The root is a private directory
    holding nothing but the handouts' images (see :func:`_write_media`), so typst sees nothing
    else on disk.
    """
    import typst

    key = id(fonts)
    with _IDLE_LOCK:
        idle = _IDLE.setdefault(key, [])
        entry = idle.pop() if idle else None
    if entry is None:  # (an abandoned compile keeps its compiler: the next one makes another)
        root = private_dir("typst")
        _FONT_DIRS.append(root)
        entry = (fonts, typst.Compiler(root=root.name, font_paths=fonts, ignore_system_fonts=True), Path(root.name))
    try:
        yield entry[1], entry[2]
    finally:
        with _IDLE_LOCK:
            _IDLE[key].append(entry)


def warm_up(lang: Language, style: Style) -> None:
    """Load typst and the font set for ``lang`` ahead of the first compile (a build calls this
    while pandoc runs citeproc, when the process would otherwise wait)."""
    paths = tuple(sorted(dict.fromkeys(str(p) for p in font_files(lang, style))))
    with _FONTS_LOCK:
        fonts = _font_set(paths)
    with _compiler(fonts):
        pass  # made now, kept idle for the first compile


def _write_media(root: Path, h: Handout) -> None:
    """The handout's printable images, under the content-addressed names the Typst source uses:
    a name always holds the same bytes, so typst's file cache can never serve stale ones."""
    for data in h.media.values():
        name = media_name(data)
        if name and not (root / name).exists():
            tmp = root / f".{name}.tmp"
            tmp.write_bytes(data)
            tmp.replace(root / name)
