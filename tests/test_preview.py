"""The preview without a browser: page content, alignment, internal notes, print view, the
server's refusals over raw HTTP, and the command line."""
from __future__ import annotations

import http.client
import io
import re
import socket
from html import unescape

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from preview_project import FILES

from positionkit.load.project import load_project
from positionkit.pipeline.prepare import prepare
from positionkit.pipeline.handouts import RenderContext, handout
from positionkit.pipeline.produce import pdf_pages
from positionkit.preview import page
from positionkit.preview.column import NEVER_PRINTED
from positionkit.preview.server import start
from positionkit.preview.view import Request, build_view
from positionkit.preview.watch import InputFilter
from positionkit.render.ast import stringify
from positionkit.render.pdf import render_pdf


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_languages_align_on_translated_paragraphs(make_project):
    root = make_project(FILES)
    view = build_view(root, Request("note", ("en", "fr")))
    html = page.paper_page(view, 0)
    rows = re.findall(r'<div class="pk-row">(.*?)</div></div>(?=<div class="pk-row|</main>)', html, re.S)
    both = [r for r in rows if "Data flows matter" in r]
    assert len(both) == 1 and "Les flux de données comptent" in both[0]
    # the untranslated section is printed in English in the French column, marked as such
    fr = view.columns[1]
    fallback = [p for p in fr.pieces if "Ask number 7:" in p.html]
    assert fallback and fallback[0].status == "missing" and 'class="fallback"' in fallback[0].html
    assert "Pas encore traduit" in fr.pieces[[p.status for p in fr.pieces].index("missing")].html
    # each paragraph names its source file and line; a block paragraph its block
    assert 'data-src="papers/note/01-intro.fr.md:' in html
    assert "<span>block</span>privacy/objective</a>" in html
    assert text_of(fr.handout.title) == "Note de test"


def test_page_cites_exactly_as_the_handout(make_project):
    root = make_project(FILES)
    column = build_view(root, Request("note", ("en",))).columns[0]
    project = load_project(root)
    prepared = prepare(project, ["note"], ["en"])
    printed = handout(RenderContext(project, prepared.labels), prepared.documents[0]).ast
    body = unescape(text_of("".join(p.html for p in column.pieces)))
    refs = unescape(text_of(column.references))
    cites = list(nodes(printed["blocks"], "Cite"))
    entries = [b for b in nodes(printed["blocks"], "Div") if "csl-entry" in b["c"][0][1]]
    assert len(cites) == 2 and len(entries) == 2  # the note's citation is not the handout's
    for cite in cites:
        assert " ".join(stringify(cite["c"][1]).split()) in body
    for entry in entries:
        assert " ".join(stringify(entry).split()) in refs
    assert "OECD" not in refs


def nodes(tree, kind: str):
    if isinstance(tree, list):
        for item in tree:
            yield from nodes(item, kind)
    elif isinstance(tree, dict):
        if tree.get("t") == kind:
            yield tree
        yield from nodes(tree.get("c"), kind)


def test_internal_notes_only_when_asked_and_marked_never_printed(make_project):
    root = make_project(FILES)
    plain = page.paper_page(build_view(root, Request("note", ("en",))), 0)
    assert "Check the 2021 figures" not in plain
    shown = page.paper_page(build_view(root, Request("note", ("en",), internal=True)), 0)
    note = re.search(r'<div class="pk-internal">(.*?)</div>', shown, re.S)
    assert note and "Check the 2021 figures" in note.group(1) and NEVER_PRINTED in note.group(1)
    # a citation in a note is not processed: it never reaches the page's bibliography
    assert "@oecd2019note" in text_of(note.group(1))
    assert "Trade and Cross-Border Data Flows" not in shown


def test_a_broken_input_shows_its_diagnostic_with_position(make_project):
    root = make_project({**FILES, "papers/note/02-asks.md": "## Asks\n\nWe cite [@nosuchkey2020].\n"})
    html = page.paper_page(build_view(root, Request("note", ("en",))), 0)
    assert re.search(r"papers/note/02-asks\.md:3:\d+:</code> error\[PK2\d\d\][^<]*nosuchkey2020", html)
    assert 'class="pk-inline-diag error"' in html  # beside the paragraph too
    root = make_project({"papers/note/paper.yaml": "title: [unclosed\n"})
    view = build_view(root, Request("note"))
    assert view.found and not view.columns
    assert "papers/note/paper.yaml:" in page.paper_page(view, 0)


def test_print_view_pages_are_the_pdf_pages(make_project):
    from positionkit.preview.printview import print_pages

    root = make_project(FILES)
    pages, budget = print_pages(root, Request("note", ("en",)), ("en",))
    project = load_project(root)
    prepared = prepare(project, ["note"], ["en"])
    pdf = render_pdf(handout(RenderContext(project, prepared.labels), prepared.documents[0]))
    assert budget == 1
    assert len(pages["en"]) == pdf_pages(pdf) >= 2
    assert all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pages["en"])


