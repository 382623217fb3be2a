"""One library's content at one commit, read from a folder (cache, vendor copy or path): blocks,
their own translations, and bibliography entries. What `update` compares before and after."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from positionkit.load.bib import parse_bib
from positionkit.load.libraries import BIB_NAME, content_hash
from positionkit.load.project import load_blocks


@dataclass(frozen=True)
class Snapshot:
    blocks: dict = field(default_factory=dict)
    """block id -> (Block, {lang: the library's own translation Source})."""
    bib: dict = field(default_factory=dict)
    """citation key -> bib Entry."""


def read(folder: Path, alias: str, content: str | None = None) -> Snapshot | None:
    """The library in folder; None when it is missing or does not hash to content (when given)."""
    if not folder.is_dir() or (content is not None and content_hash(folder) != content):
        return None
    blocks, translations, _ = load_blocks(folder, folder, alias)
    bib = {}
    path = folder / BIB_NAME
    if path.is_file() and not path.is_symlink():
        try:
            bib, _ = parse_bib(path.read_text(encoding="utf-8", errors="replace"), f"{alias}:{BIB_NAME}")
        except OSError:
            bib = {}
    return Snapshot({bid: (b, translations.get(b.source.path, {})) for bid, b in blocks.items()}, bib)
