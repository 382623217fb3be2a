"""Fonts embedded in the DOCX, subset to the characters the handout uses.

A delegate's Word has neither IBM Plex Serif nor Amiri: without the fonts in the file it
substitutes, and the handout looks different from the PDF. ECMA-376 Part 1, §17.8.1 lets a
document carry its fonts: each face is a part ``word/fonts/fontN.odttf`` (content type
``application/vnd.openxmlformats-officedocument.obfuscatedFont``) whose first 32 bytes are XORed
with a key; ``word/fontTable.xml`` names the face with ``w:embedRegular`` (``embedBold``,
``embedItalic``, ``embedBoldItalic``), a relationship id and the key as a GUID
(``w:fontKey="{...}"``); ``w:embedTrueTypeFonts`` and ``w:saveSubsetFonts`` in settings.xml tell
Word to use them (and to keep embedding subsets when the delegate saves).

The obfuscation key is the GUID's 16 bytes in reverse order of the hex string (the last hex pair
XORs byte 0), applied twice over bytes 0-31. The GUID is derived from the face's bytes, so
rebuilds stay byte-identical.

Only families positionkit can find as files (fontpkg packages: IBM Plex, Amiri, ...) are
embedded, and only when the font's OS/2 ``fsType`` allows it: restricted-licence and
bitmap-only faces are skipped, a face that forbids subsetting is embedded whole. Faces with
PostScript (CFF) outlines, such as the Noto CJK collections, are not embedded: Word embeds
TrueType outlines only.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from lxml import etree

__all__ = ["EmbeddedFace", "deobfuscate", "document_usage", "embed_fonts", "font_key", "installed_faces",
           "obfuscate", "subset_face"]

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = f"{{{W_NS}}}"
_FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
ODTTF_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
SLOTS = ("embedRegular", "embedBold", "embedItalic", "embedBoldItalic")
"""The four faces a ``w:font`` can embed, in schema order."""

# fsType (OS/2): bit 1 restricted-licence embedding, bit 8 no subsetting, bit 9 bitmap only.
_FS_RESTRICTED, _FS_NO_SUBSET, _FS_BITMAP_ONLY = 0x0002, 0x0100, 0x0200
# Characters every face keeps whatever the text: page and list numbers are fields Word fills in
# later, and a delegate editing a handout types Latin-1 and common punctuation. Most handouts
# then need the same subset, which is made once per process (a few kilobytes per face).
_ALWAYS = (frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x100)) | frozenset(range(0x660, 0x66A))
           | frozenset(map(ord, "\u2011\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026\u2039\u203a\u20ac")))
# w:font children after which embed* elements go, and settings.xml elements that precede
# embedTrueTypeFonts / saveSubsetFonts (CT_Settings sequence).
_SETTINGS_BEFORE = ("writeProtection", "view", "zoom", "removePersonalInformation",
                    "removeDateAndTime", "doNotDisplayPageBoundaries", "displayBackgroundShape",
                    "printPostScriptOverText", "printFractionalCharacterWidth", "printFormsData")
_TEXT_PARTS = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes|comments|numbering)\.xml$")
_STYLE_PARTS = re.compile(r"^word/(document|styles|numbering|header\d*|footer\d*|footnotes|endnotes)\.xml$")


@dataclass(frozen=True)
class EmbeddedFace:
    """One font file (``index``: face in a collection) to embed in a slot of a family."""

    family: str
    slot: str
    path: Path
    index: int = 0
    wght: int | None = None
    """For a variable font: the weight to instantiate before subsetting."""


def font_key(data: bytes) -> str:
    """A GUID ``{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`` derived from ``data``."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def _key_bytes(key: str) -> bytes:
    # ECMA-376 §17.8.1: the GUID string's hex digits read as bytes, in reverse order.
    return bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]


