"""Shared block libraries through git: real local repositories (file:// URLs), no network."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from positionkit.load import stamps as i18n, lock
from positionkit.libraries import git as libgit
from positionkit.load.libraries import content_hash
from positionkit.load.project import load_project
from positionkit.resolve.document import Target, resolve

from tests.conftest import MINIMAL, shell_steps

pytestmark = pytest.mark.skipif(not libgit.available(), reason="git is not installed")

GIT_ID = ["-c", "user.name=t", "-c", "user.email=t@example.org"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *GIT_ID, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def block(bid: str, body: str, **meta) -> str:
    fields = {"id": bid, "title": bid.split("/")[-1].replace("-", " ").capitalize(), "status": "approved",
              **meta}
    head = "\n".join(f"{k}: {v}" for k, v in fields.items())
    return f"---\n{head}\n---\n{body}\n"


def translation(source_text: str, body: str) -> str:
    """A French translation stamped against source_text's body, as `i18n stamp` would."""
    src_body = source_text.split("---\n", 2)[2]
    stamp = i18n.stamp_data(src_body)
    paras = ", ".join(f'"{p}"' for p in stamp["paragraphs"])
    return (f"---\ntranslation:\n  source_hash: \"{stamp['source_hash']}\"\n  paragraphs: [{paras}]\n"
            f"  state: translated\n---\n{body}\n")


CROSS_V1 = block("data-flows/cross-border", "Cross-border data flows matter for {{ country }} [@core2020].",
                 summary="Flows matter", rev=1, license="CC-BY-4.0",
                 params='\n  country:\n    default: "WTO Members"')
LIB_V1 = {
    "blocks/data-flows/cross-border.md": CROSS_V1,
    "blocks/data-flows/cross-border.fr.md": translation(CROSS_V1, "Les flux de données comptent [@core2020]."),
    "blocks/privacy/old.md": block("privacy/old", "An old argument."),
    "references.bib": "@misc{core2020,\n  author = {{Core Network}},\n  title = {Core report},\n"
                      "  year = {2020},\n}\n",
    "LICENSE": "CC-BY-4.0\n",
}
INCLUDE = '::: {.block ref="core:data-flows/cross-border"}\n:::\n'


def write(folder: Path, files: dict) -> None:
    for rel, text in files.items():
        path = folder / rel
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


class Upstream:
    """A bare repository (the 'hosted' library) and a working clone its maintainers push from."""

    def __init__(self, base: Path):
        self.bare = base / "core.git"
        self.work = base / "core-work"
        git(base, "init", "--quiet", "--bare", "-b", "main", str(self.bare))
        git(base, "init", "--quiet", "-b", "main", str(self.work))
        git(self.work, "remote", "add", "origin", str(self.bare))

    @property
    def url(self) -> str:
        return self.bare.as_uri()

    def publish(self, files: dict, message: str = "change", force: bool = False) -> str:
        write(self.work, files)
        git(self.work, "add", "-A")
        git(self.work, "commit", "--quiet", "-m", message)
        git(self.work, "push", "--quiet", *(["--force"] if force else []), "origin", "main")
        return git(self.work, "rev-parse", "HEAD")

    def rewrite(self, files: dict) -> str:
        """Replace the whole history with one new commit and force-push it."""
        git(self.work, "checkout", "--quiet", "--orphan", "rewritten")
        git(self.work, "rm", "-r", "--quiet", "--cached", ".")
        git(self.work, "clean", "-fdxq")
        write(self.work, files)
        git(self.work, "add", "-A")
        git(self.work, "commit", "--quiet", "-m", "rewritten")
        git(self.work, "branch", "-M", "main")
        git(self.work, "push", "--quiet", "--force", "origin", "main")
        return git(self.work, "rev-parse", "HEAD")


@pytest.fixture
def upstream(tmp_path) -> Upstream:
    up = Upstream(tmp_path)
    up.v1 = up.publish(LIB_V1, "v1")
    return up


