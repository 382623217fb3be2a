"""Which files the preview watches, with watchfiles (inotify / FSEvents / ReadDirectoryChangesW,
debounced in Rust) rather than a polling loop of our own.

Every input lives under the project folder (sections, translations, blocks, paper.yaml,
paper.<lang>.yaml, positionkit.toml, references.bib, styles/, audiences.yaml, vendored and
synced libraries under vendor/ and .positionkit/), so the folder is watched whole, minus the
build output and version-control folders. A local library outside the project is watched too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Awaitable, Callable

import watchfiles

from positionkit.load.config import load_config
from positionkit.load.libraries import source_folder
from positionkit.load.sources import inside

DEBOUNCE_MS = 60
STOP_CHECK_MS = 300
"""How often the watcher looks whether the server is stopping."""
"""Changes arriving within this window count as one save (editors write, rename, chmod)."""


class InputFilter(watchfiles.DefaultFilter):
    """watchfiles' default filter (.git, __pycache__, editor swap files...) minus the output folder."""

    def __init__(self, output: Path):
        super().__init__()
        self.output = output.resolve()

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        if not super().__call__(change, path):
            return False
        return not Path(path).resolve().is_relative_to(self.output)


def watched(root: Path) -> tuple[list[Path], InputFilter]:
    config, _ = load_config(root)
    paths = [root]
    for lib in config.libraries:
        try:
            folder, _origin = source_folder(root, lib)
        except Exception:  # a broken library declaration is the load stage's diagnostic
            continue
        if folder.is_dir() and not inside(root, folder):
            paths.append(folder)
    return paths, InputFilter(root / config.output_dir)


async def watch(root: Path, on_change: Callable[[set], Awaitable[None] | None], stop) -> None:
    """Call ``on_change(changes)`` after each save until ``stop`` (an anyio/asyncio Event) is set."""
    paths, only_inputs = watched(root)
    async for changes in watchfiles.awatch(*paths, watch_filter=only_inputs, debounce=DEBOUNCE_MS, step=20,
                                           stop_event=stop, recursive=True, rust_timeout=STOP_CHECK_MS):
        result = on_change(changes)
        if result is not None:
            await result
