"""Translators' round trips: export XLIFF / PO / bilingual DOCX, fill it with the library a tool
would use (translate-toolkit, polib, python-docx), import, build, find the French in the outputs;
per-paragraph fallback; placeholder mismatches refused."""
from __future__ import annotations

import copy
import re
import shutil
import subprocess

import docx
import polib
import pytest
from pypdf import PdfReader

from positionkit.pipeline.prepare import check_project

PAPER = """\
title: Test note
date: 2026-11-20
audience: For WTO delegations
languages: [en, fr]
params:
  org: {en: "the Test Coalition", fr: "la Test Coalition"}
sections:
  - 01-intro.md
  - 02-context.md
"""
BRIEF = PAPER.replace("Test note", "Second note").replace("  - 01-intro.md\n", "")
INTRO = """\
## Introduction

Data flows matter for development [@unctad2021der].

- Privacy rules are not protectionism.
- See the [GDPR text](https://eur-lex.europa.eu/eli/reg/2016/679/oj) for details.

This note is published by {{ org }}.
"""
CONTEXT = "## Context\n\n::: {.block ref=\"privacy/gdpr\"}\n:::\n"
BLOCK = """\
---
id: privacy/gdpr
title: The GDPR
status: approved
---
The GDPR sets rules for transfers of personal data [@gdpr2016].
"""
FRENCH = {  # brace form of the source -> a faithful French translation
    "Introduction": "Introduction",
    "Data flows matter for development [{cite1}].": "Les flux de données comptent pour le développement [{cite1}].",
    "Privacy rules are not protectionism.": "Les règles de protection de la vie privée ne sont pas du protectionnisme.",
    "See the {link1}GDPR text{link1_end} for details.": "Voir le {link1}texte du RGPD{link1_end} pour plus de détails.",
    "This note is published by {param1}.": "Cette note est publiée par {param1}.",
    "Context": "Contexte",
    "The GDPR sets rules for transfers of personal data [{cite1}].":
        "Le RGPD fixe des règles pour les transferts de données personnelles [{cite1}].",
    "Test note": "Note de test",
    "For WTO delegations": "À l'intention des délégations auprès de l'OMC",
}
FR_PARAGRAPHS = ["Les flux de données comptent pour le développement",
                 "Les règles de protection de la vie privée ne sont pas du protectionnisme",
                 "Cette note est publiée par la Test Coalition",
                 "Le RGPD fixe des règles pour les transferts de données personnelles"]


def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def project(make_project):
    root = make_project({
        "papers/note/paper.yaml": PAPER, "papers/note/01-intro.md": INTRO, "papers/note/02-context.md": CONTEXT,
        "papers/brief/paper.yaml": BRIEF, "papers/brief/02-context.md": CONTEXT, "blocks/privacy/gdpr.md": BLOCK,
    })
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "sources")
    return root


def fill_po(path, table=FRENCH):
    po = polib.pofile(str(path))
    for entry in po:
        entry.msgstr = table.get(entry.msgid, entry.msgstr)
        if entry.msgstr and "fuzzy" in entry.flags and entry.msgid in table:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
    po.save(str(path))


def fill_xliff(path, table=FRENCH):
    from translate.storage import xliff
    from translate.storage.placeables import StringElem

    store = xliff.xlifffile.parsefile(str(path))
    for unit in store.units:
        sub = unit.rich_source[0].sub
        marks = {getattr(s, "id", None): s for s in sub if getattr(s, "id", None)}
        brace = "".join(str(s) if not getattr(s, "id", None) else "{%s}" % s.id for s in sub)
        brace = re.sub(r"\{(\w+)\}([^{]*)\{\1\}", r"{\1}\2{\1_end}", brace)  # <bpt id=x>..<ept id=x>
        if brace not in table:
            continue
        parts = []
        for tok in re.split(r"(\{\w+\})", table[brace]):
            if re.fullmatch(r"\{\w+\}", tok):
                name = tok[1:-1]
                ends = name.endswith("_end")
                matches = [s for s in sub if getattr(s, "id", None) == name.removesuffix("_end")]
                parts.append(copy.deepcopy(matches[-1] if ends else matches[0]))
            elif tok:
                parts.append(tok)
        assert marks or "{" not in table[brace]
        unit.rich_target = [StringElem(parts)]
        unit.markfuzzy(False)
        unit.xmlelement.find(unit.namespaced("target")).set("state", "translated")
    path.write_bytes(bytes(store))


