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
        self._runs: list[subprocess.Popen] | None = []
        # every run writes to a pipe, even `diff --quiet`: communicate() notices the end at
        # once, where Popen.wait(timeout) would poll with sleeps of up to 50 ms
        for args in (["rev-parse", "--short=7", "HEAD"], ["diff", "--quiet", "HEAD", "--"],
                     # a new (untracked) translation or section is an input the commit does not hold either
                     ["ls-files", "--others", "--exclude-standard", "--", *INPUTS]):
            try:
                self._runs.append(subprocess.Popen([*git, *args], stdout=subprocess.PIPE,
                                                   stderr=subprocess.DEVNULL))
            except OSError:  # no git
                self._stop()
                return

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
            diff.communicate(timeout=10)
            dirty = diff.returncode != 0 or bool(others.communicate(timeout=10)[0].strip())
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
