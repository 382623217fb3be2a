"""`check` checks what every audience gets: text inside .when/.unless included; --audience and
--lang narrow it; it says which audiences it checked, and which it could not."""
from __future__ import annotations

import json

from tests.conftest import MINIMAL

AUDIENCES = """\
audiences:
  - id: kenya
    languages: [en]
    tags: [g90]
  - id: senegal
    languages: [fr]
    tags: [g90]
  - id: chile
    languages: [en]
"""
SECTION = """\
## Introduction

Data flows matter [@unctad2021der].

::: {.when tags="g90"}
Technical assistance matters too [@unctad2021dre].
:::
"""


def project(make_project, **extra):
    paper = MINIMAL["papers/note/paper.yaml"].replace("[en]", "[en, fr]")
    return make_project({"papers/note/paper.yaml": paper, "papers/note/01-intro.md": SECTION,
                         "audiences.yaml": AUDIENCES, **extra})


def test_a_bad_citation_inside_when_fails_check(make_project, cli):
    root = project(make_project)
    res = cli(root, "check")
    assert res.exit_code == 1
    assert "papers/note/01-intro.md:6:" in res.output and "unctad2021dre" in res.output
    assert res.output.count("unctad2021dre'") == 1  # once, however many audiences print it
    assert "note: checked the text of 3 audience(s) (kenya, senegal, chile)" in res.output


def test_audience_and_lang_narrow_the_check(make_project, cli):
    root = project(make_project)
    chile = cli(root, "check", "--audience", "chile")
    assert chile.exit_code == 0, chile.output
    assert "note: checked the text of 1 audience(s) (chile)" in chile.output
    g90 = cli(root, "check", "--audience", "g90", "--format", "json")
    assert g90.exit_code == 1
    assert any("unctad2021dre" in d["message"] for d in json.loads(g90.stdout))
    french = cli(root, "check", "--lang", "fr")  # only Senegal reads French: still caught
    assert french.exit_code == 1 and "(senegal)" in french.output
    unknown = cli(root, "check", "--audience", "kenia")
    assert unknown.exit_code == 1 and "did you mean 'kenya'?" in unknown.output


def test_what_check_could_not_check_is_said(make_project, cli):
    root = project(make_project, **{"audiences.yaml": "audiences: [\n"})
    res = cli(root, "check")
    assert "note: audiences NOT checked: audiences.yaml cannot be read" in res.output
    plain = make_project({"audiences.yaml": None})
    (plain / "audiences.yaml").unlink(missing_ok=True)
    quiet = cli(plain, "check")
    assert quiet.exit_code == 0 and "audience" not in quiet.output


def test_i18n_status_lists_blocks_only_some_audiences_get(make_project, cli):
    section = ("## Introduction\n\nData flows matter [@unctad2021der].\n\n::: {.when tags=\"g90\"}\n"
               "::: {.block ref=\"aid/assist\"}\n:::\n:::\n")
    root = project(make_project, **{
        "papers/note/01-intro.md": section,
        "blocks/aid/assist.md": "---\nid: aid/assist\nstatus: approved\n---\nAssistance matters.\n"})
    res = cli(root, "i18n", "status", "--lang", "fr")
    assert "blocks/aid/assist.fr.md" in res.output


def test_audiences_skipped_for_errors_or_language_are_named(make_project, cli):
    root = project(make_project, **{"audiences.yaml": AUDIENCES + "  - id: peru\n    languages: [xx]\n"})
    res = cli(root, "check")
    assert "note: checked the text of 3 audience(s) (kenya, senegal, chile)" in res.output
    assert "note: audiences NOT checked: the entries of audiences.yaml with errors (lines 11)" in res.output
    spanish = cli(make_project({"audiences.yaml": AUDIENCES}), "check", "--lang", "es")
    assert "note: audiences NOT checked: no audience reads es" in spanish.output


