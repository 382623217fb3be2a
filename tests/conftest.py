"""Shared fixtures: throwaway projects written to tmp_path, and click's CliRunner."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from positionkit.cli.main import main

MINIMAL = {
    "positionkit.toml": '[project]\nname = "Test coalition"\nsource_lang = "en"\n',
    "references.bib": textwrap.dedent("""\
        @techreport{unctad2021der,
          author = {{UNCTAD}},
          title = {Digital Economy Report 2021},
          institution = {{United Nations Conference on Trade and Development}},
          year = {2021},
        }

        @misc{gdpr2016,
          author = {{European Parliament and Council of the European Union}},
          title = {Regulation (EU) 2016/679 (General Data Protection Regulation)},
          year = {2016},
          url = {https://eur-lex.europa.eu/eli/reg/2016/679/oj},
        }
        """),
    "papers/note/paper.yaml": textwrap.dedent("""\
        title: Test note
        date: 2026-11-20
        organisations: [Test Coalition]
        audience: For WTO delegations
        languages: [en]
        sections:
          - 01-intro.md
        """),
    "papers/note/01-intro.md": "## Introduction\n\nData flows matter [@unctad2021der].\n",
}


def shell_steps(lines: list[str]) -> list[str]:
    """The shell commands of a documentation code block, one per line, a heredoc (<<'EOF' ...
    EOF) kept whole as one step."""
    steps, i = [], 0
    while i < len(lines):
        step = lines[i]
        if "<<'EOF'" in step:
            while lines[i] != "EOF":
                i += 1
                step += "\n" + lines[i]
        steps.append(step)
        i += 1
    return steps


THREE_AUDIENCES = """\
audiences:
  - id: kenya
    languages: [en]
  - id: chile
    languages: [en]
  - id: fiji
    languages: [en]
"""
"""audiences.yaml with three English audiences: a batch to split into shards or CI jobs."""


def write_project(root: Path, files: dict) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
    return root


@pytest.fixture
def make_project(tmp_path):
    """make_project({"path": "text", ...}, base=True) -> root; base merges the MINIMAL project."""

    def make(files: dict | None = None, base: bool = True) -> Path:
        root = tmp_path / "proj"
        root.mkdir(exist_ok=True)
        merged = {**(MINIMAL if base else {}), **(files or {})}
        return write_project(root, {k: v for k, v in merged.items() if v is not None})

    return make


@pytest.fixture
def cli():
    """cli(root, *args) -> click Result."""
    runner = CliRunner()

    def invoke(root: Path, *args: str):
        return runner.invoke(main, ["-C", str(root), *args], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session", autouse=True)
def _private_user_cache(tmp_path_factory):
    """Font maps and subsets (positionkit.system.diskcache) go to a folder of this test run, not ~/.cache."""
    import os

    old = os.environ.get("POSITIONKIT_CACHE_DIR")
    os.environ["POSITIONKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if old is None:
        os.environ.pop("POSITIONKIT_CACHE_DIR", None)
    else:
        os.environ["POSITIONKIT_CACHE_DIR"] = old


@pytest.fixture(scope="session", autouse=True)
def no_orphan_temp_folders():
    """Builds killed on purpose (kill -9 tests) cannot clean up; remove their private temp folders
    at the end of the run, as the next positionkit process would."""
    yield
    from positionkit.system.scratch import sweep_orphans

    sweep_orphans()
