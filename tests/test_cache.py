"""The incremental cache: nothing rebuilt when nothing changed, and never a stale output.

Each test copies one small built project (two audiences, DOCX + PDF), changes one kind of input
and rebuilds through the library, counting pandoc runs and typst compiles.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from positionkit.pipeline import tools
from positionkit.render import pdf as pdf_mod
from positionkit.render.pandoc import PandocRun
from tests.conftest import write_project
from tests.test_audiences import docx_text, pdf_text, project_files

import importlib

build_mod = importlib.import_module("positionkit.pipeline.build")

BLOCK = """\
---
id: topic/point
title: A point
status: approved
params:
  country: {default: "WTO Members"}
---
Block paragraph for {{ country }}.
"""
FR_BLOCK = "---\ntranslation: {state: translated}\n---\nParagraphe du bloc pour {{ country }}.\n"
OUTPUTS = ["build/note/atlantis/note.en.docx", "build/note/atlantis/note.en.pdf",
           "build/note/syldavia/note.en.docx", "build/note/syldavia/note.en.pdf"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    files = project_files(**{"blocks/topic/point.md": BLOCK,
                             "papers/note/02-block.md": '## More\n\n::: {.block ref="topic/point"}\n:::\n'})
    files["papers/note/paper.yaml"] = files["papers/note/paper.yaml"].replace(
        "  - 01-intro.md\n", "  - 01-intro.md\n  - 02-block.md\n")
    root = write_project(tmp_path_factory.mktemp("cache") / "proj", files)
    result = build_mod.build(root, audiences=["atlantis", "syldavia"])
    assert result.ok and sorted(result.built) == OUTPUTS, result.diagnostics
    return root


@pytest.fixture
def copy(built, tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(built, root)  # copy2 keeps mtimes: the index still matches
    return root


@pytest.fixture
def work(monkeypatch):
    """Counts pandoc runs and typst compiles during a test."""
    counts = {"pandoc": 0, "typst": 0}
    real_start, real_compile = PandocRun.__init__, pdf_mod.compile_from  # every run goes through these

    def start(self, args, *a, **k):
        if "--version" not in args:
            counts["pandoc"] += 1
        real_start(self, args, *a, **k)

    def compile_from(*a, **k):
        counts["typst"] += 1
        return real_compile(*a, **k)

    monkeypatch.setattr(PandocRun, "__init__", start)
    monkeypatch.setattr(pdf_mod, "compile_from", compile_from)
    return counts


def rebuild(root: Path):
    return build_mod.build(root, audiences=["atlantis", "syldavia"])


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text("utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new), "utf-8")


def test_nothing_changed_nothing_loaded_or_rendered(copy, work, monkeypatch):
    def no_load(root):
        raise AssertionError("the project was loaded")

    monkeypatch.setattr(build_mod, "load_project", no_load)
    result = rebuild(copy)
    assert result.ok and result.replayed and result.built == [] and sorted(result.reused) == OUTPUTS
    assert work == {"pandoc": 0, "typst": 0}


def test_unrelated_file_change_resolves_but_renders_nothing(copy, work):
    (copy / "NOTES.txt").write_text("a file no handout reads\n")
    result = rebuild(copy)
    assert not result.replayed and result.built == [] and len(result.reused) == 4
    assert work == {"pandoc": 0, "typst": 0}


def test_deleted_or_edited_output_is_rebuilt(copy, work):
    (copy / OUTPUTS[0]).unlink()
    (copy / OUTPUTS[3]).write_bytes(b"%PDF-tampered")
    result = rebuild(copy)
    assert sorted(result.built) == [OUTPUTS[0], OUTPUTS[3]]
    assert (copy / OUTPUTS[3]).read_bytes().startswith(b"%PDF-1")


@pytest.mark.parametrize("change, seen", [
    (("papers/note/01-intro.md", "data flows matter", "data flows count"), "data flows count"),
    (("blocks/topic/point.md", "Block paragraph", "Reworded block paragraph"), "Reworded block paragraph"),
    (("references.bib", "Digital Economy Report 2021", "Digital Economy Report 2021, Revised"), "Revised"),
])
def test_content_change_rebuilds_with_the_new_text(copy, work, change, seen):
    edit(copy, *change)
    result = rebuild(copy)
    assert sorted(result.built) == OUTPUTS
    for path in OUTPUTS:
        text = docx_text(copy / path) if path.endswith(".docx") else pdf_text(copy / path)
        assert seen in text, path


def test_audience_entry_change_rebuilds_only_that_audience(copy, work):
    edit(copy, "audiences.yaml", 'country: "Syldavia"', 'country: "Syldavia Major"')
    result = rebuild(copy)
    assert sorted(result.built) == OUTPUTS[2:] and sorted(result.reused) == OUTPUTS[:2]
    assert "For Syldavia Major, data flows" in pdf_text(copy / OUTPUTS[3])


def test_internal_change_that_flips_a_condition_rebuilds(copy, work):
    edit(copy, "audiences.yaml", "stance: opponent", "stance: persuadable")
    result = rebuild(copy)
    assert sorted(result.built) == OUTPUTS[2:]
    assert "Open-question paragraph" in pdf_text(copy / OUTPUTS[3])


def test_translation_change_rebuilds_only_that_language(copy, work, cli):
    edit(copy, "papers/note/paper.yaml", "languages: [en]", "languages: [en, fr]")
    (copy / "papers/note/01-intro.fr.md").write_text(
        "## Introduction\n\nPour {{ country }}, les flux comptent [@unctad2021der].\n", "utf-8")
    assert cli(copy, "i18n", "stamp", "papers/note/01-intro.fr.md").exit_code == 0
    first = build_mod.build(copy, audiences=["all"])
    assert "build/note/borduria/note.fr.pdf" in first.built
    edit(copy, "papers/note/01-intro.fr.md", "comptent", "importent")
    second = build_mod.build(copy, audiences=["all"])
    assert sorted(second.built) == ["build/note/borduria/note.fr.docx", "build/note/borduria/note.fr.pdf"]
    assert "Pour Bordurie, les flux importent" in pdf_text(copy / "build/note/borduria/note.fr.pdf")


def test_style_change_rebuilds_everything(copy, work):
    with open(copy / "positionkit.toml", "a") as fh:
        fh.write('\n[style]\naccent_color = "#8B0000"\n')
    result = rebuild(copy)
    assert sorted(result.built) == OUTPUTS


def test_tool_version_change_rebuilds_everything(copy, work, monkeypatch):
    versions = dict(tools.tool_versions())
    monkeypatch.setattr(tools, "tool_versions", lambda: {**versions, "pandoc": "99.0"})
    result = rebuild(copy)
    assert sorted(result.built) == OUTPUTS and work["typst"] == 2
    assert work["pandoc"] >= 3  # the counter the no-render tests read does count: citeproc, DOCX, Typst


def test_final_build_is_not_served_the_draft(copy, work):
    result = build_mod.build(copy, audiences=["atlantis", "syldavia"], final=True)
    assert sorted(result.built) == OUTPUTS
    assert "Draft" not in pdf_text(copy / OUTPUTS[1])


def test_same_size_edit_right_after_a_build_is_seen(copy, work):
    """mtime granularity: a same-size edit inside the racy window is caught by re-hashing."""
    path = copy / "papers/note/01-intro.md"
    stat = path.stat()
    edit(copy, "papers/note/01-intro.md", "data flows matter", "data flows MATTER")
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    index = json.loads((copy / "build/.cache/index.json").read_text())
    index["written_ns"] = stat.st_mtime_ns  # as if the index was written just after the edit
    (copy / "build/.cache/index.json").write_text(json.dumps(index))
    result = rebuild(copy)
    assert sorted(result.built) == OUTPUTS


def test_index_holds_no_internal_field(built):
    text = (built / "build/.cache/index.json").read_text()
    assert "CANARY" not in text and "opponent" not in text


def test_a_changed_positionkit_is_not_served_from_the_cache(monkeypatch):
    """The cache's environment includes a fingerprint of positionkit's own code and template."""
    from positionkit.pipeline import cache, tools

    before = cache.environment()
    monkeypatch.setattr(tools, "code_fingerprint", lambda: "patched-renderer")
    assert cache.environment() != before


TWINS = """\
audiences:
  - id: atlantis
    name: "Delegation of Atlantis"
    languages: [en]
    params: {country: "Atlantis"}
    tags: [ldc]
    internal: {stance: ally}
  - id: lilliput
    name: "Delegation of Lilliput"
    languages: [en]
    params: {country: "Lilliput"}
    tags: [ldc]
    internal: {stance: ally}
