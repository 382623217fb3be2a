"""Apply: write the placed changes into the sources, atomically, one file at a time.

Edits are applied from the end of each file backwards so that earlier offsets stay valid; an edit
that overlaps another is left out and reported. Files of a shared library are never written: the
changes to them become one unified diff per library, saved under ``review-patches/`` for the
library's owners.
"""
from __future__ import annotations

import difflib
from dataclasses import replace

from positionkit.pipeline.write import replace_file
from positionkit.review.items import Edit, Item
from positionkit.review.sources import SourceIndex

PATCH_DIR = "review-patches"


def _apply(text: str, edits: list[Edit]) -> tuple[str, set[Edit]]:
    """-> (new text, edits left out because they overlap another)."""
    skipped: set[Edit] = set()
    last_start = len(text) + 2
    order = sorted(range(len(edits)), key=lambda k: (edits[k].start, edits[k].end, edits[k].note, k), reverse=True)
    for e in (edits[k] for k in order):  # later notes at the same place first: they end up in order
        if e.end > last_start or (e.end == last_start and e.start < e.end):
            skipped.add(e)
            continue
        text = text[:e.start] + e.text + text[e.end:]
        last_start = e.start
    return text, skipped


def plan_files(items: list[Item], index: SourceIndex) -> tuple[dict, dict, set]:
    """-> ({path: new text} for project files, {alias: [(path, old, new)]} for library files,
    overlapping edits)."""
    by_path: dict[str, list[Edit]] = {}
    for item in items:
        if item.status == "pending":
            for e in item.edits:
                by_path.setdefault(e.path, []).append(e)
    files, libraries, skipped = {}, {}, set()
    for path, edits in sorted(by_path.items()):
        old = index.text(path)
        new, left = _apply(old, edits)
        skipped |= left
        if new == old:
            continue
        alias = index.library_of(path)
        if alias:
            libraries.setdefault(alias, []).append((path, old, new))
        else:
            files[path] = new
    return files, libraries, skipped


def patch_text(index: SourceIndex, alias: str, changes: list) -> str:
    folder = next((s.folder for s in index.project.libraries if s.alias == alias), "")
    out = [f"# positionkit review: changes reviewers made to blocks of library '{alias}'\n"]
    for path, old, new in changes:
        rel = path[len(folder) + 1:] if folder and path.startswith(folder + "/") else path
        out += difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{rel}", f"b/{rel}")
    return "".join(out)


def apply(items: list[Item], index: SourceIndex, build: str, write: bool) -> tuple[list[Item], list[str]]:
    """-> (items with their final status, project files written or to be written)."""
    files, libraries, skipped = plan_files(items, index)
    patches = {f"{PATCH_DIR}/{alias}-{build}.patch": patch_text(index, alias, changes)
               for alias, changes in libraries.items()}
    out = []
    for item in items:
        if item.status != "pending":
            out.append(item)
        elif any(e in skipped for e in item.edits):
            out.append(replace(item, status="unplaced", reason="overlaps another change in the same place"))
        elif any(index.library_of(e.path) for e in item.edits):
            alias = index.library_of(item.edits[0].path)
            out.append(replace(item, status="patch",
                               reason=f"block of library '{alias}': saved to {PATCH_DIR}/{alias}-{build}.patch"))
        else:
            out.append(replace(item, status="applied" if write else "pending"))
    if write:
        root = index.project.root
        for path, text in {**files, **patches}.items():
            dest = root / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            data = as_written(dest, text)
            if not dest.exists() or dest.read_bytes() != data:
                replace_file(dest, data)
    return out, sorted(files) + sorted(patches)


def as_written(dest, text: str) -> bytes:
    """``text`` with the file's own line endings and byte-order mark, so that a diff shows only
    the reviewers' changes (sources are read newline-normalised)."""
    old = dest.read_bytes() if dest.exists() else b""
    if b"\r\n" in old:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    return b"\xef\xbb\xbf" + data if old.startswith(b"\xef\xbb\xbf") else data