def test_watch_ignores_the_build_folder(tmp_path):
    from watchfiles import Change

    keep = InputFilter(tmp_path / "build")
    assert keep(Change.modified, str(tmp_path / "papers/note/01-intro.md"))
    assert keep(Change.modified, str(tmp_path / "audiences.yaml"))
    assert not keep(Change.modified, str(tmp_path / "build/note/note.en.pdf"))
    assert not keep(Change.modified, str(tmp_path / ".git/index"))


def raw_get(url: str, path: str, host: str | None = None) -> tuple[int, bytes]:
    hostport = url.split("//", 1)[1]
    conn = http.client.HTTPConnection(*hostport.split(":"), timeout=30)
    conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host or hostport)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


@pytest.fixture
def served(make_project):
    root = make_project({**FILES, "secret.txt": "TOP-SECRET-CONTENT\n"})
    running = start(root)
    yield running
    running.stop()


def test_server_serves_nothing_but_pages(served):
    assert served.url.startswith("http://127.0.0.1:")
    status, body = raw_get(served.url, "/note")
    assert status == 200 and b"Test note" in body
    for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/..%2fsecret.txt",
                 "/secret.txt", "/papers/note/01-intro.md", "/papers/", "/-/asset/..%2f..%2fsecret.txt",
                 "/-/font/..%2f..%2f..%2fetc%2fpasswd", "/note/print/en/..%2f..%2fsecret.txt",
                 "/note/../../secret.txt", "/-/asset/"]:
        status, body = raw_get(served.url, path)
        assert status == 404, path
        assert b"TOP-SECRET" not in body and b"Data flows matter" not in body
    status, _ = raw_get(served.url, "/note", host="attacker.example")  # DNS rebinding
    assert status == 400


def test_cli_refuses_unknown_paper_and_busy_port(make_project, cli):
    root = make_project(FILES)
    result = cli(root, "preview", "nope", "--no-browser")
    assert result.exit_code == 1 and "PK020" in result.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        result = cli(root, "preview", "note", "--no-browser", "--port", str(busy.getsockname()[1]))
    assert result.exit_code == 1 and "PK960" in result.output


def test_page_escapes_project_text(make_project):
    root = make_project({**FILES, "papers/note/paper.yaml": FILES["papers/note/paper.yaml"].replace(
        "title: Test note", 'title: "<script>alert(1)</script>"')})
    html = page.paper_page(build_view(root, Request("note")), 0)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert io.StringIO(html).read().count("<script") == 1  # only the page's own script


def test_stale_translation_is_printed_in_the_source_language_and_flagged(make_project):
    root = make_project({**FILES, "papers/note/01-intro.md": FILES["papers/note/01-intro.md"].replace(
        "Privacy law is a legitimate objective", "Privacy law is a legitimate public policy objective")})
    view = build_view(root, Request("note", ("en", "fr")))
    fr = view.columns[1]
    changed = [p for p in fr.pieces if "legitimate public policy objective" in p.html]
    assert changed and changed[0].status == "changed" and 'class="fallback"' in changed[0].html
    # the paragraph that did not change stays translated (the resolver prints it), unflagged
    untouched = [p for p in fr.pieces if "Les flux de données comptent" in p.html]
    assert untouched and untouched[0].status == ""
    html = page.paper_page(view, 0)
    row = [r for r in html.split('<div class="pk-row">') if "public policy objective" in r]
    assert len(row) == 1 and row[0].count("public policy objective") == 2  # en, and fr's fallback beside it
    assert "changed since translated" in row[0]


def test_audience_shows_its_tailored_version(make_project):
    root = make_project({**FILES, "audiences.yaml": "audiences:\n  - id: kenya\n    name:\n"
                                                    "      en: Delegation of Kenya\n      fr: Délégation du Kenya\n"
                                                    "    languages: [fr]\n"})
    view = build_view(root, Request("note", audience="kenya"))
    assert [c.lang.code for c in view.columns] == ["fr"]
    assert view.columns[0].handout.audience == "Délégation du Kenya"
    html = page.paper_page(view, 0)
    assert '<option value="kenya" selected>' in html and "Délégation du Kenya" in html
    unknown = build_view(root, Request("note", audience="kenia"))
    assert not unknown.columns and any(d.code == "PK807" for d in unknown.diagnostics)


def test_every_kind_of_input_is_watched(served):
    """Each save bumps the server's generation (what tells open pages to update)."""
    import time

    state = served.server.config.app.state.preview
    root = state.root
    for rel in ["papers/note/01-intro.md", "papers/note/01-intro.fr.md", "papers/note/paper.yaml",
                "blocks/privacy/objective.md", "references.bib", "positionkit.toml",
                "audiences.yaml", "styles/i18n/fr.yaml"]:
        before = state.generation
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + "\n", encoding="utf-8")
        deadline = time.monotonic() + 20
        while state.generation == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert state.generation > before, rel
    before = state.generation
    (root / "build").mkdir(exist_ok=True)
    (root / "build" / "note.en.pdf").write_bytes(b"%PDF")
    (root / "papers/note/01-intro.md").write_text(FILES["papers/note/01-intro.md"], encoding="utf-8")
    deadline = time.monotonic() + 20
    while state.generation == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert state.generation > before
    assert not [p for p in state.changed_paths if "/build/" in p]  # build output is not an input


