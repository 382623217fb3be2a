"""Translations: stale detection, status, stamping, scaffolding, label fallback, consistency checks."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess

import pytest

from positionkit.pipeline.prepare import check_project
from positionkit.resolve.labels import project_labels
from positionkit.languages import get_language
from positionkit.load.project import load_project

TODAY = dt.date.today().isoformat()

PAPER = """\
title: Test note
date: 2026-11-20
audience: For WTO delegations
languages: [en, fr, es]
sections:
  - 01-intro.md
  - 02-context.md
"""
INTRO = "## Introduction\n\nData flows matter [@unctad2021der].\n"
CONTEXT = """\
## Context

The negotiations on electronic commerce began in 2019 and
now involve most WTO Members.

Privacy rules are not protectionism
[@gdpr2016].

Members should keep their policy space.
"""
CONTEXT_FR = """\
## Contexte

Les négociations sur le commerce électronique ont commencé en 2019 et
réunissent aujourd'hui la plupart des Membres de l'OMC.

Les règles de protection de la vie privée ne sont pas du protectionnisme
[@gdpr2016].

Les Membres devraient préserver leur marge de manœuvre.
"""
INTRO_FR = "## Introduction\n\nLes flux de données comptent [@unctad2021der].\n"
INTRO_ES = "## Introducción\n\nLos flujos de datos importan [@unctad2021der].\n"
CONTEXT_ES = CONTEXT_FR.replace("Contexte", "Contexto")  # content does not matter for freshness


@pytest.fixture
def project(make_project, cli):
    root = make_project({
        "papers/note/paper.yaml": PAPER,
        "papers/note/paper.fr.yaml": "title: Note de test\naudience: Pour les délégations\n",
        "papers/note/paper.es.yaml": "title: Nota de prueba\naudience: Para las delegaciones\n",
        "papers/note/01-intro.md": INTRO,
        "papers/note/02-context.md": CONTEXT,
        "papers/note/01-intro.fr.md": INTRO_FR,
        "papers/note/02-context.fr.md": CONTEXT_FR,
        "papers/note/01-intro.es.md": INTRO_ES,
        "papers/note/02-context.es.md": CONTEXT_ES,
    })
    res = cli(root, "i18n", "stamp", *(f"papers/note/0{n}-{s}.{lang}.md" for n, s in ((1, "intro"), (2, "context"))
                                       for lang in ("fr", "es")), "papers/note/paper.fr.yaml", "papers/note/paper.es.yaml")
    assert res.exit_code == 0, res.output
    return root


def codes(diags, code):
    return [d.format() for d in diags if d.code == code]


def test_fresh_project_has_no_translation_warnings(project):
    diags = check_project(project)
    assert codes(diags, "PK401") == codes(diags, "PK402") == codes(diags, "PK411") == []


def test_editing_one_paragraph_flags_exactly_that_paragraph(project):
    src = project / "papers/note/02-context.md"
    src.write_text(CONTEXT.replace("Privacy rules are not protectionism", "Privacy rules are never protectionism"))
    stale = codes(check_project(project), "PK402")
    assert stale == [
        "papers/note/02-context.es.md:1: warning[PK402] translation papers/note/02-context.es.md is stale: "
        "papers/note/02-context.md changed since it was translated (source lines 6); the en text is printed "
        "instead (update the translation, then: positionkit i18n stamp papers/note/02-context.es.md)",
        "papers/note/02-context.fr.md:1: warning[PK402] translation papers/note/02-context.fr.md is stale: "
        "papers/note/02-context.md changed since it was translated (source lines 6); the en text is printed "
        "instead (update the translation, then: positionkit i18n stamp papers/note/02-context.fr.md)",
    ]


def test_rewrapping_and_unicode_normalisation_do_not_make_stale(project):
    rewrapped = CONTEXT.replace("2019 and\nnow", "2019\nand now").replace("protectionism\n[@", "protectionism [@")
    rewrapped = rewrapped.replace("Members should", "Members  should") + "\n\n"
    (project / "papers/note/02-context.md").write_text(rewrapped)
    (project / "papers/note/01-intro.md").write_text(INTRO.replace("Data flows", "Data  flows").replace("\n", "\r\n"))
    assert codes(check_project(project), "PK402") == []


def test_status_json(project, cli):
    (project / "papers/note/02-context.md").write_text(CONTEXT.replace("most WTO", "many WTO"))
    (project / "papers/note/01-intro.es.md").unlink()
    res = cli(project, "i18n", "stamp", "--reviewed", "papers/note/01-intro.fr.md")
    assert res.exit_code == 0
    res = cli(project, "i18n", "status", "--format", "json", "--lang", "fr", "--lang", "es")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    (paper,) = data["papers"]
    assert paper["paper"] == "note" and [ls["lang"] for ls in paper["languages"]] == ["fr", "es"]
    fr, es = paper["languages"]
    assert [(i["kind"], i["translation"], i["status"]) for i in fr["items"]] == [
        ("section", "papers/note/01-intro.fr.md", "reviewed"),
        ("section", "papers/note/02-context.fr.md", "stale"),
        ("metadata", "papers/note/paper.fr.yaml", "current"),
    ]
    assert fr["items"][1]["changed"] == [
        {"line": 3, "text": "The negotiations on electronic commerce began in 2019 and"}]
    assert fr["items"][1]["diff"] is None  # not a git repository
    assert fr["counts"] == {"current": 1, "reviewed": 1, "stale": 1}
    assert [i["status"] for i in es["items"]] == ["missing", "stale", "current"]
    assert es["items"][0]["note"] == "positionkit i18n new papers/note/01-intro.md --lang es"
    assert data["diagnostics"] == []


def test_status_lists_blocks_the_paper_uses(make_project, cli):
    root = make_project({
        "papers/note/paper.yaml": PAPER.replace("  - 02-context.md\n", ""),
        "papers/note/01-intro.md": INTRO + '\n::: {.block ref="privacy/core"}\n:::\n',
        "blocks/privacy/core.md": "---\nid: privacy/core\nstatus: approved\n---\nPrivacy matters.\n",
        "blocks/privacy/unused.md": "---\nid: privacy/unused\nstatus: approved\n---\nNot used.\n",
    })
    res = cli(root, "i18n", "status", "--lang", "fr")
    assert res.exit_code == 0
    assert res.output.splitlines()[:7] == [
        "note: Test note",
        "  fr: 3 missing; paragraphs: 4 missing",
        "   - missing      section  papers/note/01-intro.fr.md",
        "                  (positionkit i18n new papers/note/01-intro.md --lang fr)",
        "   - missing      block    blocks/privacy/core.fr.md",
        "                  (positionkit i18n new blocks/privacy/core.md --lang fr)",
        "   - missing      metadata papers/note/paper.fr.yaml",
    ]


def test_status_input_errors_exit_1(project, cli):
    res = cli(project, "i18n", "status", "nope")
    assert res.exit_code == 1
    assert "error[PK020] no paper named 'nope' (did you mean 'note'?)" in res.output
    res = cli(project, "i18n", "status", "--lang", "xx-!!")
    assert res.exit_code == 1 and "error[PK406] unknown language 'xx-!!'" in res.output


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_status_shows_git_diff_since_stamped_version(project, cli):
    def git(*args):
        subprocess.run(["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                       check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "translated")
    (project / "papers/note/02-context.md").write_text(CONTEXT.replace("most WTO", "many WTO"))
    git("commit", "-qam", "edit")
    (project / "papers/note/02-context.md").write_text(CONTEXT.replace("most WTO", "nearly all WTO"))
    res = cli(project, "i18n", "status", "--lang", "fr")
    assert res.exit_code == 0
    text = res.output
    assert "   ! stale        section  papers/note/02-context.fr.md\n" in text
    assert "papers/note/02-context.md:3: The negotiations on electronic commerce began in 2019 and" in text
    assert "-now involve most WTO Members.\n" in text
    assert "+now involve nearly all WTO Members.\n" in text
    assert "many WTO" not in text  # the diff runs from the stamped version to the working tree


def test_stamp_rewrites_only_front_matter(project, cli):
    path = project / "papers/note/02-context.fr.md"
    before = path.read_bytes()
    body = before.split(b"---\n", 2)[2]
    # a translator's file: CRLF body, extra front-matter key, no final newline
    path.write_bytes(b"---\n# translator: A. N. Other\ntranslation:\n  source_hash: old\n  log:\n"
                     b"  - '2026-01-01 stamped, translated'\nnote: keep me\n---\n"
                     + body.replace(b"\n", b"\r\n").rstrip() + b"  ")
    body = path.read_bytes().split(b"---\n", 2)[2]
    res = cli(project, "i18n", "stamp", "--reviewed", "papers/note/02-context.fr.md")
    assert res.exit_code == 0
    assert res.output == "stamped papers/note/02-context.fr.md as reviewed (was stale; source lines 1, 3, 6, 9 had changed)\n"
    after = path.read_bytes()
    assert after.split(b"---\n", 2)[2] == body
    front = after.split(b"---\n", 2)[1].decode()
    assert front.startswith("# translator: A. N. Other\ntranslation:\n  source_hash: sha256:")
    assert front.endswith("note: keep me\n")
    assert "  state: reviewed\n  log:\n  - 2026-01-01 stamped, translated\n" \
           f"  - {TODAY} stamped, reviewed (source lines 1, 3, 6, 9 had changed)\n" in front
    assert not list(path.parent.glob(".*.tmp"))
    assert codes(check_project(project), "PK402") == []


def test_stamp_twice_appends_log_lines(project, cli):
    cli(project, "i18n", "stamp", "papers/note/01-intro.fr.md")
    text = (project / "papers/note/01-intro.fr.md").read_text()
    assert text.endswith("---\n" + INTRO_FR)
    assert f"  log:\n  - {TODAY} stamped, translated\n  - {TODAY} stamped, translated\n---\n" in text


def test_stamp_refuses_what_is_not_a_translation(project, cli):
    before = (project / "papers/note/01-intro.md").read_bytes()
    res = cli(project, "i18n", "stamp", "papers/note/01-intro.md", "papers/note/03-nothing.fr.md")
    assert res.exit_code == 1
    assert res.output.splitlines() == [
        "papers/note/01-intro.md: error[PK407] papers/note/01-intro.md is not a translation: its name has no "
        "language suffix (translations are named like papers/note/01-intro.fr.md beside their source)",
        "papers/note/03-nothing.fr.md: error[PK407] papers/note/03-nothing.fr.md is not a translation: no such "
        "file (name a translation file such as papers/<paper>/02-context.fr.md)",
    ]
    assert (project / "papers/note/01-intro.md").read_bytes() == before


def test_stamp_refuses_orphan_translation(project, cli):
    (project / "papers/note/09-old.fr.md").write_text("Ancien texte.\n")
    res = cli(project, "i18n", "stamp", "papers/note/09-old.fr.md")
    assert res.exit_code == 1
    assert "error[PK407] papers/note/09-old.fr.md is not a translation: no section or block " \
           "papers/note/09-old.md beside it" in res.output


def test_new_scaffolds_untranslated_file(project, cli):
    (project / "papers/note/02-context.es.md").unlink()
    res = cli(project, "i18n", "new", "papers/note/02-context.md", "--lang", "es")
    assert res.exit_code == 0, res.output
    assert res.output == ("created papers/note/02-context.es.md (untranslated: translate the text, then run "
                          "positionkit i18n stamp papers/note/02-context.es.md)\n")
    text = (project / "papers/note/02-context.es.md").read_text()
    assert text == ("---\ntranslation:\n  state: untranslated\n  paragraphs:\n"
                    + "".join(f"  - {h}\n" for h in _paragraph_hashes(CONTEXT))
                    + f"  log:\n  - {TODAY} created from 02-context.md, untranslated\n---\n" + CONTEXT)
    # a scaffold is not current: the build prints the source text and says why
    assert codes(check_project(project), "PK402") == [
        "papers/note/02-context.es.md:1: warning[PK402] translation papers/note/02-context.es.md is not stamped, "
        "so positionkit cannot tell it is current; the en text is printed instead (after checking it against "
        "the source: positionkit i18n stamp papers/note/02-context.es.md)"]
    status = json.loads(cli(project, "i18n", "status", "--lang", "es", "--format", "json").output)
    assert status["papers"][0]["languages"][0]["items"][1]["status"] == "untranslated"
    res = cli(project, "i18n", "new", "papers/note/02-context.md", "--lang", "es")
    assert res.exit_code == 1
    assert "error[PK409] papers/note/02-context.es.md already exists; it was left as it was" in res.output
    assert (project / "papers/note/02-context.es.md").read_text() == text


def test_new_refuses_bad_input(project, cli):
    res = cli(project, "i18n", "new", "papers/note/02-context.fr.md", "--lang", "es")
    assert res.exit_code == 1
    assert ("error[PK409] papers/note/02-context.fr.md is not a section or block that could be translated "
            "(name the source: positionkit i18n new papers/note/02-context.md --lang es)") in res.output
    res = cli(project, "i18n", "new", "papers/note/02-context.md", "--lang", "klingon!")
    assert res.exit_code == 1 and "error[PK406] unknown language 'klingon!'" in res.output
    res = cli(project, "i18n", "new", "papers/note/02-context.md", "--lang", "en")
    assert res.exit_code == 1 and "error[PK409] en is the source language" in res.output
    res = cli(project, "i18n", "new", "papers/note/02-context.md")
    assert res.exit_code == 2


def _paragraph_hashes(body):
    from positionkit.load import stamps as i18n

    return i18n.stamp_data(body)["paragraphs"]


def test_final_check_and_build_refuse_missing_translation(project, cli):
    (project / "papers/note/02-context.es.md").unlink()
    res = cli(project, "build", "--final")
    assert res.exit_code == 1
    assert "papers/note/02-context.md: warning[PK401] no es translation of papers/note/02-context.md" in res.output
    assert not (project / "build").exists()
    assert cli(project, "check", "--final").exit_code == 1
    assert cli(project, "check").exit_code == 0


def test_label_fallback_warns_and_prints_english(make_project):
    root = make_project({
        "papers/note/paper.yaml": PAPER.replace("[en, fr, es]", "[en, de]"),
        "styles/i18n/de.yaml": "key_messages: Kernbotschaften\npage: Seite\npage_of: Seite {page} von {total}\n"
                               "draft: Entwurf\nfallback_notice: 'Noch nicht übersetzt: Originaltext auf {language}'\n"
                               "contact: Kontakt\n",
    })
    labels, diags = project_labels(load_project(root), get_language("de"))
    assert [d.format() for d in diags] == [
        "styles/i18n/de.yaml: warning[PK405] no de label for references: English is printed "
        "(add references: ... to styles/i18n/de.yaml)"]
    assert labels["references"] == "References" and labels["page"] == "Seite"
    assert codes(check_project(root), "PK405") == [diags[0].format()]


def test_citation_and_parameter_mismatch(make_project):
    root = make_project({
        "papers/note/paper.yaml": PAPER.replace("[en, fr, es]", "[en, fr]"),
        "papers/note/02-context.md": CONTEXT + '\n::: {.block ref="privacy/core" country="Kenya"}\n:::\n',
        "papers/note/02-context.fr.md": CONTEXT_FR.replace("[@gdpr2016]", "[@unctad2021der]")
        + '\n::: {.block ref="privacy/core" country="Kenya"}\n:::\n',
        "blocks/privacy/core.md": "---\nid: privacy/core\nstatus: approved\nparams:\n  country:\n"
                                  "    default: WTO Members\n---\n{{ country }} can protect privacy [@gdpr2016].\n",
        "blocks/privacy/core.fr.md": "Les Membres peuvent protéger la vie privée [@gdpr2016].\n",
    })
    diags = check_project(root)
    assert codes(diags, "PK411") == [
        "papers/note/02-context.fr.md:1: warning[PK411] translation does not cite 'gdpr2016', which its source "
        "cites (papers/note/02-context.md:7) (keep 'gdpr2016' in the translated text)",
        "papers/note/02-context.fr.md:7:2: warning[PK411] translation cites 'unctad2021der', which its source "
        "papers/note/02-context.md does not (translate what the source says: remove it here, or add it to the "
        "source too)",
    ]
    assert codes(diags, "PK412") == [
        "blocks/privacy/core.fr.md:1: warning[PK412] translation does not use '{{ country }}', which its source "
        "uses (blocks/privacy/core.md:8) (keep '{{ country }}' in the translated text)"]


def test_missing_glyphs_are_an_error_at_the_first_line(make_project):
    """Ethiopic has no font here: named with its script, code points and how to get a font."""
    root = make_project({
        "papers/note/01-intro.md": "## Introduction\n\nData flows matter.\n\nCross-border ሀሁ and ሀ again.\n",
    })
    assert codes(check_project(root), "PK410") == [
        "papers/note/01-intro.md:5:14: error[PK410] no font for Ethiopic (2 characters: ሀሁ; U+1200 U+1201) in "
        "the en handout (Ethiopic: apt install fonts-noto-core; or install the font Noto Sans Ethiopic; or put "
        "a .ttf/.otf file for it in styles/fonts/)"]


def test_quoted_script_uses_its_own_font_in_an_english_handout(make_project):
    """Chinese and Hindi quoted in an English paper are set in their script's font (no PK410)."""
    root = make_project({
        "papers/note/01-intro.md": "## Introduction\n\nCross-border 数据流 and डेटा प्रवाह.\n",
    })
    assert codes(check_project(root), "PK410") == []


