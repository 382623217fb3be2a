"""Versions of the tools that shape the output (recorded in manifests, part of cache keys)."""
from __future__ import annotations

import hashlib
import os
import sys
from functools import lru_cache
from pathlib import Path

from positionkit.system.diskcache import cached_json, file_stamp
from positionkit.render.pandoc import pandoc_path, run_pandoc


@lru_cache(maxsize=1)
def tool_versions() -> dict:
    """Kept in the per-user disk cache, keyed by the pandoc binary and the folders packages are
    installed in: asking costs a pandoc run and a scan of every installed distribution."""
    key = [file_stamp(pandoc_path()), [file_stamp(p) for p in sys.path if p and os.path.isdir(p)]]
    return cached_json("tool-versions", key, _ask_versions)


def _ask_versions() -> dict:
    from importlib import metadata  # lazy: scanning installed distributions is slow to set up

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


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of positionkit's own files (code, Typst template, packaged labels and CSL styles). Outputs depend on
    them as much as on the inputs: a changed renderer must not be served from the cache, even
    between two releases with the same version number (an editable install, a patched copy)."""
    root = Path(__file__).resolve().parent.parent  # the package, not this folder
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".typ", ".yaml", ".csl")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
