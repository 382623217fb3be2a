"""docs/libraries-walkthrough.md works as written: every shell step runs in order in an empty
folder, and every output shown after a `$ positionkit ...` line is what positionkit prints (commit
ids aside). positionkit runs in-process (fast); everything else through bash."""
from __future__ import annotations

import re
import shlex
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from positionkit.cli.main import main
from positionkit.libraries import git as libgit
from tests.conftest import shell_steps

DOC = Path(__file__).parents[1] / "docs" / "libraries-walkthrough.md"
_HASH = re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b")


def blocks() -> list[tuple[str, str]]:
    """('sh', step) for each shell step (a heredoc kept whole), ('text', '$ cmd\\noutput') in order."""
    out = []
    for kind, body in re.findall(r"```(sh|text)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        if kind == "text":
            if body.startswith("$ "):
                out.append(("text", body))
            continue
        out += [("sh", step) for step in shell_steps(body.splitlines())]
    return out


def positionkit(cwd: Path, monkeypatch, command: str):
    monkeypatch.chdir(cwd)
    res = CliRunner().invoke(main, shlex.split(command)[1:], catch_exceptions=False)
    assert res.exit_code == 0, f"{command}\n{res.output}"
    return res


@pytest.mark.skipif(not libgit.available(), reason="git is not installed")
def test_libraries_walkthrough_works_as_written(tmp_path, monkeypatch):
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(var, "t")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(var, "t@example.org")
    cwd, said, shown = tmp_path, {}, 0
    for kind, step in blocks():
        if kind == "text":
            command, expected = step.split("\n", 1)
            lock_before = (cwd / "positionkit.lock").read_bytes()
            res = positionkit(cwd, monkeypatch, command[2:])
            assert _HASH.sub("#", res.stdout) == _HASH.sub("#", expected), command
            if "--dry-run" in command:
                assert (cwd / "positionkit.lock").read_bytes() == lock_before
            shown += 1
        elif step.startswith("cd "):
            cwd = (cwd / step[3:]).resolve()
        elif step.startswith("positionkit "):
            said[step] = positionkit(cwd, monkeypatch, step).output
        else:
            done = subprocess.run(["bash", "-e", "-c", step], cwd=cwd, capture_output=True, text=True)
            assert done.returncode == 0, f"{step}\n{done.stderr}"
    assert shown == 1
    coalition = tmp_path / "coalition"
    assert "stale" in said["positionkit i18n status --lang fr"]
    assert "translations/core/data-flows/cross-border.fr.md" in said["positionkit i18n status --lang fr"]
    assert "translations/dev/capacity/technical-assistance.fr.md" in said["positionkit i18n status --lang fr"]
    with zipfile.ZipFile(coalition / "build/example-note/senegal/example-note.fr.docx") as z:
        xml = z.read("word/document.xml").decode()
    assert "Ce que dit le réseau" in xml and "pour autant que les règles commerciales" in xml
    assert "1998 work programme" in xml  # the dev block, in English (untranslated), for a G90 member
    with zipfile.ZipFile(coalition / "build/example-note/chile/example-note.en.docx") as z:
        chile = z.read("word/document.xml").decode()
    assert "able to enforce the law" in chile and "1998 work programme" not in chile
    tracked = subprocess.run(["git", "ls-files"], cwd=coalition, capture_output=True, text=True).stdout
    assert "translations/core/data-flows/cross-border.fr.md" in tracked.splitlines()
