"""positionkit review: a built DOCX, reviewed as Word writes it, saved again by LibreOffice, read back.

One project is built once (English and French DOCX); four reviewed copies go through one soffice
run: A (English: a section paragraph, a block paragraph with a threaded comment, a parameter
value, a heading, a library block, the title), B (French), C (for a conflict) and D (anchors
stripped). Every test applies in its own git copy of the project, so `git diff` shows exactly
what a review wrote.
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile

import pytest

from tests.conftest import MINIMAL, write_project
from tests.reviewing import Reviewer, through_libreoffice

BLOCK = ("---\nid: trade/moratorium\ntitle: Moratorium\nstatus: approved\nparams:\n  country:\n"
         "    default: Members\n---\nThe moratorium on customs duties helps {{ country }} keep costs low.\n")
LIB_BLOCK = ("---\nid: privacy/core\ntitle: Core\nstatus: approved\n---\n"
             "Privacy is a fundamental right recognised in many constitutions.\n")
FILES = {
    "papers/note/paper.yaml": ("title: Test note\ndate: 2026-11-20\norganisations: [Test Coalition]\n"
                               "audience: For WTO delegations\nlanguages: [en, fr]\nsections:\n  - 01-intro.md\n"),
    "papers/note/paper.fr.yaml": "title: Note de test\naudience: Pour les délégations\n",
    "papers/note/01-intro.md": (
        "## Introduction\n\nData flows matter for every economy [@unctad2021der].\n"
        "Rules on them are being negotiated.\n\n"
        '::: {.block ref="trade/moratorium" country="Kenya"}\n:::\n\n'
        '::: {.block ref="core:privacy/core"}\n:::\n\nA closing paragraph to drop.\n'),
    "papers/note/01-intro.fr.md": (
        "## Introduction\n\nLes flux de données comptent pour chaque économie [@unctad2021der].\n"
        "Des règles sont en négociation.\n\n"
        '::: {.block ref="trade/moratorium" country="Kenya"}\n:::\n\n'
        '::: {.block ref="core:privacy/core"}\n:::\n'),
    "blocks/trade/moratorium.md": BLOCK,
    "corelib/blocks/privacy/core.md": LIB_BLOCK,
}


def cli(root, *args):
    from click.testing import CliRunner

    from positionkit.cli.main import main

    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def git(root, *args) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review")
    root = write_project(tmp / "proj", {
        **MINIMAL, **FILES,
        "positionkit.toml": MINIMAL["positionkit.toml"] + '\n[libraries.core]\npath = "corelib"\n'})
    assert cli(root, "sync").exit_code == 0
    assert cli(root, "i18n", "stamp", "papers/note/01-intro.fr.md").exit_code == 0
    res = cli(root, "build", "--format", "docx")
    assert res.exit_code == 0, res.output
    en = (root / "build/note/note.en.docx").read_bytes()
    fr = (root / "build/note/note.fr.docx").read_bytes()

    a = Reviewer(en)
    a.replace("every economy", "all economies")                    # section paragraph
    a.insert_after("Introduction", " and scope")                   # heading
    a.replace("Kenya", "Kenya and Uganda")                         # parameter value
    a.delete(" keep costs low", within="moratorium")               # block paragraph
    a.comment("customs duties", "Which duties exactly?", replies=(("Ana Reviewer", "Those on transmissions."),))
    a.replace("fundamental right", "human right")                  # library block
    a.replace("Test note", "Review note", within="Test note")      # title (paper.yaml)
    a.delete("A closing paragraph to drop.")                       # a whole paragraph
    b = Reviewer(fr)
    b.replace("chaque économie", "toutes les économies")
    b.replace("Note de test", "Note provisoire", within="Note de test")  # title (paper.fr.yaml)
    c = Reviewer(en)
    c.replace("being negotiated", "under negotiation")
    d = Reviewer(en)
    d.replace("every economy", "each economy")
    d.strip_anchors()
    saved = through_libreoffice({"a.docx": a.save(), "b.docx": b.save(), "c.docx": c.save(),
                                 "d.docx": d.save()}, tmp)
    for name, data in saved.items():
        (tmp / name).write_bytes(data)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "built")
    return root, tmp


@pytest.fixture
def project(built, tmp_path):
    root, tmp = built
    copy = tmp_path / "proj"
    shutil.copytree(root, copy, symlinks=True)
    return copy, tmp


def items(root, docx, *extra) -> list[dict]:
    res = cli(root, "review", str(docx), "--format", "json", *extra)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)["items"]


def by_text(found: list[dict], text: str) -> dict:
    hits = [i for i in found if i["text"] == text]
    assert len(hits) == 1, (text, found)
    return hits[0]


def test_built_docx_carries_anchors_but_no_path(built):
    root, _ = built
    with zipfile.ZipFile(root / "build/note/note.en.docx") as z:
        body = z.read("word/document.xml").decode()
        custom = z.read("docProps/custom.xml").decode()
    assert '_pkr1"' in body and '_pkmtitle"' in body
    assert "positionkit-review" in custom and "papers/" not in custom and "01-intro" not in custom
    assert "papers/" not in body and "corelib" not in body


def test_every_item_is_listed_at_its_source(project):
    root, tmp = project
    found = items(root, tmp / "a.docx")
    assert {i["kind"] for i in found} == {"replacement", "insertion", "deletion", "comment"}
    dropped = by_text(found, "A closing paragraph to drop.")
    assert (dropped["kind"], dropped["path"], dropped["line"]) == ("deletion", "papers/note/01-intro.md", 12)
    para = by_text(found, "all economies")
    assert (para["path"], para["line"], para["col"], para["block"]) == ("papers/note/01-intro.md", 3, 23, None)
    assert (para["old"], para["author"], para["status"]) == ("every economy", "Ana Reviewer", "pending")
    heading = by_text(found, " and scope")
    assert (heading["kind"], heading["path"], heading["line"]) == ("insertion", "papers/note/01-intro.md", 1)
    param = by_text(found, "Kenya and Uganda")
    assert (param["path"], param["line"], param["block"]) == ("papers/note/01-intro.md", 6, "trade/moratorium")
    block = by_text(found, " keep costs low")
    assert (block["kind"], block["path"], block["line"]) == ("deletion", "blocks/trade/moratorium.md", 9)
    comment = by_text(found, "Which duties exactly?")
    assert comment["replies"] == [{"author": "Ana Reviewer", "date": "2026-12-01T10:00:00Z",
                                   "text": "Those on transmissions."}]
    assert (comment["path"], comment["block"], comment["old"]) == ("blocks/trade/moratorium.md",
                                                                   "trade/moratorium", "customs duties")
    lib = by_text(found, "human right")
    assert lib["path"] == "corelib/blocks/privacy/core.md" and lib["status"] == "patch"
    title = by_text(found, "Review note")
    assert (title["path"], title["line"]) == ("papers/note/paper.yaml", 1)
    assert all(i["matched"] == "anchor" for i in found)
    assert git(root, "status", "--porcelain") == ""  # listing writes nothing


def test_apply_writes_exactly_the_reviewers_changes(project):
    root, tmp = project
    res = cli(root, "review", str(tmp / "a.docx"), "--apply")
    assert res.exit_code == 0, res.output
    diff = git(root, "diff", "-U0")
    removed = sorted(ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---"))
    added = sorted(ln for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++"))
    assert removed == sorted([
        "-## Introduction",
        "-Data flows matter for every economy [@unctad2021der].",
        '-::: {.block ref="trade/moratorium" country="Kenya"}',
        "-The moratorium on customs duties helps {{ country }} keep costs low.",
        "-", "-A closing paragraph to drop.",
        "-title: Test note"])
    assert added == sorted([
        "+## Introduction and scope",
        "+Data flows matter for all economies [@unctad2021der].",
        '+::: {.block ref="trade/moratorium" country="Kenya and Uganda"}',
        "+The moratorium on customs duties helps {{ country }}.",
        "+", "+::: internal",
        "+Review comment (Ben Adviser, 2026-12-01): Which duties exactly?", "+",
        "+Reply (Ana Reviewer, 2026-12-01): Those on transmissions.", "+:::",
        "+title: Review note"])
    # the library checkout is untouched; its change waits in a patch for the library's owners
    assert (root / "corelib/blocks/privacy/core.md").read_text() == LIB_BLOCK
    patches = list((root / "review-patches").iterdir())
    assert len(patches) == 1 and patches[0].name.startswith("core-")
    patch = patches[0].read_text()
    assert "--- a/blocks/privacy/core.md" in patch and "+Privacy is a human right recognised" in patch
    # the project still builds, and the internal note does not print
    assert cli(root, "check").exit_code == 0
    # a second apply changes nothing
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    found = items(root, tmp / "a.docx", "--apply")
    assert {p: p.read_bytes() for p in snapshot} == snapshot
    assert {i["status"] for i in found} == {"already applied", "patch"}, found


def test_translated_docx_goes_to_the_translation(project):
    root, tmp = project
    found = items(root, tmp / "b.docx", "--apply")
    item = by_text(found, "toutes les économies")
    lines = git(root, "show", "HEAD:papers/note/01-intro.fr.md").split("\n")  # stamped: front matter first
    line = next(n for n, text in enumerate(lines, start=1) if text.startswith("Les flux"))
    assert (item["path"], item["line"], item["status"]) == ("papers/note/01-intro.fr.md", line, "applied")
    title = by_text(found, "Note provisoire")
    assert (title["path"], title["line"], title["status"]) == ("papers/note/paper.fr.yaml", 1, "applied")
    assert git(root, "diff", "--name-only").split() == ["papers/note/01-intro.fr.md", "papers/note/paper.fr.yaml"]
    assert "comptent pour toutes les économies [@unctad2021der]" in (root / "papers/note/01-intro.fr.md").read_text()


def test_source_changed_since_the_build_is_a_conflict(project):
    root, tmp = project
    src = root / "papers/note/01-intro.md"
    src.write_text(src.read_text().replace("Rules on them", "Binding rules on them"))
    git(root, "commit", "-qam", "writer edits", "--author", "W <w@example.org>")
    found = items(root, tmp / "c.docx", "--apply")
    item = by_text(found, "under negotiation")
    assert item["status"] == "conflict"
    assert "Rules on them are being negotiated" in item["docx_text"]
    assert "Binding rules on them are being negotiated." in item["source_text"]
    assert git(root, "status", "--porcelain") == ""
    res = cli(root, "review", str(tmp / "c.docx"))
    assert "warning[PK934]" in res.output and "papers/note/01-intro.md:3:" in res.output


def test_docx_without_anchors_is_matched_by_text(project):
    root, tmp = project
    with zipfile.ZipFile(tmp / "d.docx") as z:
        assert "_pkr" not in z.read("word/document.xml").decode()
    res = cli(root, "review", str(tmp / "d.docx"), "--format", "json", "--apply")
    data = json.loads(res.output)
    assert [d["code"] for d in data["diagnostics"]] == ["PK937"]
    item = by_text(data["items"], "each economy")
    assert (item["matched"], item["path"], item["line"], item["status"]) == (
        "text", "papers/note/01-intro.md", 3, "applied")
    assert git(root, "diff", "--name-only").split() == ["papers/note/01-intro.md"]
    before = (root / "papers/note/01-intro.md").read_bytes()
    again = by_text(items(root, tmp / "d.docx", "--apply"), "each economy")
    assert again["status"] == "already applied" and (root / "papers/note/01-intro.md").read_bytes() == before
    text = cli(root, "review", str(tmp / "d.docx")).output
    assert "matched by text" in text


def test_not_a_docx_is_an_input_error(project, tmp_path):
    root, _ = project
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    res = cli(root, "review", str(bad))
    assert res.exit_code == 1 and "error[PK938]" in res.output
    other = tmp_path / "other.docx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/'
                   'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Unrelated.</w:t></w:r></w:p></w:body></w:document>')
    res = cli(root, "review", str(other))
    assert res.exit_code == 1 and "error[PK939]" in res.output
    assert io.BytesIO  # keep the import honest for readers of this module


def test_line_endings_and_byte_order_mark_are_kept(project):
    root, tmp = project
    src = root / "papers/note/01-intro.md"
    src.write_bytes(b"\xef\xbb\xbf" + src.read_bytes().replace(b"\n", b"\r\n"))
    git(root, "commit", "-qam", "windows line endings")
    assert by_text(items(root, tmp / "c.docx", "--apply"),
                   "under negotiation")["status"] == "applied"
    diff = git(root, "diff", "--numstat").split()
    assert diff[:3] == ["1", "1", "papers/note/01-intro.md"]
    data = src.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n")


@pytest.mark.parametrize("damage", ["truncated", "bad xml", "odd property"])
def test_damaged_docx_is_reported_not_raised(project, tmp_path, damage):
    root, tmp = project
    data = (tmp / "a.docx").read_bytes()
    bad = tmp_path / "bad.docx"
    if damage == "truncated":
        bad.write_bytes(data[: len(data) // 2])
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(bad, "w") as dst:
            for name in src.namelist():
                part = src.read(name)
                if damage == "bad xml" and name == "word/comments.xml":
                    part = part[: len(part) // 2]
                if damage == "odd property" and name == "docProps/custom.xml":
                    part = part.replace(b"&quot;paper&quot;:&quot;note&quot;", b"&quot;paper&quot;:[1]")
                dst.writestr(name, part)
    res = cli(root, "review", str(bad))
    if damage == "odd property":  # an unusable stamp: matched by text instead
        assert res.exit_code == 0 and "warning[PK937]" in res.output, res.output
    else:
        assert res.exit_code == 1 and "error[PK938]" in res.output, res.output
