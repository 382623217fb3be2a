"""Nothing leaks, and untrusted content cannot escape: every output byte is scanned.

One project plants a different canary in every internal place a writer can put something; it is
built once (DOCX and PDF) and every part of every output is searched: unzipped DOCX XML, PDF
text, decompressed PDF streams, PDF metadata and XMP.
"""
from __future__ import annotations

import getpass
import io
import re
import socket
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import MINIMAL, write_project

CANARIES = {
    "qzxinternaldiv": "::: internal div in a section",
    "qzxnestedinternal": "::: {.internal} nested in another div",
    "qzxhtmlcomment": "HTML comment in a section",
    "qzxmultilinecomment": "multi-line HTML comment",
    "qzxsectionfront": "section front matter",
    "qzxblockinternal": "::: internal div in a block",
    "qzxblockcomment": "HTML comment in a block",
    "qzxblocksummary": "block summary",
    "qzxblockowner": "block owner",
    "qzxblockunknown": "unknown block front-matter field",
    "qzxparamnote": "a parameter's note",
    "qzxvariantnote": "a variant's description",
    "qzxunusedparam": "a parameter the include passes but the block does not print",
    "qzxunusedvariant": "the text of a variant not chosen",
    "qzxpaperunknown": "an unknown paper.yaml field",
    "qzxpaperparam": "a paper param nobody uses",
    "qzxbibabstract": "a bibliography abstract",
    "qzxbibfile": "a bibliography file field",
}
VISIBLE = ["qzxvisiblesection", "qzxvisibleblock", "qzxvisibleparam", "qzxvisiblevariant"]
"""Printed on purpose: proves the scan would find a canary if one got through."""

FILES = {
    "references.bib": MINIMAL["references.bib"] + (
        "\n@misc{leaky2020,\n  author = {{Some Author}},\n  title = {A title},\n  year = {2020},\n"
        "  url = {https://example.org},\n  abstract = {qzxbibabstract},\n  file = {/home/someone/qzxbibfile.pdf},\n}\n"),
    "papers/note/paper.yaml": (
        "title: Test note\ndate: 2026-11-20\norganisations: [Test Coalition, Second Group]\n"
        "audience: For WTO delegations\ncontact: trade@example.org\nlanguages: [en]\n"
        "sections:\n  - 01-intro.md\nstrategy: qzxpaperunknown\nparams:\n  spare: qzxpaperparam\n"),
    "papers/note/01-intro.md": (
        "---\nnotes: qzxsectionfront\n---\n## Introduction\n\nqzxvisiblesection: data flows matter "
        "[@unctad2021der; @leaky2020].\n\n::: internal\nqzxinternaldiv\n:::\n\n"
        "::: key-messages\n- A message.\n\n::: {.internal}\nqzxnestedinternal\n:::\n:::\n\n"
        "Text <!-- qzxhtmlcomment --> more text.\n\n<!--\nqzxmultilinecomment\n-->\n\n"
        '::: {.block ref="topic/leaky" shown="qzxvisibleparam" unused="qzxunusedparam" variant="short"}\n:::\n'),
    "blocks/topic/leaky.md": (
        "---\nid: topic/leaky\ntitle: A leaky block\nsummary: qzxblocksummary\nowner: qzxblockowner\n"
        "status: approved\nstrategy: qzxblockunknown\nparams:\n  shown:\n    default: x\n"
        "    note: qzxparamnote\n  unused:\n    default: y\nvariants:\n  short: qzxvariantnote\n---\n"
        "qzxunusedvariant full text.\n\n::: {.variant name=\"short\"}\nqzxvisibleblock {{ shown }}\n\n"
        "::: internal\nqzxblockinternal\n:::\n\n<!-- qzxblockcomment -->\n\n"
        "::: {.variant name=\"long\"}\nqzxunusedvariant\n:::\n\nqzxvisiblevariant.\n:::\n"),
}


def run(root: Path, *args):
    from click.testing import CliRunner

    from positionkit.cli.main import main

    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def build(root: Path, *args):
    return run(root, "build", *args)


# --- what a scan reads -------------------------------------------------------------------------

