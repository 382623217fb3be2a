"""Earlier versions of a source paragraph, found in git by their stamp hash.

A stale unit should show the translator what the source said when it was translated (gettext's
``#| msgid``, an XLIFF note). The stamp keeps only hashes, so the text is looked up in the file's
committed versions; outside git, or for a version never committed, it is simply not shown.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from positionkit.load.alignment import Chunk, chunks
from positionkit.load.sources import split_front_matter

MAX_COMMITS = 50


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def previous_chunks(root: Path, rel: str, wanted: set[str]) -> dict[str, Chunk]:
    """hash -> the paragraph with that hash in the newest committed version of rel that has it."""
    found: dict[str, Chunk] = {}
    if not wanted:
        return found
    log = _git(root, "log", f"-n{MAX_COMMITS}", "--format=%H", "--", rel)
    for commit in (log or "").split():
        text = _git(root, "show", f"{commit}:./{rel}")
        if text is None:
            continue
        old, _ = split_front_matter(text.replace("\r\n", "\n") + "\n", rel)
        for chunk in chunks(old.body):
            if chunk.hash in wanted and chunk.hash not in found:
                found[chunk.hash] = chunk
        if wanted <= found.keys():
            break
    return found
