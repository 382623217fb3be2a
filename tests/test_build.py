"""End to end: `positionkit build` on a small real project, outputs opened and read back."""
from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from positionkit.cli.main import main

FILES = {
    "papers/note/paper.yaml": (
        "title: Data flows and privacy\n"
        "subtitle: What a free-flow rule means\n"
        "date: 2026-11-20\n"
        "organisations: [Test Coalition, Second Group]\n"
        "audience: For WTO delegations\n"
        "contact: trade@example.org\n"
        "languages: [en]\n"
        "sections:\n  - 01-key.md\n  - 02-body.md\n"
    ),
    "papers/note/01-key.md": "::: key-messages\n- Privacy rules are legitimate.\n- Keep policy space.\n:::\n",
    "papers/note/02-body.md": (
        "## Context\n\nData flows are unevenly distributed [@unctad2021der].\n\n"
        "The GDPR sets transfer conditions [@gdpr2016, art. 45].[^1]\n\n"
        "[^1]: A footnote about adequacy decisions.\n"
    ),
}


def run(root: Path, *args):
    from click.testing import CliRunner

    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conftest import MINIMAL, write_project

    root = write_project(tmp_path_factory.mktemp("b") / "proj", {**MINIMAL, **FILES})
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    return root


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_outputs_are_where_the_contract_says(built):
    out = built / "build" / "note"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "manifest.json", "note.en.docx", "note.en.pdf"]


def test_docx_content_styles_citations_bibliography(built):
    d = docx.Document(built / "build/note/note.en.docx")
    paras = [(p.style.name, p.text) for p in d.paragraphs]
    texts = [t for _, t in paras]
    assert ("Title", "Data flows and privacy") in paras
    assert any(s.startswith("Heading") and t == "Context" for s, t in paras)
    assert any("Data flows are unevenly distributed (UNCTAD 2021)." == t for t in texts)
    assert any("(European Parliament and Council of the European Union 2016, art. 45)" in t for t in texts)
    refs = texts.index("References")
    assert paras[refs][0].startswith("Heading")
    assert any(t.startswith("UNCTAD. 2021. Digital Economy Report 2021") for t in texts[refs:])
    body = "\n".join(texts)
    assert "[@" not in body and "???" not in body and "unctad2021der" not in body


def test_docx_footnote_and_footer_page_number(built):
    with zipfile.ZipFile(built / "build/note/note.en.docx") as z:
        names = z.namelist()
        notes = z.read("word/footnotes.xml").decode()
        footers = "".join(z.read(n).decode() for n in names if n.startswith("word/footer"))
    assert "A footnote about adequacy decisions." in notes
    assert "PAGE" in footers


def test_docx_core_properties_come_from_the_paper_only(built):
    props = docx.Document(built / "build/note/note.en.docx").core_properties
    assert props.title == "Data flows and privacy"
    assert props.author == "Test Coalition; Second Group"
    assert props.language == "en"
    assert props.last_modified_by in ("", None)
    with zipfile.ZipFile(built / "build/note/note.en.docx") as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml") or n.endswith(".rels")).decode()
    import re

    for private in (getpass.getuser(), socket.gethostname()):
        assert not re.search(rf"(?<![\w:-]){re.escape(private)}(?![\w:-])", xml), private
    assert str(built) not in xml


def test_pdf_text_has_title_block_citations_and_bibliography(built):
    text = pdf_text(built / "build/note/note.en.pdf")
    for expected in ("Data flows and privacy", "Test Coalition", "For WTO delegations", "Key messages",
                     "Privacy rules are legitimate.", "(UNCTAD 2021)", "References",
                     "Digital Economy Report 2021", "Page 1 of 1"):
        assert expected in text, expected
    assert "[@" not in text and "unctad2021der" not in text


def test_pdf_metadata(built):
    meta = PdfReader(built / "build/note/note.en.pdf").metadata
    assert meta.title == "Data flows and privacy"
    assert "Test Coalition" in (meta.author or "")


