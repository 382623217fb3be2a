"""How long one pandoc run or one typst compile may take before it is stopped.

A briefing handout takes pandoc and typst well under a second each; a run that takes minutes
has met input it handles badly (see checks/pathological.py). The limit is set per project
(`time_limit` under [project], seconds) and applies to every run.
"""
from __future__ import annotations

DEFAULT_SECONDS = 120

_limit = {"seconds": DEFAULT_SECONDS}


def configure(seconds: int | float | None) -> None:
    _limit["seconds"] = seconds if seconds and seconds > 0 else DEFAULT_SECONDS


def seconds() -> float:
    return _limit["seconds"]
