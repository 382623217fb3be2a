"""The handouts' own font files, offered to the browser with @font-face, so the preview is set
in the faces the PDF uses. Files are served by name from the table built here (from the
installed font packages), never from a path in the URL."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from positionkit.fonts import font_families
from positionkit.languages import get_language
from positionkit.style import Style

_WEIGHTS = (400, 600, 700)
_KINDS = {".ttf": "truetype", ".otf": "opentype", ".woff2": "woff2", ".woff": "woff"}


@lru_cache(maxsize=None)
def _family(name: str) -> tuple[tuple[str, int, str, Path], ...]:
    """(file name, weight, 'normal'|'italic', path) of an installed fontpkg family's static faces."""
    try:
        import fontpkg

        fam = fontpkg.family(name)
    except Exception:  # not a fontpkg family (a system font, e.g. Noto CJK): the browser finds it
        return ()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    out = []
    for f in fam.files:
        path = Path(f.path)
        if f.variable or f.weight not in _WEIGHTS or path.suffix.lower() not in _KINDS:
            continue
        style = "italic" if str(f.style).lower() == "italic" else "normal"
        out.append((f"{slug}-{f.weight}-{style}{path.suffix.lower()}", f.weight, style, path))
    return tuple(out)


def faces(style: Style, langs) -> dict[str, tuple[str, int, str, Path]]:
    """File name -> (family, weight, style, path) for the body and heading fonts of ``langs``."""
    table: dict[str, tuple[str, int, str, Path]] = {}
    for code in langs:
        lang = get_language(code)
        if lang is None:
            continue
        for family in font_families(lang, style) + font_families(lang, style, "heading"):
            for name, weight, kind, path in _family(family):
                table.setdefault(name, (family, weight, kind, path))
    return table


def css(style: Style, langs) -> str:
    rules = []
    for name, (family, weight, kind, path) in sorted(faces(style, langs).items()):
        rules.append(f'@font-face {{ font-family: "{_safe(family)}"; font-weight: {weight}; font-style: {kind}; '
                     f'font-display: swap; src: url("/-/font/{name}") format("{_KINDS[path.suffix.lower()]}"); }}')
    return "\n".join(rules)


def families(style: Style, code: str, role: str = "body") -> str:
    """A CSS font-family list for one language, ending in a generic family."""
    lang = get_language(code)
    names = font_families(lang, style, role) if lang else [style.body_font]
    generic = "sans-serif" if "sans" in style.body_font.lower() else "serif"
    return ", ".join(f'"{_safe(n)}"' for n in names) + f", {generic}"


def _safe(family: str) -> str:
    """A family name from positionkit.toml, unable to end the CSS string or the style element."""
    return re.sub(r'["\\<>{};]', "", family)
