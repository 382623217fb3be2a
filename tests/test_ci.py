"""`init-ci github|gitlab`: the files parse as YAML, pin positionkit, and their commands, run here
shard by shard as the CI machines would, gather into exactly what one whole build makes."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import positionkit
from positionkit.cli.main import main
from positionkit.libraries.ci import PLACEHOLDER, pin_from_direct_url
from positionkit.version import __version__
from tests.conftest import MINIMAL, THREE_AUDIENCES

AUDIENCES = THREE_AUDIENCES
PIN = f"positionkit @ git+https://example.org/tools/positionkit.git@v{__version__}"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def shim(tmp_path) -> dict:
    """An environment whose `positionkit` is this source tree (CI's pip install, done here)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "positionkit"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'from positionkit.cli import main; main()' \"$@\"\n")
    exe.chmod(0o755)
    src = str(Path(positionkit.__file__).parents[1])
    return {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "PYTHONPATH": src}


def sh(line: str, cwd: Path, env: dict, before: str = "") -> None:
    """One line of a CI script, after the shell lines `before` (variable assignments). A
    `positionkit ...` line: bash expands its words, positionkit runs in-process (fast)."""
    if not line.startswith("positionkit "):
        done = subprocess.run(["bash", "-e", "-c", f"{before}\n{line}"], cwd=cwd, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        return
    words = subprocess.run(["bash", "-e", "-c", f"{before}\nset -- {line}\nprintf '%s\\0' \"$@\""],
                           env=env, capture_output=True, text=True, check=True).stdout.split("\0")[:-1]
    here = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(main, words[1:], catch_exceptions=False)
    finally:
        os.chdir(here)
    assert res.exit_code == 0, f"{line} -> {words}\n{res.output}"


def runnable(line: str) -> bool:
    """Every command but the installation itself (pip cannot reach the pinned URL from here)."""
    return not line.startswith(("pip install", "apt-get", "sudo "))


def outputs(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and ".cache" not in p.parts and p.name != ".positionkit.lock"}


@pytest.fixture
def project(make_project):
    """Three audiences; DOCX only, to keep the many builds below fast."""
    toml = MINIMAL["positionkit.toml"].replace("[project]\n", '[project]\nformats = ["docx"]\n')
    return make_project({"audiences.yaml": AUDIENCES, "positionkit.toml": toml})


_WHOLE: dict = {}


def whole_build(project: Path, tmp_path: Path, env: dict) -> dict:
    """What one machine building everything makes (the same project in every test: built once)."""
    if not _WHOLE:
        copy = shutil.copytree(project, tmp_path / "whole", copy_function=shutil.copy2)
        sh("positionkit build", copy, env)
        sh("positionkit build --audience all", copy, env)
        _WHOLE.update(outputs(copy / "build"))
    return _WHOLE


def test_github_workflow_runs_what_ships_in_shards_and_gathers_them(project, tmp_path, shim):
    res = run("init-ci", "-C", str(project), "github", "--shards", "2", "--install", PIN)
    assert res.exit_code == 0, res.output
    flow = yaml.safe_load((project / ".github/workflows/positionkit.yml").read_text())
    assert flow["env"] == {"POSITIONKIT_INSTALL": PIN, "POSITIONKIT_VERSION": __version__}
    check, build, gather = flow["jobs"]["check"], flow["jobs"]["build"], flow["jobs"]["gather"]
    assert build["needs"] == "check" and gather["needs"] == "build"
    assert build["strategy"]["matrix"]["shard"] == [1, 2]
    upload = build["steps"][-1]["with"]
    assert upload["name"] == "handouts-${{ matrix.shard }}" and upload["path"].split()[0] == "build/"
    assert gather["steps"][0]["with"] == {"pattern": "handouts-*", "merge-multiple": True, "path": "build/"}
    check_runs = [s["run"] for s in check["steps"] if "run" in s]
    assert check_runs[0] == 'pip install "$POSITIONKIT_INSTALL"'
    env = {**shim, **flow["env"]}
    for line in filter(runnable, check_runs):
        sh(line, project, env)
    build_runs = [s["run"] for s in build["steps"] if "run" in s]
    assert 'positionkit build --audience all $FINAL --shard "$SHARD"' in build_runs
    gathered = tmp_path / "gathered"
    for shard in build["strategy"]["matrix"]["shard"]:
        machine = shutil.copytree(project, tmp_path / f"machine{shard}", copy_function=shutil.copy2)
        job_env = {**env, "FINAL": "", "SHARD": f"{shard}/2"}
        for line in filter(runnable, build_runs):
            sh(line, machine, job_env)
        shutil.copytree(machine / "build", gathered, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".cache", ".positionkit.lock"))
    whole = whole_build(project, tmp_path, shim)
    assert "note/kenya/note.en.docx" in whole and "note/note.en.docx" in whole
    assert outputs(gathered) == whole


def test_gitlab_pipeline_parses_pins_and_its_scripts_run(project, tmp_path, shim):
    res = run("init-ci", "-C", str(project), "gitlab", "--shards", "2", "--install", PIN)
    assert res.exit_code == 0, res.output
    ci = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    assert ci["stages"] == ["check", "build", "gather"]
    assert ci["variables"]["POSITIONKIT_INSTALL"] == PIN
    assert ci["build"]["parallel"] == 2 and ci["gather"]["needs"] == ["build"]
    assert ci["build"]["artifacts"]["paths"] == ["build/"]
    env = {**shim, **ci["variables"]}
    before = [ln for ln in ci["default"]["before_script"] if runnable(ln)]
    assert before == ['test "$(positionkit --version)" = "positionkit, version $POSITIONKIT_VERSION"',
                      "positionkit sync"]
    for line in before + ci["check"]["script"]:
        sh(line, project, env)
    node = {**env, "CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "2"}
    script = before + [ln for ln in ci["build"]["script"] if runnable(ln)]
    assignments = "\n".join(ln for ln in script if not ln.startswith(("positionkit", "test ")))
    for line in script:
        if line.startswith(("positionkit", "test ")):
            sh(line, project, node, assignments)
    whole = whole_build(project, tmp_path, shim)
    # part 2 of 2: the plain note went to part 1; of chile, fiji, kenya (name order) part 2 gets fiji
    assert outputs(project / "build") == {p: data for p, data in whole.items() if p.startswith("note/fiji/")}


def test_init_ci_refuses_to_overwrite_and_warns_about_an_unknown_pin(make_project, monkeypatch):
    from positionkit.libraries import ci

    root = make_project()
    monkeypatch.setattr(ci, "installed_pin", lambda _origin: pin_from_direct_url({"url": "file:///tmp/x"}))
    res = run("init-ci", "-C", str(root), "gitlab")
    assert res.exit_code == 0
    assert "warning[PK730] cannot tell where CI should install positionkit" in res.output
    ci_file = yaml.safe_load((root / ".gitlab-ci.yml").read_text())
    assert ci_file["variables"]["POSITIONKIT_INSTALL"] == PLACEHOLDER
    assert "parallel" not in ci_file["build"]
    assert [ln for ln in ci_file["build"]["script"] if ln.startswith("positionkit")] == \
        ['positionkit build $FINAL --shard "$SHARD"']  # no audiences file: no batch
    again = run("init-ci", "-C", str(root), "gitlab")
    assert again.exit_code == 1
    assert ".gitlab-ci.yml: error[PK712] .gitlab-ci.yml already exists; not overwriting it" in again.output


def test_pin_follows_how_positionkit_was_installed():
    from_git = {"url": "https://example.org/t/positionkit.git",
                "vcs_info": {"vcs": "git", "commit_id": "a" * 40, "requested_revision": "v0.1.0"}}
    assert pin_from_direct_url(from_git).requirement == f"positionkit @ git+https://example.org/t/positionkit.git@{'a' * 40}"
    assert pin_from_direct_url(None).requirement == f"positionkit=={__version__}"
    editable = {"url": "file:///src/positionkit", "dir_info": {"editable": True}}
    origin = {Path("/src/positionkit"): ("https://example.org/t/positionkit.git", "b" * 40)}
    assert pin_from_direct_url(editable, origin.get).requirement == \
        f"positionkit @ git+https://example.org/t/positionkit.git@{'b' * 40}"
    local_remote = {Path("/src/positionkit"): ("/srv/git/positionkit.git", "b" * 40)}
    assert not pin_from_direct_url(editable, local_remote.get).known
    assert not pin_from_direct_url(editable, lambda _p: None).known
