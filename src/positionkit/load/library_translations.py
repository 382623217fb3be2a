"""The project's own translations of library blocks: translations/<alias>/<topic>/<name>.<lang>.md.

A project never edits a library's files (they are pinned by content hash), so when it needs a
block in a language the library lacks, or cannot wait for the library's translators, it keeps
the translation in its own tree. It replaces the library's translation into that language, is
stamped against the library block's text like any translation, and goes stale when an update
changes that text.
"""
from __future__ import annotations

from pathlib import Path

from positionkit.diagnostics import Diagnostic, did_you_mean, warning
from positionkit.load.sources import load_source, split_lang

FOLDER = "translations"


def override_path(block_id: str, lang: str) -> str | None:
    """'core:data-flows/x', 'fr' -> 'translations/core/data-flows/x.fr.md' (None for a project block)."""
    if ":" not in block_id:
        return None
    alias, local = block_id.split(":", 1)
    return f"{FOLDER}/{alias}/{local}.{lang}.md"


def library_block(blocks: dict, name: str):
    """The library block a command names by id ('core:x/y') or by its file (cache or vendor path)."""
    block = blocks.get(name)
    if block is not None and block.library:
        return block
    return next((b for b in blocks.values() if b.library and b.source.path == name), None)


def load(root: Path, blocks: dict) -> tuple[dict, list[Diagnostic]]:
    """-> ({library block source path: {lang: Source}}, diagnostics) for translations/**.md."""
    folder = root / FOLDER
    if not folder.is_dir():
        return {}, []
    library_ids = [bid for bid, b in blocks.items() if b.library]
    found: dict = {}
    diags: list[Diagnostic] = []
    for path in sorted(folder.rglob("*.md")):
        rel = path.relative_to(root).as_posix()
        base, lang = split_lang(rel)
        parts = base[len(FOLDER) + 1:-len(".md")].split("/", 1)
        block_id = f"{parts[0]}:{parts[1]}" if len(parts) == 2 else None
        if lang is None or block_id is None:
            diags.append(warning("PK731", f"{rel} is not named like a library block's translation", rel,
                                 hint=f"{FOLDER}/<alias>/<topic>/<name>.<lang>.md, e.g. "
                                 f"{FOLDER}/core/data-flows/cross-border.fr.md"))
            continue
        block = blocks.get(block_id)
        if block is None or not block.library:
            diags.append(warning("PK731", f"{rel} translates '{block_id}', but no library has that block; "
                                 "it is not used", rel, hint=did_you_mean(block_id, library_ids)
                                 or "positionkit blocks list shows the library blocks"))
            continue
        src, more = load_source(root, rel)
        diags += more
        if src is not None:
            found.setdefault(block.source.path, {})[lang] = src
    return found, diags