def test_both_formats_print_the_same_bibliography(built):
    d = docx.Document(built / "build/note/note.en.docx")
    texts = [p.text for p in d.paragraphs]
    entries = texts[texts.index("References") + 1:]
    pdf = " ".join(pdf_text(built / "build/note/note.en.pdf").split())
    assert len(entries) >= 2, entries
    for entry in entries:
        assert " ".join(entry.split())[:60] in pdf


def test_manifest_records_inputs_tools_outputs(built):
    import json

    m = json.loads((built / "build/note/manifest.json").read_text())
    assert set(m["inputs"]) >= {"papers/note/paper.yaml", "papers/note/01-key.md", "papers/note/02-body.md",
                                "references.bib"}
    assert m["tools"]["pandoc"].startswith("3.")
    assert set(m["outputs"]) == {"build/note/note.en.docx", "build/note/note.en.pdf"}


def test_build_is_byte_identical_twice(built, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, ignore=shutil.ignore_patterns("build"))
    assert run(copy, "build").exit_code == 0
    for name in ("note.en.docx", "note.en.pdf"):
        assert (copy / "build/note" / name).read_bytes() == (built / "build/note" / name).read_bytes(), name


def test_failed_build_leaves_previous_outputs_intact(built, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    before = {p: p.read_bytes() for p in (copy / "build/note").iterdir() if p.is_file()}
    (copy / "papers/note/02-body.md").write_text("Broken [@nokey].\n")
    result = run(copy, "build")
    assert result.exit_code == 1
    assert "papers/note/02-body.md:1:9: error[PK201] unknown citation key 'nokey'" in result.stderr
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in (copy / "build/note").iterdir() if p.is_file()} == before


def test_new_project_builds_out_of_the_box(tmp_path):
    from click.testing import CliRunner

    target = tmp_path / "fresh"
    assert CliRunner().invoke(main, ["new", str(target)]).exit_code == 0
    result = run(target, "build")
    assert result.exit_code == 0, result.output
    assert (target / "build/example-note/example-note.en.pdf").is_file()
    text = pdf_text(target / "build/example-note/example-note.en.pdf")
    assert "Notes for writers" not in text
    assert "WTO Members can write similar safeguards" in " ".join(text.split())


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_every_built_docx(built, tmp_path):
    docs = sorted((built / "build").rglob("*.docx"))
    assert docs, "nothing was built"
    for path in docs:
        proc = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                               "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                              capture_output=True, text=True, timeout=180)
        out = tmp_path / (path.stem + ".pdf")
        assert proc.returncode == 0 and out.is_file(), proc.stderr
        assert "Data flows and privacy" in pdf_text(out)


def test_hand_edited_reference_docx_is_used(tmp_path):
    from conftest import MINIMAL, write_project

    root = write_project(tmp_path / "p", {**MINIMAL, **FILES})
    assert run(root, "styles", "--write").exit_code == 0
    ref = root / "styles/reference.docx"
    d = docx.Document(ref)
    d.styles["Normal"].font.name = "Hand Edited Serif"
    d.save(ref)
    assert run(root, "build", "--format", "docx").exit_code == 0
    with zipfile.ZipFile(root / "build/note/note.en.docx") as z:
        assert "Hand Edited Serif" in z.read("word/styles.xml").decode()
    ref.unlink()
    assert run(root, "build", "--format", "docx").exit_code == 0
    with zipfile.ZipFile(root / "build/note/note.en.docx") as z:
        assert "Hand Edited Serif" not in z.read("word/styles.xml").decode()


TITLE_ONLY_CSL = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Title only (test)</title><id>title-only-test</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation><layout prefix="{" suffix="}"><text variable="title"/></layout></citation>
  <bibliography><layout><text variable="title"/></layout></bibliography>