def fill_docx(path, table=FRENCH):
    d = docx.Document(str(path))
    for row in d.tables[0].rows[1:]:
        source = row.cells[0].paragraphs[1].text
        if source in table:
            row.cells[1].paragraphs[0].text = table[source]
    d.save(str(path))


def build_texts(cli, root, paper="note"):
    res = cli(root, "build", paper, "--lang", "fr")
    assert res.exit_code == 0, res.output
    pdf = "\n".join(p.extract_text() for p in PdfReader(root / f"build/{paper}/{paper}.fr.pdf").pages)
    word = docx.Document(str(root / f"build/{paper}/{paper}.fr.docx"))
    paras = [(p.text, p.style.name) for p in word.paragraphs]
    for table in word.tables:
        for row in table.rows:
            paras += [(c.text, "cell") for c in row.cells]
    return " ".join(pdf.split()), paras, res.output


@pytest.mark.parametrize("fmt,fill", [("po", fill_po), ("xliff", fill_xliff), ("docx", fill_docx)])
def test_round_trip_prints_the_translation(project, cli, fmt, fill):
    ext = {"po": "po", "xliff": "xlf", "docx": "docx"}[fmt]
    res = cli(project, "i18n", "export", "note", "--lang", "fr", "--to", fmt, "-o", f"out.{ext}")
    assert res.exit_code == 0, res.output
    assert res.output == f"wrote out.{ext}: 9 units (9 missing)\n"
    fill(project / f"out.{ext}")
    res = cli(project, "i18n", "import", f"out.{ext}")
    assert res.exit_code == 0, res.output
    assert sorted(res.output.splitlines()) == [
        "updated blocks/privacy/gdpr.fr.md: 1 paragraph(s) imported and stamped",
        "updated papers/note/01-intro.fr.md: 4 paragraph(s) imported and stamped",
        "updated papers/note/02-context.fr.md: 1 paragraph(s) imported and stamped",
        "updated papers/note/paper.fr.yaml: 2 field(s) imported and stamped"]
    intro = (project / "papers/note/01-intro.fr.md").read_text()
    assert "- Voir le [texte du RGPD](https://eur-lex.europa.eu/eli/reg/2016/679/oj) pour plus de détails.\n" in intro
    assert "Les flux de données comptent pour le développement [@unctad2021der].\n" in intro
    assert "Cette note est publiée par {{ org }}.\n" in intro
    diags = check_project(project)
    assert [d.format() for d in diags if d.code.startswith("PK4") and "brief" not in d.path] == []
    pdf, paras, _ = build_texts(cli, project)
    texts = " ".join(t for t, _ in paras)
    for fr in FR_PARAGRAPHS + ["Note de test", "Contexte"]:
        assert fr in pdf and fr in texts, fr
    assert "Data flows matter" not in pdf and "Data flows matter" not in texts
    # the same file imported again changes nothing
    before = {p: p.read_bytes() for p in project.rglob("*.fr.*")}
    assert cli(project, "i18n", "import", f"out.{ext}").output == "nothing was written\n"
    assert before == {p: p.read_bytes() for p in project.rglob("*.fr.*")}


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext (msgfmt) is not installed")
def test_exported_po_passes_msgfmt_check_and_pofilter(project, cli, tmp_path):
    cli(project, "i18n", "export", "note", "--lang", "fr", "--to", "po", "-o", "note.po")
    fill_po(project / "note.po")
    proc = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(project / "note.po")],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    text = (project / "note.po").read_text()
    assert '#, python-brace-format\nmsgctxt "papers/note/01-intro.md:' in text
    assert "#. {cite1} = @unctad2021der\n" in text
    assert "#: papers/note/01-intro.md:3\n" in text
    # a dropped placeholder is what gettext's and translate-toolkit's checks catch
    broken = text.replace('msgstr "Cette note est publiée par {param1}."', 'msgstr "Cette note est publiée."')
    assert broken != text
    (tmp_path / "broken.po").write_text(broken)
    proc = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(tmp_path / "broken.po")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "'param1' doesn't exist in 'msgstr'" in proc.stderr
    pofilter = shutil.which("pofilter")
    if pofilter:
        subprocess.run([pofilter, "-t", "pythonbraceformat", str(tmp_path / "broken.po"), str(tmp_path / "f.po")],
                       capture_output=True, check=True)
        assert "Named placeholders absent in translation: {param1}" in (tmp_path / "f.po").read_text()


