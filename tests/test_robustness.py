"""Bad input and interruption: every input yields diagnostics; a killed, failing or concurrent
build never leaves a broken output behind."""
from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from positionkit.pipeline.prepare import check_project
from positionkit.load.project import load_project
from positionkit.resolve.document import Target, resolve
from tests.conftest import MINIMAL, write_project

INTRO = "papers/note/01-intro.md"


def found(root, *codes):
    return [d.format() for d in check_project(root) if d.code in codes]


# --- what editors produce ----------------------------------------------------------------------

def test_non_utf8_section(make_project):
    root = make_project({INTRO: "## Intro\n\nCaf\xe9 au lait.\n".encode("latin-1")})
    assert found(root, "PK102", "PK101") == [
        f"{INTRO}:3:4: error[PK102] file is not UTF-8 text (save it as UTF-8 in your editor "
        "(e.g. 'Save with encoding: UTF-8'))"]


def test_bom_crlf_and_tabs_are_handled(make_project):
    text = "\ufeff## Intro\r\n\r\nData\tflows [@unctad2021der].\r\n\r\n[x](#intro) [y](#nowhere)\r\n"
    root = make_project({INTRO: text.encode("utf-8")})
    diags = [d.format() for d in check_project(root) if d.severity.value != "info"]
    assert diags == [
        f"{INTRO}:5:13: warning[PK503] link to '#nowhere' leads nowhere in the en handout: no heading or element "
        "has that id (link to a heading's id, or give the target an explicit id: ## Title {#nowhere})"]
    doc = resolve(load_project(root), Target("note", "en"))
    assert doc.markdown.startswith("## Intro\n\nData\tflows")
    assert "\r" not in doc.markdown and "\ufeff" not in doc.markdown


def test_tab_in_front_matter(make_project):
    root = make_project({INTRO: "---\nnotes:\n\t- x\n---\nText.\n"})
    diags = found(root, "PK103", "PK106")
    assert diags and all(d.startswith(f"{INTRO}:3") for d in diags), diags


def test_very_long_lines_are_fast(make_project):
    """300 kB of each pathological pattern: linear scans take seconds; quadratic ones took hours."""
    patterns = ["[x](#", "![", "<!--", "`", "_a ", "## x {", "\\a", "```{=", "[a](", "]{", "::: x\n", "## h\n\n"]
    start = time.monotonic()
    for pattern in patterns:
        text = pattern * (300_000 // len(pattern))
        root = make_project({INTRO: text})
        assert not [d for d in found(root, "PK104")]
        check_project(root)
    assert time.monotonic() - start < 60


def test_deeply_nested_divs(make_project):
    root = make_project({INTRO: "::: x\n" * 2000 + "text\n"})
    diags = found(root, "PK110")
    assert f"{INTRO}:51: warning[PK110] ::: divs are nested more than 50 deep (close every ::: div with a line of " \
           "three colons)" in diags


def test_yaml_alias_bomb(make_project):
    levels = "abcdefghi"
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{cur}: &{cur} [{','.join([f'*{prev}'] * 9)}]\n" for prev, cur in zip(levels, levels[1:]))
    root = make_project({"blocks/t/b.md": "---\nid: t/b\n" + bomb + "params:\n  p:\n    default: *i\n---\n{{ p }}\n",
                         INTRO: '::: {.block ref="t/b"}\n:::\n'})
    start = time.monotonic()
    assert found(root, "PK103") == [
        "blocks/t/b.md:2: error[PK103] YAML expands to more than 100000 values through &anchors and *aliases "
        "(write the values out; anchors are not needed here)"]
    assert time.monotonic() - start < 5


def test_five_megabyte_section(make_project, cli):
    root = make_project({INTRO: "word " * (1024 * 1024)})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert f"{INTRO}: error[PK104] file is too large (5.0 MB; the limit is 2 MB) (split it into sections, or " \
           "check that it is really Markdown)" in result.output


# --- interruption ------------------------------------------------------------------------------

BUILD_FILES = {
    **MINIMAL,
    "papers/note/paper.yaml": MINIMAL["papers/note/paper.yaml"].replace("languages: [en]", "languages: [en, fr, es]"),
    INTRO: "## Introduction\n\nData flows matter [@unctad2021der].\n\n" + "More text for a longer render. " * 200 + "\n",
}
HARNESS = textwrap.dedent("""\
    import os, sys, time
    import positionkit.pipeline.write as w
    mode = sys.argv[1]
    real_replace, real_fsync = os.replace, os.fsync
    def slow_replace(a, b):
        real_replace(a, b)
        print("REPLACED", flush=True)
        time.sleep(30)
    def slow_fsync(fd):
        real_fsync(fd)
        print("WROTE", flush=True)
        time.sleep(30)
    if mode == "replace":
        w.os = type("os", (), {**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")},
                               "replace": staticmethod(slow_replace)})
    elif mode == "fsync":
        w.os = type("os", (), {**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")},
                               "fsync": staticmethod(slow_fsync)})
    from positionkit.cli.main import main
    sys.argv = ["positionkit", "-C", sys.argv[2], "build", "--format", "pdf", "--format", "docx"]
    main()
    """)


def outputs(root: Path) -> dict[str, bytes]:
    out = root / "build"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)}