def test_identical_audience_texts_are_checked_once_without_losing_one_audiences_problem(make_project, cli):
    """Audiences whose text is the same are checked once (pipeline.checking.distinct); the one
    audience whose .when div prints a bad citation still fails the check, at its line."""
    people = "audiences:\n" + "".join(f"  - id: member{i}\n    languages: [en]\n    tags: [ldc]\n"
                                      for i in range(6)) + "  - id: odd\n    languages: [en]\n    tags: [g33]\n"
    section = ("## Introduction\n\nData flows matter [@unctad2021der].\n\n::: {.when tags=\"g33\"}\n"
               "Special products matter [@nosuchkey2020].\n:::\n")
    root = project(make_project, **{"audiences.yaml": people, "papers/note/01-intro.md": section})
    from positionkit.load.project import load_project
    from positionkit.pipeline.checking import check, distinct
    from positionkit.resolve.document import resolve
    from positionkit.resolve.plan import plan_audiences
    loaded = load_project(root)
    targets, found, _, _ = plan_audiences(loaded, ["note"], ["en"], ("all",))
    docs = [resolve(loaded, t, found[(t.paper, t.audience)].mapping()) for t in targets]
    kept = distinct(docs)
    assert len(docs) == 7 and [d.target.audience for d in kept] == ["member0", "odd"]
    bad = [d for d in check(loaded).diagnostics if d.code == "PK201"]
    assert [(d.path, d.line, d.col) for d in bad] == [("papers/note/01-intro.md", 6, 26)]
    res = cli(root, "check")
    assert res.exit_code == 1 and "papers/note/01-intro.md:6:26: error[PK201]" in res.output
    assert "note: checked the text of 7 audience(s)" in res.output


def _countries(*rows: tuple[str, str]) -> str:
    return "audiences:\n" + "".join(f"  - id: {i}\n    languages: [en]\n    params:\n      country: \"{c}\"\n"
                                    for i, c in rows)


def test_audiences_differing_only_in_values_share_one_shape(make_project):
    """Documents that differ only in plain printed values have one shape (checked once by the
    syntax checks); different literal text, or a value that is not plain, makes another."""
    people = _countries(("kenya", "Kenya"), ("chile", "Chile"), ("cote", "Côte d'Ivoire"), ("odd", "A*B*"))
    section = "## For {{ country }}\n\nData flows matter to {{ country }} [@unctad2021der].\n"
    root = project(make_project, **{"audiences.yaml": people, "papers/note/01-intro.md": section})
    from positionkit.load.project import load_project
    from positionkit.pipeline.checking import distinct, shapes
    from positionkit.resolve.document import resolve
    from positionkit.resolve.plan import plan_audiences

    loaded = load_project(root)
    targets, found, _, _ = plan_audiences(loaded, ["note"], ["en"], ("all",))
    docs = distinct([resolve(loaded, t, found[(t.paper, t.audience)].mapping()) for t in targets])
    shape_of = shapes(loaded, docs, found)
    first = {d.target.audience: shape_of[id(d)].target.audience for d in docs}
    assert first == {"kenya": "kenya", "chile": "kenya", "cote": "kenya", "odd": "odd"}


def test_a_value_only_one_audience_prints_is_still_checked(make_project, cli):
    """Glyphs and heading ids read the values themselves (checks.READ_VALUES): an audience whose
    country has no glyph in the font, or whose country turns a heading into a duplicate, is
    reported although its document shares its shape with others."""
    people = _countries(("kenya", "Kenya"), ("chile", "Chile"), ("tuvalu", "Context"), ("ethiopia", "ኢትዮጵያ"))
    section = "## Context\n\nData flows matter [@unctad2021der].\n\n## {{ country }}\n\nText for {{ country }}.\n"
    root = project(make_project, **{"audiences.yaml": people, "papers/note/01-intro.md": section})
    res = cli(root, "check", "--format", "json")
    found = {(d["code"], d["line"]) for d in json.loads(res.stdout)}
    assert ("PK502", 5) in found  # only Tuvalu's "## Context" repeats the first heading
    assert any(code == "PK410" for code, _ in found)  # only Ethiopia's Ge'ez name lacks a glyph
    kenya = cli(root, "check", "--audience", "kenya", "--format", "json")
    assert not [d for d in json.loads(kenya.stdout) if d["code"] in ("PK502", "PK410")]
