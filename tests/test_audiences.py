"""Tailored handouts: audiences.yaml, .when/.unless conditions, `build --audience`.

Audiences here are fictional; one module-scoped batch (three audiences, DOCX + PDF) serves the
output tests.
"""
from __future__ import annotations

import shutil
import zipfile
from io import BytesIO
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from positionkit.load import audiences as aud
from positionkit.resolve import conditions
from positionkit.cli.main import main
from positionkit.markdown import parse, to_lines
from tests.conftest import MINIMAL, write_project

SECTION = """\
## Introduction

For {{ country }}, data flows matter [@unctad2021der].

::: {.when tags="ldc"}
Technical assistance paragraph for least-developed countries.
:::

::: {.when stance="persuadable"}
Open-question paragraph for delegations still deciding.
:::

::: {.unless stance="ally, persuadable"}
Baseline paragraph for everyone else.
:::
"""

AUDIENCES = """\
audiences:
  - id: atlantis
    name: "Delegation of Atlantis"
    languages: [en]
    params: {country: "Atlantis"}
    tags: [ldc]
    internal: {stance: ally, notes: "CANARY-atlantis-7Q"}
  - id: borduria
    name: {en: "Delegation of Borduria", fr: "Délégation de la Bordurie"}
    languages: [fr]
    params: {country: {en: "Borduria", fr: "Bordurie"}}
    internal: {stance: persuadable, notes: "CANARY-borduria-7Q"}
  - id: syldavia
    name: "Delegation of Syldavia"
    languages: [en]
    params: {country: "Syldavia"}
    tags: [island]
    internal: {stance: opponent, notes: "CANARY-syldavia-7Q"}
"""

PARAGRAPHS = {"ldc": "Technical assistance paragraph", "persuadable": "Open-question paragraph",
              "unless": "Baseline paragraph"}
EXPECTED = {"atlantis": {"ldc"}, "borduria": {"persuadable"}, "syldavia": {"unless"}}


def project_files(**extra) -> dict:
    files = dict(MINIMAL)
    files["papers/note/paper.yaml"] = MINIMAL["papers/note/paper.yaml"] + "params:\n  country: WTO Members\n"
    files["papers/note/01-intro.md"] = SECTION
    files["audiences.yaml"] = AUDIENCES
    files.update(extra)
    return files


def run(root: Path, *args):
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(path.read_bytes())).pages).split())


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = write_project(tmp_path_factory.mktemp("aud") / "proj", project_files())
    result = run(root, "build", "--audience", "all", "-j", "2")
    assert result.exit_code == 0, result.output
    return root, result


# -- audiences.yaml ----------------------------------------------------------------------------

def load_text(tmp_path, text):
    (tmp_path / "audiences.yaml").write_text(text, encoding="utf-8")
    return aud.load(tmp_path, "audiences.yaml")


def test_load_reads_every_field(tmp_path):
    found, diags = load_text(tmp_path, AUDIENCES)
    assert diags == []
    assert [a.id for a in found.audiences] == ["atlantis", "borduria", "syldavia"]
    assert found.get("borduria").languages == ("fr",) and found.get("atlantis").line == 2
    assert found.tags == ["island", "ldc"]


def test_load_reports_bad_entries_and_keeps_the_good_ones(tmp_path):
    text = """\
audiences:
  - id: atlantis
    nmae: "Delegation of Atlantis"
  - id: atlantis
  - id: Bad/Id
  - id: lilliput
    languages: [xx]
  - id: blefuscu
    tags: {not: a list}
"""
    found, diags = load_text(tmp_path, text)
    assert [d.format() for d in diags] == [
        "audiences.yaml:3: warning[PK803] unknown key 'nmae' in audience 'atlantis' (did you mean 'name'?)",
        "audiences.yaml:4: error[PK805] audience id 'atlantis' is used twice (first on line 2) "
        "(every audience needs its own id: it names its output folder)",
        "audiences.yaml:5: error[PK804] audience id 'Bad/Id' must be lowercase letters, digits, '-' or '_' "
        "(the id names the output folder: build/<paper>/<id>/)",
        "audiences.yaml:7: error[PK806] audience 'lilliput': unknown language 'xx' "
        "(use a BCP 47 tag such as en, fr, es, ar, ru, zh-Hans, pt-BR)",
        "audiences.yaml:9: error[PK804] audience 'blefuscu': tags must be a list of words",
    ]
    assert [a.id for a in found.audiences] == ["atlantis"]