def test_placeholder_mismatch_is_refused_per_unit(project, cli):
    cli(project, "i18n", "export", "note", "--lang", "fr", "--to", "po", "-o", "note.po")
    table = dict(FRENCH)
    table["Data flows matter for development [{cite1}]."] = "Les flux de données comptent pour le développement."
    table["This note is published by {param1}."] = "Cette note est publiée par {param1} {cite2}."
    fill_po(project / "note.po", table)
    res = cli(project, "i18n", "import", "note.po")
    assert res.exit_code == 1
    refused = [ln for ln in res.output.splitlines() if "PK422" in ln]
    assert len(refused) == 2
    assert re.search(r"error\[PK422\] unit papers/note/01-intro\.md:[0-9a-f]{8}\.1: placeholder \{cite1\} is "
                     r"missing; this unit was not imported", refused[0])
    assert re.search(r"unit papers/note/01-intro\.md:[0-9a-f]{8}\.1: placeholder \{cite2\} is not in the source",
                     refused[1])
    assert refused[0].startswith("note.po:")
    intro = (project / "papers/note/01-intro.fr.md").read_text()
    assert "Les flux de données" not in intro and "{cite2}" not in intro and "Cette note est publiée" not in intro
    assert "Les règles de protection de la vie privée" in intro  # the other paragraphs were imported


def test_edited_source_paragraph_makes_one_unit_stale_and_falls_back_alone(project, cli):
    cli(project, "i18n", "export", "note", "--lang", "fr", "--to", "po", "-o", "note.po")
    fill_po(project / "note.po")
    assert cli(project, "i18n", "import", "note.po").exit_code == 0
    _git(project, "add", "-A")
    _git(project, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "fr")
    src = project / "papers/note/01-intro.md"
    src.write_text(INTRO.replace("Data flows matter for development", "Data flows matter greatly for development"))
    res = cli(project, "i18n", "export", "note", "--lang", "fr", "--to", "po", "-o", "again.po")
    assert res.output == "wrote again.po: 9 units (8 translated, 1 stale)\n"
    po = polib.pofile(str(project / "again.po"))
    stale = [e for e in po if "fuzzy" in e.flags]
    assert len(stale) == 1
    assert stale[0].msgid == "Data flows matter greatly for development [{cite1}]."
    assert stale[0].previous_msgid == "Data flows matter for development [{cite1}]."
    assert stale[0].msgstr == "Les flux de données comptent pour le développement [{cite1}]."
    pdf, paras, output = build_texts(cli, project)
    assert "Data flows matter greatly for development" in pdf
    fallback = [t for t, style in paras if style == "Fallback"]
    assert fallback == ["Data flows matter greatly for development (UNCTAD 2021)."]
    word = docx.Document(str(project / "build/note/note.fr.docx"))
    marked = [p for p in word.paragraphs if p.style.name == "Fallback"][0]
    assert 'w:lang w:val="en"' in marked._p.xml or 'w:lang w:val="en"' in marked.style.element.xml
    for fr in FR_PARAGRAPHS[1:]:
        assert fr in pdf and any(fr in t for t, _ in paras)
    assert "warning[PK402] translation papers/note/01-intro.fr.md is stale" in output
    assert cli(project, "check", "note", "--final").exit_code == 1
    # the translator updates that one unit: it is current again
    fill_po(project / "again.po", {**FRENCH, stale[0].msgid:
                                   "Les flux de données comptent beaucoup pour le développement [{cite1}]."})
    res = cli(project, "i18n", "import", "again.po")
    assert res.output == "updated papers/note/01-intro.fr.md: 1 paragraph(s) imported and stamped\n"
    res = cli(project, "check", "note", "--final")
    assert res.exit_code == 0, res.output


