"""`positionkit check`: headings, internal links, images, raw output and word budgets, by exact text."""
from __future__ import annotations

import json
import os


from positionkit.pipeline.prepare import check_project
from positionkit.checks import headings as headings_mod
from positionkit.render.cite import READER
from positionkit.markdown import to_lines

PAPER = "papers/note/paper.yaml"
INTRO = "papers/note/01-intro.md"


def found(root, *codes):
    return [d.format() for d in check_project(root) if not codes or d.code in codes]


def paper_yaml(sections=("01-intro.md",), extra=""):
    lines = "".join(f"  - {s}\n" for s in sections)
    return f"title: Test note\ndate: 2026-11-20\nlanguages: [en]\nsections:\n{lines}{extra}"


# --- heading ids -------------------------------------------------------------------------------

HEADS = ["Hello *World*!", "Hello World", "1. Données: l’été [x](http://a) `code` a_b.c", "中文 标题", "123",
         "Foo {#bar}", "Bar", "Foo [@unctad] and @x", "section", "Ünïcödé--dash  two", "\\#sharp & <b>",
         "_Under_ score__x", "A[^note] b^[inline note] c", "\"Quoted\" it's a... x---y",
         "[Link][ref] and <https://x.org> **b**", "Title ##", "With {.unnumbered}", "With2 {-}",
         "Sp[an]{#spanid} z", "Math $x^2$ end", "~~del~~ ~sub~ ^sup^", "Hello World", "hello-world-1",
         "مقدمة الموجز", "Введение", "Context {#context .x}", "Context", "Trade & the WTO's e-commerce (JSI)",
         "Q&A: 2026?", "x_y_", "__bold__ word", "Über-Regeln", "Art. XIV GATS", "   "]


def test_heading_ids_match_pandoc():
    """The ids positionkit computes are the ones pandoc writes (one pandoc run, many headings)."""
    from positionkit.render.pandoc import run_pandoc

    md = "\n\n".join("## " + h for h in HEADS) + "\n\n[^note]: n\n\n[ref]: http://x\n"
    ast = json.loads(run_pandoc(["-f", READER, "-t", "json"], md.encode()))
    want = [b["c"][1][0] for b in ast["blocks"] if b["t"] == "Header"]
    got = [h.id for h in headings_mod.headings(to_lines(md, "x.md"))]
    assert got == want


def test_headings_ignore_code_and_need_a_blank_line_before():
    md = "```\n# not a heading\n```\n\n# Real\ntext\n# not either\n\nSetext\n======\n"
    assert [h.id for h in headings_mod.headings(to_lines(md, "x.md"))] == ["real", "setext"]


def test_duplicate_heading_ids(make_project):
    root = make_project({
        PAPER: paper_yaml(("01-intro.md", "02-more.md")),
        INTRO: "## Context\n\ntext\n\n## Asks {#asks}\n",
        "papers/note/02-more.md": "## Context\n\nmore\n\n## Our asks {#asks}\n",
    })
    assert found(root, "PK502") == [
        "papers/note/02-more.md:1: warning[PK502] heading id 'context' is already used by the heading at "
        "papers/note/01-intro.md:1 (this one becomes 'context-1') "
        "(give one of them its own id: Context {#another-id})",
        "papers/note/02-more.md:5: warning[PK502] heading id 'asks' is already used by the heading at "
        "papers/note/01-intro.md:5 (ids must be unique within a paper: choose another {#id})",
    ]


# --- internal links ----------------------------------------------------------------------------

def test_internal_links(make_project):
    root = make_project({
        INTRO: ("## Key messages\n\n::: {#box}\nx\n:::\n\nSee [above](#key-messages), [the box](#box), "
                "[refs](#ref-unctad2021der) [@unctad2021der] and [the asks](#key-mesages).\n\n"
                "[later]: #nowhere\n\n`[code](#not-checked)`\n"),
    })
    assert found(root, "PK503") == [
        f"{INTRO}:7:94: warning[PK503] link to '#key-mesages' leads nowhere in the en handout: no heading "
        "or element has that id (did you mean 'key-messages'?)",
        f"{INTRO}:9:10: warning[PK503] link to '#nowhere' leads nowhere in the en handout: no heading or "
        "element has that id (link to a heading's id, or give the target an explicit id: ## Title {#nowhere})",
    ]