"""


def test_shared_batch_rendering_equals_rendering_alone_footer_ref_included(tmp_path, monkeypatch):
    """Two audiences whose handouts differ only in values share one DOCX and one Typst source,
    filled in per audience (values, and the footer's "Ref." hash of each one's own inputs); an
    audience built alone renders on its own path. The bytes are the same."""
    from positionkit.render import cite_shared

    fills = []
    real_docx, real_typst = cite_shared.fill_docx, cite_shared.fill_typst
    monkeypatch.setattr(cite_shared, "fill_docx", lambda *a: fills.append("docx") or real_docx(*a))
    monkeypatch.setattr(cite_shared, "fill_typst", lambda *a: fills.append("typst") or real_typst(*a))
    files = project_files(**{"audiences.yaml": TWINS})
    both = write_project(tmp_path / "both", files)
    assert build_mod.build(both, audiences=["atlantis", "lilliput"]).ok
    assert sorted(fills) == ["docx", "docx", "typst", "typst"]
    alone = write_project(tmp_path / "alone", files)
    assert build_mod.build(alone, audiences=["lilliput"]).ok
    outputs = ["build/note/lilliput/note.en.docx", "build/note/lilliput/note.en.pdf"]
    for rel in outputs:
        assert (alone / rel).read_bytes() == (both / rel).read_bytes(), rel
    refs = {re.search(r"Ref\. [0-9a-f]{7}", pdf_text(both / f"build/note/{who}/note.en.pdf")).group(0)
            for who in ("atlantis", "lilliput")}
    assert len(refs) == 2  # each audience's handout names its own inputs
