"""The little positionkit asks of git about the project itself (for provenance lines)."""
from __future__ import annotations

import subprocess
from pathlib import Path


INPUTS = ("positionkit.toml", "references.bib", "audiences.yaml", "papers", "blocks", "styles")
"""What a build reads from the project (libraries are pinned by positionkit.lock)."""


def head_commit(root: Path) -> str | None:
    """Short commit of HEAD, '+' when tracked files differ from it; None outside git."""
    return HeadCommit(root).value()


class HeadCommit:
    """:func:`head_commit`, asked of git when made and read with :meth:`value`: the three git
    runs go side by side, and a build reads the answer only when it needs it (replaying a
    recorded build, writing manifest.json), so it does not wait for git before it starts."""

    def __init__(self, root: Path) -> None:
        git = ["git", "-C", str(root)]
        self._answer: str | None = None
        self._runs: list[subprocess.Popen] | None = None
        try:
            self._runs = [
                subprocess.Popen([*git, "rev-parse", "--short=7", "HEAD"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL),
                subprocess.Popen([*git, "diff", "--quiet", "HEAD", "--"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL),
                # a new (untracked) translation or section is an input the commit does not hold either
                subprocess.Popen([*git, "ls-files", "--others", "--exclude-standard", "--", *INPUTS],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL),
            ]
        except OSError:  # no git
            self._stop()

    def __enter__(self) -> "HeadCommit":
        return self

    def __exit__(self, *exc) -> None:
        self.value()  # however the build ended, git's processes are waited for

    def value(self) -> str | None:
        if self._runs is None:
            return self._answer
        rev, diff, others = self._runs
        try:
            head = rev.communicate(timeout=10)[0]
            dirty = diff.wait(timeout=10) != 0 or bool(others.communicate(timeout=10)[0].strip())
            if rev.returncode == 0:
                self._answer = head.decode("utf-8", "replace").strip() + ("+" if dirty else "")
        except subprocess.TimeoutExpired:
            pass
        self._stop()
        return self._answer

    def _stop(self) -> None:
        for run in self._runs or ():
            if run.poll() is None:
                run.kill()
            run.wait()
            for stream in (run.stdout, run.stderr):
                if stream is not None:
                    stream.close()
        self._runs = None