def test_select_by_id_tag_and_all_with_hint_for_unknown(tmp_path):
    found, _ = load_text(tmp_path, AUDIENCES)
    assert [a.id for a in aud.select(found, ["ldc", "syldavia"])[0]] == ["atlantis", "syldavia"]
    assert len(aud.select(found, ["all", "atlantis"])[0]) == 3
    _, diags = aud.select(found, ["atlantsi"])
    assert [d.format() for d in diags] == [
        "audiences.yaml: error[PK807] no audience id or tag 'atlantsi' in audiences.yaml (did you mean 'atlantis'?)"]


def test_languages_fall_back_to_the_source_language():
    person = aud.Audience("x", languages=("fr", "es"))
    assert aud.languages_for(person, ["en", "es"], "en") == ["es"]
    assert aud.languages_for(person, ["en"], "en") == ["en"]


def test_shipped_wto_file_is_valid_and_assigns_no_stance():
    root = Path(__file__).resolve().parent.parent
    found, diags = aud.load(root, "audiences.yaml")
    assert diags == [] and len(found.audiences) == 166
    assert {a.internal.get("stance") for a in found.audiences} == {"unassigned"}


# -- conditions -------------------------------------------------------------------------------

def div(text: str):
    items, _ = parse(to_lines(text + "\nx\n:::", "s.md"))
    return items[0]


@pytest.mark.parametrize("attrs, expected", [
    ('.when tags="ldc"', {"atlantis"}),
    ('.when tags="island, ldc"', {"atlantis", "syldavia"}),
    ('.when tags="island ldc" stance="ally"', {"atlantis"}),
    ('.when stance="persuadable"', {"borduria"}),
    ('.when id="syldavia"', {"syldavia"}),
    ('.when languages="fr"', {"borduria"}),
    ('.when country="Bordurie"', {"borduria"}),
    ('.unless stance="ally,persuadable"', {"syldavia"}),
])
def test_conditions_select_audiences_by_the_dita_rule(tmp_path, attrs, expected):
    found, _ = load_text(tmp_path, AUDIENCES)
    d = div("::: {" + attrs + "}")
    assert {a.id for a in found.audiences if conditions.keep(d, a.mapping())[0]} == expected


def test_without_an_audience_when_is_dropped_and_unless_kept():
    assert conditions.keep(div('::: {.when tags="ldc"}'), None) == (False, [])
    assert conditions.keep(div('::: {.unless tags="ldc"}'), None) == (True, [])


def test_unknown_field_or_value_is_reported_with_the_closest_hint(tmp_path):
    found, _ = load_text(tmp_path, AUDIENCES)
    body = '::: {.when stnce="ally"}\nx\n:::\n\n::: {.unless tags="lcd"}\ny\n:::\n\n::: when\nz\n:::\n'
    diags = conditions.validate([("papers/note/01-intro.md", body, 3)], found)
    assert [d.format() for d in diags] == [
        "papers/note/01-intro.md:3:12: error[PK810] unknown audience field 'stnce' in .when "
        "(did you mean 'stance'?)",
        "papers/note/01-intro.md:7:14: warning[PK811] no audience in audiences.yaml has tags 'lcd' "
        "(did you mean 'ldc'?)",
        "papers/note/01-intro.md:11: error[PK812] this .when div names no audience field "
        '(write ::: {.when tags="ldc"})',
    ]


def test_internal_field_in_text_is_an_error_not_a_parameter(make_project, cli):
    root = make_project(project_files(**{"papers/note/01-intro.md": "## A\n\nOur view: {{ stance }}.\n"}))
    result = cli(root, "build", "--audience", "atlantis", "--format", "docx")
    assert result.exit_code == 1
    assert ("papers/note/01-intro.md:3:11: error[PK813] 'stance' is an internal audience field and can "
            'never be printed (select on it instead: ::: {.when stance="..."})') in result.stderr
    assert not (root / "build/note/atlantis").exists()


# -- the batch --------------------------------------------------------------------------------

def test_each_audience_gets_its_own_tailored_handout(batch):
    root, result = batch
    for aid, wanted in EXPECTED.items():
        lang = "en"  # borduria asks for fr; the paper has only en: the source language is used
        for fmt, read in (("docx", docx_text), ("pdf", pdf_text)):
            text = read(root / f"build/note/{aid}/note.{lang}.{fmt}")
            for key, paragraph in PARAGRAPHS.items():
                assert (paragraph in text) == (key in wanted), (aid, fmt, key)
    assert "For Atlantis, data flows matter" in pdf_text(root / "build/note/atlantis/note.en.pdf")
    assert "Delegation of Syldavia" in pdf_text(root / "build/note/syldavia/note.en.pdf")
    assert "Delegation of Borduria" in docx_text(root / "build/note/borduria/note.en.docx")


