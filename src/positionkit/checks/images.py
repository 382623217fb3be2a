"""Images: the file must exist inside the project, and every image needs alt text.

An image path is relative to the Markdown file that contains it (as editors preview it). A path
that leaves the project (``../``, absolute, a symlink pointing out) is refused before pandoc ever
runs: block libraries are untrusted input, and a handout must not carry someone's /etc/passwd.
Remote images are never fetched (pandoc runs with ``--sandbox``).
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote

from ..diagnostics import error, warning
from ..markdown import mask_code
from ..sources import inside

# Bounded repeats keep the scan linear on pathological lines.
_ALT = r"((?:[^\[\]]|\[[^\[\]]{0,300}\]){0,1000})"
_INLINE = re.compile(r"!\[" + _ALT + r"\]\([ \t]{0,50}(<[^>\n]{0,1000}>|[^\s)]{0,1000})(?:[ \t]+[\"'(][^)]{0,1000})?\)")
_REF_USE = re.compile(r"!\[" + _ALT + r"\](?:\[([^\]]{0,1000})\])?(?!\()")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*(<[^>]*>|\S+)")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_REMOTE = ("http", "https", "data", "ftp")


def images(lines):
    """(alt, destination, line, 1-based column) for every image outside code."""
    masked = mask_code(list(lines))
    defs = {}
    for text in masked:
        m = _REF_DEF.match(text)
        if m:
            defs.setdefault(" ".join(m.group(1).lower().split()), m.group(2).strip("<>"))
    for ln, text in zip(lines, masked):
        for m in _INLINE.finditer(text):
            yield m.group(1), m.group(2).strip("<>"), ln, m.start() + 1
        for m in _REF_USE.finditer(text):
            label = " ".join((m.group(2) or m.group(1)).lower().split())
            if label in defs:
                yield m.group(1), defs[label], ln, m.start() + 1


def check(ctx):
    root = ctx.project.root
    for doc in ctx.resolved:
        for alt, dest, ln, col in images(doc.lines):
            if not alt.strip():
                yield warning("PK505", "image has no alt text", ln.path, ln.line, col,
                              hint="describe what it shows for readers who cannot see it: ![Chart of ...](file.png)")
            yield from _check_path(root, dest, ln, col)


def _check_path(root, dest, ln, col):
    scheme = _SCHEME.match(dest)
    if scheme and len(scheme.group(1)) > 1 and scheme.group(1).lower() in _REMOTE:
        yield warning("PK506", f"image '{dest[:80]}' is not a file in the project and will not be printed",
                      ln.path, ln.line, col, hint="download it into the project and link to the file")
        return
    path = unquote(dest.split("#", 1)[0].split("?", 1)[0])
    if not path:
        yield error("PK504", "image has no file name", ln.path, ln.line, col)
        return
    if scheme or path.startswith(("/", "\\")):
        yield error("PK105", f"image '{dest}' is outside the project", ln.path, ln.line, col,
                    hint="images must be files inside the project, given relative to the Markdown file")
        return
    rel = PurePosixPath(ln.path).parent / path.replace("\\", "/")
    target = root / rel
    if not inside(root, target):
        yield error("PK105", f"image '{dest}' is outside the project", ln.path, ln.line, col,
                    hint="images must be files inside the project, given relative to the Markdown file "
                    "(symlinks pointing out are refused)")
    elif not target.is_file():
        shown = target.resolve().relative_to(root.resolve()).as_posix()
        yield error("PK504", f"image not found: {shown}", ln.path, ln.line, col,
                    hint="image paths are relative to the Markdown file that shows them")