def project_files(url: str, **extra) -> dict:
    return {
        "positionkit.toml": MINIMAL["positionkit.toml"] + f'\n[libraries.core]\ngit = "{url}"\nref = "main"\n',
        "papers/note/01-intro.md": "## Introduction\n\nData flows matter [@unctad2021der].\n\n" + INCLUDE,
        "papers/other/paper.yaml": "title: Other\ndate: 2026-11-20\nlanguages: [en]\nsections:\n  - 01-a.md\n",
        "papers/other/01-a.md": "## Other\n\nNo library here [@gdpr2016].\n",
        **extra,
    }


@pytest.fixture
def synced(upstream, make_project, cli):
    root = make_project(project_files(upstream.url))
    res = cli(root, "sync")
    assert res.exit_code == 0, res.output
    return root


def lines_of(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if ln.strip()]


# --- sync and lock ------------------------------------------------------------------------------

def test_sync_pins_commit_and_content_then_check_works_offline(upstream, make_project, cli):
    root = make_project(project_files(upstream.url))
    res = cli(root, "sync")
    assert res.exit_code == 0, res.output
    assert lines_of(res.output) == [f"core: locked at {upstream.v1[:12]} (main)", "wrote positionkit.lock"]
    cache = root / ".positionkit/libraries/core"
    pins, diags = lock.read(root)
    assert diags == []
    assert pins["core"] == lock.Pin("core", git=upstream.url, ref="main", commit=upstream.v1,
                                    content=content_hash(cache))
    assert (root / ".positionkit/.gitignore").read_text().endswith("*\n")

    shutil.move(upstream.bare, upstream.bare.with_name("gone.git"))  # no upstream: offline
    res = cli(root, "check")
    assert res.exit_code == 0, res.output
    doc = resolve(load_project(root), Target("note", "en"))
    assert "Cross-border data flows matter for WTO Members" in doc.markdown
    assert [(b.id, b.library) for b in doc.blocks] == [("core:data-flows/cross-border", "core")]

    again = cli(root, "sync")  # upstream unreachable: a clear error, no traceback
    assert again.exit_code == 1
    assert "error[PK708] cannot fetch library 'core' from " + upstream.url in again.output


def test_second_sync_verifies_without_rewriting_lock(synced, cli, upstream):
    before = (synced / "positionkit.lock").read_text()
    upstream.publish({"blocks/privacy/new.md": block("privacy/new", "New.")})  # not followed by sync
    res = cli(synced, "sync")
    assert res.exit_code == 0, res.output
    assert lines_of(res.output) == [f"core: {upstream.v1[:12]} as locked, content verified"]
    assert (synced / "positionkit.lock").read_text() == before
    assert "core:privacy/new" not in load_project(synced).blocks


def test_missing_cache_is_an_error_naming_sync(upstream, make_project, cli):
    root = make_project(project_files(upstream.url))
    res = cli(root, "check")
    assert res.exit_code == 1
    assert ("positionkit.toml:5: error[PK701] library 'core' is not synced (run positionkit sync) "
            "(it is read from .positionkit/libraries/core/ or vendor/core/; builds never fetch)") in res.output


def test_edited_cache_does_not_match_lock(synced, cli):
    pin = lock.read(synced)[0]["core"]
    target = synced / ".positionkit/libraries/core/blocks/data-flows/cross-border.md"
    target.write_text(target.read_text().replace("matter", "do not matter"))
    now = content_hash(synced / ".positionkit/libraries/core")
    res = cli(synced, "check")
    assert res.exit_code == 1
    assert (f"positionkit.toml:5: error[PK705] library 'core' in .positionkit/libraries/core does not match "
            f"positionkit.lock: content {now}, locked {pin.content} (commit {pin.commit[:12]}) "
            "(run positionkit sync to restore the locked commit)") in res.output
    assert cli(synced, "sync").exit_code == 0  # sync puts the locked commit back
    assert cli(synced, "check").exit_code == 0


# --- update report ------------------------------------------------------------------------------

