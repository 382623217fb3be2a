"""Read a reviewed DOCX: per paragraph, its anchors, its text with tracked insertions and
deletions, and the comments (with replies) anchored in it.

WordprocessingML is read directly with lxml rather than through pandoc's DOCX reader: pandoc
keeps insertions, deletions and comments but drops what review needs to find the source again
(our hidden ``_pkr`` bookmarks inside a paragraph, comment threads from commentsExtended.xml,
inserted or deleted paragraph marks). See docs/review.md.
"""
from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass, field

from lxml import etree

from positionkit.resolve.anchors import META_PREFIX, PREFIX, PROPERTY

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
_CP = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_VT = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"


MAX_PART_BYTES = 200 * 2**20
"""A DOCX part larger than this is refused (a zip bomb, not a briefing note)."""


class ReadError(Exception):
    """The file is not a DOCX that can be read."""


@dataclass(frozen=True)
class Segment:
    """A run of paragraph text: unchanged (``same``), inserted (``ins``) or deleted (``del``)."""

    kind: str
    text: str
    author: str = ""
    date: str = ""


@dataclass(frozen=True)
class Comment:
    id: str
    author: str
    date: str
    text: str
    quoted: str = ""
    """The commented text (as it reads before the reviewers' changes)."""
    offset: int = 0
    """Where the commented text starts in the paragraph's text before changes."""
    replies: tuple["Comment", ...] = ()


@dataclass(frozen=True)
class Paragraph:
    anchors: tuple[str, ...]
    """Review anchor ids found in the paragraph (``pkr7``, ``pkmtitle``), without the underscore."""
    segments: tuple[Segment, ...]
    comments: tuple[Comment, ...] = ()
    new: bool = False
    """Every run is a tracked insertion: a paragraph the reviewer added."""

    @property
    def before(self) -> str:
        return "".join(s.text for s in self.segments if s.kind != "ins")

    @property
    def after(self) -> str:
        return "".join(s.text for s in self.segments if s.kind != "del")

    @property
    def changed(self) -> bool:
        return any(s.kind != "same" for s in self.segments)


@dataclass(frozen=True)
class Reviewed:
    stamp: dict | None
    """The positionkit-review property, parsed; None when it was lost."""
    paragraphs: tuple[Paragraph, ...] = field(default_factory=tuple)


def _xml(z: zipfile.ZipFile, name: str):
    if name not in z.namelist():
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(z.read(name), parser)


def _stamp(z: zipfile.ZipFile) -> dict | None:
    root = _xml(z, "docProps/custom.xml")
    if root is None:
        return None
    for prop in root.iter(f"{_CP}property"):
        if prop.get("name") == PROPERTY:
            value = "".join(prop.itertext())
            try:
                data = json.loads(value)
            except ValueError:
                return None
            return data if _valid(data) else None
    return None


def _valid(data) -> bool:
    """The property as a build writes it; anything else (edited by hand, another tool) is ignored."""
    return (isinstance(data, dict) and isinstance(data.get("paper"), str) and isinstance(data.get("lang"), str)
            and isinstance(data.get("hashes", ""), str) and isinstance(data.get("audience"), (str, type(None)))
            and isinstance(data.get("meta", {}), dict) and isinstance(data.get("build", ""), str))


def _text(el) -> str:
    out = []
    for node in el.iter(f"{W}t", f"{W}delText", f"{W}tab", f"{W}br", f"{W}noBreakHyphen"):
        if node.tag in (f"{W}t", f"{W}delText"):
            out.append(node.text or "")
        elif node.tag == f"{W}noBreakHyphen":
            out.append("-")
        else:
            out.append(" " if node.tag == f"{W}tab" else "\n")
    return "".join(out)


def _comment_texts(z) -> tuple[dict, dict]:
    """-> ({id: (author, date, text, last paragraph's w14:paraId)}, {paraId: parent paraId})."""
    comments, parents = {}, {}
    root = _xml(z, "word/comments.xml")
    if root is not None:
        for c in root.iter(f"{W}comment"):
            paras = c.findall(f".//{W}p")
            text = "\n".join(_text(p) for p in paras).strip()
            para_id = paras[-1].get(f"{W14}paraId") if paras else None
            comments[c.get(f"{W}id")] = (c.get(f"{W}author") or "", c.get(f"{W}date") or "", text, para_id)
    ext = _xml(z, "word/commentsExtended.xml")
    if ext is not None:
        for ex in ext.iter(f"{W15}commentEx"):
            if ex.get(f"{W15}paraIdParent"):
                parents[ex.get(f"{W15}paraId")] = ex.get(f"{W15}paraIdParent")
    return comments, parents


