"""Running the pandoc binary that pypandoc-binary bundles.

Every run is a :class:`PandocRun`: started when made, read with :meth:`PandocRun.result` or
stopped with :meth:`PandocRun.stop`. Its input, output and messages go through files in a
private folder, so a run started ahead of time (citeproc while the checks run) never waits on
a pipe nobody reads, however large the document. :func:`run_pandoc` starts one and reads it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Mapping

from positionkit.render import limits
from positionkit.render.errors import RenderError, TimeLimitError, first_line
from positionkit.system.pandoc import pandoc_path
from positionkit.system import trace
from positionkit.system.scratch import private_dir

__all__ = ["PandocRun", "pandoc_files", "run_pandoc", "pandoc_path"]

# A stable epoch when the caller gives none, so that even ad-hoc runs are reproducible.
_DEFAULT_EPOCH = 0


def run_pandoc(args: list[str], input: bytes, *, epoch: int | None = None,
               cwd: str | None = None) -> bytes:
    """Run pandoc with ``args`` (no shell), feed ``input`` on stdin and return stdout.

    ``SOURCE_DATE_EPOCH`` is always set (from ``epoch``, else inherited, else 0) so that DOCX
    timestamps are reproducible. Raises :class:`RenderError` with pandoc's stderr on failure,
    :class:`TimeLimitError` when pandoc runs past the time limit (it is killed).
    """
    return PandocRun(args, input, epoch=epoch, cwd=cwd).result()


def pandoc_files(kind: str, files: Mapping[str, bytes]) -> tempfile.TemporaryDirectory:
    """A private folder holding ``files`` (name -> bytes) for a pandoc run to read. No room for it
    (a full or read-only temp folder) is a RenderError: a diagnostic, not a traceback."""
    try:
        folder = private_dir(kind)
    except OSError as exc:
        raise RenderError(f"could not run pandoc: {exc}") from exc
    try:
        for name, data in files.items():
            (Path(folder.name) / name).write_bytes(data)
    except OSError as exc:
        folder.cleanup()
        raise RenderError(f"could not run pandoc: {exc}") from exc
    return folder


class PandocRun:
    """One pandoc run (see :func:`run_pandoc`), going on from the moment it is made."""

    def __init__(self, args: list[str], input: bytes, *, epoch: int | None = None,
                 cwd: str | None = None) -> None:
        self.args = list(args)
        self._kind = trace.pandoc_kind(self.args)
        trace.event(self._kind + "-start")
        env = dict(os.environ)
        if epoch is not None:
            env["SOURCE_DATE_EPOCH"] = str(int(epoch))
        else:
            env.setdefault("SOURCE_DATE_EPOCH", str(_DEFAULT_EPOCH))
        self._folder = pandoc_files("pandoc", {"in": input})
        folder = Path(self._folder.name)
        self._out = folder / "out"
        self._deadline = time.monotonic() + limits.seconds()
        try:
            with open(folder / "in", "rb") as stdin, open(self._out, "wb") as stdout, \
                    open(folder / "err", "wb") as stderr:
                self._proc: subprocess.Popen | None = subprocess.Popen(
                    [pandoc_path(), *args], stdin=stdin, stdout=stdout, stderr=stderr, env=env, cwd=cwd)
        except OSError as exc:
            self._folder.cleanup()
            raise RenderError(f"could not run pandoc: {exc}") from exc

    def result(self) -> bytes:
        """What pandoc wrote on stdout, once it has finished (waiting at most the time limit)."""
        proc = self._proc
        if proc is None:
            raise RenderError("this pandoc run was stopped")
        # Popen.wait(timeout=...) polls with sleeps of up to 50 ms, and each run would end that
        # much late; a blocking wait returns the moment pandoc exits, and a timer kills it at
        # the limit
        stopped: list[bool] = []
        late = threading.Timer(max(0.0, self._deadline - time.monotonic()),
                               lambda: (stopped.append(True), proc.kill()))
        late.start()
        try:
            proc.wait()
        finally:
            late.cancel()
        trace.event(self._kind + "-end")
        if stopped:
            self.stop()
            raise TimeLimitError(f"pandoc did not finish within {limits.seconds():g} s and was stopped",
                                 "raise time_limit under [project] in positionkit.toml if the document is "
                                 "really that large")
        try:
            if proc.returncode != 0:
                stderr = (Path(self._folder.name) / "err").read_bytes().decode("utf-8", "replace").strip()
                raise RenderError(f"pandoc failed (exit {proc.returncode}): {first_line(stderr)}", stderr)
            return self._out.read_bytes()
        finally:
            self._proc = None
            self._folder.cleanup()

    def stop(self) -> None:
        """Kill pandoc if it still runs and remove its files (a run nobody will read)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self._folder.cleanup()
