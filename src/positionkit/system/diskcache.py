"""A small per-user cache on disk for work that depends only on installed files (fonts) and file
texts: the character map of a font file, the files of a font family, font subsets for DOCX
embedding, pandoc's and bibtexparser's readings of a .bib text (load.bibcheck, load.bib), what
a CSL style's <info> says (load.csl), the code fingerprint (pipeline.tools).

Every fresh `positionkit` process would otherwise pay for them again (fontTools alone costs more
to import than a brief takes to check). Entries are keyed by what they are derived from (file
path, size and mtime, the code that made them), carry a checksum, and are written atomically;
a missing, unreadable or corrupt entry is simply made again, so deleting the folder is always
safe. The folder: $POSITIONKIT_CACHE_DIR, else $XDG_CACHE_HOME/positionkit, else
~/.cache/positionkit. POSITIONKIT_CACHE_DIR=off disables it.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

__all__ = ["cache_dir", "cached_bytes", "cached_json", "file_stamp"]

_MAGIC = b"pkc1"


def cache_dir() -> Path | None:
    configured = os.environ.get("POSITIONKIT_CACHE_DIR")
    if configured:
        return None if configured.lower() == "off" else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "positionkit"


def file_stamp(path: str | os.PathLike) -> list:
    """What says a file is unchanged without reading it: resolved path, size, mtime."""
    try:
        st = os.stat(path)
    except OSError:
        return [str(path), None, None]
    return [os.path.realpath(path), st.st_size, st.st_mtime_ns]


def _entry(kind: str, key: Any) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256(json.dumps([kind, key], sort_keys=True, default=str).encode()).hexdigest()
    return folder / kind / digest[:2] / digest[2:40]


def _read(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, body = data[:36], data[36:]
    if head[:4] != _MAGIC or hashlib.sha256(body).digest()[:32] != head[4:36]:
        return None
    return body


def _write(path: Path, body: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + hashlib.sha256(body).digest() + body)
        os.replace(tmp, path)
    except OSError:
        pass  # read-only home, full disk: the work is simply done again next time


def cached_bytes(kind: str, key: Any, make: Callable[[], bytes | None]) -> bytes | None:
    """make()'s result, from disk when an entry for (kind, key) exists. None is not stored."""
    path = _entry(kind, key)
    if path is not None:
        found = _read(path)
        if found is not None:
            return found
    value = make()
    if path is not None and value is not None:
        _write(path, value)
    return value


def cached_json(kind: str, key: Any, make: Callable[[], Any]) -> Any:
    """Like :func:`cached_bytes` for JSON values."""
    data = cached_bytes(kind, key, lambda: json.dumps(make()).encode())
    return json.loads(data) if data is not None else None


def installed_packages_stamp() -> list:
    """The stamps of the folders pip installs distributions into (site-packages, dist-packages
    on Debian): their mtimes change when a package comes or goes. Other sys.path entries (the
    running script's folder, a source tree) change for other reasons and hold no distribution
    (font packages, typst, python-docx: what the keys of font lookups and tool versions need)."""
    return [file_stamp(p) for p in sys.path
            if p and os.path.basename(p.rstrip("/\\")) in ("site-packages", "dist-packages") and os.path.isdir(p)]
