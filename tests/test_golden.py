"""Golden files: the resolved Markdown of the repository's own example papers, every language.

A change to the resolver (block expansion, parameters, variants, internal-note removal,
translation choice) shows up here as a diff of real text. When the change is intended, or the
example content changed, regenerate:  POSITIONKIT_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from positionkit.pipeline.prepare import prepare
from positionkit.load.project import load_project

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
DOCS = {f"{d.target.paper}.{d.target.lang}": d for d in prepare(load_project(ROOT)).documents}


@pytest.mark.parametrize("name", sorted(DOCS))
def test_resolved_markdown_matches_golden(name):
    doc = DOCS[name]
    # the source map rides along, so a golden diff also shows where each line came from
    text = "".join(f"{ln.text}\n" for ln in doc.lines)
    origin = "".join(f"{ln.path}:{ln.line}\n" for ln in doc.lines)
    got = f"{text}<!-- source map -->\n{origin}"
    path = GOLDEN / f"{name}.md"
    if os.environ.get("POSITIONKIT_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), str(path), "resolved", n=1))
        pytest.fail(f"resolved Markdown differs from {path.name} (regenerate if intended):\n{diff[:4000]}")


def test_no_internal_note_reaches_any_golden_file():
    paths = sorted(GOLDEN.glob("*.md"))
    assert paths and len(paths) == len(DOCS), "golden files and example documents differ in number"
    for path in paths:
        text = path.read_text(encoding="utf-8").split("<!-- source map -->")[0]
        assert "::: internal" not in text and "<!--" not in text, path.name
