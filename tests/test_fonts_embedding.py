"""The DOCX carries its fonts: obfuscated, subset parts that Word and LibreOffice use when the
delegate's machine lacks IBM Plex Serif or Amiri.

An English and an Arabic handout are rendered once (module fixtures) and opened with zipfile,
lxml and fontTools; LibreOffice converts them to PDF when it is installed.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from positionkit.languages import get_language
from positionkit.render import Handout, render_docx
from positionkit.render.docx.fonts import (
    EmbeddedFace,
    deobfuscate,
    embed_fonts,
    font_key,
    installed_faces,
    obfuscate,
    subset_face)
from positionkit.render.docx.fonts import _subset
from positionkit.render.pandoc import run_pandoc

EPOCH = 1795132800
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"

EN = """# Context

Zero-rating lets operators *exempt* selected applications from data caps: **a competitive
edge** for incumbents. Prices rose 12 % in 2024.
"""
AR = """# المسألة

تبدو عروض التعرفة الصفرية *مغرية* حيث تكون البيانات **باهظة الكلفة**، لكنها قد توجّه المستخدمين.
"""


def _handout(md: str, lang: str) -> Handout:
    ast = json.loads(run_pandoc(["-f", "markdown", "-t", "json"], md.encode()))
    return Handout(ast=ast, lang=get_language(lang), title="Zero-rating" if lang == "en" else "التعرفة الصفرية",
                   epoch=EPOCH)


@pytest.fixture(scope="module")
def docs() -> dict[str, bytes]:
    return {"en": render_docx(_handout(EN, "en")), "ar": render_docx(_handout(AR, "ar"))}


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _embedded(data: bytes) -> dict[tuple[str, str], TTFont]:
    """(family, slot) -> the de-obfuscated font, found the way Word finds it."""
    parts = _parts(data)
    rels = etree.fromstring(parts["word/_rels/fontTable.xml.rels"])
    targets = {r.get("Id"): "word/" + r.get("Target") for r in rels}
    fonts = {}
    for font in etree.fromstring(parts["word/fontTable.xml"]).findall(f"{W}font"):
        for embed in font:
            if embed.tag.startswith(f"{W}embed"):
                raw = parts[targets[embed.get(f"{R}id")]]
                fonts[(font.get(f"{W}name"), embed.tag[len(W):])] = TTFont(
                    io.BytesIO(deobfuscate(raw, embed.get(f"{W}fontKey"))))
    return fonts


def test_obfuscation_follows_ecma_376():
    key = "{00112233-4455-6677-8899-AABBCCDDEEFF}"
    data = bytes(range(40))
    # The key's bytes in reverse order of the hex string, twice over bytes 0-31.
    expected = bytes(b ^ k for b, k in zip(data[:32], bytes.fromhex("FFEEDDCCBBAA99887766554433221100") * 2))
    assert obfuscate(data, key) == expected + data[32:]
    assert deobfuscate(obfuscate(data, key), key) == data
    assert re.fullmatch(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", font_key(data))
    assert font_key(data) == font_key(bytes(range(40))) != font_key(data[:39])


def test_package_declares_the_embedded_fonts(docs):
    parts = _parts(docs["en"])
    odttf = sorted(n for n in parts if n.startswith("word/fonts/"))
    assert odttf == ["word/fonts/font1.odttf", "word/fonts/font2.odttf", "word/fonts/font3.odttf"]
    assert all(not parts[n].startswith(b"\x00\x01\x00\x00") for n in odttf)  # obfuscated
    assert ('<Default Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.'
            'obfuscatedFont"/>') in parts["[Content_Types].xml"].decode()
    rels = parts["word/_rels/fontTable.xml.rels"].decode()
    assert rels.count('Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"') == 3
    settings = etree.fromstring(parts["word/settings.xml"])
    tags = [el.tag[len(W):] for el in settings]
    assert tags.index("embedTrueTypeFonts") < tags.index("embedSystemFonts") < tags.index("saveSubsetFonts")
    # Bold (the heading) and italic (the emphasis) are used; bold italic is not.
    assert set(_embedded(docs["en"])) == {("IBM Plex Serif", "embedRegular"), ("IBM Plex Serif", "embedBold"),
                                          ("IBM Plex Serif", "embedItalic")}
    table = etree.fromstring(parts["word/fontTable.xml"])
    plex = next(f for f in table if f.get(f"{W}name") == "IBM Plex Serif")
    assert [c.tag[len(W):] for c in plex] == ["panose1", "charset", "family", "pitch", "sig", "embedRegular",
                                             "embedBold", "embedItalic"]
    assert plex.find(f"{W}family").get(f"{W}val") == "roman"


def test_embedded_faces_are_subsets_that_cover_the_text(docs):
    fonts = _embedded(docs["en"])
    regular = fonts[("IBM Plex Serif", "embedRegular")]
    assert regular["name"].getDebugName(1) == "IBM Plex Serif"
    assert regular["name"].getDebugName(2) == "Regular"
    assert fonts[("IBM Plex Serif", "embedBold")]["name"].getDebugName(2) == "Bold"
    cmap = regular.getBestCmap()
    body = "Zero-rating lets operators from data caps: for incumbents. Prices rose 12 % in 2024."
    assert {c for c in body if ord(c) not in cmap} == set()
    assert set(map(chr, fonts[("IBM Plex Serif", "embedItalic")].getBestCmap())) >= set("exempt")
    assert set("é«»€–") <= set(map(chr, cmap))  # Latin-1 and common punctuation, used or not
    assert "Ā" not in map(chr, cmap) and "ŝ" not in map(chr, cmap)  # not used: not kept
    assert regular["maxp"].numGlyphs < 300  # of about 1,000 in the whole face
    assert all(len(p) < 60_000 for n, p in _parts(docs["en"]).items() if n.endswith(".odttf"))


def test_arabic_embeds_amiri_with_its_shaping_tables(docs):
    fonts = _embedded(docs["ar"])
    amiri = fonts[("Amiri", "embedRegular")]
    cmap = amiri.getBestCmap()
    assert {c for c in "تبدو عروض التعرفة الصفرية حيث تكون البيانات" if c != " " and ord(c) not in cmap} == set()
    features = {r.FeatureTag for r in amiri["GSUB"].table.FeatureList.FeatureRecord}
    assert {"init", "medi", "fina", "rlig"} <= features
    assert {"mark", "kern"} <= {r.FeatureTag for r in amiri["GPOS"].table.FeatureList.FeatureRecord}
    # The joining forms are reachable: more glyphs than characters.
    assert amiri["maxp"].numGlyphs > 3 * len([c for c in cmap if 0x600 <= c <= 0x6FF])
    assert ("IBM Plex Serif", "embedRegular") in fonts  # Latin runs
    assert ("Amiri", "embedBold") in fonts and ("Amiri", "embedItalic") in fonts


def test_rebuilds_are_byte_identical(docs):
    _subset.cache_clear()
    assert render_docx(_handout(EN, "en")) == docs["en"]
    assert render_docx(_handout(AR, "ar")) == docs["ar"]


def _with_fs_type(src: Path, dst: Path, fs_type: int) -> Path:
    font = TTFont(str(src), recalcTimestamp=False)
    font["OS/2"].fsType = fs_type
    font.save(str(dst))
    return dst


def test_licence_bits_are_honoured(docs, tmp_path):
    plex = next(f for f in installed_faces("IBM Plex Serif") if f.slot == "embedRegular")
    restricted = _with_fs_type(plex.path, tmp_path / "restricted.ttf", 0x0002)
    whole = _with_fs_type(plex.path, tmp_path / "nosubset.ttf", 0x0008 | 0x0100)

    def offer(path):
        return lambda family: [EmbeddedFace(family, "embedRegular", path)] if family == "IBM Plex Serif" else []

    bare = embed_fonts(_strip_fonts(docs["en"]), offer(restricted))
    assert not [n for n in _parts(bare) if n.endswith(".odttf")]
    full = _embedded(embed_fonts(_strip_fonts(docs["en"]), offer(whole)))
    assert full[("IBM Plex Serif", "embedRegular")]["maxp"].numGlyphs == TTFont(str(plex.path))["maxp"].numGlyphs


def _strip_fonts(data: bytes) -> bytes:
    """The DOCX as it was before fonts were embedded (enough for embed_fonts to run again)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name.endswith(".odttf") or name == "word/_rels/fontTable.xml.rels":
                continue
            part = src.read(name)
            if name == "word/fontTable.xml":
                part = re.sub(rb"<w:embed\w+ [^>]*/>", b"", part)
            dst.writestr(name, part)
    return out.getvalue()


