"""Images reach both formats from ``Handout.media`` only; anything unprintable becomes alt text.

One document with a PNG figure, an inline PNG, an SVG, bytes that are no image and a target the
build did not load; rendered once per format (module fixtures), opened with zipfile and pypdf.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib

import pytest
from pypdf import PdfReader

from positionkit.languages import get_language
from positionkit.render import Handout, render_docx, render_pdf
from positionkit.render.media import image_type, media_name, media_targets
from positionkit.render.pandoc import run_pandoc

EPOCH = 1795132800


def png(width: int, height: int, rgb=(200, 30, 40)) -> bytes:
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


CHART = png(60, 24)
ICON = png(6, 4, (30, 90, 200))
SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="120" height="48">'
       b'<rect width="120" height="48" fill="teal"/></svg>')
MARKDOWN = """# Images

Inline ![a blue icon](figures/icon.png) in the text.

![Tariff lines by sector](figures/chart.png)

![Teal logo](figures/logo.svg)

![Text posing as an image](figures/fake.png)

![A chart nobody loaded](figures/missing.png)

![An SVG linking out](figures/linked.svg)
"""
MEDIA = {"figures/chart.png": CHART, "figures/icon.png": ICON, "figures/logo.svg": SVG,
         "figures/fake.png": b"GIF? no: plain text",
         "figures/linked.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><image href="/etc/passwd"/></svg>'}


@pytest.fixture(scope="module")
def handout():
    ast = json.loads(run_pandoc(["-f", "markdown", "-t", "json"], MARKDOWN.encode()))
    return Handout(ast=ast, lang=get_language("en"), title="Images", media=MEDIA, epoch=EPOCH)


@pytest.fixture(scope="module")
def docx_bytes(handout):
    return render_docx(handout)


@pytest.fixture(scope="module")
def pdf_bytes(handout):
    return render_pdf(handout)


def test_media_targets_lists_every_image_once_in_order(handout):
    assert media_targets(handout.ast) == ["figures/icon.png", "figures/chart.png", "figures/logo.svg",
                                          "figures/fake.png", "figures/missing.png",
                                          "figures/linked.svg"]


def test_image_type_sniffs_bytes_not_names():
    assert [image_type(b) for b in (CHART, SVG, b"\xff\xd8\xff\xe0", b"GIF89a..", b"%PDF-1.7")] == \
        ["png", "svg", "jpeg", "gif", None]
    assert media_name(b"<html>") is None
    assert re.fullmatch(r"m-[0-9a-f]{24}\.png", media_name(CHART))


def test_docx_embeds_the_given_bytes(docx_bytes):
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        media = {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith((".xml", ".rels")))
    assert CHART in media.values() and ICON in media.values()
    svg_png = [d for d in media.values() if d not in (CHART, ICON)]
    assert len(media) == 3 and image_type(svg_png[0]) == "png"  # the SVG, drawn by typst
    assert struct.unpack(">II", svg_png[0][16:24]) == (240, 96)  # 120x48 CSS px at 192 ppi
    assert "figures/" not in xml and "data:" not in xml


def test_docx_prints_alt_text_for_what_it_cannot_print(docx_bytes):
    import docx

    doc = docx.Document(io.BytesIO(docx_bytes))
    texts = [p.text for p in doc.paragraphs]
    assert "Text posing as an image" in texts and "A chart nobody loaded" in texts
    assert "An SVG linking out" in texts
    assert "Tariff lines by sector" in texts  # the figure's caption
    assert re.findall(r'<wp:docPr descr="([^"]*)"', doc.element.xml) == [
        "a blue icon", "Tariff lines by sector", "Teal logo"]


def test_pdf_draws_the_images(pdf_bytes):
    page = PdfReader(io.BytesIO(pdf_bytes)).pages[0]
    sizes = sorted((int(x["/Width"]), int(x["/Height"]))
                   for x in (v.get_object() for v in page["/Resources"]["/XObject"].values())
                   if x["/Subtype"] == "/Image")
    assert sizes == [(6, 4), (60, 24)]
    assert "0 0.5019608 0.5019608 sc" in page.get_contents().get_data().decode("latin-1")  # SVG's teal
    text = re.sub(r"\s+", " ", page.extract_text())
    assert "Text posing as an image" in text and "A chart nobody loaded" in text
    assert "An SVG linking out" in text
    assert "Tariff lines by sector" in text and "Figure" not in text  # unnumbered, as in DOCX
    assert "figures/" not in text


def test_images_are_byte_stable(handout, docx_bytes, pdf_bytes):
    assert render_docx(handout) == docx_bytes and render_pdf(handout) == pdf_bytes


def test_without_media_every_image_is_alt_text(handout):
    from dataclasses import replace

    bare = replace(handout, media={})
    with zipfile.ZipFile(io.BytesIO(render_docx(bare))) as z:
        assert not [n for n in z.namelist() if n.startswith("word/media/")]
        assert "Tariff lines by sector" in z.read("word/document.xml").decode()
    page = PdfReader(io.BytesIO(render_pdf(bare))).pages[0]
    assert "/XObject" not in page["/Resources"] or not page["/Resources"]["/XObject"]
    assert "Tariff lines by sector" in page.extract_text()


def test_build_prints_project_images_in_both_formats_and_tracks_them(make_project, cli):
    """End to end: an image relative to its section, read by the build, in DOCX and PDF; the
    manifest lists it and a changed picture rebuilds the handouts."""
    chart = png(6, 4)
    root = make_project({
        "papers/note/01-intro.md": "## Intro\n\n![Share of data flows by region](figures/chart.png)\n\n"
                                   "Text [@unctad2021der].\n",
        "papers/note/figures/chart.png": chart,
    })
    result = cli(root, "build")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(root / "build/note/note.en.docx") as z:
        media = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
        document = z.read("word/document.xml").decode()
    assert media == [chart]
    assert "Share of data flows by region" in document and "figures/chart.png" not in document
    assert pdf_image_sizes(root / "build/note/note.en.pdf") == [(6, 4)]
    manifest = json.loads((root / "build/note/manifest.json").read_text())
    assert "papers/note/figures/chart.png" in manifest["inputs"]
    (root / "papers/note/figures/chart.png").write_bytes(png(8, 4))
    result = cli(root, "build")
    assert result.exit_code == 0, result.output
    assert pdf_image_sizes(root / "build/note/note.en.pdf") == [(8, 4)]


def pdf_image_sizes(path) -> list[tuple[int, int]]:
    sizes = []
    for page in PdfReader(path).pages:
        for x in (v.get_object() for v in (page["/Resources"].get("/XObject") or {}).values()):
            if x.get("/Subtype") == "/Image":
                sizes.append((int(x["/Width"]), int(x["/Height"])))
    return sizes


def test_an_image_format_the_handouts_cannot_print_is_a_warning(make_project, cli):
    root = make_project({
        "papers/note/01-intro.md": "## Intro\n\n![A chart](chart.webp)\n",
        "papers/note/chart.webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    })
    result = cli(root, "check")
    assert ("papers/note/01-intro.md:3:1: warning[PK511] image papers/note/chart.webp is not PNG, JPEG, GIF "
            "or SVG: its alt text is printed instead (export it as PNG (charts: SVG))") in result.stderr


def _struct_alts(node, seen=None) -> list[str]:
    """Every ``/Alt`` in a PDF structure tree, in document order."""
    seen = set() if seen is None else seen
    node = node.get_object()
    if id(node) in seen:
        return []
    seen.add(id(node))
    out = []
    if isinstance(node, dict):
        if "/Alt" in node:
            out.append(str(node["/Alt"]))
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, list) else [kids]:
                if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                    out += _struct_alts(kid, seen)
    return out


def test_pdf_images_carry_their_alt_text(pdf_bytes):
    root = PdfReader(io.BytesIO(pdf_bytes)).trailer["/Root"]
    assert _struct_alts(root["/StructTreeRoot"]) == ["a blue icon", "Tariff lines by sector", "Teal logo"]


def test_typst_alt_text_is_per_image_and_escaped():
    from positionkit.render import typst_source

    md = (r'![a *blue* \"icon\" \\](figures/icon.png) and ![](figures/icon.png) and '
          '![second](figures/icon.png){width=1cm}\n')
    ast = json.loads(run_pandoc(["-f", "markdown", "-t", "json"], md.encode()))
    h = Handout(ast=ast, lang=get_language("en"), title="Alt", media={"figures/icon.png": ICON}, epoch=EPOCH)
    name = media_name(ICON)
    assert re.findall(r'image\("[^"]*"(?:, alt: "(?:[^"\\]|\\.)*")?', typst_source(h)) == [
        f'image("/{name}", alt: "a blue \\"icon\\" \\\\"', f'image("/{name}"',
        f'image("/{name}", alt: "second"']
