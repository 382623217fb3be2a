"""Where a run's time goes: with POSITIONKIT_TRACE=FILE set, positionkit appends one line per
stage event to FILE when it exits; unset (as for every user), each call is one comparison.

A line is ``<unix time, s> <CPU time of this process so far, s> <event>``; the CPU
time counts every thread of positionkit's own process (typst's compiles included), no pandoc
run. The events, in a build's order: ``cli`` (the command starts, its modules imported),
``build``, ``load-start``, ``loaded``, ``resolved``, ``digests`` (input digests, before
citeproc starts ahead), ``checked``, ``<what>-start`` / ``<what>-end`` for each pandoc run
(``citeproc``, ``pandoc-docx``, ``pandoc-typst`` ...) and typst compile (``compile``),
``docx-done`` / ``pdf-done`` (an output's bytes are ready), ``written`` (files in place) and
``end``. A pandoc run or compile ends when positionkit noticed it.

bench/cold.py sets it to show, beside the hand-made route (bench/handmade.py writes the same
events), when the first citeproc started, how long it ran, what came after, and the CPU time.
"""
from __future__ import annotations

import atexit
import os
import time

_PATH = os.environ.get("POSITIONKIT_TRACE") or None
_LINES: list[str] = []


def event(name: str) -> None:
    """Note that ``name`` happens now (kept in memory, written at exit; list.append is
    thread-safe)."""
    if _PATH is not None:
        _LINES.append(f"{time.time():.6f} {time.process_time():.6f} {name}")


def _write() -> None:
    if _LINES:
        with open(_PATH, "a", encoding="utf-8") as out:
            out.write("\n".join(_LINES) + "\n")


if _PATH is not None:
    atexit.register(_write)


def pandoc_kind(args: list[str]) -> str:
    """``citeproc`` for a run with --citeproc, else ``pandoc-<output format>``."""
    if "--citeproc" in args:
        return "citeproc"
    for flag in ("-t", "--to"):
        if flag in args[:-1]:
            return "pandoc-" + args[args.index(flag) + 1].split("-")[0].split("+")[0]
    return "pandoc"
