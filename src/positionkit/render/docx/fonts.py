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
from typing import Callable, Iterable

from lxml import etree

from positionkit.render.docx.faces import _subset  # noqa: F401 (tests)
from positionkit.render.docx.faces import EmbeddedFace, face_entry, installed_faces, subset_face
from positionkit.render.docx.package import read_parts

__all__ = ["EmbeddedFace", "deobfuscate", "document_usage", "embed_font_parts", "embed_fonts", "font_key", "installed_faces",
           "obfuscate", "subset_face"]

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = f"{{{W_NS}}}"
_FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
ODTTF_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
SLOTS = ("embedRegular", "embedBold", "embedItalic", "embedBoldItalic")
"""The four faces a ``w:font`` can embed, in schema order."""

# w:font children after which embed* elements go, and settings.xml elements that precede
# embedTrueTypeFonts / saveSubsetFonts (CT_Settings sequence).
_SETTINGS_BEFORE = ("writeProtection", "view", "zoom", "removePersonalInformation",
                    "removeDateAndTime", "doNotDisplayPageBoundaries", "displayBackgroundShape",
                    "printPostScriptOverText", "printFractionalCharacterWidth", "printFormsData")
_TEXT_PARTS = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes|comments|numbering)\.xml$")
_STYLE_PARTS = re.compile(r"^word/(document|styles|numbering|header\d*|footer\d*|footnotes|endnotes)\.xml$")


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


def embed_fonts(data: bytes, faces: Callable[[str], Iterable[EmbeddedFace]] = installed_faces) -> bytes:
    """The DOCX ``data`` with the fonts it names embedded, each subset to its text.

    ``faces(family)`` offers the files of a family; a slot the document does not need (bold,
    italic) and a face that may not be embedded are left out. Without any face to embed the
    document comes back unchanged.
    """
    parts = read_parts(data)
    embedded = embed_font_parts(parts, faces)
    if embedded is parts:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, part in embedded.items():
            dst.writestr(name, part)
    return out.getvalue()


def embed_font_parts(parts: dict[str, bytes],
                     faces: Callable[[str], Iterable[EmbeddedFace]] = installed_faces) -> dict[str, bytes]:
    """:func:`embed_fonts` on the package's parts (name -> bytes; the renderer zips once, at the
    end); ``parts`` itself comes back when there is nothing to embed."""
    chars, names = document_usage(parts)
    chosen: list[tuple[EmbeddedFace, bytes]] = []
    for face in (f for name in sorted(names) for f in faces(name)):
        if face.slot in chars:
            font = subset_face(face, chars[face.slot])
            if font is not None:
                chosen.append((face, font))
    if not chosen or "word/fontTable.xml" not in parts:
        return parts
    parts = dict(parts)

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
            info = face_entry(face)
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
    return parts


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