def _paragraph(p) -> tuple[tuple[str, ...], list[Segment], dict, bool]:
    """-> (anchors, segments, {comment id: (offset, quoted)}, paragraph mark inserted)."""
    anchors, segments, ranges, open_ = [], [], {}, {}
    offset = 0
    for node in p.iter():
        tag = node.tag
        if tag == f"{W}bookmarkStart":
            name = node.get(f"{W}name") or ""
            if name.startswith(("_" + PREFIX, "_" + META_PREFIX)):
                anchors.append(name[1:])
        elif tag == f"{W}commentRangeStart":
            open_[node.get(f"{W}id")] = offset
        elif tag == f"{W}commentRangeEnd":
            cid = node.get(f"{W}id")
            start = open_.pop(cid, offset)
            ranges[cid] = (start, offset)
        elif tag == f"{W}commentReference":
            ranges.setdefault(node.get(f"{W}id"), (offset, offset))
        elif tag in (f"{W}t", f"{W}delText", f"{W}tab", f"{W}br", f"{W}noBreakHyphen"):
            if tag in (f"{W}t", f"{W}delText"):
                text = node.text or ""
            else:
                text = {f"{W}tab": " ", f"{W}br": " ", f"{W}noBreakHyphen": "-"}[tag]
            kind, author, date = "same", "", ""
            up = node.getparent()
            while up is not None and up is not p:
                if up.tag in (f"{W}ins", f"{W}moveTo"):
                    kind = "ins"
                elif up.tag in (f"{W}del", f"{W}moveFrom"):
                    kind = "del"
                if kind != "same":
                    author, date = up.get(f"{W}author") or "", up.get(f"{W}date") or ""
                    break
                up = up.getparent()
            if segments and (segments[-1].kind, segments[-1].author, segments[-1].date) == (kind, author, date):
                segments[-1] = Segment(kind, segments[-1].text + text, author, date)
            else:
                segments.append(Segment(kind, text, author, date))
            if kind != "ins":
                offset += len(text)
    for cid, start in open_.items():  # a range that runs into a later paragraph
        ranges[cid] = (start, offset)
    mark_ins = p.find(f"{W}pPr/{W}rPr/{W}ins") is not None
    return tuple(anchors), segments, ranges, mark_ins


def _shared_ranges(ranges: dict, texts: dict) -> dict:
    """Without commentsExtended.xml (LibreOffice does not write it) a reply is a comment on exactly
    the same range: the earliest comment of each range is the thread's start."""
    groups: dict = {}
    for cid, span in ranges.items():
        if cid in texts:
            groups.setdefault(span, []).append(cid)
    out = {}
    for ids in groups.values():
        ids.sort(key=lambda c: (texts[c][1], int(c) if c.isdigit() else 0))
        out.update({c: ids[0] for c in ids[1:]})
    return out


def read_docx(path) -> Reviewed:
    """The reviewed DOCX at ``path`` (a path or file object)."""
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise ReadError(f"not a DOCX file: {exc}") from exc
    with z:
        if any(info.file_size > MAX_PART_BYTES for info in z.infolist()):
            raise ReadError(f"a part of the file is larger than {MAX_PART_BYTES // 2**20} MB")
        try:
            body = _xml(z, "word/document.xml")
            if body is None:
                raise ReadError("no word/document.xml: not a Word document")
            stamp = _stamp(z)
            texts, parents = _comment_texts(z)
        except (etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError) as exc:
            raise ReadError(f"the file is damaged: {exc}") from exc
    by_para = {v[3]: k for k, v in texts.items() if v[3]}
    thread = {cid: by_para.get(parents.get(texts[cid][3])) for cid in texts if texts[cid][3] in parents}
    threaded = bool(parents)
    out, seen = [], set()
    for p in body.iter(f"{W}p"):
        if p.getparent() is not None and p.getparent().tag == f"{W}txbxContent":
            continue
        anchors, segments, ranges, _mark = _paragraph(p)
        before = "".join(s.text for s in segments if s.kind != "ins")
        comments = []
        if not threaded:
            thread.update(_shared_ranges(ranges, texts))
        for cid, (start, end) in ranges.items():
            if cid not in texts or thread.get(cid) or cid in seen:
                continue  # replies are listed under the comment they answer; a range over paragraphs once
            seen.add(cid)
            author, date, text, _ = texts[cid]
            replies = tuple(Comment(r, *texts[r][:3]) for r in texts if thread.get(r) == cid)
            comments.append(Comment(cid, author, date, text, before[start:end], start, replies))
        new = bool(segments) and all(s.kind == "ins" for s in segments)
        if segments or anchors or comments:
            out.append(Paragraph(anchors, tuple(segments), tuple(comments), new))
    return Reviewed(stamp, tuple(out))
