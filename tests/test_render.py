"""End-to-end tests of the render stage: real pandoc ASTs in, real DOCX/PDF bytes out, opened
with python-docx and pypdf. Each fixture document is cited and rendered once per module."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from importlib import resources

import docx
import pypdf
import pytest
import yaml

from positionkit.languages import LANGUAGES, get_language
from positionkit.render import RENDERERS, Handout, RenderError, reference_docx, render_docx, render_pdf
from positionkit.fonts import cjk_font_paths, font_families, missing_glyphs
from positionkit.labels import LABEL_KEYS, load_labels
from positionkit.render.pandoc import run_pandoc
from positionkit.style import DEFAULT_STYLE, Style


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
EPOCH = 1795132800  # 2026-11-19T20:00:00Z

BIB = r"""
@report{wto2023,
  author = {{World Trade Organization}},
  title = {Joint Statement Initiative on Electronic Commerce},
  year = {2023},
  institution = {WTO},
}
@article{smith2021,
  author = {Smith, Jane and Okafor, Ngozi},
  title = {Data Localisation and Development},
  journal = {Journal of International Economic Law},
  volume = {24},
  pages = {455--478},
  year = {2021},
}
"""

SOURCES = {
    "en": """
::: key-messages
- Privacy rules are not disguised protectionism.
- Development needs policy space.
:::

# Context

The stabilised text leaves the data-flow provisions in brackets [@wto2023].^[See @smith2021.]

::: {.fallback lang="fr"}
Ce paragraphe reste en français.
:::

# References {#bibliography}

