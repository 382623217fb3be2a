"""Reading source files: the one place that turns bytes on disk into text positionkit trusts.

Handles what writers' editors produce (BOMs, CRLF, tabs) and reports what it cannot handle
(non-UTF-8 bytes, oversized files, paths that leave the project) as diagnostics.
"""
from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import yaml

from positionkit.diagnostics import Diagnostic, error, warning

MAX_SOURCE_BYTES = 2 * 1024 * 1024
"""A briefing-note section is a few kilobytes; past this something is wrong (a pasted PDF?)."""

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


@dataclass(frozen=True)
class Source:
    """A Markdown file split into front matter and body."""

    path: str
    """POSIX path relative to the project root."""
    text: str
    """Whole file, newline-normalised."""
    meta: dict = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    """1-based line number of the first body line in the file."""
    meta_lines: dict = field(default_factory=dict)
    """Front-matter key -> 1-based line."""


MAX_NAME_BYTES = 255
"""Longest file or folder name most file systems accept; longer names make the OS raise."""
MAX_PATH_BYTES = 4000


def too_long(value: str) -> bool:
    """A path the operating system would refuse outright (ENAMETOOLONG)."""
    raw = str(value).encode("utf-8", "surrogateescape")
    return len(raw) > MAX_PATH_BYTES or any(len(part) > MAX_NAME_BYTES for part in raw.split(b"/"))


def long_name(value: str, where: str | None, line: int | None, what: str, col: int | None = None) -> Diagnostic:
    longest = max(len(p.encode("utf-8", "surrogateescape")) for p in str(value).split("/"))
    return error("PK120", f"{what} '{str(value)[:60]}…' is too long to be a file name ({longest} bytes; the "
                 f"limit is {MAX_NAME_BYTES} per name)", where, line, col, hint="shorten the name")


