"""`positionkit blocks ...` through the CLI, search ranking, and block provenance and internal-note
removal in real built outputs."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from positionkit.libraries import catalog as lib
from positionkit.cli.main import main
from positionkit.load.project import load_project

SECTION = "papers/note/01-intro.md"


def blk(block_id, body, title=None, summary="A summary.", status="approved", review_by="2099-01-01", extra="",
        topics=None):
    topics = topics or [block_id.split("/")[0]]
    return (f"---\nid: {block_id}\ntitle: {title or 'Block ' + block_id}\nsummary: {summary}\n"
            f"topics: [{', '.join(topics)}]\nstatus: {status}\nowner: Test Coalition\n"
            f"review_by: {review_by}\n{extra}---\n{body}")


LIBRARY = {
    "blocks/privacy/not-protectionism.md": blk(
        "privacy/not-protectionism",
        "Privacy laws bind {{ country }} firms and foreign firms alike [@gdpr2016].\n\n"
        "::: internal\nCANARY-BLOCK-NOTE: target the delegations of the G90.\n:::\n\n"
        "::: {.variant name=\"short\"}\nShort: privacy is a legitimate objective.\n:::\n",
        title="Privacy rules are not protectionism", summary="Data protection is not a trade barrier.",
        extra='params:\n  country:\n    default: "domestic"\n    note: "Whose firms"\n'
              'variants:\n  short: "One paragraph"\n'),
    "blocks/privacy/old-argument.md": blk("privacy/old-argument", "Retired text.\n", title="An old argument",
                                          status="retired", review_by="2020-01-01"),
    "blocks/data-flows/wrapper.md": blk(
        "data-flows/wrapper", "Wrapper text mentions privacy once.\n\n"
        "::: {.block ref=\"privacy/not-protectionism\" variant=\"short\"}\n:::\n\n"
        "::: internal\n::: {.block ref=\"privacy/old-argument\"}\n:::\n:::\n",
        title="Flows need trust", summary="Trust in data flows needs privacy rules; privacy matters.",
        status="draft", topics=["data-flows", "privacy"]),
    SECTION: "## Introduction\n\n::: {.block ref=\"privacy/not-protectionism\" country=\"Kenyan\"}\n:::\n\n"
             "::: {.block ref=\"data-flows/wrapper\"}\n:::\n",
}


@pytest.fixture
def project(make_project):
    return make_project(LIBRARY)


# --- blocks list ------------------------------------------------------------------------------


def test_list_shows_every_block_with_overdue_marked(project, cli):
    result = cli(project, "blocks", "list")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ID                         STATUS    TITLE                                REVIEW BY             OWNER",
        "data-flows/wrapper         draft     Flows need trust                     2099-01-01            Test Coalition",
        "privacy/not-protectionism  approved  Privacy rules are not protectionism  2099-01-01            Test Coalition",
        "privacy/old-argument       retired   An old argument                      2020-01-01 (overdue)  Test Coalition",
    ]


def test_list_filters_by_topic_and_status(project, cli):
    ids = lambda *args: [ln.split()[0] for ln in cli(project, "blocks", "list", *args).stdout.splitlines()[1:]]
    assert ids("--topic", "privacy") == ["data-flows/wrapper", "privacy/not-protectionism", "privacy/old-argument"]
    assert ids("--topic", "data-flows") == ["data-flows/wrapper"]
    assert ids("--status", "retired") == ["privacy/old-argument"]
    assert ids("--topic", "privacy", "--status", "draft") == ["data-flows/wrapper"]
    none = cli(project, "blocks", "list", "--topic", "zero-rating")
    assert (none.exit_code, none.stdout) == (0, "no blocks match\n")


def test_list_json(project, cli):
    rows = json.loads(cli(project, "blocks", "list", "--status", "retired", "--format", "json").stdout)
    assert rows == [{"id": "privacy/old-argument", "status": "retired", "title": "An old argument",
                     "review_by": "2020-01-01", "owner": "Test Coalition", "topics": ["privacy"],
                     "overdue": True, "path": "blocks/privacy/old-argument.md"}]


def test_list_rejects_an_unknown_status(project, cli):
    assert cli(project, "blocks", "list", "--status", "final").exit_code == 2


def test_list_reports_broken_block_files(make_project, cli):
    root = make_project({"blocks/t/a.md": blk("t/other", "Text.\n")})
    result = cli(root, "blocks", "list")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1].startswith("t/a ")
    assert result.stderr == ("blocks/t/a.md:2: error[PK302] block id 't/other' does not match its path "
                             "(expected 't/a') (a moved block must keep its id: move it back, or update every "
                             "include)\n")


# --- blocks show ------------------------------------------------------------------------------


def test_show(project, cli):
    result = cli(project, "blocks", "show", "privacy/not-protectionism")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "privacy/not-protectionism: Privacy rules are not protectionism\n"
        "  summary: Data protection is not a trade barrier.\n"
        "  status: approved\n"
        "  owner: Test Coalition\n"
        "  license: -\n"
        "  reviewed: -\n"
        "  review_by: 2099-01-01\n"
        "  topics: privacy\n"
        "  file: blocks/privacy/not-protectionism.md\n"
        "params:\n"
        '  country = "domestic"  Whose firms\n'
        "variants:\n"
        "  short: One paragraph\n"
        "text:\n"
        "\n"
        "Privacy laws bind domestic firms and foreign firms alike [@gdpr2016].\n"
        "\n"
        "used in:\n"
        f"  {SECTION}:3  (paper note)\n"
        "  blocks/data-flows/wrapper.md:12  (block data-flows/wrapper, variant short)\n"
    )
    assert result.stderr == ""


def test_show_a_variant_and_an_overdue_retired_block(project, cli):
    short = cli(project, "blocks", "show", "privacy/not-protectionism", "--variant", "short")
    assert short.exit_code == 0
    assert "text (variant short):\n\nShort: privacy is a legitimate objective.\n\nused in:" in short.stdout
    old = cli(project, "blocks", "show", "privacy/old-argument")
    assert old.exit_code == 0 and old.stderr == ""
    assert "  status: retired\n" in old.stdout and "  review_by: 2020-01-01 (overdue)\n" in old.stdout
    assert "used in: nothing yet\n" in old.stdout  # the include inside an internal note prints nowhere


def test_show_fills_required_parameters_with_a_placeholder(make_project, cli):
    root = make_project({"blocks/t/p.md": blk("t/p", "For {{ who }}.\n", extra="params:\n  who:\n    note: x\n")})
    result = cli(root, "blocks", "show", "t/p")
    assert result.exit_code == 0
    assert "  who = (no default: required)  x\n" in result.stdout
    assert "\nFor «who».\n" in result.stdout


def test_show_unknown_variant(project, cli):
    result = cli(project, "blocks", "show", "privacy/not-protectionism", "--variant", "shrot")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ("error[PK310] block 'privacy/not-protectionism' has no variant 'shrot' "
                             "(did you mean 'short'?)\n")


@pytest.mark.parametrize("command", ["show", "where"])
def test_unknown_id_gets_the_closest_id(project, cli, command):
    result = cli(project, "blocks", command, "privacy/not-protectionsim")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ("error[PK320] unknown block 'privacy/not-protectionsim' "
                             "(did you mean 'privacy/not-protectionism'?)\n")
    far = cli(project, "blocks", command, "nothing/alike")
    assert far.stderr == "error[PK320] unknown block 'nothing/alike' (positionkit blocks list)\n"


# --- blocks search ----------------------------------------------------------------------------


def test_search_ranks_title_over_summary_over_body(project, cli):
    result = cli(project, "blocks", "search", "privacy")
    assert result.exit_code == 0
    # title 10 + body (full and short text) 2x1 | summary 2x3 + body 1; the internal note and the
    # include's attributes in the wrapper are not text
    assert result.stdout.splitlines() == [
        "  12  privacy/not-protectionism  Privacy rules are not protectionism",
        "   7  data-flows/wrapper  Flows need trust",
    ]


def test_search_needs_every_word(project, cli):
    assert cli(project, "blocks", "search", "privacy", "wrapper").stdout.splitlines() == [
        "   8  data-flows/wrapper  Flows need trust"]


def test_search_internal_notes_and_nothing_found(project, cli):
    result = cli(project, "blocks", "search", "G90")
    assert (result.exit_code, result.stdout) == (0, "no block mentions 'G90'\n")


def test_search_order_is_by_score_then_id(make_project):
    root = make_project({"blocks/t/b.md": blk("t/b", "zero-rating.\n", title="x"),
                         "blocks/t/a.md": blk("t/a", "Zero-rating.\n", title="y"),
                         "blocks/t/c.md": blk("t/c", "Nothing.\n", title="Zero-rating")})
    assert [(h.id, h.score) for h in lib.search(load_project(root), "ZERO-RATING")] == [
        ("t/c", 10), ("t/a", 1), ("t/b", 1)]


# --- blocks where -----------------------------------------------------------------------------


def test_where_lists_sections_blocks_and_papers(project, cli):
    result = cli(project, "blocks", "where", "privacy/not-protectionism")
    assert result.exit_code == 0
    assert result.stdout == (
        "privacy/not-protectionism is included by:\n"
        f"  {SECTION}:3  (paper note)\n"
        "  blocks/data-flows/wrapper.md:12  (block data-flows/wrapper, variant short)\n"
        "papers printing it: note\n")


def test_where_follows_nested_includes_to_papers(make_project, cli):
    files = {"blocks/t/inner.md": blk("t/inner", "Inner.\n"),
             "blocks/t/outer.md": blk("t/outer", '::: note\n::: {.block ref="t/inner"}\n:::\n:::\n'),
             SECTION: 'Intro.\n\n::: {.block ref="t/outer"}\n:::\n'}
    result = cli(make_project(files), "blocks", "where", "t/inner")
    assert result.stdout == ("t/inner is included by:\n"
                             "  blocks/t/outer.md:11  (block t/outer)\n"
                             "papers printing it: note\n")


def test_where_unused(project, cli):
    result = cli(project, "blocks", "where", "privacy/old-argument")
    assert (result.exit_code, result.stdout) == (0, "privacy/old-argument is not included anywhere\n")


# --- blocks new -------------------------------------------------------------------------------


def test_new_scaffolds_a_draft_that_loads_cleanly(make_project, cli):
    root = make_project()
    result = cli(root, "blocks", "new", "zero-rating/price-discrimination", "--title", 'Zero "free" data')
    assert result.exit_code == 0, result.output
    assert result.stdout == ("created blocks/zero-rating/price-discrimination.md (status: draft; fill in the "
                             "summary and text, then set status: approved)\n")
    today = dt.date.today()
    text = (root / "blocks/zero-rating/price-discrimination.md").read_text()
    head = text.split("\n---\n")[0].splitlines()
    assert head[:10] == [
        "---",
        "id: zero-rating/price-discrimination",
        'title: "Zero \\"free\\" data"',
        'summary: "One sentence saying what this block argues."',
        "topics: [zero-rating]",
        "status: draft               # draft | approved | retired",
        'owner: "Test coalition"',
        "license: CC-BY-4.0",
        f"reviewed: {today.isoformat()}",
        f"review_by: {lib.add_year(today).isoformat()}",
    ]
    project = load_project(root)
    assert project.diagnostics == ()
    block = project.blocks["zero-rating/price-discrimination"]
    assert block.meta["title"] == 'Zero "free" data' and block.status == "draft"
    assert block.meta["review_by"] - block.meta["reviewed"] in (dt.timedelta(365), dt.timedelta(366))
    listed = cli(root, "blocks", "list")
    assert "zero-rating/price-discrimination  draft" in listed.stdout


def test_new_refuses_to_overwrite(project, cli):
    path = project / "blocks/privacy/old-argument.md"
    before = path.read_text()
    result = cli(project, "blocks", "new", "privacy/old-argument")
    assert result.exit_code == 1
    assert result.stderr == ("blocks/privacy/old-argument.md: error[PK322] blocks/privacy/old-argument.md "
                             "already exists (edit it, or choose another name)\n")
    assert path.read_text() == before


@pytest.mark.parametrize("bad", ["Privacy/Upper", "no-topic", "a/b/c", "../escape/x", "lib:t/x", "t/"])
def test_new_refuses_invalid_ids(make_project, cli, bad):
    root = make_project()
    result = cli(root, "blocks", "new", bad)
    assert result.exit_code == 1
    assert result.stderr == (f"error[PK321] '{bad}' is not a valid block id (write topic/name in lower case "
                             "letters, digits and hyphens, e.g. data-flows/privacy-not-protectionism)\n")
    assert not (root / "blocks").exists()


def test_add_year_on_leap_day():
    assert lib.add_year(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


def test_every_blocks_command_has_help(cli, project):
    for command in ("list", "show", "search", "where", "new"):
        result = cli(project, "blocks", command, "--help")
        assert result.exit_code == 0 and len(result.stdout.split("\n\n")[1].strip()) > 20


# --- built outputs ----------------------------------------------------------------------------

E2E = {
    **LIBRARY,
    "papers/note/02-more.md": "## More\n\nSection text survives.\n\n::: internal\nCANARY-SECTION-NOTE: "
                              "sourcing doubt.\n:::\n",
    "papers/note/paper.yaml": "title: Test note\ndate: 2026-11-20\norganisations: [Test Coalition]\n"
                              "languages: [en]\nsections:\n  - 01-intro.md\n  - 02-more.md\n",
}


def _build(tmp_path_factory, *formats):
    from tests.conftest import MINIMAL, write_project

    root = write_project(tmp_path_factory.mktemp("blocks") / "proj", {**MINIMAL, **E2E})
    args = [a for f in formats for a in ("--format", f)]
    result = CliRunner().invoke(main, ["-C", str(root), "build", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "build" / "note"


@pytest.fixture(scope="module")
def built_pdf(tmp_path_factory):
    return _build(tmp_path_factory, "pdf")


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_pdf_has_block_text_and_no_internal_notes(built_pdf):
    text = _pdf_text(built_pdf / "note.en.pdf")
    assert "Privacy laws bind Kenyan firms and foreign firms alike" in text
    assert "Short: privacy is a legitimate objective." in text
    assert "Section text survives." in text
    assert "CANARY" not in text


def test_manifest_lists_blocks_per_output(built_pdf):
    manifest = json.loads((built_pdf / "manifest.json").read_text())
    used = manifest["outputs"]["build/note/note.en.pdf"]["blocks"]
    assert [(b["id"], b["variant"]) for b in used] == [
        ("privacy/not-protectionism", None), ("data-flows/wrapper", None), ("privacy/not-protectionism", "short")]
    import hashlib

    root = built_pdf.parent.parent
    digest = hashlib.sha256((root / "blocks/privacy/not-protectionism.md").read_bytes()).hexdigest()
    assert used[0]["hash"] == used[2]["hash"] == digest
    assert "blocks/data-flows/wrapper.md" in manifest["inputs"]


def test_internal_notes_absent_from_docx_xml_and_pdf_text(tmp_path_factory):
    out = _build(tmp_path_factory, "docx", "pdf")
    with zipfile.ZipFile(io.BytesIO((out / "note.en.docx").read_bytes())) as z:
        xml = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    assert "Privacy laws bind Kenyan firms" in xml
    assert "CANARY" not in xml
    assert "CANARY" not in _pdf_text(out / "note.en.pdf")
    manifest = json.loads((out / "manifest.json").read_text())
    assert [b["id"] for b in manifest["outputs"]["build/note/note.en.docx"]["blocks"]] == [
        "privacy/not-protectionism", "data-flows/wrapper", "privacy/not-protectionism"]


def test_where_lists_a_translation_after_its_source(make_project, cli):
    files = {"blocks/t/a.md": blk("t/a", "A.\n"),
             SECTION: '::: {.block ref="t/a"}\n:::\n',
             "papers/note/01-intro.fr.md": 'Texte.\n\n::: {.block ref="t/a"}\n:::\n'}
    assert cli(make_project(files), "blocks", "where", "t/a").stdout.splitlines()[1:3] == [
        f"  {SECTION}:1  (paper note)", "  papers/note/01-intro.fr.md:3  (paper note)"]