# --- images ------------------------------------------------------------------------------------

def test_images(make_project, tmp_path):
    (tmp_path / "secret.png").write_bytes(b"SECRET")
    root = make_project({
        INTRO: ("![Chart of flows](chart.png)\n\n![](chart.png)\n\n![Missing](charts/missing.png)\n\n"
                "![Passwords](/etc/passwd)\n\n![Up](../../../secret.png)\n\n![Link](link.png)\n\n"
                "![Remote](https://example.org/x.png)\n\n![Ref][logo]\n\n[logo]: ../../../secret.png\n\n"
                "```\n![](/etc/passwd)\n```\n"),
        "papers/note/chart.png": b"\x89PNG\r\n\x1a\n",
    })
    os.symlink(tmp_path / "secret.png", root / "papers/note/link.png")
    hint = "images must be files inside the project, given relative to the Markdown file"
    assert found(root, "PK105", "PK504", "PK505", "PK506") == [
        f"{INTRO}:3:1: warning[PK505] image has no alt text (describe what it shows for readers who "
        "cannot see it: ![Chart of ...](file.png))",
        f"{INTRO}:5:1: error[PK504] image not found: papers/note/charts/missing.png (image paths are "
        "relative to the Markdown file that shows them)",
        f"{INTRO}:7:1: error[PK105] image '/etc/passwd' is outside the project ({hint})",
        f"{INTRO}:9:1: error[PK105] image '../../../secret.png' is outside the project "
        f"({hint} (symlinks pointing out are refused))",
        f"{INTRO}:11:1: error[PK105] image 'link.png' is outside the project "
        f"({hint} (symlinks pointing out are refused))",
        f"{INTRO}:13:1: warning[PK506] image 'https://example.org/x.png' is not a file in the project and "
        "will not be printed (download it into the project and link to the file)",
        f"{INTRO}:15:1: error[PK105] image '../../../secret.png' is outside the project "
        f"({hint} (symlinks pointing out are refused))",
    ]


def test_image_in_a_block_is_relative_to_the_block(make_project):
    root = make_project({
        INTRO: '::: {.block ref="topic/pic"}\n:::\n',
        "blocks/topic/pic.md": "---\nid: topic/pic\nstatus: approved\n---\n![A map](map.png)\n",
        "blocks/topic/map.png": b"\x89PNG",
    })
    assert found(root, "PK504", "PK105") == []


# --- raw output --------------------------------------------------------------------------------

RAW_SECTION = ("Text.\n\n```{=openxml}\n<w:p/>\n```\n\nInline `#read(\"/etc/passwd\")`{=typst} and "
               "<script>alert(1)</script>.\n\n- item\n\n    ~~~ {=html}\n    <b>x</b>\n    ~~~\n\n"
               "\\begin{center} \\textbf{x}\n\n```\n<script>in code is fine</script>\n```\n"
               "Autolinks <https://wto.org> and <trade@example.org> are fine, so is \\<escaped\\>.\n")
RAW_FOUND = [
    "3:1: error[PK507] a raw openxml block {}",
    "7:8: error[PK507] raw typst output {}",
    "7:43: error[PK507] an HTML tag <script> {}",
    "11:5: error[PK507] a raw html block {}",
    "12:5: error[PK507] an HTML tag <b> {}",
    "15:1: error[PK507] a LaTeX command \\begin{{center}} {}",
    "15:16: error[PK507] a LaTeX command \\textbf {}",
]


def test_raw_output_in_own_sections_needs_allow_raw(make_project):
    root = make_project({INTRO: RAW_SECTION})
    tail = ("is not allowed (write it in Markdown, or set allow_raw = true under [project] in positionkit.toml "
            "if you trust every author of this project)")
    assert found(root, "PK507") == [f"{INTRO}:{f.format(tail)}" for f in RAW_FOUND]
    root = make_project({"positionkit.toml": '[project]\nname = "T"\nallow_raw = true\n'})
    assert found(root, "PK507") == []


