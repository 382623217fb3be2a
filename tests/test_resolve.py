"""Block resolution: every block diagnostic (PK301-PK313) by exact text, parameter precedence,
variants, nested includes, internal-note removal and parameter escaping."""
from __future__ import annotations

import json

import pytest

from positionkit.diagnostics import ordered
from positionkit.load.project import load_project
from positionkit.render.pandoc import run_pandoc
from positionkit.resolve.document import MAX_DEPTH, Target, resolve

SECTION = "papers/note/01-intro.md"


def blk(block_id: str, body: str, extra: str = "", status: str = "approved", review_by: str = "2099-01-01") -> str:
    """A block file: six front-matter lines (plus extra), then the body from line 7 (+ extra)."""
    return (f"---\nid: {block_id}\ntitle: Block {block_id}\nstatus: {status}\nreview_by: {review_by}\n"
            f"{extra}---\n{body}")


def include(ref: str, attrs: str = "") -> str:
    return f'::: {{.block ref="{ref}"{" " + attrs if attrs else ""}}}\n:::\n'


def run(root):
    project = load_project(root)
    doc = resolve(project, Target("note", "en"))
    return doc, [d.format() for d in ordered(project.diagnostics + doc.diagnostics)]


def diags_of(make_project, files):
    return run(make_project(files))[1]


def text_of(make_project, files):
    doc, diags = run(make_project(files))
    return doc.markdown, diags


# --- diagnostics ------------------------------------------------------------------------------


def test_include_without_ref(make_project):
    assert diags_of(make_project, {SECTION: "::: block\n:::\n"}) == [
        f'{SECTION}:1: error[PK301] block include has no ref (write ::: {{.block ref="topic/name"}})']


def test_text_inside_an_include_is_ignored(make_project):
    files = {"blocks/t/a.md": blk("t/a", "Alpha text.\n"),
             SECTION: '::: {.block ref="t/a"}\nStray words.\n:::\n'}
    text, diags = text_of(make_project, files)
    assert diags == [f"{SECTION}:1: warning[PK301] text inside the include of 't/a' is ignored "
                     "(an include is an empty div: ::: {.block ref=...} then :::)"]
    assert "Alpha text." in text and "Stray" not in text


def test_block_without_id(make_project):
    body = "---\ntitle: No id\nstatus: approved\n---\nText.\n"
    assert diags_of(make_project, {"blocks/t/a.md": body}) == [
        "blocks/t/a.md:1: error[PK302] block has no 'id' in its front matter (it should be 't/a') "
        "(add 'id: t/a' so a move cannot silently change it)"]


def test_block_id_not_matching_its_path(make_project):
    assert diags_of(make_project, {"blocks/t/moved.md": blk("t/original", "Text.\n")}) == [
        "blocks/t/moved.md:2: error[PK302] block id 't/original' does not match its path (expected 't/moved') "
        "(a moved block must keep its id: move it back, or update every include)"]


def test_unknown_front_matter_key_and_bad_status(make_project):
    files = {"blocks/t/a.md": blk("t/a", "Text.\n", extra="titel: Typo\n", status="final")}
    assert diags_of(make_project, files) == [
        "blocks/t/a.md:4: error[PK303] block status 'final' is not one of draft, approved, retired",
        "blocks/t/a.md:6: warning[PK303] unknown key 'titel' in block front matter (did you mean 'title'?)"]


def test_unknown_block_with_closest_id(make_project):
    files = {"blocks/t/alpha.md": blk("t/alpha", "Text.\n"), SECTION: "Intro.\n\n" + include("t/alpah")}
    assert diags_of(make_project, files) == [
        f"{SECTION}:3: error[PK304] unknown block 't/alpah' (did you mean 't/alpha'?)"]


def test_unknown_block_without_close_id(make_project):
    assert diags_of(make_project, {SECTION: include("x/nothing-like-it")}) == [
        f"{SECTION}:1: error[PK304] unknown block 'x/nothing-like-it' (positionkit blocks list)"]


def test_retired_block(make_project):
    files = {"blocks/t/a.md": blk("t/a", "Old.\n", status="retired"), SECTION: include("t/a")}
    assert diags_of(make_project, files) == [
        f"{SECTION}:1: error[PK305] block 't/a' is retired (remove the include or use the block that replaces it)"]


def test_draft_block_is_a_warning(make_project):
    files = {"blocks/t/a.md": blk("t/a", "New.\n", status="draft"), SECTION: include("t/a")}
    assert diags_of(make_project, files) == [
        f"{SECTION}:1: warning[PK306] block 't/a' is still a draft "
        "(approve it (status: approved) before a final build)"]


