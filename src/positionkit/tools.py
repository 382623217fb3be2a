"""Versions of the tools that shape the output (recorded in manifests, part of cache keys)."""
from __future__ import annotations

from functools import lru_cache
from importlib import metadata


@lru_cache(maxsize=1)
def tool_versions() -> dict:
    from .render.pandoc import run_pandoc

    try:
        pandoc = run_pandoc(["--version"], b"").decode().split("\n", 1)[0].split()[-1]
    except Exception:  # recorded, not needed: a missing pandoc fails loudly elsewhere
        pandoc = "unknown"
    versions = {"pandoc": pandoc}
    for dist in ("typst", "python-docx", "pypandoc-binary", "bibtexparser"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "absent"
    return versions
