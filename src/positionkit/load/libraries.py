"""Shared block libraries, offline side: find each declared library's content, verify it against
positionkit.lock and load its blocks and bibliography.

Nothing here touches the network or needs git: `build` and `check` read the vendored copy
(vendor/<alias>/), else the synced cache (.positionkit/libraries/<alias>/), else a local `path`
library in place, and compare a content hash with the lock. Fetching is libsync's job.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from positionkit.load import lock
from positionkit.load.config import CONFIG_NAME, Config, Library
from positionkit.diagnostics import Diagnostic, error, warning
from positionkit.load.blocks import load_blocks
from positionkit.load.sources import inside, read_text

CACHE_DIR = ".positionkit/libraries"
VENDOR_DIR = "vendor"
BIB_NAME = "references.bib"
MAX_FILES = 5000


@dataclass(frozen=True)
class LibraryState:
    """One library as a build used it; recorded in every manifest.json."""

    alias: str
    url: str | None
    """Git URL, or None for a local path library."""
    path: str | None
    """Declared local folder, or None for a git library."""
    ref: str | None
    commit: str | None
    """Locked commit (None for a path library)."""
    content: str | None
    """Content hash of what was read ('sha256:…')."""
    folder: str
    """Project-relative folder the content was read from."""
    origin: str
    """'vendor' | 'cache' | 'path'."""
    files: tuple[str, ...] = ()
    """Library-relative paths of every file the content hash covers (blocks may print only these)."""

    def manifest(self) -> dict:
        return {"alias": self.alias, "url": self.url, "path": self.path, "ref": self.ref,
                "commit": self.commit, "content": self.content, "from": self.origin, "folder": self.folder}


def cache_dir(root: Path, alias: str) -> Path:
    return root / CACHE_DIR / alias


def vendor_dir(root: Path, alias: str) -> Path:
    return root / VENDOR_DIR / alias


def source_folder(root: Path, lib: Library) -> tuple[Path, str]:
    """(folder, origin) a build reads this library from: vendored copy first, always."""
    vendored = vendor_dir(root, lib.alias)
    if vendored.is_dir():
        return vendored, "vendor"
    if lib.path is not None:
        return (root / lib.path), "path"
    return cache_dir(root, lib.alias), "cache"


def rel_to(root: Path, folder: Path) -> str:
    """Project-relative POSIX path; '../core' for a sibling folder."""
    return Path(os.path.relpath(os.path.abspath(folder), os.path.abspath(root))).as_posix()


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".tif", ".tiff", ".bmp")
"""Image files anywhere in a library (outside hidden folders such as .git) are library content."""


def _images(folder: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and
                             not (Path(dirpath) == folder and d == "blocks"))
        found += [Path(dirpath) / n for n in filenames if n.lower().endswith(IMAGE_SUFFIXES)]
    return found


def used_files(folder: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """(files that make up the library's content, links refused) as library-relative POSIX paths.

    The content is every file under blocks/, references.bib, and every image file in the library
    (blocks print them). Library content is untrusted: a file or link that resolves outside the
    library's own folder (blocks/ itself may be such a link) is refused, so a library cannot make
    positionkit read (or print) anything else on the machine or in the project.
    """
    blocks = folder / "blocks"
    if blocks.is_symlink() and not inside(folder, blocks):
        found, refused = [], ["blocks"]
    else:
        found = list(blocks.rglob("*")) if blocks.is_dir() else []
        refused = []
    if (folder / BIB_NAME).exists() or (folder / BIB_NAME).is_symlink():
        found.append(folder / BIB_NAME)
    found += _images(folder)
    files = []
    for p in found:
        rel = p.relative_to(folder).as_posix()
        if (p.is_symlink() or p.is_file()) and not inside(folder, p):
            refused.append(rel)
        elif p.is_file():
            files.append((rel, p))
    return sorted(files, key=lambda f: f[0].encode()), refused


def content_hash(folder: Path) -> str:
    """sha256 over (path, sha256 of text) in byte order of path. Line endings are normalised the
    way positionkit reads files, so a Windows checkout hashes like a Linux one."""
    files, _ = used_files(folder)
    outer = hashlib.sha256()
    for rel, path in files:
        data = path.read_bytes().replace(b"\r\n", b"\n")
        outer.update(rel.encode() + b"\0" + hashlib.sha256(data).hexdigest().encode() + b"\n")
    return "sha256:" + outer.hexdigest()


def short(value: str | None) -> str:
    """Abbreviated commit or content hash for messages."""
    if not value:
        return "(none)"
    return value[:len("sha256:") + 12] if value.startswith("sha256:") else value[:12]


def declared_line(root: Path, alias: str) -> int | None:
    text, _ = read_text(root, CONFIG_NAME)
    return lock.line_of(text or "", alias)


def _rebase(prefix: str, blocks: dict, translations: dict, diags: list[Diagnostic]):
    """Library-relative paths -> project-relative ones, so diagnostics point at real files."""
    def src(s):
        return dataclasses.replace(s, path=f"{prefix}/{s.path}")

    blocks = {bid: dataclasses.replace(b, source=src(b.source)) for bid, b in blocks.items()}
    translations = {f"{prefix}/{k}": {lang: src(s) for lang, s in v.items()} for k, v in translations.items()}
    diags = [d.at(f"{prefix}/{d.path}", d.line, d.col) if d.path else d for d in diags]
    return blocks, translations, diags


def check_pin(root: Path, lib: Library, pin: lock.Pin | None, origin: str, folder_rel: str,
              content: str) -> list[Diagnostic]:
    """Is what is on disk what the lock pins?"""
    where = (CONFIG_NAME, declared_line(root, lib.alias))
    if pin is None:
        make = warning if origin == "path" else error
        return [make("PK703", f"library '{lib.alias}' is not in {lock.LOCK_NAME}", *where,
                     hint="run positionkit sync to pin it")]
    if pin.source != (lib.git or lib.path) or (lib.git and pin.ref != lib.ref):
        return [error("PK704", f"library '{lib.alias}' is declared as {lib.git or lib.path} "
                      f"(ref {lib.ref or 'default'}) but {lock.LOCK_NAME} pins {pin.source} "
                      f"(ref {pin.ref or 'default'})", *where,
                      hint="run positionkit sync to pin the new declaration")]
    if content == pin.content:
        return []
    if origin == "path":
        return [warning("PK706", f"library '{lib.alias}' in {folder_rel} changed since it was locked: "
                        f"content {short(content)}, locked {short(pin.content)}", *where,
                        hint=f"run positionkit update {lib.alias} to record the change")]
    fix = (f"run positionkit vendor {lib.alias} to copy the locked content again" if origin == "vendor"
           else "run positionkit sync to restore the locked commit")
    return [error("PK705", f"library '{lib.alias}' in {folder_rel} does not match {lock.LOCK_NAME}: "
                  f"content {content}, locked {pin.content} (commit {short(pin.commit)})", *where, hint=fix)]


def load_one(root: Path, lib: Library, pin: lock.Pin | None):
    """-> (state or None, blocks, translations, bib path or None, diagnostics)."""
    folder, origin = source_folder(root, lib)
    folder_rel = rel_to(root, folder)
    if not folder.is_dir():
        if origin == "path":
            msg = f"library '{lib.alias}' folder {lib.path} does not exist"
            hint = "fix path = ... in [libraries." + lib.alias + "]"
        else:
            msg = f"library '{lib.alias}' is not synced (run positionkit sync)"
            hint = f"it is read from {folder_rel}/ or {VENDOR_DIR}/{lib.alias}/; builds never fetch"
        return None, {}, {}, None, [error("PK701", msg, CONFIG_NAME, declared_line(root, lib.alias),
                                          hint=hint)]
    files, refused = used_files(folder)
    if len(files) > MAX_FILES:
        return None, {}, {}, None, [error("PK713", f"library '{lib.alias}' has {len(files)} files under "
                                          f"{folder_rel}/blocks/; the limit is {MAX_FILES}", CONFIG_NAME,
                                          declared_line(root, lib.alias),
                                          hint="is the library's folder the right repository?")]
    diags = [error("PK707", f"'{folder_rel}/{rel}' is a link outside library '{lib.alias}'",
                   f"{folder_rel}/{rel}", hint="library content is untrusted: links out of it are refused")
             for rel in refused]
    content = content_hash(folder)
    diags += check_pin(root, lib, pin, origin, folder_rel, content)
    blocks, translations, more = load_blocks(folder, folder, lib.alias)
    more = [d for d in more if d.code != "PK105"]  # links out: reported above as PK707
    blocks, translations, more = _rebase(folder_rel, blocks, translations, more)
    bib = folder / BIB_NAME
    bib_rel = f"{folder_rel}/{BIB_NAME}" if bib.is_file() and BIB_NAME not in refused else None
    commit = pin.commit if pin is not None and origin != "path" else None
    state = LibraryState(lib.alias, lib.git, lib.path, lib.ref, commit, content, folder_rel, origin,
                         tuple(rel for rel, _ in files))
    return state, blocks, translations, bib_rel, diags + more


def load(root: Path, config: Config):
    """-> (states, blocks, translations, bib paths, diagnostics) for every declared library."""
    if not config.libraries:
        return [], {}, {}, [], []
    pins, diags = lock.read(root)
    states, blocks, translations, bibs = [], {}, {}, []
    for lib in config.libraries:
        state, b, t, bib, more = load_one(root, lib, pins.get(lib.alias))
        diags += more
        if state is not None:
            states.append(state)
        blocks.update(b)
        translations.update(t)
        if bib:
            bibs.append(bib)
    return states, blocks, translations, bibs, diags


def read_bib(root: Path, rel: str) -> tuple[str | None, list[Diagnostic]]:
    """A library's references.bib may sit outside the project (a local path library); it was
    checked not to be a link out of its library."""
    text, diags = read_text(root.joinpath(rel).parent, BIB_NAME)
    return text, [d.at(rel, d.line, d.col) for d in diags]
