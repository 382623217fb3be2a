"""Bibliographies as Zotero / Better BibTeX export them, judged by what pandoc reads."""
from __future__ import annotations

import json
import re

import pytest
from pathlib import Path

from positionkit.load.bib import Entry, merge_entries, parse_bib

BBT = (Path(__file__).parent / "data" / "betterbibtex.bib").read_text(encoding="utf-8")
BBT_KEYS = ["mattoo2018international", "burri2020digital", "goldfarb2019digital", "aaronson2019what",
            "wto2018wtr", "unctad2021der", "oecd2019measuring", "gdpr2016"]


def test_better_bibtex_export_passes_check_strict(make_project, cli):
    cites = "; ".join(f"@{k}" for k in BBT_KEYS)
    root = make_project({"references.bib": BBT, "papers/note/01-intro.md": f"Flows [{cites}].\n"})
    res = cli(root, "check", "--strict")
    assert res.exit_code == 0, res.output
    assert "PK204" not in res.output


def test_entry_incomplete_as_pandoc_reads_it_names_bib_fields():
    bib = ("@article{a, title = {T}, date = {2020}}\n"
           "@article{b, author = {X, Y}, title = {T}, journaltitle = {J}, date = {2020-05}}\n"
           "@report{c, author = {{WTO}}, title = {T}, institution = {{WTO}}}\n")
    _, diags = parse_bib(bib, "references.bib")
    got = [(d.code, d.line, d.message) for d in diags]
    assert got == [("PK204", 1, "entry 'a' (article) lacks author, journal (or journaltitle)"),
                   ("PK204", 3, "entry 'c' (report) lacks year (or date)")]


def test_latex_command_pandoc_drops_is_reported_at_its_field_line():
    bib = ('@preamble{ "\\newcommand{\\noopsort}[1]{}" }\n'
           "@book{k,\n  author = {D{\\'\\i}az, Ana},\n  title = {{\\noopsort{a}}Using {{\\BibTeX}} and \\emph{LaTeX}},\n"
           "  publisher = {P},\n  date = {2001},\n}\n")
    _, diags = parse_bib(bib, "references.bib")
    got = {(d.code, d.line) for d in diags}
    assert got == {("PK213", 3), ("PK212", 4)}
    msg = next(d.message for d in diags if d.code == "PK212")
    assert "\\BibTeX" in msg and "noopsort" not in msg and "emph" not in msg


def test_broken_entry_stays_out_of_stderr_and_is_one_based(make_project, cli):
    bib = "@misc{ok, title = {A}, url = {https://example.org}}\n\n@article{x,\n title = {A},\n\n@book{y, title={B}}\n"
    root = make_project({"references.bib": bib, "papers/note/01-intro.md": "Text.\n"})
    res = cli(root, "check", "--format", "json")
    assert "aborted on line" not in res.output and "Parsing of" not in res.output
    diags = json.loads(res.stdout)
    broken = [d for d in (diags if isinstance(diags, list) else diags["diagnostics"]) if d["code"] == "PK202"]
    assert [d["line"] for d in broken] == [3]


def _entry(path, title):
    return Entry("k", "misc", 1, {"title": title, "year": "2020"}, path)


def test_identical_entries_merge_and_different_library_entries_conflict():
    entries = {}
    assert merge_entries(entries, {"k": _entry("lib/a.bib", "Same")}) == []
    assert merge_entries(entries, {"k": _entry("lib/b.bib", " Same ")}) == []
    [d] = merge_entries(entries, {"k": _entry("lib/c.bib", "Other")})
    assert (d.code, d.severity.value, d.path) == ("PK205", "error", "lib/c.bib")
    assert "references.bib" in d.hint
    own = {"k": _entry("references.bib", "Ours")}
    [d] = merge_entries(own, {"k": _entry("lib/a.bib", "Theirs")})
    assert (d.code, d.severity.value) == ("PK210", "info")
    assert own["k"].fields["title"] == "Ours"


def test_final_stopped_by_warnings_says_so(make_project, cli):
    root = make_project({"references.bib": "@article{x1, title = {No journal}, date = {2020}}\n",
                         "papers/note/01-intro.md": "Text [@x1].\n"})
    res = cli(root, "build", "--final", "--format", "docx")
    assert res.exit_code == 1
    assert "fix the errors above" not in res.stderr
    assert "--final refuses the warnings above" in res.stderr