</style>
"""


def test_paper_csl_overrides_the_project_style(tmp_path):
    from conftest import MINIMAL, write_project

    yaml = FILES["papers/note/paper.yaml"] + "csl: styles/title-only.csl\n"
    root = write_project(tmp_path / "p", {**MINIMAL, **FILES, "papers/note/paper.yaml": yaml,
                                          "styles/title-only.csl": TITLE_ONLY_CSL})
    assert run(root, "build", "--format", "docx").exit_code == 0
    texts = [p.text for p in docx.Document(root / "build/note/note.en.docx").paragraphs]
    assert "data flows are unevenly distributed {digital economy report 2021}." in [t.lower() for t in texts]


def _git(root: Path, *args: str) -> str:
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    return subprocess.run([*git, *args], check=True, capture_output=True, text=True).stdout.strip()


def _footers(docx_path: Path) -> str:
    with zipfile.ZipFile(docx_path) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))


def test_provenance_line_names_inputs_and_build_date_and_manifest_names_commit(tmp_path):
    """The footer carries "Ref. " + a hash of the handout's own inputs (the same in DOCX and
    PDF) and the build date; the commit goes in manifest.json, so a commit that changes nothing
    printed rebuilds nothing."""
    import json
    import re

    from conftest import MINIMAL, write_project

    from positionkit.pipeline.build import build

    root = write_project(tmp_path / "p", {**MINIMAL, **FILES, ".gitignore": "build/\n"})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "x")
    assert run(root, "build").exit_code == 0
    pdf_line = re.search(r"Ref\. ([0-9a-f]{7}) · 2026-11-20", pdf_text(root / "build/note/note.en.pdf"))
    assert pdf_line, pdf_text(root / "build/note/note.en.pdf")
    assert pdf_line.group(0) in _footers(root / "build/note/note.en.docx")
    manifest = json.loads((root / "build/note/manifest.json").read_text())
    assert manifest["commit"] == _git(root, "rev-parse", "--short=7", "HEAD")

    (root / "NOTES.txt").write_text("nothing a handout prints\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "notes")
    again = build(root)
    assert again.ok and again.built == [] and len(again.reused) == 2
    manifest = json.loads((root / "build/note/manifest.json").read_text())
    assert manifest["commit"] == _git(root, "rev-parse", "--short=7", "HEAD")
    assert build(root).replayed  # nothing changed at all: the recorded result

    _git(root, "commit", "-q", "--allow-empty", "-m", "a commit that changes no file")
    empty = build(root)  # the files match the record, the commit does not: no replay
    assert empty.ok and not empty.replayed and empty.built == []
    manifest = json.loads((root / "build/note/manifest.json").read_text())
    assert manifest["commit"] == _git(root, "rev-parse", "--short=7", "HEAD")

    edit = root / "papers/note/02-body.md"
    edit.write_text(edit.read_text().replace("Data flows", "Cross-border data flows", 1))
    changed = build(root)
    assert changed.ok and sorted(changed.built) == ["build/note/note.en.docx", "build/note/note.en.pdf"]
    assert json.loads((root / "build/note/manifest.json").read_text())["commit"].endswith("+")
    new_line = re.search(r"Ref\. ([0-9a-f]{7}) · 2026-11-20", pdf_text(root / "build/note/note.en.pdf"))
    assert new_line and new_line.group(1) != pdf_line.group(1)
    assert new_line.group(0) in _footers(root / "build/note/note.en.docx")

def test_the_ast_is_freed_before_the_typst_compile(make_project, monkeypatch):
    """The compile is the build's largest step in memory: by the time it runs, the document's
    cited AST has been emptied (the DOCX and the Typst source have what they need), and the
    outputs are complete all the same."""
    import positionkit.pipeline.produce as produce
    from positionkit.render import pdf as pdf_mod
    from positionkit.system.memory import give_back

    root = make_project(FILES)
    cited, seen = [], []
    real_cite, real_compile = produce.cite, pdf_mod.compile_from

    def cite(*a, **k):
        cited.append(real_cite(*a, **k))
        return cited[-1]

    def compile_from(*a, **k):
        import threading

        for thread in threading.enumerate():  # the freeing runs beside the compile: started by now
            if thread.name == "positionkit-free":
                thread.join()
        seen.append([len(ast) for ast in cited])
        return real_compile(*a, **k)

    monkeypatch.setattr(produce, "cite", cite)
    monkeypatch.setattr(pdf_mod, "compile_from", compile_from)
    assert run(root, "build").exit_code == 0
    assert seen == [[0]]  # one compile, after the one AST was emptied
    document = docx.Document(str(root / "build/note/note.en.docx"))
    assert "Data flows are unevenly distributed" in "\n".join(p.text for p in document.paragraphs)
    text = "".join(page.extract_text() for page in PdfReader(root / "build/note/note.en.pdf").pages)
    assert "The GDPR sets transfer conditions" in text
    assert give_back() is True  # glibc (this machine and CI): freed pages go back to the system


def test_one_worker_or_two_give_the_same_bytes(make_project):
    """-j 1 renders the PDF and then the DOCX on one thread (the AST is freed after both have
    taken what they need), -j 2 side by side: the outputs are byte-identical."""
    outputs = {}
    for jobs in ("1", "2"):
        root = make_project(FILES)
        assert run(root, "build", "-j", jobs).exit_code == 0
        outputs[jobs] = {p.name: p.read_bytes() for p in (root / "build/note").iterdir()
                         if p.suffix in (".docx", ".pdf")}
    assert sorted(outputs["1"]) == ["note.en.docx", "note.en.pdf"]
    assert outputs["1"] == outputs["2"]


def _citeproc_runs(monkeypatch, events: list):
    """Record when citeproc runs start (and keep them) and when the checks run."""
    import positionkit.pipeline.handouts as handouts
    import positionkit.pipeline.prepare as prepare_mod
    from positionkit.render.cite import Citeproc

    runs: list = []
    real_checked = prepare_mod.checked

    class Recorded(Citeproc):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            runs.append(self)
            events.append("citeproc started")

    def checked(*a, **k):
        events.append("checks")
        return real_checked(*a, **k)

    monkeypatch.setattr(handouts, "Citeproc", Recorded)
    monkeypatch.setattr(prepare_mod, "checked", checked)
    return runs


def test_citeproc_starts_before_the_checks_and_is_not_run_twice(make_project, monkeypatch):
    """A plain build starts each document's citeproc (up to one per worker) before checking the
    documents; rendering takes that run instead of starting another."""
    from positionkit.pipeline.build import build

    root = make_project({**FILES, "papers/note/paper.yaml": FILES["papers/note/paper.yaml"].replace(
        "languages: [en]", "languages: [en, fr]"), "papers/note/01-key.fr.md": FILES["papers/note/01-key.md"],
        "papers/note/02-body.fr.md": FILES["papers/note/02-body.md"]})
    events: list = []
    runs = _citeproc_runs(monkeypatch, events)
    result = build(root, jobs=2)
    assert result.ok and len(result.built) == 4, result.diagnostics
    assert events == ["citeproc started", "citeproc started", "checks"]  # en and fr, then the checks
    assert len(runs) == 2  # and nothing more when rendering
    pdf = pdf_text(root / "build/note/note.fr.pdf")
    assert "UNCTAD" in pdf and "2021" in pdf  # the citation was processed in the run started ahead

    events.clear()
    assert build(root, jobs=1).replayed and events == []  # nothing to do: nothing started


def test_a_build_the_checks_stop_stops_the_citeproc_it_started(make_project, monkeypatch):
    """The checks find an error after citeproc has started: pandoc is stopped, its private files
    are gone, and nothing is written."""
    from positionkit.pipeline.build import build

    root = make_project({**FILES, "papers/note/02-body.md": FILES["papers/note/02-body.md"] + "\nAs shown [@nosuchkey2020].\n"})
    events: list = []
    runs = _citeproc_runs(monkeypatch, events)
    result = build(root)
    assert not result.ok and [d.code for d in result.diagnostics if d.severity.value == "error"] == ["PK201"]
    assert events[:2] == ["citeproc started", "checks"] and len(runs) == 1
    run = runs[0]._run
    assert run._proc is None and not Path(run._folder.name).exists()  # stopped, files removed
    assert not (root / "build/note/note.en.pdf").exists()


_FIRST_CITEPROC = """
import sys
from positionkit.render import pandoc
real = pandoc.PandocRun.__init__
seen = []
def start(self, args, *a, **k):
    if "--citeproc" in args and not seen:
        seen.append(1)
        print("LOADED", " ".join(sorted(m for m in sys.modules if m.startswith("positionkit."))))
    real(self, args, *a, **k)
