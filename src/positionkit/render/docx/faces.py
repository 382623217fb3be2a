"""The font faces a DOCX embeds and their subsets, made once per machine.

Which files a family has (fontpkg), the code points a face maps, its ``w:font`` description and
its subset for a set of characters are kept in the per-user disk cache (positionkit.system.diskcache):
fontTools is slow to import and subsetting costs a quarter of a second per face, in every fresh
process otherwise. A cached subset is keyed by the face file (path, size, mtime), the
characters, this module's code and the installed fontTools.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from positionkit.system.diskcache import cached_bytes, cached_json, file_stamp, installed_packages_stamp
from positionkit.fonts import codepoint_ranges

__all__ = ["EmbeddedFace", "face_entry", "installed_faces", "subset_face"]

# fsType (OS/2): bit 1 restricted-licence embedding, bit 8 no subsetting, bit 9 bitmap only.
_FS_RESTRICTED, _FS_NO_SUBSET, _FS_BITMAP_ONLY = 0x0002, 0x0100, 0x0200
# Characters every face keeps whatever the text: page and list numbers are fields Word fills in
# later, and a delegate editing a handout types Latin-1 and common punctuation. Most handouts
# then need the same subset, which is made once per process (a few kilobytes per face).
_ALWAYS = (frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x100)) | frozenset(range(0x660, 0x66A))
           | frozenset(map(ord, "\u2011\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026\u2039\u203a\u20ac")))

@dataclass(frozen=True)
class EmbeddedFace:
    """One font file (``index``: face in a collection) to embed in a slot of a family."""

    family: str
    slot: str
    path: Path
    index: int = 0
    wght: int | None = None
    """For a variable font: the weight to instantiate before subsetting."""


def _load(face: EmbeddedFace):
    from fontTools.ttLib import TTFont

    # lazy: tables and glyphs are decompiled as the subsetter needs them (2-5x faster).
    return TTFont(str(face.path), fontNumber=face.index, recalcTimestamp=False, lazy=True)


def _instance(data: bytes, wght: int) -> bytes:
    """A static instance of variable font ``data`` at weight ``wght`` (other axes at default):
    Word does not set variable fonts. Instancing the subset is fast; the whole font is not."""
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    if "fvar" not in font:
        return data
    axes = {a.axisTag: a.defaultValue for a in font["fvar"].axes}
    axes["wght"] = wght
    try:
        font = instantiateVariableFont(font, axes, updateFontNames=True)
    except Exception:  # no STAT table to name the instance by: keep the default names
        font = instantiateVariableFont(TTFont(io.BytesIO(data), recalcTimestamp=False), axes)
    out = io.BytesIO()
    font.save(out, reorderTables=True)
    return out.getvalue()


@lru_cache(maxsize=1)
def _maker() -> list:
    """What a cached subset depends on beyond the font file: this module's code and fontTools'."""
    import importlib.util

    spec = importlib.util.find_spec("fontTools")
    tools = file_stamp(spec.origin) if spec and spec.origin else None
    return [hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16], tools]


def _face_key(face: EmbeddedFace) -> list:
    return [file_stamp(face.path), face.index, face.wght, _maker()]


@lru_cache(maxsize=64)
def _cmap(face: EmbeddedFace) -> frozenset[int]:
    ranges = cached_json("docx-cmap", _face_key(face), lambda: codepoint_ranges(_load(face).getBestCmap() or {}))
    return frozenset(cp for lo, hi in ranges for cp in range(lo, hi + 1))


def subset_face(face: EmbeddedFace, chars: str) -> bytes | None:
    """The face as TrueType bytes holding the glyphs ``chars`` and :data:`_ALWAYS` need (with
    the shaping features, so Arabic still joins and marks still attach); ``None`` when it may
    not or cannot be embedded."""
    return _subset(face, tuple(sorted((set(map(ord, chars)) | _ALWAYS) & _cmap(face))))


@lru_cache(maxsize=64)
def _subset(face: EmbeddedFace, unicodes: tuple[int, ...]) -> bytes | None:
    """Made once per face and character set on this machine, then read from the disk cache
    (fontTools subsetting costs a quarter of a second per face and process)."""
    data = cached_bytes("docx-subset", [_face_key(face), codepoint_ranges(unicodes)], lambda: _make_subset(face, unicodes) or b"")
    return data or None


def _make_subset(face: EmbeddedFace, unicodes: tuple[int, ...]) -> bytes | None:
    from fontTools import subset

    font = _load(face)
    fs_type = font["OS/2"].fsType if "OS/2" in font else 0
    if fs_type & (_FS_RESTRICTED | _FS_BITMAP_ONLY) or "glyf" not in font:
        return None
    if not fs_type & _FS_NO_SUBSET:
        options = subset.Options()
        # The default feature list: what shaping needs (Arabic joining forms, rlig, mark,
        # mkmk, kern, liga, locl, ...), without stylistic sets no word processor applies.
        options.layout_scripts = ["*"]
        options.legacy_kern = True
        options.notdef_outline = True
        options.glyph_names = False
        options.drop_tables = [*options.drop_tables, "meta"]  # else fontTools logs a warning
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        # The name table travels whole (the OFL's licence and URL go with the font) and is set
        # aside meanwhile: pruning it walks every layout table, a third of the time.
        names = font["name"]
        del font["name"]
        subsetter.subset(font)
        font["name"] = names
    out = io.BytesIO()
    font.save(out, reorderTables=True)
    return out.getvalue() if face.wght is None else _instance(out.getvalue(), face.wght)


@lru_cache(maxsize=16)
def face_entry(face: EmbeddedFace) -> dict[str, str]:
    """``w:font`` properties of the (whole) face: panose, family class, pitch, signature."""
    return cached_json("docx-font-entry", _face_key(face), lambda: _read_font_entry(face))


def _read_font_entry(face: EmbeddedFace) -> dict[str, str]:
    font = _load(face)
    os2 = font["OS/2"]
    p = os2.panose
    panose = bytes([p.bFamilyType, p.bSerifStyle, p.bWeight, p.bProportion, p.bContrast,
                    p.bStrokeVariation, p.bArmStyle, p.bLetterForm, p.bMidline, p.bXHeight]).hex().upper()
    family = "swiss" if p.bSerifStyle in (11, 12, 13) or "sans" in face.family.lower() else "roman"
    return {
        "panose1": panose,
        "family": family,
        "pitch": "fixed" if p.bProportion == 9 else "variable",
        "usb0": f"{os2.ulUnicodeRange1:08X}", "usb1": f"{os2.ulUnicodeRange2:08X}",
        "usb2": f"{os2.ulUnicodeRange3:08X}", "usb3": f"{os2.ulUnicodeRange4:08X}",
        "csb0": f"{getattr(os2, 'ulCodePageRange1', 0):08X}",
        "csb1": f"{getattr(os2, 'ulCodePageRange2', 0):08X}",
    }


@lru_cache(maxsize=None)
def installed_faces(family: str) -> tuple[EmbeddedFace, ...]:
    """Regular, bold, italic and bold italic files of an installed fontpkg family (a variable
    font is instantiated at 400 and 700); ``()`` when the family is not installed.

    Kept on disk like fonts._family_files: fontpkg scans every installed distribution."""
    key = [family, installed_packages_stamp()]
    found = cached_json("docx-faces", key, lambda: [[f.slot, str(f.path), f.index, f.wght]
                                                    for f in _ask_fontpkg(family)])
    faces = tuple(EmbeddedFace(family, slot, Path(path), index, wght) for slot, path, index, wght in found or ())
    return faces if all(f.path.is_file() for f in faces) else _ask_fontpkg(family)


def _ask_fontpkg(family: str) -> tuple[EmbeddedFace, ...]:
    import fontpkg
    from fontpkg.errors import FontpkgError

    try:
        files = fontpkg.family(family).files
    except FontpkgError:
        return ()
    faces = []
    for slot, weight, style in (("embedRegular", 400, "normal"), ("embedBold", 700, "normal"),
                                ("embedItalic", 400, "italic"), ("embedBoldItalic", 700, "italic")):
        static = [f for f in files if not f.variable and f.weight == weight and f.style == style]
        variable = [f for f in files if f.variable and f.style == style
                    and (f.wght_min or weight) <= weight <= (f.wght_max or weight)]
        if static:
            faces.append(EmbeddedFace(family, slot, static[0].path))
        elif variable:
            faces.append(EmbeddedFace(family, slot, variable[0].path, wght=weight))
    return tuple(faces)