def docx_parts(data: bytes) -> dict[str, str]:
    """Every part of the zip as text, plus each XML part's text runs joined (words split across runs)."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            raw = z.read(name)
            text = raw.decode("utf-8", "replace")
            out[name] = text
            if name.endswith(".xml"):
                out[name + "#text"] = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", text))
    return out


def pdf_parts(data: bytes) -> dict[str, str]:
    """Raw bytes, every decompressed stream, extracted text, the info dictionary and XMP."""
    reader = PdfReader(io.BytesIO(data))
    out = {"raw": data.decode("latin-1"),
           "text": "\n".join(p.extract_text() or "" for p in reader.pages),
           "info": repr(dict(reader.metadata or {}))}
    if reader.xmp_metadata is not None:
        out["xmp"] = reader.xmp_metadata.stream.get_data().decode("utf-8", "replace")
    numbers = set(reader.xref_objStm) | {n for table in reader.xref.values() for n in table}
    assert numbers, "no objects found: the scan would read nothing"
    for num in sorted(numbers):
        obj = reader.get_object(num)
        if obj is None:
            continue
        if hasattr(obj, "get_data"):  # a stream the scan cannot decode is a test error, never skipped
            out[f"stream {num}"] = obj.get_data().decode("latin-1")
        else:
            out[f"object {num}"] = repr(obj)
    return out


def squash(text: str) -> str:
    """Line breaks and hyphenation can split a word in extracted text: compare letters only."""
    text = text.translate(str.maketrans("“”„«»‘’", "\"\"\"\"\"''"))  # smart quotes
    return re.sub(r"[\s\-\u00ad]+", "", text).lower()


def scan(outputs: dict[str, bytes]) -> dict[str, str]:
    found = {}
    for name, data in outputs.items():
        parts = docx_parts(data) if name.endswith(".docx") else pdf_parts(data)
        for part, text in parts.items():
            found[f"{name}:{part}"] = text
            found[f"{name}:{part}#squashed"] = squash(text)
    return found


def hits(parts: dict[str, str], needle: str) -> list[str]:
    return [where for where, text in parts.items() if needle.lower() in text.lower()]


@pytest.fixture(scope="module")
def leaky(tmp_path_factory):
    root = write_project(tmp_path_factory.mktemp("safety") / "proj", {**MINIMAL, **FILES})
    result = build(root, "--format", "docx", "--format", "pdf")
    assert result.exit_code == 0, result.output
    outs = {p.name: p.read_bytes() for p in (root / "build" / "note").iterdir() if p.suffix in (".docx", ".pdf")}
    assert sorted(outs) == ["note.en.docx", "note.en.pdf"]
    return root, outs, scan(outs)


# --- nothing leaks -----------------------------------------------------------------------------

@pytest.mark.parametrize("canary", sorted(CANARIES))
def test_canary_never_reaches_an_output(leaky, canary):
    _, _, parts = leaky
    assert hits(parts, canary) == [], f"{CANARIES[canary]} leaked"


@pytest.mark.parametrize("mark", VISIBLE)
def test_the_scan_finds_what_is_printed(leaky, mark):
    _, _, parts = leaky
    where = hits(parts, mark)
    assert any(w.startswith("note.en.docx:word/document.xml") for w in where), where
    assert "note.en.pdf:text#squashed" in where, where


def test_manifest_and_outputs_carry_no_absolute_path(leaky):
    root, _, parts = leaky
    assert hits(parts, str(root)) == []
    assert hits(parts, str(root.parent)) == []
    assert str(root) not in (root / "build" / "note" / "manifest.json").read_text()


def test_docx_core_properties_state_only_the_paper(leaky):
    root, outs, _ = leaky
    with zipfile.ZipFile(io.BytesIO(outs["note.en.docx"])) as z:
        core = z.read("docProps/core.xml").decode()
    values = dict(re.findall(r"<(\w+:\w+)[^>]*>([^<]*)</\1>", core))
    printed = {k: v for k, v in values.items() if v}
    assert printed == {
        "dc:title": "Test note",
        "dc:creator": "Test Coalition; Second Group",
        "dc:language": "en",
        "dcterms:created": "2026-11-20T00:00:00Z",
        "dcterms:modified": "2026-11-20T00:00:00Z",
        "cp:revision": "1",
    }


def test_docx_has_no_comments_revisions_or_people(leaky):
    _, outs, _ = leaky
    with zipfile.ZipFile(io.BytesIO(outs["note.en.docx"])) as z:
        names = z.namelist()
        xml = {n: z.read(n).decode("utf-8", "replace") for n in names if n.endswith((".xml", ".rels"))}
    assert not [n for n in names if re.search(r"people|commentsExtended|commentsIds|vbaProject|customXml", n)]
    for name, text in xml.items():
        assert not re.search(r"<w:comment[ >]|<w:ins |<w:del |<w:moveFrom|w:rsid\w*=|w:author=", text), name
        assert "attachedTemplate" not in text, name


def test_docx_has_no_comments_part(leaky):
    _, outs, _ = leaky
    with zipfile.ZipFile(io.BytesIO(outs["note.en.docx"])) as z:
        assert "word/comments.xml" not in z.namelist()


def test_pdf_metadata_states_only_the_paper(leaky):
    _, outs, _ = leaky
    reader = PdfReader(io.BytesIO(outs["note.en.pdf"]))
    info = dict(reader.metadata or {})
    assert info.get("/Title") == "Test note"
    assert info.get("/Author") == "Test Coalition, Second Group"
    assert set(info) <= {"/Title", "/Author", "/Creator", "/Producer", "/CreationDate", "/ModDate", "/Subject"}
    assert re.fullmatch(r"Typst [\d.]+", info.get("/Creator", "Typst 0"))
    for key in ("/CreationDate", "/ModDate"):
        assert info.get(key, "D:20261120")[:10] == "D:20261120"


def test_no_user_host_or_path_in_metadata(leaky):
    _, outs, parts = leaky
    values = [str(v) for v in (PdfReader(io.BytesIO(outs["note.en.pdf"])).metadata or {}).values()]
    for where, text in parts.items():
        if re.search(r"docProps/.*\.xml$|:xmp$", where):
            values += re.findall(r">([^<>]+)<", text)
    assert "Test note" in values and "en" in values  # the scan reads the metadata
    words = {w for v in values for w in re.split(r"[\s,;:@/\\]+", v)}
    assert getpass.getuser() not in words and socket.gethostname() not in words
    # XMP document ids are base64 hashes, which may start with '/': not paths
    paths = [v for v in values if not re.fullmatch(r"[A-Za-z0-9+/]{22}==", v)]  # a 128-bit hash
    assert not [v for v in paths if re.search(r"(^|\s)(/|[A-Z]:\\)\w+[/\\]", v)]


# --- untrusted content cannot escape -----------------------------------------------------------

def secret_png(marker: bytes) -> bytes:
    """A real 1x1 PNG that carries marker in a text chunk: embedded bytes would show it."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"tEXt", b"Comment\x00" + marker)
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def test_image_escapes_are_errors_before_pandoc_reads_anything(make_project, tmp_path, monkeypatch, cli):
    """The checks refuse the images before any writer runs. The one pandoc run that may start
    before them is citeproc to JSON (--sandbox: it reads the text and the bibliography, nothing
    else); the checks' errors stop it and nobody reads what it made."""
    from positionkit.render.pandoc import PandocRun

    (tmp_path / "secret.png").write_bytes(secret_png(b"qzxsecretimage"))
    root = make_project({"papers/note/01-intro.md": (
        "Text.\n\n![Passwords](/etc/passwd)\n\n![Secret](../../../secret.png)\n")})
    started, read = [], []
    real_start = PandocRun.__init__

    def start(self, args, *a, **k):
        started.append(list(args))
        real_start(self, args, *a, **k)

    def result(self):
        read.append(self.args)
        raise AssertionError("pandoc's output was read although the checks found errors")

    monkeypatch.setattr(PandocRun, "__init__", start)
    monkeypatch.setattr(PandocRun, "result", result)
    result = cli(root, "build")
    assert result.exit_code == 1
    assert "papers/note/01-intro.md:3:1: error[PK105] image '/etc/passwd' is outside the project" in result.output
    assert "papers/note/01-intro.md:5:1: error[PK105] image '../../../secret.png' is outside the project" \
        in result.output
    assert not (root / "build").exists()
    assert read == []
    assert all("--sandbox" in args and args[args.index("-t") + 1] == "json" for args in started), started