def test_internal_fields_are_never_printed(batch):
    root, _ = batch
    files = [p for p in (root / "build").rglob("*") if p.is_file()]
    assert len([p for p in files if p.suffix in (".docx", ".pdf")]) == 6
    for path in files:
        text = docx_text(path) if path.suffix == ".docx" else pdf_text(path) if path.suffix == ".pdf" \
            else path.read_text("utf-8", "replace")
        for word in ("CANARY", "persuadable", "opponent"):
            assert word not in text, (path, word)


def test_summary_table_and_rebuild_reuses_everything(batch):
    root, result = batch
    assert "  built                  6\n  reused from cache      0\n  failed audiences       0\n" in result.output
    again = run(root, "build", "--audience", "all")
    assert again.exit_code == 0
    assert "  built                  0\n  reused from cache      6\n" in again.output


def test_plain_build_prints_no_tailored_content(batch, tmp_path):
    root = tmp_path / "plain"
    shutil.copytree(batch[0], root, ignore=shutil.ignore_patterns("build"))
    assert run(root, "build", "--format", "pdf").exit_code == 0
    text = pdf_text(root / "build/note/note.en.pdf")
    assert "Baseline paragraph" in text and "Technical assistance" not in text and "Open-question" not in text
    assert "For WTO Members, data flows matter" in text


def test_a_failing_audience_does_not_stop_the_others(make_project, cli):
    section = SECTION + '\n::: {.when id="syldavia"}\nSee [@nosuchkey].\n:::\n'
    root = make_project(project_files(**{"papers/note/01-intro.md": section}))
    result = cli(root, "build", "--audience", "all", "--format", "docx")
    assert result.exit_code == 1
    assert (root / "build/note/atlantis/note.en.docx").is_file()
    assert (root / "build/note/borduria/note.en.docx").is_file()
    assert not (root / "build/note/syldavia").exists()
    assert "  built                  2\n" in result.output
    assert ("  failed: note/syldavia\n      papers/note/01-intro.md:18:6: error[PK201] unknown citation key "
            "'nosuchkey'") in result.output


def test_unknown_audience_selector_is_an_error(make_project, cli):
    result = cli(make_project(project_files()), "build", "--audience", "ldcc")
    assert result.exit_code == 1
    assert "error[PK807] no audience id or tag 'ldcc' in audiences.yaml (did you mean 'ldc'?)" in result.stderr


def test_parallel_builds_are_byte_identical(batch, tmp_path):
    root = tmp_path / "serial"
    shutil.copytree(batch[0], root, ignore=shutil.ignore_patterns("build"))
    assert run(root, "build", "--audience", "all", "-j", "1").exit_code == 0
    outputs = [p for p in (batch[0] / "build").rglob("*.*") if p.suffix in (".docx", ".pdf")]
    assert len(outputs) > 2, "the batch built nothing to compare"
    for path in outputs:
        rel = path.relative_to(batch[0])
        assert (root / rel).read_bytes() == path.read_bytes(), rel


def test_check_reports_conditions_like_build(make_project, cli):
    root = make_project({
        "audiences.yaml": AUDIENCES,
        "papers/note/01-intro.md": '## Intro\n\n::: {.when stnce="ally"}\nx\n:::\n',
    })
    for command in ("check", "build"):
        result = cli(root, command)
        assert result.exit_code == 1, command
        assert ("papers/note/01-intro.md:3:12: error[PK810] unknown audience field 'stnce' in .when "
                "(did you mean 'stance'?)") in result.stderr, command


def test_tailored_docx_is_reviewed_against_its_own_audience(batch, tmp_path):
    """Tailored DOCX may share one rendered template: each still names its own audience (hashed)."""
    import json

    from positionkit.resolve.anchors import PROPERTY, audience_id
    from tests.reviewing import Reviewer

    root, _ = batch
    for who in ("atlantis", "syldavia"):
        path = root / f"build/note/{who}/note.en.docx"
        with zipfile.ZipFile(path) as z:
            custom = z.read("docProps/custom.xml").decode()
        assert PROPERTY in custom and f"&quot;audience&quot;:&quot;{audience_id(who)}&quot;" in custom
        assert who not in custom
    reviewed = Reviewer((root / "build/note/syldavia/note.en.docx").read_bytes())
    reviewed.replace("Baseline paragraph", "Base paragraph")
    (tmp_path / "r.docx").write_bytes(reviewed.save())
    res = run(root, "review", str(tmp_path / "r.docx"), "--format", "json")
    item = json.loads(res.output)["items"][0]
    line = next(n for n, text in enumerate(SECTION.split("\n"), start=1) if text.startswith("Baseline"))
    assert (item["path"], item["line"], item["status"]) == ("papers/note/01-intro.md", line, "pending")
    assert "note.en/syldavia" in run(root, "review", str(tmp_path / "r.docx")).output
