"""A reviewer in Word, simulated: tracked changes and threaded comments written into a built DOCX
as Word writes them (w:ins, w:del with w:delText, comments.xml with w14:paraId,
commentsExtended.xml with w15:paraIdParent for replies)."""
from __future__ import annotations

import copy
import io
import zipfile

from lxml import etree

NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
      "w15": "http://schemas.microsoft.com/office/word/2012/wordml"}
W = "{%s}" % NS["w"]
W14 = "{%s}" % NS["w14"]
W15 = "{%s}" % NS["w15"]
DATE = "2026-12-01T10:00:00Z"


class Reviewer:
    def __init__(self, data: bytes):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.doc = etree.fromstring(self.zip.read("word/document.xml"))
        self.comments: list = []  # (id, author, text, parent id or None)
        self.next_id = 900
        self.strip = False

    # -- finding text ---------------------------------------------------------------------------

    def paragraph(self, containing: str):
        for p in self.doc.iter(f"{W}p"):
            if containing in "".join(t.text or "" for t in p.iter(f"{W}t")):
                return p
        raise AssertionError(f"no paragraph contains {containing!r}")

    def _isolate(self, text: str, within: str | None = None):
        """The run that holds exactly ``text`` (split out of the run that contains it)."""
        p = self.paragraph(within or text)
        for r in p.iter(f"{W}r"):
            t = r.find(f"{W}t")
            if t is None or text not in (t.text or ""):
                continue
            before, after = t.text.split(text, 1)
            parent, at = r.getparent(), r.getparent().index(r)
            pieces = []
            for piece in (before, text, after):
                if piece:
                    nr = copy.deepcopy(r)
                    nt = nr.find(f"{W}t")
                    nt.text = piece
                    nt.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                    pieces.append((piece, nr))
            parent.remove(r)
            for k, (_, nr) in enumerate(pieces):
                parent.insert(at + k, nr)
            return next(nr for piece, nr in pieces if piece == text)
        raise AssertionError(f"{text!r} is not inside one run")

    def _mark(self, tag: str, author: str):
        self.next_id += 1
        el = etree.Element(f"{W}{tag}")
        el.set(f"{W}id", str(self.next_id))
        el.set(f"{W}author", author)
        el.set(f"{W}date", DATE)
        return el

    # -- tracked changes --------------------------------------------------------------------------

    def delete(self, text: str, author: str = "Ana Reviewer", within: str | None = None):
        run = self._isolate(text, within)
        d = self._mark("del", author)
        run.addprevious(d)
        d.append(run)
        run.find(f"{W}t").tag = f"{W}delText"
        return d

    def insert_after(self, anchor_text: str, text: str, author: str = "Ana Reviewer", within: str | None = None):
        run = self._isolate(anchor_text, within)
        ins = self._mark("ins", author)
        new = copy.deepcopy(run)
        new.find(f"{W}t").text = text
        ins.append(new)
        run.addnext(ins)

    def replace(self, old: str, new: str, author: str = "Ana Reviewer", within: str | None = None):
        d = self.delete(old, author, within)
        ins = self._mark("ins", author)
        r = copy.deepcopy(d[0])
        r.find(f"{W}delText").tag = f"{W}t"
        r.find(f"{W}t").text = new
        ins.append(r)
        d.addnext(ins)

    def comment(self, text_in_doc: str, comment: str, author: str = "Ben Adviser",
                replies: tuple = (), within: str | None = None):
        run = self._isolate(text_in_doc, within)
        ids = []
        for k, (who, what) in enumerate([(author, comment), *replies]):
            self.next_id += 1
            cid = str(self.next_id)
            ids.append(cid)
            self.comments.append((cid, who, what, ids[0] if k else None))
            start = etree.Element(f"{W}commentRangeStart")
            start.set(f"{W}id", cid)
            end = etree.Element(f"{W}commentRangeEnd")
            end.set(f"{W}id", cid)
            ref = etree.Element(f"{W}r")
            etree.SubElement(ref, f"{W}commentReference").set(f"{W}id", cid)
            run.addprevious(start)
            run.addnext(end)
            end.addnext(ref)

    def strip_anchors(self):
        """What a tool that drops bookmarks and custom properties leaves."""
        for b in list(self.doc.iter(f"{W}bookmarkStart")):
            if (b.get(f"{W}name") or "").startswith("_pk"):
                bid = b.get(f"{W}id")
                for e in list(self.doc.iter(f"{W}bookmarkEnd")):
                    if e.get(f"{W}id") == bid:
                        e.getparent().remove(e)
                b.getparent().remove(b)
        self.strip = True

    # -- saving -----------------------------------------------------------------------------------

    def _comments_xml(self) -> tuple[bytes, bytes]:
        root = etree.Element(f"{W}comments", nsmap={"w": NS["w"], "w14": NS["w14"]})
        ext = etree.Element(f"{W15}commentsEx", nsmap={"w15": NS["w15"]})
        para_of = {}
        for cid, who, what, parent in self.comments:
            c = etree.SubElement(root, f"{W}comment")
            c.set(f"{W}id", cid)
            c.set(f"{W}author", who)
            c.set(f"{W}date", DATE)
            c.set(f"{W}initials", "".join(w[0] for w in who.split()))
            p = etree.SubElement(c, f"{W}p")
            para_of[cid] = f"{int(cid):08X}"
            p.set(f"{W14}paraId", para_of[cid])
            r = etree.SubElement(p, f"{W}r")
            etree.SubElement(r, f"{W}t").text = what
            ex = etree.SubElement(ext, f"{W15}commentEx")
            ex.set(f"{W15}paraId", para_of[cid])
            if parent:
                ex.set(f"{W15}paraIdParent", para_of[parent])
            ex.set(f"{W15}done", "0")
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), \
            etree.tostring(ext, xml_declaration=True, encoding="UTF-8")

    def save(self) -> bytes:
        out = io.BytesIO()
        comments, extended = self._comments_xml()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for name in self.zip.namelist():
                part = self.zip.read(name)
                if name == "word/document.xml":
                    part = etree.tostring(self.doc, xml_declaration=True, encoding="UTF-8")
                elif name == "docProps/custom.xml" and self.strip:
                    part = (b'<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxml'
                            b'formats.org/officeDocument/2006/custom-properties"/>')
                elif name == "[Content_Types].xml" and self.comments:
                    part = part.replace(b"</Types>", (
                        b'<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-'
                        b'officedocument.wordprocessingml.comments+xml"/><Override PartName="/word/commentsExtended'
                        b'.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                        b'commentsExtended+xml"/></Types>'))
                elif name == "word/_rels/document.xml.rels" and self.comments:
                    part = part.replace(b"</Relationships>", (
                        b'<Relationship Id="rIdPkC1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        b'relationships/comments" Target="comments.xml"/><Relationship Id="rIdPkC2" Type="http://'
                        b'schemas.microsoft.com/office/2011/relationships/commentsExtended" Target="commentsExtended'
                        b'.xml"/></Relationships>'))
                dst.writestr(name, part)
            if self.comments:
                dst.writestr("word/comments.xml", comments)
                dst.writestr("word/commentsExtended.xml", extended)
        return out.getvalue()


def through_libreoffice(files: dict, tmp) -> dict:
    """Each DOCX opened and saved again by LibreOffice, all in one soffice run -> {name: bytes}."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        import pytest

        pytest.skip("LibreOffice (soffice) is not installed")
    src, out, profile = tmp / "lo-in", tmp / "lo-out", tmp / "lo-profile"
    src.mkdir()
    out.mkdir()
    for name, data in files.items():
        (src / name).write_bytes(data)
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(out), *sorted(str(src / n) for n in files)],
                   check=True, capture_output=True, timeout=300)
    return {name: (out / name).read_bytes() for name in files}