def test_update_reports_what_changed_and_what_it_affects(synced, cli, upstream):
    cross_v2 = block("data-flows/cross-border",
                     "Cross-border data flows matter a great deal for {{ country }} [@core2020].",
                     summary="Flows matter a lot", rev=2, license="CC-BY-SA-4.0",
                     params='\n  country:\n    default: "Members"\n  sector:\n    default: "services"')
    v2 = upstream.publish({
        "blocks/data-flows/cross-border.md": cross_v2,
        "blocks/privacy/old.md": None,
        "blocks/privacy/new.md": block("privacy/new", "New.", license="CC0-1.0"),
    }, "v2")
    res = cli(synced, "update")
    assert res.exit_code == 0, res.output
    assert lines_of(res.output) == [
        f"core: {upstream.v1[:12]} -> {v2[:12]} (main)",
        "  upstream commits (1):",
        f"    {v2[:7]} v2",
        "  added:   core:privacy/new",
        "  removed: core:privacy/old",
        "  changed: core:data-flows/cross-border (rev '1' -> '2'; summary 'Flows matter' -> "
        "'Flows matter a lot'; text)",
        "      text: Cross-border data flows matter {+a great deal+} for {{ country }} [@core2020].",
        "      reaches: note [en]",
        "  parameters: core:data-flows/cross-border: parameter 'country' default 'WTO Members' -> 'Members'",
        "  parameters: core:data-flows/cross-border: parameter 'sector' added (default 'services')",
        "  licence: core:data-flows/cross-border: CC-BY-4.0 -> CC-BY-SA-4.0",
        "  licence: core:privacy/new: new block under CC0-1.0",
        "  affects paper: note (core:data-flows/cross-border)",
        "wrote positionkit.lock; review the changes, run positionkit check, then commit it",
    ]
    assert lock.read(synced)[0]["core"].commit == v2
    assert cli(synced, "check").exit_code == 0
    again = cli(synced, "update", "core")
    assert lines_of(again.output) == [f"core: already at the newest commit {v2[:12]} (main)"]


def test_update_unknown_alias_is_an_error(synced, cli):
    res = cli(synced, "update", "cor")
    assert res.exit_code == 1
    assert "error[PK711] no library 'cor' is declared in positionkit.toml (declared: core)" in res.output


# --- overrides and bibliographies ---------------------------------------------------------------

def test_override_replaces_a_library_block_with_the_projects(upstream, make_project, cli):
    files = project_files(upstream.url)
    files["positionkit.toml"] += '\n[overrides]\n"core:data-flows/cross-border" = "data-flows/kenya"\n'
    files["blocks/data-flows/kenya.md"] = block("data-flows/kenya", "Kenya's Data Protection Act applies.")
    root = make_project(files)
    assert cli(root, "sync").exit_code == 0
    res = cli(root, "check")
    assert res.exit_code == 0, res.output
    doc = resolve(load_project(root), Target("note", "en"))
    assert "Kenya's Data Protection Act applies." in doc.markdown
    assert "Cross-border" not in doc.markdown
    assert [(b.id, b.library) for b in doc.blocks] == [("data-flows/kenya", None)]


def test_bibliography_key_conflict_between_library_and_project(upstream, make_project, cli):
    """The project's own entry wins over a library's different entry (PK210 says so), in check
    and in what pandoc prints; an identical copy in the project is merged without a word."""
    files = project_files(upstream.url)
    files["references.bib"] = MINIMAL["references.bib"] + \
        "\n@misc{core2020,\n  author = {{Us}},\n  title = {Ours},\n  year = {2020},\n}\n"
    root = make_project(files)
    assert cli(root, "sync").exit_code == 0
    res = cli(root, "check", "--strict")
    assert res.exit_code == 0, res.output
    assert (".positionkit/libraries/core/references.bib:1: info[PK210] citation key 'core2020' is defined "
            "differently in .positionkit/libraries/core/references.bib; the project's own entry in "
            "references.bib is used") in res.output
    from positionkit.render.cite import citeproc
    ast = citeproc(load_project(root), "Text [@core2020].\n", "en", "References", 0)
    text = json.dumps(ast)
    assert '"Ours"' in text and '"Core"' not in text
    (root / "references.bib").write_text(MINIMAL["references.bib"] + LIB_V1["references.bib"], encoding="utf-8")
    res = cli(root, "check", "--strict")
    assert res.exit_code == 0 and "core2020" not in res.output, res.output