def test_unknown_fonts_leave_the_document_alone(docs):
    stripped = _strip_fonts(docs["en"])
    assert embed_fonts(stripped, lambda family: []) == stripped


def _installed_system_wide(family: str) -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    return family.lower() in out.lower()


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdffonts")),
                    reason="LibreOffice (soffice) and poppler's pdffonts are needed")
def test_libreoffice_sets_the_handout_in_the_embedded_fonts(docs, tmp_path):
    if _installed_system_wide("IBM Plex Serif") or _installed_system_wide("Amiri"):
        pytest.skip("IBM Plex Serif or Amiri is installed system-wide: the test would prove nothing")
    for lang, data in docs.items():
        (tmp_path / f"{lang}.docx").write_bytes(data)
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "en.docx"), str(tmp_path / "ar.docx")],
                   capture_output=True, timeout=180, check=True)

    def fonts(lang):
        out = subprocess.run(["pdffonts", str(tmp_path / f"{lang}.pdf")], capture_output=True, text=True,
                             check=True).stdout
        return {line.split()[0].split("+")[-1] for line in out.splitlines()[2:]}

    assert {"IBMPlexSerif-Regular", "IBMPlexSerif-Bold", "IBMPlexSerif-Italic"} <= fonts("en")
    assert {"Amiri-Regular", "Amiri-Bold"} <= fonts("ar")
    assert not [f for f in fonts("en") | fonts("ar") if f.startswith("DejaVu")]


def test_variable_fonts_are_embedded_as_static_instances():
    bold = next(f for f in installed_faces("IBM Plex Sans") if f.slot == "embedBold")
    assert bold.wght == 700  # fontpkg ships IBM Plex Sans as a variable font only
    font = TTFont(io.BytesIO(subset_face(bold, "Bold")))
    assert "fvar" not in font and "gvar" not in font  # Word does not set variable fonts
    assert font["OS/2"].usWeightClass == 700
    assert (font["name"].getDebugName(1), font["name"].getDebugName(2)) == ("IBM Plex Sans", "Bold")
    assert set(map(chr, font.getBestCmap())) >= set("Bold")