def test_raw_output_in_a_library_block_is_always_refused(make_project, monkeypatch):
    """Libraries are loaded by libraries.load; stand one in that returns a block from 'core'."""
    from positionkit.load import libraries, project as project_mod
    from positionkit.load.sources import split_front_matter

    root = make_project({
        "positionkit.toml": '[project]\nname = "T"\nallow_raw = true\n',
        INTRO: '::: {.block ref="core:topic/x"}\n:::\n',
        "libs/core/blocks/topic/x.md": "---\nid: topic/x\nstatus: approved\n---\n" + RAW_SECTION,
    })
    rel = "libs/core/blocks/topic/x.md"
    src, _ = split_front_matter((root / rel).read_text(), rel)
    block = project_mod.Block("core:topic/x", src, "core")
    monkeypatch.setattr(libraries, "load", lambda root, config: ([], {block.id: block}, {}, [], []))
    tail = ("in a block from library 'core' is refused (library blocks may contain Markdown only; ask its "
            "maintainers to remove it, or override the block with your own)")
    assert found(root, "PK507") == [f"{rel}:{int(f.split(':')[0]) + 4}:{f.split(':', 1)[1].format(tail)}"
                                    for f in RAW_FOUND]


def test_build_refuses_raw_output(make_project, cli):
    root = make_project({INTRO: "Text.\n\n```{=typst}\n#read(\"/etc/passwd\")\n```\n"})
    result = cli(root, "build", "--format", "pdf")
    assert result.exit_code == 1
    assert f"{INTRO}:3:1: error[PK507] a raw typst block is not allowed" in result.output
    assert not (root / "build" / "note").exists()


# --- word budgets ------------------------------------------------------------------------------

def test_word_budgets_count_included_blocks(make_project):
    root = make_project({
        PAPER: paper_yaml(("01-intro.md", "02-more.md"), "words:\n  01-intro.md: 12\n  02-more.md: 100\n"),
        # 8 words of prose + 5 from the block; the citation, link target and internal note do not count
        INTRO: ("## Introduction\n\nData flows matter a lot [@unctad2021der], see [this](#introduction).\n\n"
                '::: internal\nmany many many many many many words\n:::\n\n::: {.block ref="t/b"}\n:::\n'),
        "blocks/t/b.md": "---\nid: t/b\nstatus: approved\n---\nOne two three four five.\n",
        "papers/note/02-more.md": "Short 数据流动.\n",
    })
    assert found(root, "PK509") == [
        f"{INTRO}: warning[PK509] section has 13 words; its budget is 12 (cut 1 word(s), use a short block "
        f"variant, or raise 'words' in {PAPER})",
    ]


def test_word_budget_errors(make_project):
    root = make_project({PAPER: paper_yaml(extra="words:\n  01-intro.md: many\n  01-intro: 10\n")})
    assert found(root, "PK508") == [
        f"{PAPER}:6: error[PK508] words: '01-intro' is not a section of this paper (did you mean '01-intro.md'?)",
        f"{PAPER}:6: error[PK508] words: the budget for '01-intro.md' must be a whole number of words, "
        "not 'many'",
    ]
    root = make_project({PAPER: paper_yaml(extra="words: 300\n")})
    assert found(root, "PK508") == [
        f"{PAPER}:6: error[PK508] words must map section file names to word counts (words: {{02-context.md: 300}})",
    ]


def test_count_words():
    from positionkit.checks.budgets import count_words

    assert count_words(["It's a well-known rule [@gdpr2016] — see ![x](y.png) [here](#a){.c}."]) == 6
    assert count_words(["数据流动 and data"]) == 6
    assert count_words(["::: {.x}", ":::"]) == 0


# --- the command -------------------------------------------------------------------------------

def test_check_json_and_exit_codes(make_project, cli):
    root = make_project({INTRO: "## A\n\n## A\n\n[x](#b)\n"})
    result = cli(root, "check", "--format", "json")
    assert result.exit_code == 0
    codes = [d["code"] for d in json.loads(result.stdout) if d["severity"] != "info"]
    assert codes == ["PK502", "PK503"]
    assert cli(root, "check", "--strict").exit_code == 1
    assert cli(root, "check", "--final").exit_code == 1


def test_example_project_is_clean_of_these_checks():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    codes = {"PK105", "PK502", "PK503", "PK504", "PK505", "PK506", "PK507", "PK508", "PK509"}
    assert [d.format() for d in check_project(root) if d.code in codes] == []