def is_file(path: Path) -> bool:
    """Path.is_file() that answers False instead of raising (too long, NUL byte, permissions)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def inside(root: Path, path: Path) -> bool:
    """True when path (after resolving symlinks) stays inside root."""
    try:
        real_root, real = os.path.normcase(_real_path(root)), os.path.normcase(_real_path(path))
    except (ValueError, OSError):
        return False
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


_FOLDERS = threading.local()


@contextmanager
def folders_remembered() -> Iterator[None]:
    """While a project loads, each folder's real path is worked out once.

    A project has hundreds of files in a dozen folders, and resolving every path from / costs
    about 65 µs a file (21 ms of a 9,600-word paper's load). The answers are forgotten when the
    load ends, so that a long preview session sees a folder swapped for a link.
    """
    outer = getattr(_FOLDERS, "memo", None)
    _FOLDERS.memo = {} if outer is None else outer
    try:
        yield
    finally:
        _FOLDERS.memo = outer


def _real_path(path: Path | str) -> str:
    """os.path.realpath; within :func:`folders_remembered`, the folder part of an absolute path
    without '..' comes from the memo and only the last name is looked at again."""
    text = os.fspath(path)
    memo = getattr(_FOLDERS, "memo", None)
    if memo is None or not os.path.isabs(text) or ".." in text.split(os.sep):
        return os.path.realpath(text)
    folder, name = os.path.split(text)
    real_folder = memo.get(folder)
    if real_folder is None:
        real_folder = memo[folder] = os.path.realpath(folder)
    if not name:
        return real_folder
    full = os.path.join(real_folder, name)
    return os.path.realpath(full) if os.path.islink(full) else full


def read_text(root: Path, rel: str) -> tuple[str | None, list[Diagnostic]]:
    path = root / rel
    if not inside(root, path):
        return None, [error("PK105", f"'{rel}' points outside the project", rel,
                            hint="keep every source file inside the project folder; symlinks out are refused")]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [error("PK101", f"file not found: {rel}", rel)]
    except OSError as exc:
        return None, [error("PK101", f"cannot read {rel}: {exc.strerror}", rel)]
    return decode(data, rel)


def decode(data: bytes, rel: str) -> tuple[str | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    if len(data) > MAX_SOURCE_BYTES:
        mb = len(data) / 1024 / 1024
        return None, [error("PK104", f"file is too large ({mb:.1f} MB; the limit is "
                            f"{MAX_SOURCE_BYTES // 1024 // 1024} MB)", rel,
                            hint="split it into sections, or check that it is really Markdown")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [error("PK102", "file is not UTF-8 text", rel, line, col,
                            hint="save it as UTF-8 in your editor (e.g. 'Save with encoding: UTF-8')")]
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        return None, [error("PK102", "file contains NUL bytes; is it a binary file?", rel, line, col)]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, diags


MAX_YAML_VALUES = 100_000
"""Aliases can make a few lines expand to billions of values ("billion laughs"): refuse early."""


def _expanded_size(node, sizes=None) -> int:
    """Values the node stands for once every alias is expanded (a cycle counts as too many)."""
    sizes = {} if sizes is None else sizes
    if node is None or isinstance(node, yaml.ScalarNode):
        return 1
    if id(node) in sizes:
        return sizes[id(node)] if sizes[id(node)] is not None else MAX_YAML_VALUES + 1
    sizes[id(node)] = None
    total = 1
    for item in node.value:
        for child in item if isinstance(item, tuple) else (item,):
            total += _expanded_size(child, sizes)
            if total > MAX_YAML_VALUES:
                break
    sizes[id(node)] = total
    return total


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (the wheels are): same results, faster."""


def yaml_load(text: str, rel: str, first_line: int = 1) -> tuple[object, dict, list[Diagnostic]]:
    """Parse YAML safely; return (data, {top-level key: line}, diagnostics)."""
    loader = _LOADER(text)
    try:
        # one parse: the node tree gives key lines and the alias-bomb bound, then the data
        node = loader.get_single_node()
        if _expanded_size(node) > MAX_YAML_VALUES:
            return None, {}, [error("PK103", f"YAML expands to more than {MAX_YAML_VALUES} values through "
                                    "&anchors and *aliases", rel, first_line,
                                    hint="write the values out; anchors are not needed here")]
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else None
        col = mark.column + 1 if mark else None
        what = " ".join((exc.problem or exc.context or "invalid YAML").split())
        return None, {}, [error("PK103", f"YAML cannot be read: {what}", rel, line, col,
                                hint="check indentation and quote values that contain ':' or '#'")]
    except yaml.YAMLError as exc:  # ReaderError (a control character) has a position, not a mark
        line, col = first_line, None
        if isinstance(getattr(exc, "position", None), int):
            before = text[:exc.position]
            line, col = first_line + before.count("\n"), exc.position - (before.rfind("\n") + 1) + 1
        what = getattr(exc, "reason", None) or " ".join(str(exc).split())
        return None, {}, [error("PK103", f"YAML cannot be read: {what}", rel, line, col)]
    except RecursionError:
        return None, {}, [error("PK103", "YAML is nested too deeply", rel, first_line)]
    finally:
        loader.dispose()
    lines: dict = {}
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines[key.value] = first_line + key.start_mark.line
    return data, lines, []


def split_front_matter(text: str, rel: str) -> tuple[Source, list[Diagnostic]]:
    m = _FRONT.match(text)
    if not m:
        return Source(rel, text, {}, text, 1, {}), []
    raw = m.group(1) or ""
    data, lines, diags = yaml_load(raw, rel, first_line=2)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        diags.append(error("PK103", "front matter must be a mapping of 'key: value' lines", rel, 2))
        data = {}
    body_line = text[: m.end()].count("\n") + 1
    if not m.group(0).endswith("\n"):
        body_line += 1
    return Source(rel, text, data, text[m.end():], body_line, lines), diags


def load_source(root: Path, rel: str) -> tuple[Source | None, list[Diagnostic]]:
    text, diags = read_text(root, rel)
    if text is None:
        return None, diags
    src, more = split_front_matter(text, rel)
    return src, diags + more


def warn_tabs(src: Source) -> list[Diagnostic]:
    return [warning("PK106", "tab character in front matter", src.path, i + 1,
                    hint="YAML needs spaces for indentation")
            for i, ln in enumerate(src.text.split("\n")[: src.body_line - 1]) if "\t" in ln]


_LANG_SUFFIX = re.compile(r"^(.+)\.([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)$")


def translation_path(source: str, lang: str) -> str:
    stem, ext = source.rsplit(".", 1)
    return f"{stem}.{lang}.{ext}"


def split_lang(path: str) -> tuple[str, str | None]:
    """'a/b.fr.md' -> ('a/b.md', 'fr'); 'a/b.md' -> ('a/b.md', None)."""
    stem, ext = path.rsplit(".", 1) if "." in path else (path, "")
    m = _LANG_SUFFIX.match(stem)
    if not m:
        return path, None
    return f"{m.group(1)}.{ext}", m.group(2)