def test_block_used_by_two_papers_is_one_unit_set(project, cli):
    ids = {}
    for paper in ("note", "brief"):
        cli(project, "i18n", "export", paper, "--lang", "fr", "--to", "po", "-o", f"{paper}.po")
        ids[paper] = {e.msgctxt for e in polib.pofile(str(project / f"{paper}.po"))
                      if e.msgctxt.startswith("blocks/")}
    assert ids["note"] == ids["brief"] and len(ids["note"]) == 1
    fill_po(project / "note.po")
    cli(project, "i18n", "import", "note.po")
    res = cli(project, "i18n", "export", "brief", "--lang", "fr", "--to", "po", "-o", "brief.po")
    assert res.output == "wrote brief.po: 4 units (1 translated, 3 missing)\n"  # the block; its own heading and title are not
    block = [e for e in polib.pofile(str(project / "brief.po")) if e.msgctxt.startswith("blocks/")]
    assert [e.msgstr for e in block] == [FRENCH["The GDPR sets rules for transfers of personal data [{cite1}]."]]


def test_unstamped_translation_is_printed_with_a_warning(project, cli):
    (project / "papers/note/02-context.fr.md").write_text(CONTEXT.replace("Context", "Contexte"))
    diags = check_project(project)
    assert [d.format() for d in diags if d.code == "PK420"] == [
        "papers/note/02-context.fr.md:1: warning[PK420] translation papers/note/02-context.fr.md is not stamped: "
        "it is printed as written, but positionkit cannot tell it is current (a final build refuses it) "
        "(after checking it against the source: positionkit i18n stamp papers/note/02-context.fr.md)"]
    from positionkit.load.project import load_project
    from positionkit.resolve.document import Target, resolve

    doc = resolve(load_project(project), Target("note", "fr"))
    assert "## Contexte" in doc.markdown and "## Context\n" not in doc.markdown
    assert cli(project, "check", "note", "--final").exit_code == 1


def test_missing_translation_falls_back_paragraph_by_paragraph_and_keeps_includes(project, cli):
    (project / "blocks/privacy/gdpr.fr.md").write_text("Le RGPD fixe des règles [@gdpr2016].\n")
    cli(project, "i18n", "stamp", "blocks/privacy/gdpr.fr.md")
    from positionkit.load.project import load_project
    from positionkit.resolve.document import Target, resolve

    doc = resolve(load_project(project), Target("note", "fr"))
    md = doc.markdown
    # the section has no translation: its heading is a marked fallback, the block it includes is French
    assert '::: {.fallback lang="en"}\n\n## Context\n\n:::' in md
    assert "Le RGPD fixe des règles" in md and "The GDPR sets rules" not in md