LINE_KINDS = ["", "", "Text [@key] here.", "- item", "  continued", "1. first", "::: key-messages", ":::",
              '::: {.fallback lang="en"}', "::: internal", "```", "~~~", "## Heading", "[^1]: note",
              ": definition", "Table: caption", "| a | b |", "    code", "<!-- c -->", "::: {.when x=1}"]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(LINE_KINDS), max_size=40))
def test_anchors_only_add_empty_divs(kinds):
    """Whatever the Markdown, the anchored text minus its anchors is the document unchanged."""
    from types import SimpleNamespace

    from positionkit.markdown import Line
    from positionkit.preview.anchors import mark
    from positionkit.resolve.document import Resolved, Target

    lines = tuple(Line(text, "papers/p/01.md", i + 1) for i, text in enumerate(kinds))
    doc = Resolved(Target("p", "en"), lines, {})
    marked = mark(SimpleNamespace(sections={}, blocks={}, translations={}), doc)
    out = marked.markdown.split("\n")
    kept = []
    i = 0
    while i < len(out):
        if re.fullmatch(r'::: \{\.pk-at n="\d+"\}', out[i]):
            assert out[i + 1] == ":::" and out[i + 2] == ""
            i += 3
            continue
        kept.append(out[i])
        i += 1
    if not marked.notes:
        assert "\n".join(kept) == doc.markdown
    assert len(marked.anchors) == marked.markdown.count(".pk-at")


def test_an_audience_in_a_language_it_does_not_read_says_which_it_does(make_project):
    root = make_project({**FILES, "audiences.yaml": "audiences:\n  - id: kenya\n    name: Delegation of Kenya\n"
                                                    "    languages: [en]\n"})
    view = build_view(root, Request("note", ("fr",), audience="kenya"))
    assert not view.columns and view.audience_langs == ("en",)
    assert "kenya version in en only" in page.paper_page(view, 0)


TABLE_KINDS = LINE_KINDS + ["-------------", " First   row", "Second  row", "-----  -----", "***", "> quote",
                            "a. fancy", "#. auto", "Term", "  : indented definition", "+---+---+"]


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(TABLE_KINDS), max_size=24))
@example([':::', 'Text [@key] here.'])  # a fence that closes nothing is text
@example(['::: {.fallback lang="en"}', '- item', '', '- item'])  # one list, started by the fence
@example([': definition', '', '| a | b |', 'Text [@key] here.'])
def test_pandoc_reads_the_same_document_with_anchors(kinds):
    """Anchors are whole blocks of their own: pandoc's reading of the text around them is the
    same, list numbering, tables and definitions included."""
    import json
    from types import SimpleNamespace

    from positionkit.markdown import Line
    from positionkit.preview.anchors import mark
    from positionkit.render.cite import READER
    from positionkit.render.pandoc import run_pandoc
    from positionkit.resolve.document import Resolved, Target

    kinds = [k for k in kinds if k != "::: internal"]  # notes are taken out on purpose
    doc = Resolved(Target("p", "en"), tuple(Line(t, "p.md", i + 1) for i, t in enumerate(kinds)), {})
    marked = mark(SimpleNamespace(sections={}, blocks={}, translations={}), doc)

    def read(text):
        return json.loads(run_pandoc(["-f", READER, "-t", "json"], text.encode()))["blocks"]

    def unmarked(blocks):
        out = []
        for b in blocks:
            if b.get("t") == "Div" and "pk-at" in b["c"][0][1]:
                continue
            if b.get("t") == "Div":
                b = {"t": "Div", "c": [b["c"][0], unmarked(b["c"][1])]}
            out.append(b)
        return out

    assert unmarked(read(marked.markdown)) == read(doc.markdown)


def test_anchors_leave_the_example_papers_as_pandoc_reads_them():
    import json
    from pathlib import Path

    from positionkit.preview.anchors import mark
    from positionkit.render.cite import READER
    from positionkit.render.pandoc import run_pandoc

    project = load_project(Path(__file__).resolve().parent.parent)
    docs = prepare(project).documents
    assert len(docs) >= 7

    def read(text):
        blocks = json.loads(run_pandoc(["-f", READER, "-t", "json"], text.encode()))["blocks"]
        return json.dumps(blocks).replace('{"t": "Div", "c": [["", ["pk-at"], [["n", "', "\0")

    for doc in docs:
        marked = mark(project, doc)
        assert len(marked.anchors) >= 8
        stripped = re.sub(r'\0\d+"\]\]\], \[\]\]\}, ', "", read(marked.markdown))
        assert stripped == read(doc.markdown), doc.target