def test_missing_glyphs_in_title(make_project):
    root = make_project({
        "papers/note/paper.yaml": PAPER.replace("[en, fr, es]", "[en]").replace("title: Test note",
                                                                               "title: Test ሀሁ note"),
        "papers/note/02-context.md": CONTEXT,
    })
    assert codes(check_project(root), "PK410") == [
        "papers/note/paper.yaml:1: error[PK410] no font for Ethiopic (2 characters: ሀሁ; U+1200 U+1201) in the "
        "en handout (Ethiopic: apt install fonts-noto-core; or install the font Noto Sans Ethiopic; or put a "
        ".ttf/.otf file for it in styles/fonts/)"]


def test_translated_metadata_is_stamped_and_goes_stale_field_by_field(make_project, cli):
    yaml_en = ("title: Data flows\nsubtitle: Why it matters\ndate: 2026-11-20\ncontact: a@example.org\n"
               "languages: [en, fr]\nsections: [01-intro.md]\n")
    root = make_project({
        "papers/note/paper.yaml": yaml_en,
        "papers/note/paper.fr.yaml": "title: Flux de données\nsubtitle: Pourquoi c'est important\n",
        "papers/note/01-intro.fr.md": "Texte [@unctad2021der].\n",
    })
    cli(root, "i18n", "stamp", "papers/note/01-intro.fr.md")
    unstamped = ("papers/note/paper.fr.yaml:1: warning[PK413] papers/note/paper.fr.yaml is not stamped, so "
                 "positionkit cannot tell it is current")
    assert unstamped in cli(root, "check").stderr
    before = (root / "papers/note/paper.fr.yaml").read_text()
    result = cli(root, "i18n", "stamp", "papers/note/paper.fr.yaml")
    assert result.exit_code == 0, result.output
    after = (root / "papers/note/paper.fr.yaml").read_text()
    assert after.startswith(before) and "translation:\n  source_hash: sha256:" in after
    assert "PK413" not in cli(root, "check").stderr
    # a new contact address does not make the translated title stale ...
    (root / "papers/note/paper.yaml").write_text(yaml_en.replace("a@example.org", "b@example.org"))
    assert "PK413" not in cli(root, "check").stderr
    # ... a new subtitle does, and says which field changed; the translation is still printed
    (root / "papers/note/paper.yaml").write_text(yaml_en.replace("Why it matters", "Why it matters now"))
    result = cli(root, "check")
    assert ("papers/note/paper.fr.yaml:1: warning[PK413] papers/note/paper.fr.yaml is stale: paper.yaml "
            "changed since it was translated (subtitle)") in result.stderr
    status = json.loads(cli(root, "i18n", "status", "--format", "json").stdout)
    items = [i for p in status["papers"] for lang in p["languages"] for i in lang["items"] if i["kind"] == "metadata"]
    assert [i["status"] for i in items] == ["stale"]
    assert cli(root, "check", "--final").exit_code == 1