def test_review_date_past_is_a_warning(make_project):
    files = {"blocks/t/a.md": blk("t/a", "Text.\n", review_by="2020-01-31"), SECTION: include("t/a")}
    assert diags_of(make_project, files) == [
        f"{SECTION}:1: warning[PK307] block 't/a' was due for review on 2020-01-31 "
        "(review blocks/t/a.md and move its review_by date)"]


def test_include_cycle_reports_the_chain(make_project):
    files = {"blocks/t/a.md": blk("t/a", "A.\n\n" + include("t/b")),
             "blocks/t/b.md": blk("t/b", "B.\n\n" + include("t/a")),
             SECTION: include("t/a")}
    text, diags = text_of(make_project, files)
    assert diags == ["blocks/t/b.md:9: error[PK308] include cycle: t/a -> t/b -> t/a (remove one of these includes)"]
    assert text.count("A.") == 1 and text.count("B.") == 1


def test_self_include(make_project):
    files = {"blocks/t/a.md": blk("t/a", "A.\n\n" + include("t/a")), SECTION: include("t/a")}
    assert diags_of(make_project, files) == [
        "blocks/t/a.md:9: error[PK308] block 't/a' includes itself (remove one of these includes)"]


def test_self_include_below_another_block(make_project):
    files = {"blocks/t/a.md": blk("t/a", include("t/b")),
             "blocks/t/b.md": blk("t/b", "B.\n\n" + include("t/b")),
             SECTION: include("t/a")}
    assert diags_of(make_project, files) == [
        "blocks/t/b.md:9: error[PK308] block 't/b' includes itself (remove one of these includes)"]


def test_nested_includes_print_in_order_and_are_all_recorded(make_project):
    files = {"blocks/t/a.md": blk("t/a", "Alpha before.\n\n" + include("t/b") + "\nAlpha after.\n"),
             "blocks/t/b.md": blk("t/b", "Beta before.\n\n::: note\n" + include("t/c", 'variant="short"') +
                                  ":::\n"),
             "blocks/t/c.md": blk("t/c", 'Gamma full.\n\n::: {.variant name="short"}\nGamma short.\n:::\n',
                                  extra="variants:\n  short: one line\n"),
             SECTION: include("t/a")}
    doc, diags = run(make_project(files))
    assert diags == []
    words = [w for w in ("Alpha before", "Beta before", "Gamma short", "Alpha after") if w in doc.markdown]
    assert words == ["Alpha before", "Beta before", "Gamma short", "Alpha after"]
    assert sorted(doc.markdown.index(w) for w in words) == [doc.markdown.index(w) for w in words]
    assert "Gamma full" not in doc.markdown
    assert [(b.id, b.variant) for b in doc.blocks] == [("t/a", None), ("t/b", None), ("t/c", "short")]
    # every printed line still points at the file and line it came from
    beta = next(ln for ln in doc.lines if ln.text == "Beta before.")
    assert (beta.path, beta.line) == ("blocks/t/b.md", 7)


def test_depth_limit(make_project):
    n = MAX_DEPTH + 2
    files = {f"blocks/t/b{i}.md": blk(f"t/b{i}", f"Level {i}.\n\n" + include(f"t/b{i + 1}")) for i in range(n)}
    files[f"blocks/t/b{n}.md"] = blk(f"t/b{n}", "Bottom.\n")
    files[SECTION] = include("t/b0")
    text, diags = text_of(make_project, files)
    assert diags == [f"blocks/t/b{MAX_DEPTH - 1}.md:9: error[PK309] blocks nested more than {MAX_DEPTH} deep"]
    assert f"Level {MAX_DEPTH - 1}." in text and f"Level {MAX_DEPTH}." not in text


VARIANT_BLOCK = blk("t/v", "The full argument, long form.\n\n::: {.variant name=\"short\"}\nThe short form.\n:::\n\n"
                    "Full-form closing line.\n", extra="variants:\n  short: one paragraph\n")


def test_unknown_variant(make_project):
    files = {"blocks/t/v.md": VARIANT_BLOCK, "blocks/t/plain.md": blk("t/plain", "Plain.\n"),
             SECTION: include("t/v", 'variant="shrot"') + "\n" + include("t/plain", 'variant="short"')}
    assert diags_of(make_project, files) == [
        f"{SECTION}:1: error[PK310] block 't/v' has no variant 'shrot' (did you mean 'short'?)",
        f"{SECTION}:4: error[PK310] block 't/plain' has no variant 'short' (variants: none)"]


