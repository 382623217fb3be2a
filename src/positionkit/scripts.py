"""Writing systems: which characters belong to which script, and where its fonts come from.

One plain table, read by the font chooser (:mod:`positionkit.fonts`), the glyph check (PK410,
which names the script, the font package to install and the system font otherwise) and the
renderers (direction). Fonts come from PyPI ``fontpkg-*`` packages where a good static face
exists (variable faces lose words in PDF text extraction), else from the operating system.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Script", "SCRIPTS", "get_script", "script_label", "script_of", "scripts_in"]


@dataclass(frozen=True)
class Script:
    name: str
    """Key used in :class:`positionkit.languages.Language.script`: ``"devanagari"``."""
    label: str
    """English name for messages: ``"Devanagari"``."""
    ranges: tuple[tuple[int, int], ...]
    """Code point ranges (inclusive) that belong to the script."""
    serif: str | None = None
    """Font family used with a serif body font (a ``fontpkg`` family, or a system one)."""
    sans: str | None = None
    """Font family used with a sans-serif body font."""
    pip: str | None = None
    """PyPI package that ships ``serif``/``sans`` (``None``: a system font)."""
    debian: str | None = None
    """Debian/Ubuntu package with a system font for the script."""
    system_font: str | None = None
    """Font to install on other systems (Windows, macOS) when no package is at hand."""
    rtl: bool = False

    def family(self, sans: bool) -> str | None:
        return (self.sans if sans else self.serif) or self.serif or self.sans

    def install_hint(self) -> str:
        """How to get a font for this script, in the words a non-programmer can act on."""
        ways = []
        if self.pip:
            ways.append(f"pip install {self.pip}")
        if self.debian:
            ways.append(f"apt install {self.debian}")
        if self.system_font:
            ways.append(f"or install the font {self.system_font}")
        ways.append("or put a .ttf/.otf file for it in styles/fonts/")
        return "; ".join(ways)


SCRIPTS: tuple[Script, ...] = (
    Script("latin", "Latin", ((0x0041, 0x024F), (0x1E00, 0x1EFF))),
    Script("greek", "Greek", ((0x0370, 0x03FF), (0x1F00, 0x1FFF))),
    Script("cyrillic", "Cyrillic", ((0x0400, 0x052F),)),
    Script("hebrew", "Hebrew", ((0x0590, 0x05FF), (0xFB1D, 0xFB4F)),
           serif="Frank Ruhl Libre", sans="Heebo", pip="fontpkg-frank-ruhl-libre", rtl=True,
           debian="fonts-noto-core", system_font="Noto Serif Hebrew"),
    Script("arabic", "Arabic", ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                                (0xFE70, 0xFEFF)),
           serif="Amiri", sans="IBM Plex Sans Arabic", pip="fontpkg-amiri", rtl=True,
           debian="fonts-hosny-amiri", system_font="Amiri"),
    Script("devanagari", "Devanagari", ((0x0900, 0x097F), (0xA8E0, 0xA8FF)),
           serif="Hind", sans="Hind", pip="fontpkg-hind",
           debian="fonts-noto-core", system_font="Noto Sans Devanagari"),
    Script("bengali", "Bengali", ((0x0980, 0x09FF),),
           serif="Hind Siliguri", sans="Hind Siliguri", pip="fontpkg-hind-siliguri",
           debian="fonts-noto-core", system_font="Noto Sans Bengali"),
    Script("tamil", "Tamil", ((0x0B80, 0x0BFF),), debian="fonts-noto-core", system_font="Noto Sans Tamil"),
    Script("thai", "Thai", ((0x0E00, 0x0E7F),),
           serif="Sarabun", sans="Sarabun", pip="fontpkg-sarabun",
           debian="fonts-noto-core", system_font="Noto Sans Thai"),
    Script("georgian", "Georgian", ((0x10A0, 0x10FF), (0x2D00, 0x2D2F)), debian="fonts-noto-core",
           system_font="Noto Sans Georgian"),
    Script("armenian", "Armenian", ((0x0530, 0x058F),), debian="fonts-noto-core",
           system_font="Noto Sans Armenian"),
    Script("ethiopic", "Ethiopic", ((0x1200, 0x139F),), debian="fonts-noto-core",
           system_font="Noto Sans Ethiopic"),
    Script("khmer", "Khmer", ((0x1780, 0x17FF),), debian="fonts-noto-core", system_font="Noto Sans Khmer"),
    Script("cjk", "CJK (Chinese, Japanese, Korean)",
           ((0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3100, 0x31FF), (0x3400, 0x4DBF),
            (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF)),
           debian="fonts-noto-cjk", system_font="Noto Serif CJK"),
)

_BY_NAME = {s.name: s for s in SCRIPTS}


def get_script(name: str) -> Script | None:
    return _BY_NAME.get(name)


def script_of(ch: str) -> Script | None:
    """The script a character is written in; ``None`` for digits, punctuation and the unknown."""
    cp = ord(ch)
    for script in SCRIPTS:
        if any(lo <= cp <= hi for lo, hi in script.ranges):
            return script
    return None


def script_label(ch: str) -> str:
    """The script's name, else Unicode's word for the block ("TAMIL", "EMOJI"...) as a last resort."""
    script = script_of(ch)
    if script is not None:
        return script.label
    name = unicodedata.name(ch, "")
    return name.split(" ")[0].title() if name else f"U+{ord(ch):04X}"


def scripts_in(text: str) -> list[Script]:
    """The non-Latin scripts ``text`` uses, in the order they first occur."""
    return list(_scripts_in(text))


@lru_cache(maxsize=8)
def _scripts_in(text: str) -> tuple[Script, ...]:
    # one handout's text is asked about for every font list of its PDF (body, headings, files)
    seen: dict[str, Script] = {}
    for ch in dict.fromkeys(text):  # each distinct character once
        if ord(ch) < 0x0370:
            continue
        script = script_of(ch)
        if script is not None and script.name != "latin":
            seen.setdefault(script.name, script)
    return tuple(seen.values())