def test_check_reports_broken_structure_in_translation_files(project, cli):
    (project / "papers/note/02-context.fr.md").write_text(
        "## Contexte\n\n::: {.blok ref=\"privacy/gdpr\"}\n:::\n\n::: {.block ref=\"privacy/other\"}\n:::\n")
    cli(project, "i18n", "stamp", "papers/note/02-context.fr.md")
    res = cli(project, "check", "note")
    found = [ln for ln in res.output.splitlines() if "PK428" in ln or "PK429" in ln]
    assert found == [  # the stamp takes lines 1-10
        "papers/note/02-context.fr.md:11: warning[PK429] block include 'privacy/gdpr' of the source "
        "(papers/note/02-context.md:3) is missing from the translation, so that language's handout lacks it "
        "(copy the line ::: {.block ref=\"privacy/gdpr\"} into the translation)",
        "papers/note/02-context.fr.md:13:6: warning[PK428] div class '.blok' is neither in the source "
        "papers/note/02-context.md nor one positionkit knows (did you mean 'block'?)",
        "papers/note/02-context.fr.md:16: warning[PK429] block include 'privacy/other' is in the translation but "
        "not in its source papers/note/02-context.md (a translation has the same includes and variants as its "
        "source)",
    ]


def test_stale_units_in_xliff_and_docx(project, cli):
    cli(project, "i18n", "export", "note", "--lang", "fr", "--to", "po", "-o", "note.po")
    fill_po(project / "note.po")
    cli(project, "i18n", "import", "note.po")
    _git(project, "add", "-A")
    _git(project, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "fr")
    (project / "papers/note/01-intro.md").write_text(INTRO.replace("not protectionism", "never protectionism"))
    cli(project, "i18n", "export", "note", "--lang", "fr", "-o", "note.xlf")
    xlf = (project / "note.xlf").read_text()
    unit = xlf[xlf.index("<source>Privacy rules are never"):]
    unit = unit[: unit.index("</trans-unit>")]
    assert '<target state="needs-review-translation">Les règles de protection' in unit
    assert "Previous source: Privacy rules are not protectionism." in unit
    cli(project, "i18n", "export", "note", "--lang", "fr", "--to", "docx", "-o", "note.docx")
    rows = docx.Document(str(project / "note.docx")).tables[0].rows
    stale = [r for r in rows if "(needs review)" in r.cells[0].paragraphs[0].text]
    assert len(stale) == 1
    assert [p.text for p in stale[0].cells[0].paragraphs[1:3]] == [
        "Privacy rules are never protectionism.", "Before: Privacy rules are not protectionism."]
    before = (project / "papers/note/01-intro.fr.md").read_bytes()
    # handed back untouched, the stale row is not a confirmation; the XLIFF target still needs review
    for name in ("note.docx", "note.xlf"):
        assert cli(project, "i18n", "import", name).output == "nothing was written\n"
    assert (project / "papers/note/01-intro.fr.md").read_bytes() == before
    # a CAT tool that leaves the state as it was: the reworded target is the translator's answer
    xlf = (project / "note.xlf").read_text()
    reworded = xlf.replace(">Les règles de protection de la vie privée ne sont pas du protectionnisme.<",
                           ">Les règles de protection de la vie privée ne sont en rien du protectionnisme.<")
    assert reworded != xlf
    (project / "reworded.xlf").write_text(reworded)
    res = cli(project, "i18n", "import", "reworded.xlf")
    assert res.output == "updated papers/note/01-intro.fr.md: 1 paragraph(s) imported and stamped\n"
    assert "ne sont en rien du protectionnisme" in (project / "papers/note/01-intro.fr.md").read_text()
    (project / "papers/note/01-intro.fr.md").write_bytes(before)
    d = docx.Document(str(project / "note.docx"))
    row = [r for r in d.tables[0].rows if "(needs review)" in r.cells[0].paragraphs[0].text][0]
    row.cells[1].paragraphs[0].text = "Les règles de protection de la vie privée ne sont jamais du protectionnisme."
    d.save(str(project / "note.docx"))
    res = cli(project, "i18n", "import", "note.docx")
    assert res.output == "updated papers/note/01-intro.fr.md: 1 paragraph(s) imported and stamped\n"
    assert "- Les règles de protection de la vie privée ne sont jamais du protectionnisme.\n" in \
        (project / "papers/note/01-intro.fr.md").read_text()
    assert [d.code for d in check_project(project) if d.path == "papers/note/01-intro.fr.md"] == []


