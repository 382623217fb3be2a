"""Images: the file must exist inside the project, and every image needs alt text.

An image path is relative to the Markdown file that contains it (as editors preview it). A path
that leaves the project (``../``, absolute, a symlink pointing out) is refused before pandoc ever
runs: block libraries are untrusted input, and a handout must not carry someone's /etc/passwd.
Remote images are never fetched (pandoc runs with ``--sandbox``).
"""
from __future__ import annotations

from urllib.parse import unquote

from positionkit.diagnostics import error, warning
from positionkit.load.images import MISSING, OUTSIDE, TOO_LARGE, MAX_IMAGE_BYTES, image_type
from positionkit.markdown import REMOTE_SCHEMES, URL_SCHEME, image_path, images
from positionkit.load.sources import long_name, too_long
from positionkit.checks.raw import library_paths


def check(ctx):
    table = ctx.project.images
    libs = library_paths(ctx.project)
    states = {s.alias: s for s in ctx.project.libraries}
    for doc in ctx.resolved:
        for alt, dest, ln, col in images(doc.lines, doc.masked):
            if not alt.strip():
                yield warning("PK505", "image has no alt text", ln.path, ln.line, col,
                              hint="describe what it shows for readers who cannot see it: ![Chart of ...](file.png)")
            lib = states.get(libs.get(ln.path))
            if lib is not None and not _in_library(lib, dest, ln.path):
                yield error("PK720", f"image '{dest[:120]}' of a block from library '{lib.alias}' is not an image "
                            f"file of that library", ln.path, ln.line, col,
                            hint="a library block may show only image files inside its own library "
                            "(they are part of its locked content)")
                continue
            yield from _check_path(table, dest, ln, col)


def _in_library(lib, dest: str, md_path: str) -> bool:
    """The image is one of the files the library's content hash covers (so it is locked,
    vendored, and inside the library's own folder)."""
    scheme = URL_SCHEME.match(dest)
    if scheme and len(scheme.group(1)) > 1 and scheme.group(1).lower() in REMOTE_SCHEMES:
        return True  # never fetched: PK506 says so
    rel = image_path(dest, md_path)
    prefix = lib.folder.rstrip("/") + "/"
    return rel is not None and rel.startswith(prefix) and rel[len(prefix):] in lib.files


def _check_path(table, dest, ln, col):
    scheme = URL_SCHEME.match(dest)
    if scheme and len(scheme.group(1)) > 1 and scheme.group(1).lower() in REMOTE_SCHEMES:
        yield warning("PK506", f"image '{dest[:80]}' is not a file in the project and will not be printed",
                      ln.path, ln.line, col, hint="download it into the project and link to the file")
        return
    if not unquote(dest.split("#", 1)[0].split("?", 1)[0]):
        yield error("PK504", "image has no file name", ln.path, ln.line, col)
        return
    rel = image_path(dest, ln.path)
    found = table.get(rel) if rel is not None else None
    if rel is not None and too_long(rel):
        yield long_name(dest, ln.path, ln.line, "image", col)
    elif rel is None:
        yield error("PK105", f"image '{dest}' is outside the project", ln.path, ln.line, col,
                    hint="images must be files inside the project, given relative to the Markdown file")
    elif found is None or found.problem == OUTSIDE:
        yield error("PK105", f"image '{dest}' is outside the project", ln.path, ln.line, col,
                    hint="images must be files inside the project, given relative to the Markdown file "
                    "(symlinks pointing out are refused)")
    elif found.problem == MISSING:
        yield error("PK504", f"image not found: {rel}", ln.path, ln.line, col,
                    hint="image paths are relative to the Markdown file that shows them")
    elif found.problem == TOO_LARGE:
        yield error("PK504", f"image {rel} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB", ln.path,
                    ln.line, col, hint="export it at the size it prints (a handout needs 300 dpi at most)")
    elif found.data is None:
        yield error("PK504", f"image {rel} cannot be read", ln.path, ln.line, col)
    elif image_type(found.data[:4096]) is None:
        yield warning("PK511", f"image {rel} is not PNG, JPEG, GIF or SVG: its alt text is printed instead",
                      ln.path, ln.line, col, hint="export it as PNG (charts: SVG)")
