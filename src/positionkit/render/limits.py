"""How long one pandoc run or one typst compile may take before it is stopped.

A briefing handout takes pandoc and typst well under a second each; a run that takes minutes
has met input it handles badly (see checks/pathological.py). The limit is set per project
(`time_limit` under [project], seconds) and applies to every run.
"""
from __future__ import annotations

import threading

from positionkit.render.errors import TimeLimitError

DEFAULT_SECONDS = 120

_limit = {"seconds": DEFAULT_SECONDS}


def configure(seconds: int | float | None) -> None:
    _limit["seconds"] = seconds if seconds and seconds > 0 else DEFAULT_SECONDS


def seconds() -> float:
    return _limit["seconds"]


def within(fn):
    """fn() (a typst compile) on a daemon thread, waited for at most the time limit. An in-process compile cannot
    be killed: past the limit it is abandoned (it ends with the process) and the build goes on."""
    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the waiting thread, which raises it
            box["error"] = exc

    worker = threading.Thread(target=run, name="positionkit-typst", daemon=True)
    worker.start()
    worker.join(seconds())
    if worker.is_alive():
        raise TimeLimitError(f"typst did not finish within {seconds():g} s; the compile was abandoned",
                             "raise time_limit under [project] in positionkit.toml if the document is "
                             "really that large")
    if "error" in box:
        raise box["error"]
    return box["value"]
