"""Every character of a handout must have a font: a missing glyph is an error, never silent tofu.

Checked per resolved document over its Markdown, its title block and the bibliography entries it
cites, with the same font table the PDF renderer compiles with (render.fonts).
"""
from __future__ import annotations

import re
import unicodedata

from positionkit.diagnostics import error
from positionkit.fonts import missing_glyphs
from positionkit.languages import get_language
from positionkit.load.sources import read_text
from positionkit.scripts import script_label, script_of

SHOWN = 20
"""At most this many characters are named in the message."""
_META_KEYS = ("title", "subtitle", "audience", "contact", "organisations", "short_title")
_BIB_SKIP = ("url", "doi", "file", "urldate", "isbn", "issn", "keywords", "abstract", "note")
_CJK_HINT = ("install a CJK font: apt install fonts-noto-cjk (Fedora: dnf install google-noto-serif-cjk-fonts; "
             "macOS: brew install --cask font-noto-serif-cjk-sc; Windows: install Noto Serif CJK), "
             "or put a .ttf/.otf/.ttc file in styles/fonts/")


def _is_cjk(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK ", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC", "FULLWIDTH", "BOPOMOFO"))


def _show(ch: str) -> str:
    return ch if unicodedata.category(ch)[0] in "LNPS" else f"U+{ord(ch):04X}"


def _key_line(root, rel: str, key: str) -> int:
    """The line of a top-level key in a YAML file (1 when it cannot be found)."""
    text, _ = read_text(root, rel)
    pattern = re.compile(rf"^['\"]?{re.escape(key)}['\"]?\s*:")
    return next((i for i, ln in enumerate((text or "").split("\n"), 1) if pattern.match(ln)), 1)


def check(ctx):
    style = ctx.project.config.style
    key_lines: dict = {}  # (file, key) -> line: every audience's document shows the same title
    answers: dict = {}  # (characters, language) -> missing: the audiences' documents share them
    bib_texts: dict = {}  # citation key -> (text, path, line) of its printed fields
    for doc in ctx.resolved:
        lang = get_language(doc.target.lang)
        if lang is None:
            continue  # reported by plan (PK404)
        meta = [(key, doc.meta.get(key)) for key in _META_KEYS if doc.meta.get(key)]
        meta = [(key, " ".join(map(str, v)) if isinstance(v, list) else str(v)) for key, v in meta]
        cited = [_bib_text(ctx, bib_texts, key) for key in ctx.cited_keys(doc)]
        cited = [c for c in cited if c is not None]
        # all missing_glyphs looks at; most documents have nothing missing, and then nothing more
        chars = frozenset("".join(ln.text for ln in doc.lines)).union(*(v for _, v in meta), *(c[0] for c in cited))
        if (chars, lang.code) not in answers:
            answers[chars, lang.code] = missing_glyphs("".join(chars), lang, style)
        missing = answers[chars, lang.code]
        if not missing:
            continue
        # (text, path, line) in the order a reader meets them: title block, body, references
        paper = ctx.project.papers[doc.target.paper]
        pieces = []
        for key, value in meta:
            own = key in paper.translated_meta.get(lang.code, {}) and lang.code != ctx.project.config.source_lang
            trel = f"{paper.dir}/paper.{lang.code}.yaml"
            if own and (trel, key) not in key_lines:
                key_lines[trel, key] = _key_line(ctx.project.root, trel, key)
            where = (trel, key_lines[trel, key]) if own else (paper.yaml_path, paper.meta_lines.get(key) or 1)
            pieces.append((value, *where))
        pieces += [(ln.text, ln.path, ln.line) for ln in doc.lines]
        pieces += cited
        order = list(dict.fromkeys(ch for text, _, _ in pieces for ch in text if ch in missing))
        text, path, line = next(p for p in pieces if any(ch in missing for ch in p[0]))
        col = next(i for i, ch in enumerate(text, 1) if ch in missing) if path.endswith(".md") else None
        yield error("PK410", _message(order, lang.code), path, line, col, hint=_hint(order, lang.code))


def _bib_text(ctx, texts: dict, key: str):
    """(printed fields' text, path, line) of a bibliography entry; None for an unknown key."""
    if key not in texts:
        entry = ctx.project.bibliography.entries.get(key)
        texts[key] = None if entry is None else \
            (" ".join(v for k, v in entry.fields.items() if k not in _BIB_SKIP), entry.path, entry.line)
    return texts[key]


def _message(order: list[str], code: str) -> str:
    """'no font for Ethiopic (2 characters: ሀሁ; U+1200 U+1201) in the en handout': the characters,
    their script and code points, grouped by script in the order they occur."""
    groups: dict[str, list[str]] = {}
    for ch in order:
        groups.setdefault(script_label(ch), []).append(ch)
    parts = []
    for label, chars in groups.items():
        shown = chars[:SHOWN]
        text = "".join(_show(ch) if len(_show(ch)) == 1 else f" {_show(ch)} " for ch in shown).strip()
        points = " ".join(f"U+{ord(ch):04X}" for ch in shown[:5]) + (" ..." if len(shown) > 5 else "")
        more = f" and {len(chars) - SHOWN} more" if len(chars) > SHOWN else ""
        noun = "character" + ("s" if len(chars) != 1 else "")
        parts.append(f"{label} ({len(chars)} {noun}: {text}{more}; {points})")
    return f"no font for {' and '.join(parts)} in the {code} handout"


def _hint(order: list[str], code: str) -> str:
    scripts = list(dict.fromkeys(s for s in map(script_of, order) if s is not None))
    if any(s.name == "cjk" for s in scripts):
        return _CJK_HINT
    if scripts:
        return f"{scripts[0].label}: " + scripts[0].install_hint()
    return "put a .ttf/.otf font that has them in styles/fonts/, or replace them"