def assert_readable(files: dict[str, bytes]):
    for name, data in files.items():
        if name.endswith(".pdf"):
            assert len(PdfReader(io.BytesIO(data)).pages) >= 1, name
        elif name.endswith(".docx"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                assert z.testzip() is None and "word/document.xml" in z.namelist(), name


def spawn(*args: str) -> subprocess.Popen:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795132800"}
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)


def build_once(root: Path):
    proc = spawn("-c", "from positionkit.cli import main; main()", "-C", str(root), "build",
                 "--format", "pdf", "--format", "docx")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """(root, old outputs, new outputs): the project is left with the *new* sources."""
    root = write_project(tmp_path_factory.mktemp("kill") / "proj", BUILD_FILES)
    build_once(root)
    old = outputs(root)
    (root / INTRO).write_text(BUILD_FILES[INTRO].replace("Data flows matter", "Data flows really matter"))
    build_once(root)
    new = outputs(root)
    assert set(old) == set(new) and len(old) == 7  # 3 languages x 2 formats + manifest
    assert all(old[k] != new[k] for k in old if not k.endswith("manifest.json"))
    assert_readable(old)
    return root, old, new


def restore(root: Path, files: dict[str, bytes]):
    for rel, data in files.items():
        (root / "build" / rel).write_bytes(data)


@pytest.mark.parametrize("delay", [0.2, 0.6, 1.0, 1.5, 2.5])
def test_kill_at_any_moment_leaves_complete_outputs(versions, delay):
    root, old, new = versions
    restore(root, old)
    proc = spawn("-c", "from positionkit.cli import main; main()", "-C", str(root), "build",
                 "--format", "pdf", "--format", "docx")
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    now = outputs(root)
    assert set(now) == set(old)
    for name, data in now.items():
        assert data in (old[name], new[name]), f"{name} is neither the old nor the new output"
    assert_readable(now)


def test_kill_while_writing_temporary_files_keeps_every_previous_output(versions, tmp_path):
    root, old, _ = versions
    restore(root, old)
    (tmp_path / "harness.py").write_text(HARNESS)
    proc = spawn(str(tmp_path / "harness.py"), "fsync", str(root))
    assert proc.stdout.readline().strip() == b"WROTE", proc.stderr.read().decode()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert outputs(root) == old
    assert list((root / "build").rglob(".*.tmp")), "the killed build left its temporary files"
    build_once(root)  # the next build, holding the lock, clears what the killed one left
    assert not list((root / "build").rglob(".*.tmp"))


def test_kill_between_renames_leaves_each_file_whole(versions, tmp_path):
    root, old, new = versions
    restore(root, old)
    (tmp_path / "harness.py").write_text(HARNESS)
    proc = spawn(str(tmp_path / "harness.py"), "replace", str(root))
    assert proc.stdout.readline().strip() == b"REPLACED", proc.stderr.read().decode()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    now = outputs(root)
    assert sum(now[k] == new[k] for k in now) == 1  # exactly one file was renamed into place
    assert all(now[k] in (old[k], new[k]) for k in now)
    assert_readable(now)
    build_once(root)  # the next build recovers: every output new, no temporary file in the way
    assert outputs(root) == new


def test_disk_full_is_a_diagnostic_and_keeps_previous_outputs(versions, monkeypatch, cli):
    import builtins

    import positionkit.pipeline.write as write_mod

    root, old, new = versions
    restore(root, old)
    (root / INTRO).write_text(BUILD_FILES[INTRO].replace("Data flows matter", "Data flows surely matter"))
    calls = {"n": 0}

    class Full(io.RawIOBase):
        def __init__(self, path):
            self.fh = builtins.open(path, "wb")

        def write(self, data):
            calls["n"] += 1
            if calls["n"] >= 3:
                self.fh.write(data[: len(data) // 2])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self.fh.write(data)

        def close(self):
            self.fh.close()

        def fileno(self):
            return self.fh.fileno()

    monkeypatch.setattr(write_mod, "open", lambda path, mode="r", *a, **k: Full(path), raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795132800")
    try:
        result = cli(root, "build", "--format", "pdf", "--format", "docx")
    finally:
        (root / INTRO).write_text(BUILD_FILES[INTRO].replace("Data flows matter", "Data flows really matter"))
    assert result.exit_code == 1
    assert "error[PK901] cannot write build/note/" in result.output
    assert ": No space left on device (free some disk space or check permissions; earlier outputs are " \
           "unchanged)" in result.output
    assert outputs(root) == old
    assert not [p for p in (root / "build").rglob(f"*.{os.getpid()}.tmp")]


def test_two_builds_at_once(versions):
    root, old, new = versions
    restore(root, old)
    for leftover in (root / "build").rglob("*.tmp"):  # from the builds killed above
        leftover.unlink()
    procs = [spawn("-c", "from positionkit.cli import main; main()", "-C", str(root), "build",
                   "--format", "pdf", "--format", "docx") for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [r[1].decode() for r in results]
    assert outputs(root) == new
    assert not list((root / "build").rglob("*.tmp"))
    assert_readable(new)
    assert not [p for p in (root / "build").rglob("*.tmp")]


def test_outputs_are_stable(versions):
    """The interruption tests compare bytes, so a rebuild from nothing must reproduce them exactly."""
    import shutil

    root, _, new = versions
    shutil.rmtree(root / "build")
    build_once(root)
    assert outputs(root) == new