# --- vendor -------------------------------------------------------------------------------------

def test_vendor_then_build_inputs_without_cache_or_upstream(synced, cli, upstream):
    res = cli(synced, "vendor")
    assert res.exit_code == 0, res.output
    assert lines_of(res.output)[0] == f"core: copied {upstream.v1[:12]} to vendor/core/"
    vendored = synced / "vendor/core"
    assert sorted(p.relative_to(vendored).as_posix() for p in vendored.rglob("*") if p.is_file()) == [
        "LICENSE", "blocks/data-flows/cross-border.fr.md", "blocks/data-flows/cross-border.md",
        "blocks/privacy/old.md", "references.bib"]
    shutil.rmtree(synced / ".positionkit")
    shutil.rmtree(upstream.bare)
    res = cli(synced, "check")
    assert res.exit_code == 0, res.output
    project = load_project(synced)
    assert project.blocks["core:data-flows/cross-border"].source.path == "vendor/core/blocks/data-flows/cross-border.md"
    assert [s.manifest() for s in project.libraries] == [{
        "alias": "core", "url": upstream.url, "path": None, "ref": "main", "commit": upstream.v1,
        "content": lock.read(synced)[0]["core"].content, "from": "vendor", "folder": "vendor/core"}]
    res = cli(synced, "sync")  # a vendored library is verified, never fetched
    assert res.exit_code == 0, res.output
    assert lines_of(res.output) == [f"core: vendored at {upstream.v1[:12]}, content verified"]


def test_edited_vendor_copy_does_not_match_lock(synced, cli):
    assert cli(synced, "vendor").exit_code == 0
    (synced / "vendor/core/blocks/privacy/old.md").write_text(block("privacy/old", "Edited by hand."))
    res = cli(synced, "check")
    assert res.exit_code == 1
    assert "error[PK705] library 'core' in vendor/core does not match positionkit.lock" in res.output
    assert "(run positionkit vendor core to copy the locked content again)" in res.output


# --- force-push ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fresh_clone", [False, True])
def test_rewritten_upstream_history_is_an_error_naming_both_commits(synced, cli, upstream, fresh_clone):
    new = upstream.rewrite({**LIB_V1, "blocks/privacy/old.md": block("privacy/old", "Quietly changed.")})
    if fresh_clone:
        shutil.rmtree(synced / ".positionkit")
    lock_before = (synced / "positionkit.lock").read_text()
    res = cli(synced, "sync")
    assert res.exit_code == 1
    assert (f"positionkit.toml:5: error[PK710] library 'core': the locked commit {upstream.v1} is no longer in "
            f"the history of main at {upstream.url}, which is now at {new} (upstream history was rewritten) "
            "(ask the library's maintainers why; to accept the new history, review it and run positionkit "
            "update core)") in res.output
    assert (synced / "positionkit.lock").read_text() == lock_before
    res = cli(synced, "update")  # accepting the new history is deliberate
    assert res.exit_code == 0, res.output
    assert lock.read(synced)[0]["core"].commit == new


# --- path libraries and safety ------------------------------------------------------------------

def test_path_library_is_read_in_place_and_hashed(tmp_path, make_project, cli):
    write(tmp_path / "corelib", LIB_V1)
    files = project_files("unused")
    files["positionkit.toml"] = MINIMAL["positionkit.toml"] + '\n[libraries.core]\npath = "../corelib"\n'
    root = make_project(files)
    res = cli(root, "check")
    assert "positionkit.toml:5: warning[PK703] library 'core' is not in positionkit.lock" in res.output
    assert cli(root, "sync").exit_code == 0
    assert lock.read(root)[0]["core"] == lock.Pin("core", path="../corelib",
                                                  content=content_hash(tmp_path / "corelib"))
    res = cli(root, "check")
    assert res.exit_code == 0 and "PK70" not in res.output, res.output
    doc = resolve(load_project(root), Target("note", "en"))
    assert doc.inputs[0] == "../corelib/blocks/data-flows/cross-border.md"
    write(tmp_path / "corelib", {"blocks/privacy/old.md": block("privacy/old", "Work in progress.")})
    res = cli(root, "check")
    assert res.exit_code == 0
    assert "warning[PK706] library 'core' in ../corelib changed since it was locked" in res.output
    res = cli(root, "update")
    assert "core: ../corelib content sha256:" in res.output
    assert cli(root, "check", "--strict").exit_code == 0


