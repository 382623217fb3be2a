"""Images: the bytes come with the Handout, never from the file system.

Both writers run sandboxed (pandoc ``--sandbox``, typst with a private root), so an Image in the
AST prints only if the build handed its bytes over in ``Handout.media``, keyed by the target as
written in the AST. Each renderer rewrites the targets its own way (DOCX: ``data:`` URIs, which
pandoc embeds without file access; PDF: files it writes into typst's private root). An image
that is missing, or not PNG, JPEG, GIF or SVG, prints as its alt text: never as a path.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Mapping

from positionkit.load.images import image_type
from positionkit.render.ast import known, tell

__all__ = ["IMAGE_TYPES", "image_type", "media_name", "media_targets", "no_images", "rewrite_images"]

IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml"}
"""Image kinds both formats print (file extension -> MIME type)."""

def media_name(data: bytes) -> str | None:
    """A safe file name for printable image bytes (content-addressed), else ``None``."""
    kind = image_type(data)
    if kind is None:
        return None
    return f"m-{hashlib.sha256(data).hexdigest()[:24]}.{kind}"


def _images(node: Any, found: dict[str, None]) -> None:
    if isinstance(node, list):
        for n in node:
            _images(n, found)
    elif isinstance(node, dict):
        if node.get("t") == "Image":
            found.setdefault(node["c"][2][0], None)
        for value in node.values():
            if isinstance(value, (list, dict)):
                _images(value, found)


def media_targets(ast: Mapping[str, Any]) -> list[str]:
    """Every Image target in the AST, as written, in order of first appearance (no repeats).

    The build loads these (after the checks have verified them) into ``Handout.media``; the
    renderers skip :func:`rewrite_images` when there are none (asked once per AST, see ``known``).
    """
    return list(known(ast, "images", _targets))


def no_images(ast: Mapping[str, Any]) -> None:
    """Record that ``ast`` has no Image (its Markdown has no ``![``, which every image syntax
    starts with): neither the build nor the renderers need to look."""
    tell(ast, "images", ())


def _targets(ast: Mapping[str, Any]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    _images(ast.get("blocks", []), found)
    return tuple(found)


def _has_image(node: Any) -> bool:
    if isinstance(node, list):
        return any(_has_image(n) for n in node)
    if isinstance(node, dict):
        return node.get("t") == "Image" or any(_has_image(v) for v in node.values() if isinstance(v, (list, dict)))
    return False


Attr = list[Any]
"""A pandoc ``Attr``: ``[identifier, classes, [[key, value], ...]]``."""


def rewrite_images(blocks: list[Any], image: Callable[[str, Attr, list[Any]], tuple[str, Attr] | None],
                   cited: Mapping[str, Any] | None = None) -> list[Any]:
    """``blocks`` with each Image's target and attributes replaced by ``image(target, attr, alt)``
    (``alt``: the alt text's inlines). ``cited``: the cited AST the blocks were made from; when it
    has no image (see :func:`media_targets`) the blocks come back without a walk of the tree;
    where that is ``None`` the image becomes its alt text, and a Figure left without an image
    becomes its content (its caption, the same alt text, would print twice) as paragraphs."""

    if cited is not None and not media_targets(cited):
        return blocks

    def walk(node: Any) -> list[Any]:
        # copy on write: a subtree without images comes back as the same object (a long
        # handout's AST is not copied for nothing, and DOCX and PDF share it)
        if isinstance(node, list):
            out = [x for n in node for x in walk(n)]
            same = len(out) == len(node) and all(a is b for a, b in zip(out, node))
            return [node if same else out]
        if not isinstance(node, dict):
            return [node]
        t = node.get("t")
        if t == "Image":
            attr, alt, (src, title) = node["c"]
            alt = walk(alt)[0]
            new = image(src, attr, alt)
            if new is None:
                return [{"t": "Span", "c": [["", [], []], alt]}]
            return [{"t": "Image", "c": [new[1], alt, [new[0], title]]}]
        out = {k: (walk(v)[0] if isinstance(v, (list, dict)) else v) for k, v in node.items()}
        if all(out[k] is v for k, v in node.items()):
            return [node]
        if t == "Figure" and _has_image(node["c"][2]) and not _has_image(out["c"][2]):
            return [{"t": "Para", "c": b["c"]} if b.get("t") == "Plain" else b for b in out["c"][2]]
        return [out]

    return walk(blocks)[0]
