"""Review anchors in the DOCX: hidden bookmarks per paragraph and one custom document property.

pandoc writes a bookmark for every span with an id; the resolver's marks (``pkr7``, see
:mod:`positionkit.resolve.anchors`) arrive as bookmarks of that name. Here they are renamed
``_pkr7``: Word hides bookmarks whose name starts with an underscore from its bookmark list, and
both Word and LibreOffice keep them through a save (measured for LibreOffice: docs/review.md).
The :class:`~positionkit.resolve.anchors.Stamp` goes into ``docProps/custom.xml`` as one
property: paper, language, audience (hashed), build id and one source hash per anchor. No path.
"""
from __future__ import annotations

import re

from positionkit.resolve.anchors import META_PREFIX, PREFIX, PROPERTY, Stamp

__all__ = ["mark_parts"]


def _escape(text: str) -> str:
    """XML attribute/text escaping (xml.sax.saxutils would import urllib.request: 40 ms)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")

_BOOKMARK = re.compile(rb'(<w:bookmarkStart\b[^>]*\bw:name=")((?:' + PREFIX.encode() + rb"|"
                       + META_PREFIX.encode() + rb')[a-z0-9]+")')
_CUSTOM = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="{name}">'
    "<vt:lpwstr>{value}</vt:lpwstr></property></Properties>"
)


def mark_parts(parts: dict[str, bytes], stamp: Stamp | None) -> dict[str, bytes]:
    """The package's parts (name -> bytes) with review bookmarks hidden and the stamp property
    written; unchanged without a stamp."""
    if stamp is None:
        return parts
    if "docProps/custom.xml" not in parts:
        raise ValueError("pandoc wrote no docProps/custom.xml part")
    custom = _CUSTOM.format(name=PROPERTY, value=_escape(stamp.to_json())).encode("utf-8")
    out = dict(parts)
    if "word/document.xml" in out:
        out["word/document.xml"] = _BOOKMARK.sub(rb"\1_\2", out["word/document.xml"])
    out["docProps/custom.xml"] = custom
    return out
