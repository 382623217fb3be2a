"""Images: the file must exist inside the project, and every image needs alt text.

An image path is relative to the Markdown file that contains it (as editors preview it). A path
that leaves the project (``../``, absolute, a symlink pointing out) is refused before pandoc ever
runs: block libraries are untrusted input, and a handout must not carry someone's /etc/passwd.
Remote images are never fetched (pandoc runs with ``--sandbox``).
"""
from __future__ import annotations

from urllib.parse import unquote

from positionkit.diagnostics import error, warning
from positionkit.render.media import image_type
from positionkit.markdown import REMOTE_SCHEMES, URL_SCHEME, image_path, images
from positionkit.load.sources import inside

def check(ctx):
    root = ctx.project.root
    for doc in ctx.resolved:
        for alt, dest, ln, col in images(doc.lines):
            if not alt.strip():
                yield warning("PK505", "image has no alt text", ln.path, ln.line, col,
                              hint="describe what it shows for readers who cannot see it: ![Chart of ...](file.png)")
            yield from _check_path(root, dest, ln, col)


def _check_path(root, dest, ln, col):
    scheme = URL_SCHEME.match(dest)
    if scheme and len(scheme.group(1)) > 1 and scheme.group(1).lower() in REMOTE_SCHEMES:
        yield warning("PK506", f"image '{dest[:80]}' is not a file in the project and will not be printed",
                      ln.path, ln.line, col, hint="download it into the project and link to the file")
        return
    if not unquote(dest.split("#", 1)[0].split("?", 1)[0]):
        yield error("PK504", "image has no file name", ln.path, ln.line, col)
        return
    rel = image_path(dest, ln.path)
    if rel is None:
        yield error("PK105", f"image '{dest}' is outside the project", ln.path, ln.line, col,
                    hint="images must be files inside the project, given relative to the Markdown file")
    elif rel == ".." or rel.startswith("../") or not inside(root, root / rel):
        yield error("PK105", f"image '{dest}' is outside the project", ln.path, ln.line, col,
                    hint="images must be files inside the project, given relative to the Markdown file "
                    "(symlinks pointing out are refused)")
    elif not (root / rel).is_file():
        yield error("PK504", f"image not found: {rel}", ln.path, ln.line, col,
                    hint="image paths are relative to the Markdown file that shows them")
    elif image_type(_head(root / rel)) is None:
        yield warning("PK511", f"image {rel} is not PNG, JPEG, GIF or SVG: its alt text is printed instead",
                      ln.path, ln.line, col, hint="export it as PNG (charts: SVG)")


def _head(path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(4096)
    except OSError:
        return b""
