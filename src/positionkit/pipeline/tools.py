"""Versions of the tools that shape the output (recorded in manifests, part of cache keys)."""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from positionkit.system.diskcache import cached_json, file_stamp, installed_packages_stamp
from positionkit.render.pandoc import pandoc_path, run_pandoc


@lru_cache(maxsize=1)
def tool_versions() -> dict:
    """Kept in the per-user disk cache, keyed by the pandoc binary and the folders packages are
    installed in: asking costs a pandoc run and a scan of every installed distribution."""
    key = [file_stamp(pandoc_path()), installed_packages_stamp()]
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
    # reading and hashing the 1 MB of files costs every build 12 ms: the digest is kept in the
    # per-user disk cache under each file's name, size and mtime
    stamps = sorted(_stamps(str(root), ""))
    return cached_json("code-fingerprint", [str(root), stamps], lambda: _digest(root, [rel for rel, _, _ in stamps]))


def _stamps(folder: str, rel: str) -> list[list]:
    """[relative POSIX path, size, mtime] of the files that make the output, below folder
    (plain strings and scandir: Path objects made this walk cost 10 ms)."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                if entry.name != "__pycache__" and not entry.is_symlink():  # as os.walk
                    found += _stamps(entry.path, f"{rel}{entry.name}/")
            elif entry.name.endswith((".py", ".typ", ".yaml", ".csl")):
                st = entry.stat()
                found.append([rel + entry.name, st.st_size, st.st_mtime_ns])
    return found


def _digest(root: Path, rels: list[str]) -> str:
    digest = hashlib.sha256()
    for rel in rels:
        digest.update(rel.encode() + b"\0" + (root / rel).read_bytes() + b"\0")
    return digest.hexdigest()[:16]
