"""Typography both formats share: a running title and hyphenation in the DOCX as in the PDF, one
heading scale, DOCX and PDF page counts close (DOCX pages as LibreOffice lays it out), and the
page budget checked on both with --final."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

DATA = Path(__file__).parent / "data"
FULL = (DATA / "udhr/en-full.md").read_text(encoding="utf-8")
BBT = (DATA / "betterbibtex.bib").read_text(encoding="utf-8")
PAPER = ("title: Universal Declaration of Human Rights\nsubtitle: The text adopted in 1948\ndate: 2021\n"
         "organisations: [Example Coalition]\nlanguages: [en]\nsections:\n  - 01-intro.md\n")
needs_lo = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


@pytest.fixture(scope="module")
def long_paper(tmp_path_factory):
    from click.testing import CliRunner

    from positionkit.cli.main import main
    from tests.conftest import MINIMAL, write_project

    root = write_project(tmp_path_factory.mktemp("long"), {
        **MINIMAL, "references.bib": BBT, "papers/note/paper.yaml": PAPER,
        "papers/note/01-intro.md": "# The declaration\n\n" + FULL})
    res = CliRunner().invoke(main, ["-C", str(root), "build"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return root / "build/note"


def _parts(docx: Path) -> dict[str, str]:
    with zipfile.ZipFile(docx) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}


def test_docx_running_title_from_page_two_and_hyphenation(long_paper):
    parts = _parts(long_paper / "note.en.docx")
    assert "<w:titlePg/>" in parts["word/document.xml"]
    headers = {n: re.sub(r"<[^>]+>", "", x).strip() for n, x in parts.items() if n.startswith("word/header")}
    assert sorted(headers.values()) == ["DRAFT", "Universal Declaration of Human RightsDRAFT"]
    assert "<w:autoHyphenation/>" in parts["word/settings.xml"]
    footers = [x for n, x in parts.items() if n.startswith("word/footer")]
    assert len(footers) == 2 and all("NUMPAGES" in f for f in footers)  # page 1 keeps its footer


def _height(bbox: str, word: str) -> float:
    m = re.search(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">' + word + "<", bbox)
    return float(m.group(2)) - float(m.group(1))


def test_one_heading_scale_in_both_formats(long_paper):
    styles = _parts(long_paper / "note.en.docx")["word/styles.xml"]

    def size(style_id: str) -> int:
        block = re.search(r'<w:style [^>]*w:styleId="' + style_id + r'".*?</w:style>', styles, re.S).group(0)
        return int(re.search(r'<w:sz w:val="(\d+)"', block).group(1))

    docx_ratio = size("Title") / size("Heading1")
    bbox = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(long_paper / "note.en.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    pdf_ratio = _height(bbox, "Universal") / _height(bbox, "declaration")
    assert docx_ratio >= 1.4 and pdf_ratio >= 1.4
    assert abs(docx_ratio / pdf_ratio - 1) < 0.08


@needs_lo
def test_docx_and_pdf_page_counts_are_close(long_paper):
    from positionkit.pipeline.docxpages import docx_pages

    docx = (long_paper / "note.en.docx").read_bytes()
    pdf_pages = len(PdfReader(BytesIO((long_paper / "note.en.pdf").read_bytes())).pages)
    lo_pages = docx_pages({"x.docx": docx})["x.docx"]
    assert pdf_pages >= 4
    assert abs(lo_pages - pdf_pages) <= max(1, round(pdf_pages * 0.1)), (lo_pages, pdf_pages)


@needs_lo
def test_final_checks_the_budget_of_both_formats(make_project, cli):
    root = make_project({"references.bib": BBT, "papers/note/paper.yaml": PAPER + "pages: 2\n",
                         "papers/note/01-intro.md": FULL})
    res = cli(root, "build", "--final")
    assert res.exit_code == 1
    assert re.search(r"error\[PK501\] the en PDF has \d+ pages; the budget is 2", res.stderr)
    assert re.search(r"error\[PK501\] the en DOCX \(as LibreOffice lays it out\) has \d+ pages; the budget is 2",
                     res.stderr)
