"""Which font files and families each language is typeset with.

typst's automatic fallback ignores the language (it picks a Japanese face for Chinese) and
system fonts differ from machine to machine, so every compile gets one curated set of files and
an explicit family list per language. The same table drives :func:`missing_glyphs`, so a check
can report tofu before anything is rendered (typst maps missing glyphs back to their characters,
so the PDF text would not show it).
"""

from __future__ import annotations

import os
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

from positionkit.languages import Language
from positionkit.style import DEFAULT_STYLE, Style

__all__ = [
    "EMBEDDED_SERIF",
    "cjk_font_paths",
    "font_families",
    "font_files",
    "missing_glyphs",
]

EMBEDDED_SERIF = "Libertinus Serif"
"""Built into typst; covers Greek and Hebrew that IBM Plex Serif lacks."""

# Libertinus Serif ships inside typst, not as a file we can open: its coverage as ranges.
_EMBEDDED_RANGES = (
    (0x0020, 0x024F),  # Latin, Latin-1, Latin Extended-A/B
    (0x0250, 0x02FF),  # IPA, spacing modifiers
    (0x0300, 0x036F),  # combining diacritics
    (0x0370, 0x03FF),  # Greek and Coptic
    (0x0400, 0x04FF),  # Cyrillic
    (0x0590, 0x05FF),  # Hebrew
    (0x1E00, 0x1FFF),  # Latin Extended Additional, Greek Extended
    (0x2000, 0x206F),  # General Punctuation
    (0x20A0, 0x20CF),  # currency
    (0x2100, 0x214F),  # letterlike symbols
)

_WEIGHTS = (400, 600, 700)
"""Regular text, semibold labels, bold headings; other weights only slow font loading."""

_CJK_FAMILIES = {
    # (serif?, Traditional?) -> family name inside the Noto CJK collections
    (True, False): "Noto Serif CJK SC",
    (True, True): "Noto Serif CJK TC",
    (False, False): "Noto Sans CJK SC",
    (False, True): "Noto Sans CJK TC",
}
_CJK_LOCAL = {"ja": "JP", "ko": "KR"}

_CJK_DIRS = (
    "/usr/share/fonts/opentype/noto",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk",  # Fedora, Arch
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/truetype/noto",
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
    "/Library/Fonts",  # macOS (Homebrew casks, manual installs)
    "~/Library/Fonts",
    "~/.local/share/fonts",
    "~/.fonts",
)
_CJK_NAMES = (
    "NotoSerifCJK-Regular.ttc",
    "NotoSerifCJK-Bold.ttc",
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJK-Bold.ttc",
    "NotoSerifCJKsc-Regular.otf",
    "NotoSerifCJKsc-Bold.otf",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansCJKsc-Bold.otf",
    "NotoSerifCJK-VF.otf.ttc",
    "NotoSansCJK-VF.otf.ttc",
)


def _is_sans(family: str) -> bool:
    return "sans" in family.lower()


@lru_cache(maxsize=None)
def cjk_font_paths() -> list[Path]:
    """Noto Serif/Sans CJK files installed on this machine, static faces first; [] if none."""
    dirs = [Path(d).expanduser() for d in _CJK_DIRS]
    windir = os.environ.get("WINDIR")
    if windir or sys.platform == "win32":
        dirs.append(Path(windir or "C:/Windows") / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft/Windows/Fonts")
    found: list[Path] = []
    for name in _CJK_NAMES:
        for d in dirs:
            p = d / name
            if p.is_file() and p not in found:
                found.append(p)
                break
    if any("VF" not in p.name for p in found):
        found = [p for p in found if "VF" not in p.name]
    return found


@lru_cache(maxsize=None)
def _family_files(family: str) -> tuple[Path, ...]:
    """Regular/semibold/bold upright and italic files of an installed fontpkg family."""
    import fontpkg
    from fontpkg.errors import FontpkgError

    try:
        fam = fontpkg.family(family)
    except FontpkgError:  # not installed (FamilyNotInstalled) or unusable
        return ()
    files = [f.path for f in fam.files if f.variable or f.weight in _WEIGHTS]
    return tuple(sorted(files))


def _arabic_family(style: Style) -> str:
    return "IBM Plex Sans Arabic" if _is_sans(style.body_font) else "Amiri"


def _cjk_family(lang: Language, style: Style, role: str) -> str:
    font = style.heading_font if role == "heading" else style.body_font
    traditional = lang.code.endswith("Hant") or lang.typst_region in {"TW", "HK", "MO"}
    name = _CJK_FAMILIES[(not _is_sans(font), traditional)]
    local = _CJK_LOCAL.get(lang.typst_lang)
    return name[:-2] + local if local else name


def font_families(lang: Language, style: Style = DEFAULT_STYLE, role: str = "body") -> list[str]:
    """Ordered family list for typst's ``text(font:)``; ``role`` is ``"body"`` or ``"heading"``.

    The style's font comes first for Latin and Cyrillic; Arabic puts its own face first so that
    Arabic punctuation, spaces and digits inside Arabic runs stay in one font; CJK keeps the
    Latin font only for Latin runs (typst's ``latin-in-cjk`` is expressed by the caller).
    """
    font = style.heading_font if role == "heading" else style.body_font
    if lang.script == "arabic":
        return [_arabic_family(style), font, EMBEDDED_SERIF]
    if lang.script == "cjk":
        return [font, _cjk_family(lang, style, role), EMBEDDED_SERIF]
    return [font, EMBEDDED_SERIF]


def font_files(lang: Language, style: Style = DEFAULT_STYLE) -> list[Path]:
    """The font files a compile for ``lang`` needs (typst's embedded fonts come on top)."""
    paths: list[Path] = []
    families = dict.fromkeys(font_families(lang, style) + font_families(lang, style, "heading"))
    for family in families:
        paths.extend(_family_files(family))
    if lang.script == "cjk":
        # Each Noto CJK collection is 20-27 MB: load only the serif or sans ones in use.
        kinds = {"Sans" if _is_sans(f) else "Serif" for f in (style.body_font, style.heading_font)}
        cjk = [p for p in cjk_font_paths() if any(p.name.startswith(f"Noto{k}") for k in kinds)]
        paths.extend(cjk or cjk_font_paths())
    return list(dict.fromkeys(paths))


@lru_cache(maxsize=None)
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTCollection, TTFont

    codepoints: set[int] = set()
    if path.suffix.lower() in {".ttc", ".otc"}:
        # All faces of a Noto CJK collection share one cmap; reading the first is enough.
        collection = TTCollection(str(path), lazy=True)
        fonts = collection.fonts[:1]
    else:
        fonts = [TTFont(str(path), lazy=True)]
    for font in fonts:
        cmap = font.getBestCmap() or {}
        codepoints.update(cmap)
    return frozenset(codepoints)


def _embedded_covers(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _EMBEDDED_RANGES)


def missing_glyphs(text: str, lang: Language, style: Style = DEFAULT_STYLE) -> set[str]:
    """Characters of ``text`` that no font used for ``lang`` can draw (whitespace ignored)."""
    wanted = {
        ch for ch in set(text)
        if unicodedata.category(ch)[0] not in {"Z", "C"}
    }
    if not wanted:
        return set()
    covered: set[int] = set()
    for path in font_files(lang, style):
        covered |= _cmap(path)
    return {ch for ch in wanted if ord(ch) not in covered and not _embedded_covers(ord(ch))}