::: {#refs}
:::
""",
    "fr": """
::: key-messages
- Les règles de confidentialité ne sont pas du protectionnisme.
:::

# Contexte

Le texte stabilisé laisse les dispositions entre crochets [@wto2023].

::: {.fallback lang="en"}
This paragraph stays in English.
:::
""",
    "ar": """
::: key-messages
- قواعد الخصوصية ليست حمائية مقنعة.
:::

# السياق

ARABIC_SAMPLE [@smith2021]

::: {.fallback lang="en"}
This paragraph stays in English.
:::
""",
    "zh-Hans": """
::: key-messages
- 隐私规则不是变相的保护主义。
:::

# 背景

稳定文本将数据流动条款置于方括号内 [@wto2023]。
""",
}
ARABIC_SAMPLE = (
    "يترك النص المستقر الأحكام المتعلقة بتدفق البيانات بين أقواس معقوفة وقد لاحظت البلدان النامية "
    "أن اختبار الضرورة من شأنه أن ينقل عبء الإثبات إلى الجهات التنظيمية في منظمة التجارة العالمية"
)
TITLES = {
    "en": "Cross-border data flows in the WTO",
    "fr": "Les flux transfrontières de données",
    "ar": "تدفقات البيانات عبر الحدود",
    "zh-Hans": "跨境数据流动",
}
ORGS = ("Example Digital Rights Network", "Example Consumer Council")


@pytest.fixture(scope="module")
def asts(tmp_path_factory):
    """One cited pandoc AST per fixture language, as the build's citeproc step makes them."""
    tmp = tmp_path_factory.mktemp("render")
    bib = tmp / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    out = {}
    for code, md in SOURCES.items():
        md = md.replace("ARABIC_SAMPLE", ARABIC_SAMPLE)
        lang = get_language(code)
        args = ["-f", "markdown", "-t", "json", "--citeproc", "--bibliography", str(bib),
                "-M", f"lang={lang.pandoc_lang}"]
        out[code] = json.loads(run_pandoc(args, md.encode("utf-8"), epoch=EPOCH))
    return out


def make(asts, code: str, *, draft: bool = False, **kw) -> Handout:
    lang = get_language(code)
    fields = dict(
        ast=asts[code], lang=lang, title=TITLES[code], subtitle="A short subtitle",
        date="20 November 2026", organisations=ORGS, audience="For WTO delegations",
        contact="trade@example.org", labels=load_labels(lang), style=DEFAULT_STYLE, draft=draft,
        provenance="Built 2026-11-20 · commit 3f2a9c1", epoch=EPOCH,
    )
    fields.update(kw)
    return Handout(**fields)


@pytest.fixture(scope="module")
def pdfs(asts):
    return {
        ("en", True): render_pdf(make(asts, "en", draft=True)),
        ("en", False): render_pdf(make(asts, "en")),
        ("fr", False): render_pdf(make(asts, "fr")),
        ("ar", False): render_pdf(make(asts, "ar")),
    }


@pytest.fixture(scope="module")
def docxs(asts):
    return {
        ("en", True): render_docx(make(asts, "en", draft=True)),
        ("en", False): render_docx(make(asts, "en")),
        ("ar", False): render_docx(make(asts, "ar")),
        ("zh-Hans", False): render_docx(make(asts, "zh-Hans")),
    }


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def xml(data: bytes, part: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(part).decode("utf-8")


# --- languages, style, labels ------------------------------------------------------------


def test_language_table_and_tags():
    for code in ("en", "fr", "es", "ar", "ru", "zh-Hans", "zh", "pt", "pt-BR", "de", "fa", "he", "ur", "el"):
        assert code in LANGUAGES
    assert get_language("zh").pandoc_lang == "zh-Hans" and get_language("zh").typst_lang == "zh"
    assert get_language("ar").rtl and get_language("ar").script == "arabic"
    br = get_language("pt-br")
    assert (br.code, br.typst_region, br.babel_locale) == ("pt-BR", "BR", "pt_BR")
    gb = get_language("en-GB")
    assert (gb.typst_lang, gb.typst_region, gb.pandoc_lang) == ("en", "GB", "en-GB")
    assert get_language("zh-CN").script == "cjk"
    assert get_language("xx") is None and get_language("not a tag") is None


def test_style_from_mapping_collects_every_error():
    style, errors = Style.from_mapping({"font_size": 11, "accent_color": "#abc", "paper_size": "US-Letter"})
    assert errors == []
    assert (style.font_size, style.accent_color, style.paper_size) == (11.0, "#AABBCC", "us-letter")
    style, errors = Style.from_mapping({"font_size": "big", "accent_color": "blue", "paper_size": "a3",
                                        "body_font": "", "unknown": 1})
    assert [e.split(":")[0] for e in errors] == ["font_size", "accent_color", "paper_size", "body_font"]
    assert style == DEFAULT_STYLE


@pytest.mark.parametrize("code", ["en", "fr", "es", "ar", "ru", "zh-Hans", "pt"])
def test_every_label_is_translated(code):
    labels = load_labels(get_language(code))
    # load_labels falls back to English, so check the language's own file has every key
    own = yaml.safe_load(resources.files("positionkit").joinpath(f"data/i18n/{code}.yaml").read_text("utf-8"))
    assert set(LABEL_KEYS) - set(own) == set()
    assert "{page}" in labels["page_of"] and "{total}" in labels["page_of"]
    assert "{language}" in labels["fallback_notice"]
    if code != "en":
        assert labels["references"] != "References" and labels["key_messages"] != "Key messages"


def test_project_overrides_win():
    labels = load_labels(get_language("fr"), {"references": "Bibliographie"})
    assert labels["references"] == "Bibliographie" and labels["draft"] == "Projet"


def test_run_pandoc_reports_stderr():
    with pytest.raises(RenderError, match="pandoc failed"):
        run_pandoc(["-f", "nonexistent-format"], b"")


# --- fonts --------------------------------------------------------------------------------


def test_missing_glyphs_finds_cjk_without_cjk_fonts(monkeypatch):
    from positionkit import fonts

    monkeypatch.setattr(fonts, "cjk_font_paths", lambda: [])
    text = "Data flows 数据流动"
    assert missing_glyphs(text, get_language("en"), DEFAULT_STYLE) == set("数据流动")
    assert missing_glyphs("Ωμέγα Привет", get_language("en"), DEFAULT_STYLE) == set()


@pytest.mark.skipif(not cjk_font_paths(), reason="no Noto CJK font installed")
def test_cjk_fonts_cover_chinese():
    zh = get_language("zh-Hans")
    assert missing_glyphs("数据流动。", zh, DEFAULT_STYLE) == set()
    assert "Noto Serif CJK SC" in font_families(zh, DEFAULT_STYLE)


def test_font_lists_are_explicit_per_script():
    assert font_families(get_language("ar"), DEFAULT_STYLE)[0] == "Amiri"
    assert font_families(get_language("ru"), DEFAULT_STYLE)[0] == "IBM Plex Serif"
    sans = Style(body_font="IBM Plex Sans")
    assert font_families(get_language("ar"), sans)[0] == "IBM Plex Sans Arabic"


# --- PDF ----------------------------------------------------------------------------------


def test_pdf_text_and_metadata(pdfs):
    data = pdfs[("en", False)]
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = squash(pdf_text(data))
    assert TITLES["en"] in text
    assert "The stabilised text leaves the data-flow provisions in brackets" in text
    assert "Key messages" in text and "References" in text
    assert "Page 1 of 1" in text
    assert "Example Digital Rights Network" in text and "For WTO delegations" in text
    assert "Built 2026-11-20 · commit 3f2a9c1" in text
    assert "Not yet translated: original text in French" in text
    assert "Draft" not in text and "DRAFT" not in text
    meta = reader.metadata
    assert meta.title == TITLES["en"]
    assert meta.author == ", ".join(ORGS)
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert set(meta) <= {"/Title", "/Author", "/Creator", "/Producer", "/ModDate", "/CreationDate"}
    assert "/tmp" not in data.decode("latin-1")


def test_pdf_draft_marking_only_when_draft(pdfs):
    assert "DRAFT" in pdf_text(pdfs[("en", True)])
    assert "DRAFT" not in pdf_text(pdfs[("en", False)])


def test_pdf_localised_labels(pdfs):
    text = squash(pdf_text(pdfs[("fr", False)]))
    assert "Références" in text and "Messages clés" in text and "Page 1 sur 1" in text
    assert "Not yet translated" not in text
    assert "Pas encore traduit : texte original en anglais" in text


def test_pdf_arabic_words_survive_extraction(pdfs):
    data = pdfs[("ar", False)]
    if shutil.which("pdftotext"):  # poppler follows ToUnicode for ligatures more closely
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    else:
        text = pdf_text(data)
    words = ARABIC_SAMPLE.split()
    found = set(re.findall(r"[\u0600-\u06FF]+", text))
    assert sum(w in found for w in words) >= 0.9 * len(words)
    assert "المراجع" in text or "المراجع" in pdf_text(data)


def test_pdf_is_byte_identical(asts, pdfs):
    assert render_pdf(make(asts, "en", draft=True)) == pdfs[("en", True)]


@pytest.mark.skipif(not cjk_font_paths(), reason="no Noto CJK font installed")
def test_pdf_chinese_uses_noto_cjk(asts):
    data = render_pdf(make(asts, "zh-Hans"))
    assert "隐私规则不是变相的保护主义" in squash(pdf_text(data)).replace(" ", "")
    assert b"NotoSerifCJK" in data


def test_pdf_title_is_text_not_markup(asts):
    title = 'Rules "for" #data *flows* $5 [draft] <tag> \\ end'
    data = render_pdf(make(asts, "en", title=title))
    assert pypdf.PdfReader(io.BytesIO(data)).metadata.title == title


# --- DOCX ---------------------------------------------------------------------------------


def test_docx_styles_and_title_block(docxs):
    doc = docx.Document(io.BytesIO(docxs[("en", False)]))
    accent = DEFAULT_STYLE.accent_color.lstrip("#")
    h1 = doc.styles["Heading 1"]
    assert str(h1.font.color.rgb) == accent and h1.font.name == DEFAULT_STYLE.heading_font
    assert doc.styles["Normal"].font.name == DEFAULT_STYLE.body_font
    paras = [(p.style.name, p.text) for p in doc.paragraphs]
    assert ("Title", TITLES["en"]) in paras
    assert ("Subtitle", "A short subtitle") in paras
    assert ("Author", "Example Digital Rights Network · Example Consumer Council") in paras
    assert ("Date", "20 November 2026") in paras and ("Audience", "For WTO delegations") in paras
    assert ("Contact", "Contact: trade@example.org") in paras
    assert ("Heading 1", "References") in paras
    assert ("Fallback Notice", "Not yet translated: original text in French") in paras
    assert ("Fallback", "Ce paragraphe reste en français.") in paras
    # the key-messages box: a shaded one-cell table holding the styled paragraphs
    box = doc.tables[0].cell(0, 0).paragraphs
    assert [p.style.name for p in box] == ["Key Messages Heading", "Key Messages", "Key Messages"]
    assert box[0].text == "Key messages" and box[1].text == "Privacy rules are not disguised protectionism."
    document = xml(docxs[("en", False)], "word/document.xml")
    assert '<w:lang w:val="fr"/>' in document  # the fallback passage keeps its language


def test_docx_core_properties_exact(docxs):
    cp = docx.Document(io.BytesIO(docxs[("en", False)])).core_properties
    assert cp.title == TITLES["en"] and cp.subject == "A short subtitle"
    assert cp.author == "; ".join(ORGS) and cp.language == "en"
    assert cp.last_modified_by == "" and cp.comments == "" and cp.revision == 1
    assert int(cp.created.timestamp()) == EPOCH and cp.modified == cp.created


def test_docx_footer_fields_and_draft_header(docxs):
    final, draft = docxs[("en", False)], docxs[("en", True)]
    names = zipfile.ZipFile(io.BytesIO(final)).namelist()
    footer = "".join(xml(final, n) for n in names if n.startswith("word/footer"))
    assert "PAGE" in footer and "NUMPAGES" in footer and "Built 2026-11-20" in footer
    headers = lambda d: "".join(xml(d, n) for n in zipfile.ZipFile(io.BytesIO(d)).namelist()
                                if n.startswith("word/header"))
    assert "DRAFT" in headers(draft) and "DRAFT" not in headers(final)


def test_docx_arabic_is_right_to_left(docxs):
    from positionkit.render.bidi import is_ltr

    data = docxs[("ar", False)]
    doc = docx.Document(io.BytesIO(data))
    for p in doc.paragraphs:
        bidi = p._element.find(f"{W}pPr/{W}bidi") is not None
        latin = p.style.name == "Fallback" or p.text == "A short subtitle"  # untranslated: LTR
        latin = latin or is_ltr(p.text)  # a Latin reference or organisation name keeps its direction
        assert bidi == (not latin), (p.style.name, p.text)
    assert any(p.style.name == "Bibliography" and is_ltr(p.text) for p in doc.paragraphs)
    title = next(p for p in doc.paragraphs if p.style.name == "Title")
    assert title._element.find(f"{W}pPr/{W}bidi") is not None
    assert all(r._element.find(f"{W}rPr/{W}rtl") is not None for r in title.runs)
    assert doc.element.body.find(f"{W}sectPr/{W}bidi") is not None
    styles = xml(data, "word/styles.xml")
    assert 'w:bidi="ar-SA"' in styles and 'w:val="ar-SA"' in styles
    assert "المراجع" in [p.text for p in doc.paragraphs]


def test_docx_chinese_language_and_fonts(docxs):
    doc = docx.Document(io.BytesIO(docxs[("zh-Hans", False)]))
    rpr = doc.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    lang = rpr.find(f"{W}lang")
    assert (lang.get(f"{W}val"), lang.get(f"{W}eastAsia")) == ("zh-CN", "zh-CN")
    if cjk_font_paths():
        assert rpr.find(f"{W}rFonts").get(f"{W}eastAsia") == "Noto Serif CJK SC"


def test_docx_is_byte_identical(asts, docxs):
    assert render_docx(make(asts, "en", draft=True)) == docxs[("en", True)]
    infos = zipfile.ZipFile(io.BytesIO(docxs[("en", True)])).infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert len({i.date_time for i in infos}) == 1


def test_docx_package_has_no_comments_and_honest_app_properties(docxs):
    data = docxs[("ar", False)]
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "word/comments.xml" not in names
    assert "comments" not in xml(data, "word/_rels/document.xml.rels")
    assert "comments" not in xml(data, "[Content_Types].xml")
    app = xml(data, "docProps/app.xml")
    values = dict(re.findall(r"<(\w+)>([^<]*)</\1>", app))
    assert values == {"Application": "positionkit", "DocSecurity": "0"}
    assert docx.Document(io.BytesIO(data)).paragraphs  # still a valid package


def test_reference_docx_round_trip(asts):
    red = Style(accent_color="#C00000")
    ref = reference_docx(red)
    assert ref == reference_docx(red)
    doc = docx.Document(io.BytesIO(ref))
    for name in ("Key Messages", "Key Messages Heading", "Fallback", "Title", "Subtitle", "Author", "Date"):
        assert doc.styles[name] is not None
    assert "NUMPAGES" in xml(ref, "word/footer1.xml") or any(
        "NUMPAGES" in xml(ref, n) for n in zipfile.ZipFile(io.BytesIO(ref)).namelist() if "footer" in n)
    # a project's reference.docx is used as given: its accent, not the Handout's style
    out = docx.Document(io.BytesIO(render_docx(make(asts, "en"), reference=ref)))
    assert str(out.styles["Heading 1"].font.color.rgb) == "C00000"


def test_renderer_table_maps_each_format_to_a_renderer_of_that_format(asts):
    h = make(asts, "en")
    made = {fmt: renderer(h) for fmt, renderer in RENDERERS.items()}
    assert sorted(made) == ["docx", "pdf"]
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(made["docx"])).namelist()
    assert made["pdf"].startswith(b"%PDF-") and len(pypdf.PdfReader(io.BytesIO(made["pdf"])).pages) >= 1


# --- left-to-right islands in right-to-left handouts ----------------------------------------

LATIN_TITLE = "Zero-rating and net neutrality in trade"


@pytest.fixture(scope="module")
def arabic_latin_title(asts):
    h = make(asts, "ar", title=LATIN_TITLE, subtitle="Why open-internet rules should stay a national choice")
    return render_docx(h), render_pdf(h)


def test_pdf_latin_title_and_citations_read_left_to_right(arabic_latin_title):
    _, data = arabic_latin_title
    lines = pdf_text(data).splitlines()
    assert LATIN_TITLE in lines and "Why open-internet rules should stay a national choice" in lines
    assert "(Smith و Okafor 2021)" in pdf_text(data)  # citeproc's Arabic "and", kept in place


def test_docx_latin_title_is_left_to_right_and_citations_isolated(arabic_latin_title):
    data, _ = arabic_latin_title
    doc = docx.Document(io.BytesIO(data))
    by_style = {p.style.name: p for p in doc.paragraphs}
    for name in ("Title", "Subtitle"):
        assert by_style[name]._element.find(f"{W}pPr/{W}bidi") is None, name
        assert all(r._element.find(f"{W}rPr/{W}rtl") is None for r in by_style[name].runs)
    # an English date ("20 November 2026") keeps its own direction too
    assert by_style["Date"]._element.find(f"{W}pPr/{W}bidi") is None
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "\u2066(Smith و Okafor 2021)\u2069" in text
    assert text.count("\u2066") == text.count("\u2069") == 1  # the Arabic-only text gets none


def test_running_header_uses_the_short_title_when_given(asts):
    from positionkit.render import typst_source

    assert "Data flows in the JSI" in typst_source(make(asts, "en", short_title="Data flows in the JSI"))
    assert "Data flows in the JSI" not in typst_source(make(asts, "en"))


def test_the_briefing_template_makes_each_regex_once():
    """A `regex(...)` written inside a function is compiled anew at every call and kept by typst's
    caches: the heading rule alone cost a 200-page handout 500 MB and 1.5 s. Every regex in the
    template is bound once, at the top level."""
    import re as _re
    from importlib import resources

    template = resources.files("positionkit.render").joinpath("briefing.typ").read_text("utf-8")
    lines = [ln for ln in template.splitlines() if "regex(" in ln and not ln.lstrip().startswith("//")]
    assert lines, "the template has no regex any more: drop this test"
    assert all(_re.match(r"#let [\w-]+ = regex\(", ln) for ln in lines), lines


def test_docx_parts_taken_from_python_docx_equal_its_saved_zip(asts, docxs, monkeypatch):
    """The DOCX fix-ups hand their parts on without python-docx zipping them (render.docx.fix._parts);
    with a python-docx lacking those writer steps it saves and reads back: the same DOCX, byte
    for byte, either way."""
    from positionkit.render.docx import fix

    monkeypatch.setattr(fix, "_WRITER_STEPS", (*fix._WRITER_STEPS, "_write_something_new"))
    assert render_docx(make(asts, "ar")) == docxs[("ar", False)]
