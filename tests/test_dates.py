"""A paper's date prints as written: a year stays a year, and nothing prints 1970."""
from __future__ import annotations

import io
import re
import subprocess
import zipfile

import pytest

from positionkit.dates import PaperDate, parse_paper_date


@pytest.mark.parametrize("value, iso", [(2018, "2018"), ("2018", "2018"), ("2018-05", "2018-05"),
                                        ("2018-05-03", "2018-05-03"), (None, None)])
def test_parse_keeps_the_precision_given(value, iso):
    date, why = parse_paper_date(value)
    assert why is None and (date.iso if date else None) == iso


@pytest.mark.parametrize("value", ["May 2018", "2018-13", "18", True, "2018-02-30"])
def test_not_a_date_says_why(value):
    date, why = parse_paper_date(value)
    assert date is None and why


def test_display_is_localised_at_its_precision():
    assert PaperDate(2018).display("fr") == "2018"
    assert PaperDate(2018, 5).display("fr") == "mai 2018"
    assert PaperDate(2018, 5, 3).display("en") == "May 3, 2018"


def _texts(root, cli, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    res = cli(root, "build")
    assert res.exit_code == 0, res.output
    docx = (root / "build/note/note.en.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    pdf = subprocess.run(["pdftotext", str(root / "build/note/note.en.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    return xml, pdf


def test_year_only_date_never_prints_1970(make_project, cli, monkeypatch):
    root = make_project({"papers/note/paper.yaml": "title: Test note\ndate: 2018\nlanguages: [en]\n"
                                                   "sections:\n  - 01-intro.md\n"})
    xml, pdf = _texts(root, cli, monkeypatch)
    assert "1970" not in xml and "1970" not in pdf
    assert re.search(r"<dcterms:created[^>]*>2018</dcterms:created>", xml)
    assert "2018-01-01" not in xml and "2018-01-01" not in pdf
    assert "2018" in pdf


def test_no_date_prints_no_date(make_project, cli, monkeypatch):
    root = make_project({"papers/note/paper.yaml": "title: Test note\nlanguages: [en]\nsections:\n  - 01-intro.md\n"})
    xml, pdf = _texts(root, cli, monkeypatch)
    assert "1970" not in xml and "1970" not in pdf
    assert "dcterms:created" not in xml


def test_bad_date_is_an_error_at_its_line(make_project, cli):
    root = make_project({"papers/note/paper.yaml": "title: Test note\ndate: May 2018\nlanguages: [en]\n"
                                                   "sections:\n  - 01-intro.md\n"})
    res = cli(root, "check")
    assert res.exit_code == 1
    assert "papers/note/paper.yaml:2: error[PK040] date: 'May 2018' is not a date" in res.stderr


def test_untracked_input_marks_the_commit_modified(make_project):
    from positionkit.pipeline.provenance import head_commit

    root = make_project()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    clean = head_commit(root)
    assert clean and not clean.endswith("+")
    (root / "build").mkdir()
    (root / "build" / "x.pdf").write_text("out")  # not an input: still clean
    (root / "notes.txt").write_text("x")
    assert head_commit(root) == clean
    (root / "papers/note/01-intro.fr.md").write_text("Texte.\n")
    assert head_commit(root) == clean + "+"


def test_build_lang_the_paper_does_not_target_is_an_error(make_project, cli):
    res = cli(make_project(), "build", "--lang", "fr")
    assert res.exit_code == 1
    assert "error[PK021] paper 'note' is not written in 'fr'" in res.stderr
