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

from positionkit.system.diskcache import cached_json, file_stamp, installed_packages_stamp
from positionkit.languages import Language
from positionkit.scripts import get_script, scripts_in
from positionkit.style import DEFAULT_STYLE, Style

__all__ = [
    "EMBEDDED_SERIF",
    "cjk_font_paths",
    "font_families",
    "font_files",
    "missing_glyphs",
    "script_family",
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
    """Regular/semibold/bold upright and italic files of an installed fontpkg family.

    Asking fontpkg scans every installed distribution's metadata (a tenth of a second), so the
    answer is kept on disk, keyed by the folders packages are installed in (their mtimes change
    when a package comes or goes) and checked against the files still being there."""
    key = [family, installed_packages_stamp()]
    found = cached_json("font-family", key, lambda: [str(p) for p in _ask_fontpkg(family)])
    files = tuple(Path(p) for p in found or ())
    return files if all(p.is_file() for p in files) else _ask_fontpkg(family)


def _ask_fontpkg(family: str) -> tuple[Path, ...]:
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


def script_family(script_name: str, style: Style = DEFAULT_STYLE, role: str = "body") -> str | None:
    """The family a script's own text is set in (Arabic: Amiri or IBM Plex Sans Arabic; Devanagari:
    Hind...); ``None`` for Latin, Cyrillic, Greek (the style's font) and CJK (system collections)."""
    if script_name == "arabic":
        return _arabic_family(style)
    script = get_script(script_name)
    if script is None or script_name == "cjk":
        return None
    font = style.heading_font if role == "heading" else style.body_font
    return script.family(_is_sans(font))


def font_families(lang: Language, style: Style = DEFAULT_STYLE, role: str = "body",
                  text: str = "") -> list[str]:
    """Ordered family list for typst's ``text(font:)``; ``role`` is ``"body"`` or ``"heading"``.

    The style's font comes first for Latin and Cyrillic; a script with its own face (Arabic,
    Hebrew, Devanagari, Bengali, Thai) puts that face first so that punctuation, spaces and digits
    inside its runs stay in one font; CJK keeps the Latin font only for Latin runs (typst's
    ``latin-in-cjk`` is expressed by the caller). Other scripts ``text`` uses (a Hindi quotation
    in an English paper) follow as fallbacks.
    """
    font = style.heading_font if role == "heading" else style.body_font
    own = script_family(lang.script, style, role)
    if lang.script == "cjk":
        families = [font, _cjk_family(lang, style, role), EMBEDDED_SERIF]
    elif own:
        families = [own, font, EMBEDDED_SERIF]
    else:
        families = [font, EMBEDDED_SERIF]
    for script in scripts_in(text):
        if script.name == "cjk" and lang.script != "cjk":
            families.append(_cjk_family(lang, style, role))
        extra = script_family(script.name, style, role)
        if extra:
            families.append(extra)
    families += _project_families(style)
    return list(dict.fromkeys(families))


def font_files(lang: Language, style: Style = DEFAULT_STYLE, text: str = "") -> list[Path]:
    """The font files a compile for ``lang`` needs (typst's embedded fonts come on top), with
    faces for the other scripts ``text`` uses and the project's own ``styles/fonts/`` files."""
    paths: list[Path] = []
    families = dict.fromkeys(font_families(lang, style, text=text)
                             + font_families(lang, style, "heading", text=text))
    for family in families:
        paths.extend(_family_files(family))
    if lang.script == "cjk" or any(s.name == "cjk" for s in scripts_in(text)):
        # Each Noto CJK collection is 20-27 MB: load only the serif or sans ones in use.
        kinds = {"Sans" if _is_sans(f) else "Serif" for f in (style.body_font, style.heading_font)}
        cjk = [p for p in cjk_font_paths() if any(p.name.startswith(f"Noto{k}") for k in kinds)]
        paths.extend(cjk or cjk_font_paths())
    paths.extend(Path(p) for p in style.extra_fonts)
    return list(dict.fromkeys(paths))


def _project_families(style: Style) -> list[str]:
    return [f for p in style.extra_fonts if (f := _family_name(Path(p)))]


@lru_cache(maxsize=None)
def _family_name(path: Path) -> str | None:
    """The typographic family of a project font file (name ID 16, else 1); None if unreadable."""
    from fontTools.ttLib import TTCollection, TTFont

    try:
        if path.suffix.lower() in {".ttc", ".otc"}:
            font = TTCollection(str(path), lazy=True).fonts[0]
        else:
            font = TTFont(str(path), lazy=True)
        name = font["name"]
        return str(name.getDebugName(16) or name.getDebugName(1) or "") or None
    except Exception:  # a broken file is left to typst, which skips fonts it cannot read
        return None


@lru_cache(maxsize=None)
def _cmap(path: Path) -> frozenset[int]:
    """The code points the font file maps, kept on disk as ranges (fontTools is slow to load)."""
    ranges = cached_json("font-cmap", file_stamp(path), lambda: codepoint_ranges(_read_cmap(path)))
    return frozenset(cp for lo, hi in ranges for cp in range(lo, hi + 1))


def codepoint_ranges(codepoints) -> list[list[int]]:
    """Sorted code points as [first, last] runs: a compact, JSON-friendly character map."""
    out: list[list[int]] = []
    for cp in sorted(codepoints):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def _read_cmap(path: Path) -> frozenset[int]:
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
    """Characters of ``text`` that no font used for ``lang`` (and the scripts ``text`` uses)
    can draw (whitespace ignored)."""
    wanted = {
        ch for ch in set(text)
        if unicodedata.category(ch)[0] not in {"Z", "C"}
    }
    if not wanted:
        return set()
    left = wanted  # font by font, not a union of their cmaps (60,000 code points for CJK) per call
    for path in font_files(lang, style, "".join(wanted)):
        try:
            cmap = _cmap(path)
        except Exception:  # an unreadable project font covers nothing
            continue
        left = {ch for ch in left if ord(ch) not in cmap}
        if not left:
            return set()
    return {ch for ch in left if not _embedded_covers(ord(ch))}