def obfuscate(data: bytes, key: str) -> bytes:
    """``data`` with its first 32 bytes XORed with the font key (its own inverse)."""
    k = _key_bytes(key)
    head = bytes(b ^ k[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


deobfuscate = obfuscate


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


@lru_cache(maxsize=64)
def _cmap(face: EmbeddedFace) -> frozenset[int]:
    return frozenset(_load(face).getBestCmap() or {})


def subset_face(face: EmbeddedFace, chars: str) -> bytes | None:
    """The face as TrueType bytes holding the glyphs ``chars`` and :data:`_ALWAYS` need (with
    the shaping features, so Arabic still joins and marks still attach); ``None`` when it may
    not or cannot be embedded."""
    return _subset(face, tuple(sorted((set(map(ord, chars)) | _ALWAYS) & _cmap(face))))


@lru_cache(maxsize=64)
def _subset(face: EmbeddedFace, unicodes: tuple[int, ...]) -> bytes | None:
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
def _font_entry(face: EmbeddedFace) -> dict[str, str]:
    """``w:font`` properties of the (whole) face: panose, family class, pitch, signature."""
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


def _parse(data: bytes):
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, remove_blank_text=False))


def _xml(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _on(el) -> bool:
    return el.get(f"{W}val", "true") not in ("0", "false", "off")


_FLAGS = ("b", "bCs", "i", "iCs")


def _flags(rpr) -> dict[str, bool]:
    if rpr is None:
        return {}
    return {flag: _on(el) for flag in _FLAGS if (el := rpr.find(f"{W}{flag}")) is not None}


def _styles(data: bytes | None) -> tuple[dict[str, dict[str, bool]], str | None, dict[str, bool]]:
    """Bold/italic of every style (its ``basedOn`` chain resolved, nearest wins), the default
    paragraph style and the document defaults."""
    if data is None:
        return {}, None, {}
    root = _parse(data)
    own: dict[str, tuple[str | None, dict[str, bool]]] = {}
    default = None
    for st in root.iter(f"{W}style"):
        sid = st.get(f"{W}styleId")
        based = st.find(f"{W}basedOn")
        own[sid] = (based.get(f"{W}val") if based is not None else None, _flags(st.find(f"{W}rPr")))
        if st.get(f"{W}type") == "paragraph" and _on_attr(st.get(f"{W}default")):
            default = sid

    def resolve(sid: str | None, seen: tuple[str, ...] = ()) -> dict[str, bool]:
        if sid is None or sid not in own or sid in seen:
            return {}
        based, flags = own[sid]
        return {**resolve(based, (*seen, sid)), **flags}

    defaults = _flags(root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr"))
    return {sid: resolve(sid) for sid in own}, default, defaults


def _on_attr(value: str | None) -> bool:
    return value is not None and value not in ("0", "false", "off")


def _slot(flags: dict[str, bool]) -> str:
    bold = flags.get("b", False) or flags.get("bCs", False)
    italic = flags.get("i", False) or flags.get("iCs", False)
    return SLOTS[bold + 2 * italic]


def document_usage(parts: dict[str, bytes]) -> tuple[dict[str, str], set[str]]:
    """The characters the handout's text sets in each face (slot -> characters, effective
    bold/italic from docDefaults, paragraph and character styles and direct formatting) and the
    font names its runs and styles name."""
    styles, default_para, defaults = _styles(parts.get("word/styles.xml"))
    chars: dict[str, set[str]] = {}
    names: set[str] = set()
    for name, data in sorted(parts.items()):
        if not (_TEXT_PARTS.match(name) or _STYLE_PARTS.match(name)):
            continue
        root = _parse(data)
        for el in root.iter(f"{W}rFonts"):
            for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
                if el.get(f"{W}{attr}"):
                    names.add(el.get(f"{W}{attr}"))
        if not _TEXT_PARTS.match(name):
            continue
        for el in root.iter(f"{W}lvlText"):
            chars.setdefault("embedRegular", set()).update(el.get(f"{W}val", ""))
        for p in root.iter(f"{W}p"):
            pstyle = p.find(f"{W}pPr/{W}pStyle")
            para = styles.get(pstyle.get(f"{W}val") if pstyle is not None else default_para, {})
            for r in p.iter(f"{W}r"):
                rpr = r.find(f"{W}rPr")
                rstyle = rpr.find(f"{W}rStyle") if rpr is not None else None
                char = styles.get(rstyle.get(f"{W}val"), {}) if rstyle is not None else {}
                slot = _slot({**defaults, **para, **char, **_flags(rpr)})
                for t in r.iter(f"{W}t", f"{W}delText"):
                    chars.setdefault(slot, set()).update(t.text or "")
    return {slot: "".join(sorted(c)) for slot, c in chars.items()}, names


@lru_cache(maxsize=None)
def installed_faces(family: str) -> tuple[EmbeddedFace, ...]:
    """Regular, bold, italic and bold italic files of an installed fontpkg family (a variable
    font is instantiated at 400 and 700); ``()`` when the family is not installed."""
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


def embed_fonts(data: bytes, faces: Callable[[str], Iterable[EmbeddedFace]] = installed_faces) -> bytes:
    """The DOCX ``data`` with the fonts it names embedded, each subset to its text.

    ``faces(family)`` offers the files of a family; a slot the document does not need (bold,
    italic) and a face that may not be embedded are left out. Without any face to embed the
    document comes back unchanged.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    chars, names = document_usage(parts)
    chosen: list[tuple[EmbeddedFace, bytes]] = []
    for face in (f for name in sorted(names) for f in faces(name)):
        if face.slot in chars:
            font = subset_face(face, chars[face.slot])
            if font is not None:
                chosen.append((face, font))
    if not chosen or "word/fontTable.xml" not in parts:
        return data

    table = _parse(parts["word/fontTable.xml"])
    rels = etree.Element("Relationships", nsmap={None: "http://schemas.openxmlformats.org/package/2006/relationships"})
    fonts_by_name = {f.get(f"{W}name"): f for f in table.findall(f"{W}font")}
    order = {s: i for i, s in enumerate(SLOTS)}
    chosen.sort(key=lambda c: (c[0].family, order[c[0].slot]))
    described: set[str] = set()
    for n, (face, font) in enumerate(chosen, start=1):
        key = font_key(font)
        part = f"word/fonts/font{n}.odttf"
        parts[part] = obfuscate(font, key)
        rel_id = f"rIdFont{n}"
        etree.SubElement(rels, "Relationship", Id=rel_id, Type=_FONT_REL, Target=f"fonts/font{n}.odttf")
        el = fonts_by_name.get(face.family)
        if el is None:
            el = etree.SubElement(table, f"{W}font")
            el.set(f"{W}name", face.family)
            fonts_by_name[face.family] = el
        if face.family not in described:
            described.add(face.family)
            for old in list(el):
                el.remove(old)
            info = _font_entry(face)
            etree.SubElement(el, f"{W}panose1").set(f"{W}val", info["panose1"])
            etree.SubElement(el, f"{W}charset").set(f"{W}val", "00")
            etree.SubElement(el, f"{W}family").set(f"{W}val", info["family"])
            etree.SubElement(el, f"{W}pitch").set(f"{W}val", info["pitch"])
            sig = etree.SubElement(el, f"{W}sig")
            for attr in ("usb0", "usb1", "usb2", "usb3", "csb0", "csb1"):
                sig.set(f"{W}{attr}", info[attr])
        embed = etree.SubElement(el, f"{W}{face.slot}")
        embed.set(f"{{{R_NS}}}id", rel_id)
        embed.set(f"{W}fontKey", key)
    parts["word/fontTable.xml"] = _xml(table)
    parts["word/_rels/fontTable.xml.rels"] = _xml(rels)
    parts["word/settings.xml"] = _settings(parts["word/settings.xml"])
    parts["[Content_Types].xml"] = _content_types(parts["[Content_Types].xml"])

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, part in parts.items():
            dst.writestr(name, part)
    return out.getvalue()


def _settings(data: bytes) -> bytes:
    root = _parse(data)
    for tag in ("embedTrueTypeFonts", "saveSubsetFonts"):
        for old in root.findall(f"{W}{tag}"):
            root.remove(old)
    before = {f"{W}{t}" for t in _SETTINGS_BEFORE}
    index = 0
    for i, el in enumerate(root):
        if el.tag in before:
            index = i + 1
    root.insert(index, etree.Element(f"{W}embedTrueTypeFonts"))
    # embedSystemFonts, when present, sits between the two.
    system = root.find(f"{W}embedSystemFonts")
    anchor = system if system is not None else root[index]
    anchor.addnext(etree.Element(f"{W}saveSubsetFonts"))
    return _xml(root)


def _content_types(data: bytes) -> bytes:
    if b'Extension="odttf"' in data:
        return data
    default = f'<Default Extension="odttf" ContentType="{ODTTF_TYPE}"/>'.encode()
    return data.replace(b"<Default ", default + b"<Default ", 1)
