"""The incremental build cache: build/.cache/index.json.

Two levels, both content-addressed so that a stale output is never served:

1. A whole-request shortcut. The index remembers, per build request (papers, formats, languages,
   audiences, final/strict), a digest over the content of every project file a build can read,
   the tool and positionkit versions, and beside it the project's commit (for manifest.json).
   When both and every output on disk are unchanged, the recorded result is replayed: nothing is
   loaded, resolved or rendered.
   Files are hashed only when their size or mtime changed, or when their mtime is too close to
   the index's own to be trusted (git's "racy clean" rule).
2. Per output. After resolving, each output gets a key over everything it depends on (resolved
   Markdown, metadata, language, format, bibliography files, CSL, style, labels, reference.docx,
   audience entry, versions, final/draft, epoch); not the commit. An output whose key, size and
   content on disk match the index is reused as is.

Nothing internal to an audience is stored: keys are digests of printable inputs and of resolved
text only.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from positionkit.version import __version__
from positionkit.pipeline import tools, write
from positionkit.load.sources import is_file

VERSION = 1
INDEX = ".cache/index.json"
WATCHED_DIRS = ("papers", "blocks", "styles")
RACY_NS = 2_000_000_000
"""Files modified this close to the last index write are re-hashed even when their stat matches."""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value) -> str:
    return sha(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode())


@dataclass(frozen=True)
class Request:
    papers: tuple = ()
    formats: tuple = ()
    langs: tuple = ()
    audiences: tuple = ()
    final: bool = False
    strict: bool = False
    shard: tuple = ()

    @property
    def key(self) -> str:
        return digest(asdict(self))[:32]


@dataclass
class Store:
    root: Path
    out_dir: str
    data: dict = field(default_factory=dict)
    hashed: int = 0
    """How many files were read to hash them in this run (tests and the benchmark look)."""

    @classmethod
    def open(cls, root: Path, out_dir: str) -> "Store":
        path = root / out_dir / INDEX
        try:
            if (root / out_dir).is_symlink():  # the build refuses to write there (write.locked)
                raise OSError("output folder is a link")
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict) or data.get("version") != VERSION:
            data = {}
        data.setdefault("version", VERSION)
        for key in ("files", "requests", "outputs"):
            data.setdefault(key, {})
        data.setdefault("written_ns", 0)
        return cls(root, out_dir, data)

    # -- file hashes with a stat pre-check ---------------------------------------------------

    def file_hash(self, rel: str) -> str | None:
        path = self.root / rel
        try:
            st = path.stat()
        except OSError:
            self.data["files"].pop(rel, None)
            return None
        known = self.data["files"].get(rel)
        racy = st.st_mtime_ns + RACY_NS >= self.data["written_ns"]
        if known and known[0] == st.st_mtime_ns and known[1] == st.st_size and not racy:
            return known[2]
        try:
            value = sha(path.read_bytes())
        except OSError:
            return None
        self.hashed += 1
        self.data["files"][rel] = [st.st_mtime_ns, st.st_size, value]
        return value

    def watched(self, extra=()) -> list[str]:
        """Every file a build may read: top-level files, papers/, blocks/, styles/, and extra paths."""
        root = self.root
        found = set()
        for entry in os.scandir(root):
            if entry.is_file() and not entry.name.startswith("."):
                found.add(entry.name)
        for top in WATCHED_DIRS:
            for folder, dirs, files in os.walk(root / top):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                rel_dir = Path(folder).relative_to(root).as_posix()
                found.update(f"{rel_dir}/{name}" for name in files if not name.startswith("."))
        found.update(e for e in extra if e and is_file(root / e))
        out = self.out_dir.rstrip("/") + "/"
        return sorted(p for p in found if not p.startswith(out))

    def tree_digest(self, env: dict, extra=()) -> str:
        return self._tree_digest(env, self.watched(extra))

    def _tree_digest(self, env: dict, watched: list[str]) -> str:
        return digest({"files": {rel: self.file_hash(rel) for rel in watched}, "env": env})

    # -- level 1: the whole request ----------------------------------------------------------

    def replay(self, request: Request, env: dict, commit: Callable[[], str | None]) -> dict | None:
        """The recorded result of this request when nothing it depends on changed, else None.

        The digest is taken here, before anything is loaded: a file edited while the build runs
        leaves a digest that no longer matches, so the next build looks again. ``commit`` gives
        the project's commit (for manifest.json); it is asked for only when everything else
        matches, so that a build with nothing to replay never waits for git.
        """
        entry = self.data["requests"].get(request.key) or {}
        extra = entry.get("extra", [])
        watched = self.watched(extra)
        self._start = (self._tree_digest(env, watched), set(watched))
        if not entry or entry.get("tree") != self._start[0] or entry.get("commit") != commit():
            return None
        if not all(self._unchanged(p) for p in entry["outputs"] + entry.get("written", [])):
            return None
        return entry

    def remember(self, request: Request, env: dict, extra: list, result: dict, commit: str | None) -> None:
        extra = sorted({e for e in extra if e})
        start = getattr(self, "_start", None)
        # the digest taken before loading holds the same files when every extra input was among
        # them (they usually are: an audiences file or CSL style inside the project); only
        # otherwise is the tree walked and hashed again (8 ms on a 20-page paper's project)
        same = start is not None and all(e in start[1] or not is_file(self.root / e) for e in extra)
        tree = start[0] if same else self.tree_digest(env, extra)
        self.data["requests"][request.key] = dict(result, tree=tree, extra=extra, commit=commit)

    # -- level 2: one output -----------------------------------------------------------------

    def fresh(self, path: str, key: str) -> bool:
        rec = self.data["outputs"].get(path)
        return bool(rec) and rec["key"] == key and self._unchanged(path)

    def record(self, path: str, key: str, data: bytes, **extra) -> None:
        st = (self.root / path).stat()
        self.data["outputs"][path] = {"key": key, "sha256": sha(data), "size": st.st_size,
                                      "mtime_ns": st.st_mtime_ns, **extra}

    def output(self, path: str) -> dict:
        return self.data["outputs"].get(path) or {}

    def _unchanged(self, path: str) -> bool:
        rec = self.data["outputs"].get(path)
        if not rec:
            return False
        try:
            st = (self.root / path).stat()
        except OSError:
            return False
        if st.st_size != rec["size"]:
            return False
        if st.st_mtime_ns == rec["mtime_ns"]:
            return True
        try:
            same = sha((self.root / path).read_bytes()) == rec["sha256"]
        except OSError:
            return False
        if same:
            rec["mtime_ns"] = st.st_mtime_ns
        return same

    def save(self) -> None:
        """Written last, after the outputs: an interrupted build leaves an index that under-claims."""
        self.data["written_ns"] = time.time_ns()
        path = self.root / self.out_dir / INDEX
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            write.replace_file(path, json.dumps(self.data, sort_keys=True, ensure_ascii=False).encode())
        except OSError:
            pass  # the previous index stays; at worst the next build renders again (disk full, ...)


def environment() -> dict:
    """What every output depends on beyond project files. The project's commit is not part of
    it: a handout prints a hash of its own inputs, and the commit goes only in manifest.json."""
    return {"cache": VERSION, "positionkit": __version__, "code": tools.code_fingerprint(),
            "tools": tools.tool_versions(), "epoch_env": os.environ.get("SOURCE_DATE_EPOCH")}
