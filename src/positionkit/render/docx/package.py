"""The DOCX zip as shipped: parts pandoc adds that the handout has no use for are dropped, the
extended properties say who made the file and nothing else, pictures are not described by
their source, and the zip is re-packed.

pandoc always writes an empty ``word/comments.xml`` (with its relationship and content-type
override) and copies ``docProps/app.xml`` from its template: an editing time, ``Normal.dotm``,
"Microsoft Word 12" and word counts of the template, not of the handout.
"""

from __future__ import annotations

import io
import re
import time
import zipfile

__all__ = ["APP_XML", "finish_package", "finish_parts", "read_parts", "repack", "write_parts"]

APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Application>positionkit</Application><DocSecurity>0</DocSecurity></Properties>"
)
"""Extended properties: the producing application only (Word recounts pages and words itself)."""

_DROPPED = {"word/comments.xml"}
_COMMENTS_REL = re.compile(rb'<Relationship [^>]*Target="comments\.xml"[^>]*/>')
_COMMENTS_TYPE = re.compile(rb'<Override [^>]*PartName="/word/comments\.xml"[^>]*/>')
# pandoc describes each picture by its source: a whole data: URI. The drawing keeps the alt text.
_PICTURE_SOURCE = re.compile(rb'(<pic:cNvPr [^>]*?descr=")data:[^"]*(")')


def finish_package(data: bytes, epoch: int) -> bytes:
    """``data`` without the comments part and with :data:`APP_XML`, re-packed byte-stably."""
    return finish_parts(read_parts(data), epoch)


def read_parts(data: bytes) -> dict[str, bytes]:
    """A zip's members, name -> bytes, in the zip's order."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return {name: src.read(name) for name in src.namelist()}


def finish_parts(parts: dict[str, bytes], epoch: int) -> bytes:
    """:func:`finish_package` from the package's parts: the DOCX renderer edits parts and
    compresses once, here (each zip round trip cost 5-10 ms)."""
    out: dict[str, bytes] = {}
    for name, part in parts.items():
        if name in _DROPPED:
            continue
        if name == "docProps/app.xml":
            part = APP_XML
        elif name == "word/_rels/document.xml.rels":
            part = _COMMENTS_REL.sub(b"", part)
        elif name == "[Content_Types].xml":
            part = _COMMENTS_TYPE.sub(b"", part)
        elif name.startswith("word/") and name.endswith(".xml"):
            part = _PICTURE_SOURCE.sub(rb"\1\2", part)
        out[name] = part
    return write_parts(out, epoch)


def repack(data: bytes, epoch: int) -> bytes:
    """The same zip with fixed timestamps and a stable entry order (byte-identical rebuilds)."""
    return write_parts(read_parts(data), epoch)


def write_parts(parts: dict[str, bytes], epoch: int) -> bytes:
    """A zip of ``parts`` with fixed timestamps and a stable entry order ([Content_Types].xml
    first, then by name): byte-identical rebuilds."""
    stamp = time.gmtime(max(int(epoch), 315532800))[:6]  # zip cannot store dates before 1980
    names = sorted(parts, key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            dst.writestr(info, parts[name], compresslevel=6)
    return out.getvalue()