def test_sandbox_keeps_files_out_even_past_the_checks(tmp_path):
    """Feed the renderers directly (no checks): pandoc --sandbox and Typst's empty root read nothing."""
    from positionkit import render
    from positionkit.pipeline.handouts import RenderContext, handout
    from positionkit.resolve.labels import project_labels
    from positionkit.languages import get_language
    from positionkit.load.project import load_project
    from positionkit.resolve.document import Target, resolve

    (tmp_path / "secret.png").write_bytes(secret_png(b"qzxsecretimage"))
    (tmp_path / "secret.txt").write_text("qzxsecrettext\n")
    root = write_project(tmp_path / "proj", {**MINIMAL, "papers/note/01-intro.md": (
        f"Text.\n\n![Absolute]({tmp_path}/secret.png)\n\n![Relative](../../../secret.png)\n\n"
        f"[link]({tmp_path}/secret.txt)\n")})
    project = load_project(root)
    doc = resolve(project, Target("note", "en"))
    labels, _ = project_labels(project, get_language("en"))
    h = handout(RenderContext(project, {"en": labels}), doc)
    outputs = {f"x.{fmt}": renderer(h) for fmt, renderer in render.RENDERERS.items()}
    assert sorted(outputs) == ["x.docx", "x.pdf"]
    parts = scan(outputs)
    assert hits(parts, "qzxsecretimage") == []
    assert hits(parts, "qzxsecrettext") == []
    for name, data in outputs.items():
        if name.endswith(".docx"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                assert not [n for n in z.namelist() if n.startswith("word/media/")]


TYPST_ATTEMPTS = ['#read("/etc/passwd")', '#import "/etc/passwd"', "#set page(fill: red)",
                  '#{ "qzx" + "exec" + "uted" }', "$ #read(\"/etc/hostname\") $"]


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    body = "## Attempts\n\n" + "\n\n".join(f"Prose {i}: {a} end." for i, a in enumerate(TYPST_ATTEMPTS)) + "\n"
    root = write_project(tmp_path_factory.mktemp("inject") / "proj", {
        **MINIMAL,
        "papers/note/paper.yaml": MINIMAL["papers/note/paper.yaml"].replace(
            "title: Test note", "title: 'Title #read(\"/etc/passwd\") \\\" ) ]'"),
        "papers/note/01-intro.md": body})
    result = build(root, "--format", "pdf")
    assert result.exit_code == 0, result.output
    data = (root / "build" / "note" / "note.en.pdf").read_bytes()
    return data, pdf_parts(data)


def test_typst_in_prose_prints_literally(injected):
    _, parts = injected
    text = squash(parts["text"])
    for attempt in TYPST_ATTEMPTS[:3]:
        assert squash(attempt) in text, attempt
    assert "qzxexecuted" not in text
    assert squash('Title #read("/etc/passwd")') in text


def test_typst_in_prose_reads_no_file(injected):
    _, parts = injected
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    host = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else None
    assert hits(parts, passwd) == []
    assert hits(parts, "root:x:0") == []
    if host and len(host) > 4:
        assert hits({"text": parts["text"]}, host) == []


AUDIENCES = (
    "audiences:\n  - id: kenya\n    name:\n      en: Delegation of Kenya\n    languages: [en]\n"
    "    params:\n      country: qzxvisiblecountry\n    tags: [g90]\n"
    "    internal:\n      stance: qzxstance\n      notes: qzxtargeting\n")


def test_audience_internal_mapping_never_printed(make_project, cli):
    root = make_project({"audiences.yaml": AUDIENCES,
                         "papers/note/01-intro.md": "## Intro\n\nWhat {{ country }} can ask [@unctad2021der].\n"})
    result = build(root, "--audience", "kenya", "--format", "docx", "--format", "pdf")
    assert result.exit_code == 0, result.output
    outs = {p.name: p.read_bytes() for p in (root / "build" / "note" / "kenya").iterdir()
            if p.suffix in (".docx", ".pdf")}
    assert len(outs) == 2
    parts = scan(outs)
    assert "note.en.pdf:text#squashed" in hits(parts, "qzxvisiblecountry")
    assert hits(parts, "qzxstance") == [] and hits(parts, "qzxtargeting") == []


def test_audience_internal_mapping_cannot_be_printed_through_a_parameter(make_project, cli):
    root = make_project({"audiences.yaml": AUDIENCES,
                         "papers/note/01-intro.md": "## Intro\n\n{{ stance }} {{ internal }} {{ notes }}\n"})
    result = cli(root, "build", "--audience", "kenya", "--format", "pdf")
    assert result.exit_code == 1
    assert "papers/note/01-intro.md:3:1: error[PK813] 'stance' is an internal audience field and can never be " \
        "printed" in result.output
    assert not list(root.glob("build/**/*.pdf"))
