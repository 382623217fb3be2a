"""positionkit.lock: which commit and which content each library is pinned to.

Read here; written only by `sync`, `update` and `vendor` (libraries/lockfile.py); committed with the project so that anyone, years
later, gets exactly the library content a handout was built from. TOML, one table per alias.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from positionkit.diagnostics import Diagnostic, error

LOCK_NAME = "positionkit.lock"
VERSION = 1


@dataclass(frozen=True)
class Pin:
    """One library as the lock pins it."""

    alias: str
    git: str | None = None
    """URL, for git libraries."""
    path: str | None = None
    """Folder, for local libraries (read in place)."""
    ref: str | None = None
    """Branch, tag or commit the project asked for."""
    commit: str | None = None
    """Full commit id checked out (git libraries)."""
    content: str = ""
    """'sha256:…' over blocks/** and references.bib, see libraries.content_hash."""

    @property
    def source(self) -> str:
        return self.git or self.path or ""


def line_of(text: str, alias: str) -> int | None:
    for i, ln in enumerate(text.split("\n"), 1):
        if re.match(rf"^\s*\[\s*libraries\s*\.\s*\"?{re.escape(alias)}\"?\s*\]", ln):
            return i
    return None


def read(root: Path) -> tuple[dict[str, Pin], list[Diagnostic]]:
    """alias -> Pin; an absent lock is simply empty."""
    path = root / LOCK_NAME
    if not path.is_file():
        return {}, []
    hint = f"delete {LOCK_NAME} and run positionkit sync to write it again"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [error("PK702", f"{LOCK_NAME} cannot be read: {exc}", LOCK_NAME, hint=hint)]
    if data.get("version") != VERSION:
        return {}, [error("PK702", f"{LOCK_NAME} has version {data.get('version')!r}; this positionkit "
                          f"reads version {VERSION}", LOCK_NAME, 1, hint=hint)]
    pins, diags = {}, []
    libs = data.get("libraries", {})
    if not isinstance(libs, dict):
        return {}, [error("PK702", f"{LOCK_NAME}: 'libraries' must be a table", LOCK_NAME, hint=hint)]
    for alias, entry in libs.items():
        fields = {k: entry.get(k) for k in ("git", "path", "ref", "commit", "content")} \
            if isinstance(entry, dict) else {}
        if not all(v is None or isinstance(v, str) for v in fields.values()) or not fields.get("content"):
            diags.append(error("PK702", f"{LOCK_NAME}: entry for library '{alias}' is malformed", LOCK_NAME,
                               line_of(path.read_text(encoding="utf-8"), alias), hint=hint))
            continue
        pins[alias] = Pin(alias, **fields)
    return pins, diags