def test_full_text_drops_variant_divs_and_short_prints_only_the_variant(make_project):
    full, diags = text_of(make_project, {"blocks/t/v.md": VARIANT_BLOCK, SECTION: include("t/v")})
    assert diags == []
    assert "The full argument, long form." in full and "Full-form closing line." in full
    assert "The short form." not in full and "variant" not in full
    short, diags = text_of(make_project, {"blocks/t/v.md": VARIANT_BLOCK,
                                          SECTION: include("t/v", 'variant="short"')})
    assert diags == []
    assert "The short form." in short
    assert "long form" not in short and "closing line" not in short and ":::" not in short


PARAM_BLOCK = blk("t/p", "Addressed to {{ country }}.\n",
                  extra='params:\n  country:\n    default: "WTO Members"\n    note: "Who"\n')


def test_include_attribute_not_declared(make_project):
    files = {"blocks/t/p.md": PARAM_BLOCK, SECTION: include("t/p", 'contry="Kenya"')}
    assert diags_of(make_project, files) == [
        f"{SECTION}:1: error[PK311] block 't/p' has no parameter 'contry' (did you mean 'country'?)"]


def test_body_parameter_not_declared(make_project):
    files = {"blocks/t/p.md": blk("t/p", "Text for {{ region }} here.\n"), SECTION: include("t/p")}
    assert diags_of(make_project, files) == [
        "blocks/t/p.md:7:10: error[PK311] parameter 'region' is not declared in this block's front matter "
        "(declare it under 'params:')"]


def test_section_parameter_unknown(make_project):
    assert diags_of(make_project, {SECTION: "Hello {{ nobody }}.\n"}) == [
        f"{SECTION}:1:7: error[PK311] unknown parameter 'nobody' (give it a value under 'params:' in paper.yaml)"]


def test_parameter_without_any_value(make_project):
    files = {"blocks/t/p.md": blk("t/p", "For {{ country }}.\n", extra="params:\n  country:\n    note: Who\n"),
             SECTION: include("t/p")}
    assert diags_of(make_project, files) == [
        f"{SECTION}:1: error[PK313] parameter 'country' of block 't/p' has no value "
        "(pass it: country=\"...\", or set it in paper.yaml params)"]


# --- parameters -------------------------------------------------------------------------------

PAPER = "title: Test note\ndate: 2026-11-20\nlanguages: [en]\nsections:\n  - 01-intro.md\n"


@pytest.mark.parametrize("attrs, paper_params, expected", [
    ("", "", "Addressed to WTO Members."),                                        # default
    ("", "params:\n  country: Chile\n", "Addressed to Chile."),                   # paper beats default
    ('country="Kenya"', "params:\n  country: Chile\n", "Addressed to Kenya."),    # include beats paper
])
def test_parameter_precedence(make_project, attrs, paper_params, expected):
    text, diags = text_of(make_project, {"blocks/t/p.md": PARAM_BLOCK, SECTION: include("t/p", attrs),
                                         "papers/note/paper.yaml": PAPER + paper_params})
    assert diags == []
    assert expected in text


def test_parameter_values_cannot_become_markdown(make_project):
    value = "*Kenya* `code` [link](http://x.test) <b>"
    paper = PAPER + f"params:\n  country: {json.dumps(value)}\n"
    text, diags = text_of(make_project, {"blocks/t/p.md": PARAM_BLOCK, SECTION: include("t/p"),
                                         "papers/note/paper.yaml": paper})
    assert diags == []
    ast = json.loads(run_pandoc(["-f", "markdown", "-t", "json"], text.encode()))
    dumped = json.dumps(ast)
    for syntax in ("Emph", "Code", "Link", "RawInline"):
        assert f'"t": "{syntax}"' not in dumped
    plain = run_pandoc(["-f", "markdown", "-t", "plain", "--wrap=none"], text.encode()).decode()
    assert f"Addressed to {value}." in plain


# --- internal notes ---------------------------------------------------------------------------


def test_internal_divs_never_reach_the_resolved_text(make_project):
    block = blk("t/a", "Printed block text.\n\n::: internal\nCANARY-BLOCK target the G90.\n:::\n")
    section = ("Printed section text.\n\n::: internal\nCANARY-SECTION sourcing doubt.\n\n"
               + include("t/a") + ":::\n\n" + include("t/a") +
               "\n::: {.note}\n::: internal\nCANARY-NESTED\n:::\n:::\n")
    text, diags = text_of(make_project, {"blocks/t/a.md": block, SECTION: section})
    assert diags == []
    assert "Printed section text." in text and "Printed block text." in text
    assert "CANARY" not in text and "internal" not in text
