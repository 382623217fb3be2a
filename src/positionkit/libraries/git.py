"""The git command line, as libraries use it: one private clone per library in the cache.

Every call names the cache's own --git-dir and --work-tree, so a command can never fall through
to the project's repository (the cache lives inside it). No shell; git's own environment
overrides (GIT_DIR, ...) are dropped; credential prompts are off so CI fails instead of hanging.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

TIMEOUT = 600
"""Seconds for one git command: a big first fetch over a slow line, but never forever."""
_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
         "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES")
_SHA = re.compile(r"[0-9a-f]{7,40}")


class GitError(Exception):
    """A git command failed; str() is git's own last line of explanation."""


def available() -> bool:
    return shutil.which("git") is not None


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS=env.get("GIT_ASKPASS", ""), LC_ALL="C")
    return env


def run(repo: Path | None, *args: str) -> str:
    cmd = ["git"]
    if repo is not None:
        cmd += ["--git-dir", str(repo / ".git"), "--work-tree", str(repo)]
    try:
        done = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=TIMEOUT,
                              env=_env(), stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {TIMEOUT} s") from None
    if done.returncode != 0:
        lines = [ln.strip() for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        useful = [ln for ln in lines if ln.startswith(("fatal:", "error:"))] or lines or ["failed"]
        raise GitError(useful[-1].removeprefix("fatal: ").removeprefix("error: "))
    return done.stdout.strip()


def absolute_url(url: str, root: Path) -> str:
    """A relative folder as git URL ('../shared/core.git') means relative to the project, not to
    wherever positionkit was started."""
    if "://" in url or Path(url).is_absolute() or re.match(r"^[^/\\]+:", url):
        return url
    return str((root / url).resolve())


def ensure_clone(repo: Path, url: str) -> None:
    """An empty repository at repo with 'origin' pointing at url (set again if the URL changed)."""
    if not (repo / ".git").is_dir():
        repo.mkdir(parents=True, exist_ok=True)
        run(None, "init", "--quiet", str(repo))
        run(repo, "config", "core.autocrlf", "false")
        run(repo, "remote", "add", "origin", url)
    elif run(repo, "config", "--get", "remote.origin.url") != url:
        run(repo, "remote", "set-url", "origin", url)


def fetch(repo: Path, ref: str | None) -> None:
    specs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
    if ref is None:
        specs.append("+HEAD:refs/positionkit/default")
    run(repo, "fetch", "--quiet", "--prune", "--no-recurse-submodules", "origin", *specs)


def verify(repo: Path, rev: str) -> str | None:
    try:
        return run(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}") or None
    except GitError:
        return None


def resolve(repo: Path, ref: str | None) -> tuple[str | None, bool]:
    """(commit the ref names now, whether the ref moves: branch or tag rather than a commit id)."""
    if ref is None:
        return verify(repo, "refs/positionkit/default"), True
    for full in (f"refs/remotes/origin/{ref}", f"refs/tags/{ref}"):
        commit = verify(repo, full)
        if commit:
            return commit, True
    if _SHA.fullmatch(ref):
        return verify(repo, ref), False
    return None, False


def has_commit(repo: Path, commit: str) -> bool:
    return verify(repo, commit) == commit


def is_ancestor(repo: Path, old: str, new: str) -> bool:
    try:
        run(repo, "merge-base", "--is-ancestor", old, new)
        return True
    except GitError:
        return False


def checkout(repo: Path, commit: str) -> None:
    """The work tree exactly at commit: local edits and stray files are discarded."""
    run(repo, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", "--detach", commit)
    run(repo, "clean", "--quiet", "-ffdx")


def head(repo: Path) -> str | None:
    return verify(repo, "HEAD") if (repo / ".git").is_dir() else None


def origin(folder: Path) -> tuple[str, str] | None:
    """(remote 'origin' URL, HEAD commit) of a source folder, when it is a git checkout with one."""
    if not (folder / ".git").exists() or not available():
        return None
    try:
        return run(folder, "config", "--get", "remote.origin.url"), run(folder, "rev-parse", "HEAD")
    except GitError:
        return None


def subjects(repo: Path, old: str, new: str, limit: int = 200) -> list[str]:
    """'abc1234 Subject' of each commit in new that old does not have, oldest first."""
    try:
        out = run(repo, "log", "--reverse", f"--max-count={limit}", "--format=%h %s", new, "--not", old, "--")
    except GitError:
        return []
    return [line for line in out.splitlines() if line.strip()]