pandoc.PandocRun.__init__ = start
from positionkit.pipeline.build import build
assert build(__import__("pathlib").Path(sys.argv[1])).ok
"""


def test_the_first_citeproc_starts_before_the_checks_and_renderers_are_imported(make_project):
    """What a cold build waits for before pandoc starts is only loading and resolving: the
    checks and the rendering side import while citeproc runs (see pipeline/build.py)."""
    import sys

    root = make_project(FILES)
    out = subprocess.run([sys.executable, "-c", _FIRST_CITEPROC, str(root)], capture_output=True, text=True,
                         check=True).stdout
    loaded = set(out.split("LOADED", 1)[1].split())
    assert "positionkit.pipeline.handouts" in loaded  # the run was seen
    assert not {m for m in loaded if m.startswith(("positionkit.checks", "positionkit.render.docx.writer",
                                                   "positionkit.render.pdf"))}
    assert not loaded & {"positionkit.pipeline.produce", "positionkit.pipeline.manifest",
                         "positionkit.pipeline.docxpages"}


def test_a_traced_build_writes_its_stages_in_order_and_an_untraced_one_nothing(make_project, tmp_path):
    """POSITIONKIT_TRACE (bench/cold.py's view of where a cold build's time goes): one line per
    stage, `<time> <cpu> <event>`, in the order the build runs them, written when the process
    ends; without it, no file anywhere."""
    import os
    import sys

    root = make_project(FILES)
    trace = tmp_path / "trace.txt"
    env = {**os.environ, "POSITIONKIT_TRACE": str(trace)}
    subprocess.run([sys.executable, "-m", "positionkit", "-C", str(root), "build", "-q"], env=env, check=True)
    lines = [line.split() for line in trace.read_text().splitlines()]
    names = [fields[2] for fields in lines]
    stamps, cpus = [float(f[0]) for f in lines], [float(f[1]) for f in lines]
    assert stamps == sorted(stamps) and cpus == sorted(cpus) and cpus[-1] > 0
    assert names[:2] == ["cli", "build"] and names[-2:] == ["written", "end"]
    for event in ("load-start", "loaded", "resolved", "citeproc-start", "citeproc-end", "pandoc-docx-start",
                  "pandoc-docx-end", "pandoc-typst-start", "compile-start", "compile-end", "docx-done", "pdf-done"):
        assert event in names, event
    at = {name: names.index(name) for name in names}
    assert at["load-start"] < at["loaded"] < at["resolved"] < at["citeproc-start"] < at["citeproc-end"] < at["pandoc-docx-start"] < at["docx-done"]
    assert at["pandoc-typst-end"] < at["compile-start"] < at["compile-end"] <= at["pdf-done"] < at["written"]

    trace.unlink()
    quiet = {k: v for k, v in os.environ.items() if k != "POSITIONKIT_TRACE"}
    subprocess.run([sys.executable, "-m", "positionkit", "-C", str(root), "build", "-q"], env=quiet, check=True)
    assert not trace.exists()
