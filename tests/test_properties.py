"""Property tests: random and mutated inputs through load -> resolve -> checks yield diagnostics,
never an exception. No rendering: each example is a few milliseconds.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from positionkit.pipeline.prepare import check_project
from positionkit.load.config import parse_config
from positionkit.diagnostics import Diagnostic
from positionkit.load.project import load_project
from tests.conftest import MINIMAL, write_project

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

MD_PIECES = [
    "## Heading", "# Title {#id}", "Title\n=====", "::: internal", "::: key-messages", ":::", "::::",
    '::: {.block ref="t/b"}', '::: {.block ref="t/b" variant="short"}', '::: {.block ref="t/b" p="{{ q }}"}',
    "::: {.when tags=ldc}", "::: {.unless audience=kenya}", '::: {.variant name="short"}', "::: {#x .y k=v}",
    "::: {bad", "```", "```{=openxml}", "~~~", "`code`", "`x`{=typst}", "<!--", "-->", "<!-- c -->",
    "[@unctad2021der]", "@gdpr2016", "[@nokey, p. 4]", "[-@x]", "@{weird key}", "[link](#heading)",
    "[x](#)", "![alt](img.png)", "![](../../x.png)", "![a](/etc/passwd)", "![a][r]", "[r]: ../x.png",
    "{{ country }}", "{{", "}}", "{{ bad-name }}", "<script>", "\\begin{x}", "- item", "1. item",
    "> quote", "|a|b|", "    indented", "\t", "\r\n", "\ufeff", "\x00", "\u202e", "é", "中文", "مرحبا",
    "---", "...", "x" * 500, "", " ",
]
markdown = st.lists(st.one_of(st.sampled_from(MD_PIECES), st.text(max_size=30)), max_size=25).map("\n".join)
yaml_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.text(max_size=20),
                        st.sampled_from(["01-intro.md", "../x.md", "/etc/passwd", "en", "fr", "zz-Q",
                                         "2026-11-20", "[", "{", "*a", "&a", "!!python/object:os.system",
                                         "'", '"', ": x", "- y"]))
yaml_value = st.recursive(yaml_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                          st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)
PAPER_KEYS = ["title", "subtitle", "date", "organisations", "audience", "contact", "languages", "sections",
              "pages", "params", "words", "csl", "audiences", "short_title", "bogus"]
BLOCK_KEYS = ["id", "title", "summary", "status", "params", "variants", "review_by", "owner", "zzz"]


def yaml_text(keys):
    """Front matter / paper.yaml: sometimes well-formed YAML of random values, sometimes garbage."""
    import yaml

    mapping = st.dictionaries(st.sampled_from(keys), yaml_value, max_size=8).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True))
    return st.one_of(mapping, st.text(max_size=200), mapping.flatmap(
        lambda good: st.integers(0, max(len(good), 1)).map(lambda i: good[:i] + ":\n  - [" + good[i:])))


def check_survives(files: dict) -> list[Diagnostic]:
    tmp = Path(tempfile.mkdtemp(prefix="pk-prop-"))
    try:
        root = write_project(tmp / "proj", files)
        diags = check_project(root)
        assert all(isinstance(d, Diagnostic) for d in diags)
        for d in diags:
            d.format()
            d.to_dict()
        return diags
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


BLOCK = "---\nid: t/b\nstatus: approved\nparams:\n  p:\n    default: x\n---\nBlock {{ p }}.\n"


@SETTINGS
@given(markdown, markdown)
def test_random_markdown_sections_and_blocks(section, block_body):
    check_survives({**MINIMAL, "papers/note/01-intro.md": section,
                    "blocks/t/b.md": "---\nid: t/b\nstatus: approved\nparams:\n  p:\n    default: x\n---\n" + block_body})


@SETTINGS
@given(yaml_text(PAPER_KEYS), yaml_text(BLOCK_KEYS), markdown)
def test_random_paper_yaml_and_front_matter(paper, front, body):
    check_survives({**MINIMAL, "papers/note/paper.yaml": paper,
                    "papers/note/01-intro.md": '::: {.block ref="t/b"}\n:::\n\n' + body,
                    "blocks/t/b.md": f"---\n{front}\n---\n{body}"})


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["papers/note/01-intro.md", "papers/note/paper.yaml",
                                                 "references.bib", "positionkit.toml", "blocks/t/b.md"]))
def test_random_bytes_in_any_file(data, rel):
    check_survives({**MINIMAL, "blocks/t/b.md": BLOCK, rel: data})


BIB_PIECES = ["@article{a,", "@misc{b,", "@book{", "@techreport{unctad2021der,", "@comment{", "@string{x = {y}}",
              "@preamble{", "author = {X}", "title = {Y}", "year = 2020", "year = {20", "}", "{", ",", "\"",
              "title = \"unterminated", "@misc{dup,\n title={a}}", "@misc{dup,\n title={b}}", "@", "%", "\\"]


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(BIB_PIECES), st.text(max_size=20)), max_size=30).map("\n".join),
       markdown)
def test_random_bibtex(bib, section):
    check_survives({**MINIMAL, "references.bib": bib, "papers/note/01-intro.md": "[@a] [@b] [@dup]\n" + section})


TOML_PIECES = ["[project]", "[style]", "[libraries]", "[libraries.core]", "[overrides]", "[bogus]",
               'name = "x"', "name = 1", 'source_lang = "fr"', 'source_lang = "zz"', 'formats = ["pdf"]',
               'formats = ["odt"]', "formats = 3", 'output_dir = "../out"', 'output_dir = "/tmp/x"',
               "allow_raw = true", 'allow_raw = "yes"', 'font_size = "big"', "font_size = -1",
               'accent_color = "red"', 'paper_size = "a5"', 'csl = "/etc/passwd"', 'csl = 3',
               'git = "https://example.org/x.git"', 'path = "../lib"', '"core:x" = "y"', "x = [", "=", "["]


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(TOML_PIECES), st.text(max_size=20)), max_size=20).map("\n".join))
def test_random_toml(toml):
    cfg, diags = parse_config(toml)
    assert all(isinstance(d, Diagnostic) for d in diags)
    check_survives({**MINIMAL, "positionkit.toml": toml})


_EXAMPLE: dict = {}


def example_copy() -> tuple[Path, list[Path]]:
    """One copy of the example project's zero-rating paper, blocks and bibliography, made once."""
    if not _EXAMPLE:
        repo = Path(__file__).resolve().parents[1]
        root = Path(tempfile.mkdtemp(prefix="pk-mut-")) / "proj"
        for rel in ("positionkit.toml", "references.bib", "styles", "blocks", "papers/zero-rating-note"):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            if (repo / rel).is_dir():
                shutil.copytree(repo / rel, root / rel)
            else:
                shutil.copy(repo / rel, root / rel)
        _EXAMPLE["root"] = root
        _EXAMPLE["files"] = sorted(root.rglob("*.md"))
    return _EXAMPLE["root"], _EXAMPLE["files"]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.data())
def test_mutated_example_project(data):
    """Character-level mutations of the real example sections and blocks: delete, duplicate, insert."""
    root, files = example_copy()
    path = data.draw(st.sampled_from(files))
    original = path.read_text(encoding="utf-8")
    text = original
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 80)))
        op = data.draw(st.sampled_from(["delete", "duplicate", "insert"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i] + data.draw(st.sampled_from(MD_PIECES)) + text[i:]
    path.write_text(text, encoding="utf-8")
    try:
        diags = check_project(root)
        assert all(isinstance(d, Diagnostic) for d in diags)
        assert load_project(root).papers
    finally:
        path.write_text(original, encoding="utf-8")