NOTE_TEXT = ("## Intro\n\nData flows matter [@unctad2021der, p. 12]. The GDPR applies.[^1]\n\n"
             "[^1]: See @gdpr2016.\n\nMore text [@goldfarb2019digital].\n")


@pytest.mark.parametrize("style", ["chicago-notes", "oscola"])
def test_note_style_prints_citations_as_footnotes_in_both_formats(make_project, cli, style):
    import subprocess
    import zipfile

    root = make_project({
        "positionkit.toml": f'[project]\nname = "T"\nsource_lang = "en"\n[style]\ncsl = "{style}"\n',
        "references.bib": BBT, "papers/note/01-intro.md": NOTE_TEXT})
    res = cli(root, "build")
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(root / "build/note/note.en.docx") as z:
        document, notes = z.read("word/document.xml").decode(), z.read("word/footnotes.xml").decode()
    assert document.count("<w:footnoteReference") == 3
    body_xml = document.split(">References<")[0]
    assert "Digital Economy Report 2021" not in body_xml and "Digital Economy Report 2021" in notes
    assert "General Data Protection Regulation" in notes  # the citation inside a footnote stays there
    text = subprocess.run(["pdftotext", str(root / "build/note/note.en.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    body = text[:text.index("References")]
    assert "Data flows matter.1" in body and "UNCTAD" not in body.split("Data flows matter")[1][:40]
    after = text[text.index("References"):]
    assert re.search(r"^\s*1\s*UNCTAD", after, re.M), after


def test_unknown_style_name_lists_the_shipped_ones(make_project, cli):
    root = make_project({"positionkit.toml": '[project]\nname = "T"\n[style]\ncsl = "oscla"\n'})
    res = cli(root, "check")
    assert res.exit_code == 1
    assert "error[PK510] [style] csl not found: oscla" in res.stderr
    assert "chicago-author-date, chicago-notes, oscola" in res.stderr


def test_pandocs_reading_of_a_bib_is_kept_on_disk_keyed_by_its_text(tmp_path, monkeypatch):
    """A fresh process reads pandoc's conversion of an unchanged .bib from the per-user cache
    (positionkit.system.diskcache); a changed text is converted again."""
    from positionkit.load import bibcheck

    monkeypatch.setenv("POSITIONKIT_CACHE_DIR", str(tmp_path / "cache"))
    bib = "@article{a, title = {T}, date = {2020}}\n"
    first, _ = bibcheck.csl_items(bib)
    assert first["a"]["title"] == "T"
    assert list((tmp_path / "cache" / "bib-csljson").rglob("*"))  # stored
    bibcheck._convert.cache_clear()  # as in a new process
    monkeypatch.setattr(bibcheck, "_pandoc", lambda *a: pytest.fail("pandoc ran for an unchanged .bib"))
    assert bibcheck.csl_items(bib)[0] == first
    monkeypatch.undo()
    monkeypatch.setenv("POSITIONKIT_CACHE_DIR", str(tmp_path / "cache"))
    bibcheck._convert.cache_clear()
    assert bibcheck.csl_items(bib.replace("{T}", "{U}"))[0]["a"]["title"] == "U"


BROKEN_BIB = """@report{good2020,
  title = {A Report},
  author = {Body, Some},
  year = {2020},
}

@report{good2020,
  title = {The Same Key Again},
  year = {2021},
}

@article{broken,
  title = {Missing a brace,
  year = {2019}
"""


def test_the_disk_cached_reading_of_a_bib_gives_what_reading_it_afresh_gives(tmp_path, monkeypatch):
    """parse_bib keeps bibtexparser's reading in the per-user disk cache: a second process gets
    the same entries, field lines and diagnostics as the first, and so does no cache at all."""
    from positionkit.load.bib import parse_bib

    monkeypatch.setenv("POSITIONKIT_CACHE_DIR", str(tmp_path / "cache"))
    first = parse_bib(BROKEN_BIB, "references.bib")
    assert list((tmp_path / "cache").glob("bib-read/*/*")), "the reading was not kept"
    again = parse_bib(BROKEN_BIB, "references.bib")
    monkeypatch.setenv("POSITIONKIT_CACHE_DIR", "off")
    fresh = parse_bib(BROKEN_BIB, "references.bib")
    for entries, diags in (again, fresh):
        assert entries == first[0]
        assert [e.field_lines for e in entries.values()] == [e.field_lines for e in first[0].values()]
        assert diags == first[1]
    codes = sorted(d.code for d in first[1])
    assert "PK203" in codes and first[0]["good2020"].line == 1
