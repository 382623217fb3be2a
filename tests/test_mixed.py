"""Mixed scripts in right-to-left handouts: each paragraph keeps its own direction and language,
Latin citations keep their order and terms, English is not set larger than the Arabic body."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from positionkit.languages import get_language
from positionkit.render.handout import Handout, running_title

BBT = (Path(__file__).parent / "data" / "betterbibtex.bib").read_text(encoding="utf-8")
ENGLISH = ('The United Nations Conference on Trade and Development ("UNCTAD") says "data" matters '
           "[@mattoo2018international; @burri2020digital].")
FILES = {
    "references.bib": BBT,
    "papers/note/paper.yaml": "title: Data flows\ndate: 2021\nlanguages: [en, ar]\nsections:\n  - 01.md\n  - 02.md\n",
    "papers/note/01.md": "## Context\n\nCross-border data flows matter for development [@unctad2021der].\n",
    "papers/note/01.ar.md": "## السياق\n\nتدفقات البيانات عبر الحدود مهمة للتنمية [@unctad2021der].\n\n"
                            "Left in English by the translator, citing [@goldfarb2019digital].\n",
    "papers/note/02.md": f"## Asks\n\n{ENGLISH}\n\nSecond English paragraph.\n",
}


@pytest.fixture(scope="module")
def arabic(tmp_path_factory):
    from click.testing import CliRunner

    from positionkit.cli.main import main
    from tests.conftest import MINIMAL, write_project

    root = write_project(tmp_path_factory.mktemp("mixed"), {**MINIMAL, **FILES})
    (root / "papers/note/01-intro.md").unlink()
    runner = CliRunner()
    assert runner.invoke(main, ["-C", str(root), "i18n", "stamp", "papers/note/01.ar.md"]).exit_code == 0
    res = runner.invoke(main, ["-C", str(root), "build", "--lang", "ar"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return root / "build/note"


def _paragraphs(docx: Path) -> list[tuple[str, str]]:
    with zipfile.ZipFile(docx) as z:
        xml = z.read("word/document.xml").decode()
    out = []
    for p in re.findall(r"<w:p[ >].*?</w:p>", xml, re.S):
        text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", p))
        if text.strip():
            out.append((text, p))
    return out


def test_docx_english_paragraphs_stay_left_to_right(arabic):
    paras = _paragraphs(arabic / "note.ar.docx")
    english = [(t, p) for t, p in paras if t.startswith(("The United Nations", "Left in English", "Second English", "Asks"))]
    assert len(english) == 4
    for text, p in english:
        assert "<w:bidi/>" not in p and "<w:rtl/>" not in p, text
    fallback = [p for t, p in english if not t.startswith("Left in English")]
    assert all('w:lang w:val="en"' in p for p in fallback)
    arabic_paras = [(t, p) for t, p in paras if re.search("[\u0600-\u06FF]{3}", t) and "and" not in t]
    assert arabic_paras and all("<w:bidi/>" in p for _, p in arabic_paras)


def test_latin_citations_keep_latin_terms_and_order(arabic):
    text = subprocess.run(["pdftotext", str(arabic / "note.ar.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "(Mattoo and Meltzer 2018; Burri and Polanco 2020)" in " ".join(text.split())
    assert "و Meltzer" not in text and "وآخرون" not in text
    assert "(Goldfarb and Tucker 2019)" in " ".join(text.split())


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_prints_the_english_in_order(arabic, tmp_path):
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(arabic / "note.ar.docx")],
                   capture_output=True, timeout=300, check=True)
    text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "note.ar.pdf"), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "The United Nations Conference on Trade and Development (“UNCTAD”) says “data” matters " \
           "(Mattoo and Meltzer 2018; Burri and Polanco 2020)." in text


def _word_heights(pdf: Path, word: str) -> list[float]:
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [float(m.group(2)) - float(m.group(1)) for m in
            re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">' + word + "<", html)]


def test_english_in_the_arabic_pdf_is_set_at_the_english_size(arabic, make_project, cli):
    root = make_project({**FILES, "papers/note/paper.yaml": FILES["papers/note/paper.yaml"].replace("[en, ar]", "[en]")})
    (root / "papers/note/01-intro.md").unlink()
    assert cli(root, "build", "--format", "pdf").exit_code == 0
    in_english = _word_heights(root / "build/note/note.en.pdf", "Conference")
    in_arabic = _word_heights(arabic / "note.ar.pdf", "Conference")
    assert in_english and in_arabic
    assert abs(in_arabic[0] / in_english[0] - 1) < 0.03


def test_running_title_is_cut_at_a_word():
    title = "تدفقات البيانات عبر الحدود والتنمية المستدامة " * 4
    h = Handout(ast={}, lang=get_language("ar"), title=title)
    short = running_title(h)
    assert short.endswith("…") and len(short) <= 90
    assert title.startswith(short[:-1]) and title[len(short) - 1] == " "


def test_a_passage_keys_off_its_own_lang_attribute():
    """::: {lang=en} sets its paragraphs left to right whatever their letters; {lang=ar} right to left."""
    from positionkit.render.bidi import by_direction

    def para(text):
        return {"t": "Para", "c": [{"t": "Str", "c": text}]}

    def div(lang, text):
        return {"t": "Div", "c": [["", [], [["lang", lang]]], [para(text)]]}

    out = by_direction([div("en", "مرحبا بالعالم"), div("ar", "Hello world"), para("Hello world")],
                       ltr=lambda b: [("ltr", b["t"])], rtl=lambda b: [("rtl", b["t"])])
    assert out == [("ltr", "Div"), ("rtl", "Div"), ("ltr", "Para")]