def test_links_out_of_a_library_are_refused(tmp_path, make_project, cli):
    write(tmp_path / "corelib", LIB_V1)
    root = make_project({**project_files("unused"),
                         "positionkit.toml": MINIMAL["positionkit.toml"] + '\n[libraries.core]\npath = "corelib"\n'})
    (root / "corelib").symlink_to(tmp_path / "corelib")  # a link to the library itself is fine
    (tmp_path / "secret.md").write_text("---\nid: data-flows/secret\n---\nPrivate strategy.\n")
    (tmp_path / "corelib/blocks/data-flows/secret.md").symlink_to(tmp_path / "secret.md")
    (root / "papers/note/notes.md").write_text("---\nid: data-flows/inside\n---\nInternal.\n")
    (tmp_path / "corelib/blocks/data-flows/inside.md").symlink_to(root / "papers/note/notes.md")
    assert cli(root, "sync").exit_code == 0
    res = cli(root, "check")
    assert res.exit_code == 1
    for name in ("inside", "secret"):
        assert (f"corelib/blocks/data-flows/{name}.md: error[PK707] 'corelib/blocks/data-flows/{name}.md' is a "
                f"link outside library 'core' (library content is untrusted: links out of it are refused)"
                ) in res.output
    blocks = load_project(root).blocks
    assert "core:data-flows/secret" not in blocks and "core:data-flows/inside" not in blocks


def test_git_missing_is_a_diagnostic(upstream, make_project, cli, monkeypatch):
    root = make_project(project_files(upstream.url))
    monkeypatch.setattr(libgit, "available", lambda: False)
    res = cli(root, "sync")
    assert res.exit_code == 1
    assert ("positionkit.toml:5: error[PK708] git is not installed, so library 'core' cannot be fetched "
            "(install git (https://git-scm.com), or commit a vendored copy: positionkit vendor)") in res.output


def test_unknown_ref_and_corrupt_lock(upstream, make_project, cli):
    files = project_files(upstream.url)
    files["positionkit.toml"] = files["positionkit.toml"].replace('ref = "main"', 'ref = "v9"')
    root = make_project(files)
    res = cli(root, "sync")
    assert res.exit_code == 1
    assert f"error[PK709] library 'core': {upstream.url} has no ref 'v9'" in res.output
    (root / "positionkit.lock").write_text("version = [")
    res = cli(root, "check")
    assert res.exit_code == 1
    assert "positionkit.lock: error[PK702] positionkit.lock cannot be read" in res.output


@pytest.mark.parametrize("text, code", [
    ("version = 1\n[libraries.core]\ncontent = 3\n", "PK702"),
    ("version = 1\n[libraries]\ncore = \"x\"\n", "PK702"),
    ("version = 1\nlibraries = 5\n", "PK702"),
    ("version = 2\n", "PK702"),
    ("\x00\xff", "PK702"),
])
def test_malformed_lock_is_a_diagnostic(upstream, make_project, cli, text, code):
    root = make_project(project_files(upstream.url, **{"positionkit.lock": text}))
    for command in ("check", "sync", "update", "vendor"):
        res = cli(root, command)
        assert res.exit_code == 1 and f"[{code}]" in res.output, (command, res.output)


@pytest.mark.parametrize("spec", ['path = 3', 'git = ""', 'git = "x"\nref = ["main"]'])
def test_malformed_declaration_is_a_diagnostic(make_project, cli, spec):
    root = make_project({"positionkit.toml": MINIMAL["positionkit.toml"] + f"\n[libraries.core]\n{spec}\n"})
    for command in ("check", "sync"):
        res = cli(root, command)
        assert res.exit_code == 1
        assert "error[PK002] [libraries.core] git, path and ref must be non-empty strings" in res.output


