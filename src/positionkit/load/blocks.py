"""Argument blocks: every Markdown file under a blocks/ folder (the project's or a library's)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from positionkit.diagnostics import Diagnostic, did_you_mean, error, warning
from positionkit.load.sources import Source, inside, load_source, split_lang

BLOCK_KEYS = ("id", "title", "summary", "topics", "status", "owner", "license", "reviewed",
              "review_by", "params", "variants", "rev")
from positionkit.statuses import BLOCK_STATUSES  # noqa: E402 (shared with the CLI, which must not load this module)
MAX_FILES = 5000


@dataclass(frozen=True)
class Block:
    id: str
    """'topic/name' for the project's blocks, 'alias:topic/name' for a library's."""
    source: Source
    library: str | None = None
    """Alias of the library it came from; None for the project's own blocks."""

    @property
    def meta(self) -> dict:
        return self.source.meta

    @property
    def status(self) -> str:
        return str(self.meta.get("status", "draft"))

    @property
    def params(self) -> dict:
        p = self.meta.get("params") or {}
        return p if isinstance(p, dict) else {}

    @property
    def variants(self) -> dict:
        v = self.meta.get("variants") or {}
        return v if isinstance(v, dict) else {}


def _block_files(root: Path, folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.md") if p.is_file() or p.is_symlink())


def load_blocks(root: Path, base: Path, alias: str | None) -> tuple[dict, dict, list[Diagnostic]]:
    """Blocks under base/blocks; ids get 'alias:' when they come from a library."""
    blocks, translations, diags = {}, {}, []
    bdir = base / "blocks"
    files = _block_files(root, bdir)
    if len(files) > MAX_FILES:
        return {}, {}, [error("PK104", f"too many files under {bdir.name}/ ({len(files)})", None)]
    by_rel = {p.resolve().relative_to(root.resolve()).as_posix() if inside(root, p) else p.as_posix(): p
              for p in files}
    for rel, path in by_rel.items():
        if not inside(root, path):
            diags.append(error("PK105", f"'{path.relative_to(root).as_posix()}' is a link outside the project",
                               path.relative_to(root).as_posix(),
                               hint="copy the file into the project instead of linking to it"))
            continue
        source_rel, lang = split_lang(rel)
        if lang is not None and source_rel in by_rel:
            src, more = load_source(root, rel)
            diags += more
            if src is not None:
                translations.setdefault(source_rel, {})[lang] = src
            continue
        src, more = load_source(root, rel)
        diags += more
        if src is None:
            continue
        local_id = path.relative_to(bdir).with_suffix("").as_posix()
        block_id = f"{alias}:{local_id}" if alias else local_id
        declared = src.meta.get("id")
        if declared is None:
            diags.append(error("PK302", f"block has no 'id' in its front matter (it should be '{local_id}')",
                               rel, 1, hint=f"add 'id: {local_id}' so a move cannot silently change it"))
        elif str(declared) != local_id:
            diags.append(error("PK302", f"block id '{declared}' does not match its path (expected '{local_id}')",
                               rel, src.meta_lines.get("id", 1),
                               hint="a moved block must keep its id: move it back, or update every include"))
        for key in src.meta:
            if key not in BLOCK_KEYS:
                diags.append(warning("PK303", f"unknown key '{key}' in block front matter", rel,
                                     src.meta_lines.get(key), hint=did_you_mean(str(key), BLOCK_KEYS)))
        status = src.meta.get("status", "draft")
        if status not in BLOCK_STATUSES:
            diags.append(error("PK303", f"block status '{status}' is not one of draft, approved, retired",
                               rel, src.meta_lines.get("status"), hint=did_you_mean(str(status), BLOCK_STATUSES)))
        blocks[block_id] = Block(block_id, src, alias)
    return blocks, translations, diags