def test_import_refuses_what_it_cannot_place(project, cli):
    cli(project, "i18n", "export", "note", "--lang", "fr", "--to", "po", "-o", "note.po")
    fill_po(project / "note.po")
    po = polib.pofile(str(project / "note.po"))
    po.append(polib.POEntry(msgctxt="not-an-id", msgid="x", msgstr="y"))
    po.save(str(project / "note.po"))
    # a hand-written, unstamped translation is never rewritten paragraph by paragraph
    (project / "papers/note/01-intro.fr.md").write_text("## Introduction\n\nÀ la main.\n")
    # and a source edited after the export makes its units unplaceable
    (project / "papers/note/02-context.md").write_text(CONTEXT.replace("## Context", "## Background"))
    res = cli(project, "i18n", "import", "note.po")
    assert res.exit_code == 1
    out = res.output
    assert "warning[PK425] 'not-an-id' is not a unit id positionkit exported; it is ignored" in out
    assert "papers/note/01-intro.fr.md:1: error[PK427] papers/note/01-intro.fr.md cannot be updated paragraph " \
           "by paragraph: it is not stamped; 5 unit(s) for it were not imported" in out
    assert re.search(r"warning\[PK426\] unit papers/note/02-context\.md:[0-9a-f]{8}\.1: its source paragraph in "
                     r"papers/note/02-context\.md changed \(or went\) since the export", out)
    assert (project / "papers/note/01-intro.fr.md").read_text() == "## Introduction\n\nÀ la main.\n"
    assert not (project / "papers/note/02-context.fr.md").exists()
    assert "updated blocks/privacy/gdpr.fr.md" in out
    for bad, code in ((b"not xml", "PK424"), (b"<x/>", "PK424")):
        (project / "bad.xlf").write_bytes(bad)
        assert f"error[{code}]" in cli(project, "i18n", "import", "bad.xlf").output
    (project / "bad.txt").write_text("x")
    assert "error[PK424]" in cli(project, "i18n", "import", "bad.txt").output
    res = cli(project, "i18n", "export", "nope", "--lang", "fr")
    assert res.exit_code == 1 and "error[PK421] no paper named 'nope'" in res.output


def test_headings_list_items_and_table_cells_are_units_rebuilt_in_place(make_project, cli):
    root = make_project({
        "papers/note/paper.yaml": PAPER.replace("  - 02-context.md\n", ""),
        "papers/note/01-intro.md": "## Rules {#rules}\n\n| Rule | Status |\n|---|---|\n| Data flows | Open |\n\n"
                                   "1. First ask\n2. Second ask\n\n```\ncode stays\n```\n",
    })
    cli(root, "i18n", "export", "note", "--lang", "fr", "--to", "po", "-o", "n.po")
    po = polib.pofile(str(root / "n.po"))
    body = [e.msgid for e in po if e.msgctxt.startswith("papers/note/01")]
    assert body == ["Rules", "Rule", "Status", "Data flows", "Open", "First ask", "Second ask"]
    fill_po(root / "n.po", {"Rules": "Règles", "Rule": "Règle", "Status": "État", "Data flows": "Flux de données",
                            "Open": "Ouvert", "First ask": "Première demande", "Second ask": "Deuxième demande"})
    assert cli(root, "i18n", "import", "n.po").exit_code == 0
    text = (root / "papers/note/01-intro.fr.md").read_text()
    assert text.split("---\n", 2)[2] == ("## Règles {#rules}\n\n| Règle | État |\n|---|---|\n| Flux de données | Ouvert |"
                                         "\n\n1. Première demande\n2. Deuxième demande\n\n```\ncode stays\n```\n")
    assert [d.format() for d in check_project(root) if d.path == "papers/note/01-intro.fr.md"] == []