def test_tag_and_commit_refs(upstream, make_project, cli):
    git(upstream.work, "tag", "v1")
    git(upstream.work, "push", "--quiet", "origin", "v1")
    upstream.publish({"blocks/privacy/new.md": block("privacy/new", "New.")})
    for ref in ("v1", upstream.v1[:10]):
        files = project_files(upstream.url)
        files["positionkit.toml"] = files["positionkit.toml"].replace('ref = "main"', f'ref = "{ref}"')
        root = make_project(files)
        res = cli(root, "sync")
        assert res.exit_code == 0, res.output
        assert lock.read(root)[0]["core"].commit == upstream.v1
        assert "core:privacy/new" not in load_project(root).blocks


# --- end to end ---------------------------------------------------------------------------------

def test_build_records_library_in_manifest_and_prints_its_text(synced, cli, upstream):
    from docx import Document

    res = cli(synced, "build", "note", "--format", "docx")
    assert res.exit_code == 0, res.output
    manifest = json.loads((synced / "build/note/manifest.json").read_text())
    assert manifest["libraries"][0]["commit"] == upstream.v1
    assert manifest["libraries"][0]["url"] == upstream.url
    used = manifest["outputs"]["build/note/note.en.docx"]["blocks"]
    assert [(b["id"], b["library"]) for b in used] == [("core:data-flows/cross-border", "core")]
    text = "\n".join(p.text for p in Document(synced / "build/note/note.en.docx").paragraphs)
    assert "Cross-border data flows matter for WTO Members" in text
    assert "Core Network. 2020. Core Report." in text  # the library's references.bib was merged


# --- the walkthrough in docs/libraries.md -------------------------------------------------------

def walkthrough_steps() -> list[str]:
    """Shell commands of the walkthrough in docs/libraries.md, a heredoc kept whole as one step."""
    import re

    text = (Path(__file__).parents[1] / "docs/libraries.md").read_text(encoding="utf-8")
    section = text.split("\n## Sharing blocks between organisations\n", 1)[1].split("\n## ", 1)[0]
    lines = "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S)).splitlines()
    assert len(lines) > 50, "the walkthrough's commands were not found"
    return shell_steps(lines)


def test_walkthrough_works_as_written(tmp_path, monkeypatch):
    """Every command of the walkthrough, in order, in an empty folder: positionkit in-process
    (fast), cd by the test, everything else through bash."""
    import shlex

    from click.testing import CliRunner

    from positionkit.cli.main import main

    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(var, "t")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(var, "t@example.org")
    cwd, outputs = tmp_path, []
    for step in walkthrough_steps():
        if step.startswith("cd "):
            cwd = (cwd / step[3:]).resolve()
        elif step.startswith("positionkit "):
            monkeypatch.chdir(cwd)
            res = CliRunner().invoke(main, shlex.split(step)[1:], catch_exceptions=False)
            assert res.exit_code == 0, f"{step}\n{res.output}"
            outputs.append((step, res.output))
        else:
            done = subprocess.run(["bash", "-e", "-c", step], cwd=cwd, capture_output=True, text=True)
            assert done.returncode == 0, f"{step}\n{done.stderr}"
    said = dict(outputs)
    assert "  affects paper: example-note (core:data-flows/cross-border)" in said["positionkit update"].splitlines()
    assert [s for s, out in outputs if s == "positionkit check" and out.strip() != "no problems found"] == []
    nairobi = tmp_path / "nairobi"
    assert not (nairobi / ".positionkit").exists() and (nairobi / "vendor/core/references.bib").is_file()
    doc = resolve(load_project(nairobi), Target("example-note", "en"))
    assert "Kenya's Data Protection Act 2019" in doc.markdown
    tracked = git(nairobi, "ls-files").splitlines()
    assert "positionkit.lock" in tracked and ".github/workflows/positionkit.yml" in tracked
    assert not any(p.startswith(".positionkit/") for p in tracked)
