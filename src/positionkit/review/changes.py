"""Changes: every comment, insertion, deletion and replacement of a reviewed DOCX, placed at a
source position, with the edit of the source file it stands for.

A paragraph's text in the DOCX is aligned with its resolved Markdown (difflib, character level),
and the resolved Markdown with the source lines as written (parameter values are the gaps between
the literal pieces around ``{{ name }}``). An edit inside a parameter value goes to where that
value is given: the include's attribute, else paper.yaml / the audience file / the block's
default. An edit that crosses markup (a citation, emphasis, a link) is reported, not guessed.
"""
from __future__ import annotations

import re
from dataclasses import replace
from difflib import SequenceMatcher

from positionkit.load.project import Project
from positionkit.resolve import anchors as anc
from positionkit.review.locate import MIN_RATIO, Located, Place, anchor_text, new_paragraph_owner, plain, ratio
from positionkit.review.read import Paragraph, Reviewed
from positionkit.review.items import Edit, Item
from positionkit.review.sources import SourceIndex

_PARAM = re.compile(r"\{\{\s*([A-Za-z_][\w-]*)\s*\}\}")
_QUOTES = str.maketrans("“”„«»‘’", "\"\"\"\"\"''")
_ESCAPE = re.compile(r"([\\`*_\[\]<>{}]|(?<![\w\\])@)")


def md_escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", " ".join(text.split("\n")))


def _edits(par: Paragraph) -> list[tuple[str, int, int, str, str, str, str]]:
    """-> (kind, start, end, new text, old text, author, date); offsets in the text before changes."""
    out = []
    offset, i, segs = 0, 0, par.segments
    while i < len(segs):
        s = segs[i]
        if s.kind == "same":
            offset += len(s.text)
            i += 1
            continue
        nxt = segs[i + 1] if i + 1 < len(segs) else None
        if nxt is not None and {s.kind, nxt.kind} == {"ins", "del"}:
            old = s.text if s.kind == "del" else nxt.text
            new = s.text if s.kind == "ins" else nxt.text
            out.append(("replacement", offset, offset + len(old), new, old, s.author, s.date))
            offset += len(old)
            i += 2
            continue
        if s.kind == "del":
            out.append(("deletion", offset, offset + len(s.text), "", s.text, s.author, s.date))
            offset += len(s.text)
        else:
            out.append(("insertion", offset, offset, s.text, "", s.author, s.date))
        i += 1
    return out


def _char_map(before: str, resolved: str) -> dict[int, int]:
    a, b = before.translate(_QUOTES), resolved.translate(_QUOTES)
    out = {}
    for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for k in range(m.size):
            out[m.a + k] = m.b + k
    return out


def _span(cmap: dict[int, int], start: int, end: int, old: str, resolved: str) -> tuple[int, int] | None:
    """The resolved-text range of the DOCX range [start, end)."""
    if end > start:
        first, last = cmap.get(start), cmap.get(end - 1)
        if first is not None and last is not None and last - first == end - 1 - start:
            return first, last + 1
        norm, res = old.translate(_QUOTES), resolved.translate(_QUOTES)
        if norm.strip() and res.count(norm) == 1:
            at = res.index(norm)
            return at, at + len(norm)
        return None
    if start > 0 and cmap.get(start - 1) is not None:
        return cmap[start - 1] + 1, cmap[start - 1] + 1
    if cmap.get(start) is not None:
        return cmap[start], cmap[start]
    return None


def _raw_map(resolved: str, raw: str) -> tuple[list[int], list[tuple[int, int, str]]]:
    """resolved index -> raw index (-1 inside a parameter value); and (start, end, name) of each value."""
    out: list[int] = []
    params: list[tuple[int, int, str]] = []
    r_off = s_off = 0
    for rl, sl in zip(resolved.split("\n"), raw.split("\n")):
        ms = list(_PARAM.finditer(sl))
        line_map: list[int] = []
        found: list[tuple[int, int, str]] = []
        pos = prev = 0
        ok = True
        for k, m in enumerate(ms):
            lit = sl[prev:m.start()]
            if not rl.startswith(lit, pos):
                ok = False
                break
            line_map += [s_off + prev + j for j in range(len(lit))]
            pos += len(lit)
            following = sl[m.end():ms[k + 1].start() if k + 1 < len(ms) else len(sl)]
            stop = rl.find(following, pos) if following else len(rl)
            if stop < 0:
                ok = False
                break
            found.append((r_off + pos, r_off + stop, m.group(1)))
            line_map += [-1] * (stop - pos)
            pos, prev = stop, m.end()
        if ok and rl[pos:] == sl[prev:]:
            line_map += [s_off + prev + j for j in range(len(sl) - prev)]
            params += found
        else:
            line_map = [-1] * len(rl)
        out += line_map
        out.append(s_off + len(sl))  # the newline
        r_off += len(rl) + 1
        s_off += len(sl) + 1
    return out, params


def _position(text: str, base_line: int, offset: int) -> tuple[int, int]:
    head = text[:offset]
    return base_line + head.count("\n"), offset - (head.rfind("\n") + 1) + 1


class Planner:
    """Turns located paragraphs into items and edits."""

    def __init__(self, project: Project, located: Located, index: SourceIndex):
        self.project, self.located, self.index = project, located, index
        self.stamp: dict | None = None

    def items(self, reviewed: Reviewed) -> list[Item]:
        self.stamp = reviewed.stamp
        out = []
        for i, (par, place) in enumerate(zip(reviewed.paragraphs, self.located.places)):
            out += self._paragraph(i, par, place)
        return out

    def _paragraph(self, i: int, par: Paragraph, place: Place) -> list[Item]:
        matched = "text" if place.how == "text" else "anchor" if place.anchor or place.meta_key else "none"
        found = []
        if place.how == "new":
            owner = new_paragraph_owner(self.located, i)
            for kind, _s, _e, new, _old, author, date in _edits(par):
                found.append(self._new_paragraph(owner, new, author, date))
        else:
            for kind, start, end, new, old, author, date in _edits(par):
                item = Item(kind, author, date, new if kind != "deletion" else old,
                            old if kind == "replacement" else None, matched=matched)
                found.append(self._place_edit(item, par, place, start, end, new, old))
        for c in par.comments:
            replies = tuple({"author": r.author, "date": r.date, "text": r.text} for r in c.replies)
            item = Item("comment", c.author, c.date, c.text, c.quoted or None, matched=matched, replies=replies)
            found.append(self._place_comment(item, par, place, c.offset))
        return found

    # -- where an edit goes -------------------------------------------------------------------

    def _place_edit(self, item: Item, par, place: Place, start, end, new, old) -> Item:
        if place.how == "meta":
            key = place.meta_key
            value = str(self.located.doc.meta.get(key) or "")
            built = ((self.stamp or {}).get("meta") or {}).get(key)
            if built and built != anc.source_hash(value):
                path, line = self.index.meta_line(self.located.doc, key)
                item = replace(item, path=path, line=line, col=1)
                if value and value in par.after:
                    return replace(item, status="already applied")
                return replace(item, status="conflict", source_text=value, docx_text=par.before,
                               reason="the source changed since this DOCX was built")
            return self.index.meta_edit(item, self.located.doc, key, par.before, start, end, new)
        a = place.anchor
        if a is None and place.changed:  # the paragraph is gone from the sources
            if not par.after.strip():
                return replace(item, status="already applied")
            return replace(item, status="conflict", docx_text=par.before, source_text="",
                           reason="this paragraph is no longer in the sources")
        if a is None:
            return replace(item, status="rendered", matched="none")
        item = replace(item, path=a.path, line=a.line, col=1, block=self.index.block_of(a.path))
        if place.changed:
            return self._changed(item, par, a)
        if place.how == "text" and self._reads_as_after(par, a):
            return replace(item, status="already applied")
        if item.kind == "deletion" and par.before.strip() and not par.after.strip():
            return self._delete_paragraph(item, a)
        resolved = anchor_text(self.located.doc, a)
        raw = self.index.raw(a)
        span = _span(_char_map(par.before, resolved), start, end, old, resolved)
        if span is None:
            return replace(item, status="unplaced", reason="the change crosses a citation, link or emphasis: "
                                                            "make it by hand")
        rmap, params = _raw_map(resolved, raw)
        rs, re_ = span
        for ps, pe, name in params:
            if ps <= rs and re_ <= pe and (rs < pe or re_ > ps):
                value = resolved[ps:pe]
                new_value = value[:rs - ps] + md_escape(new) + value[re_ - ps:]
                return self.index.param_edit(item, self.located.doc, a, name, value, new_value)
        s = rmap[rs] if rs < len(rmap) else len(raw)
        e = rmap[re_ - 1] + 1 if re_ > rs else s
        if s < 0 or (re_ > rs and (rmap[re_ - 1] < 0 or e - s != re_ - rs)):
            return replace(item, status="unplaced", reason="the change crosses a {{ parameter }}: make it by hand")
        line, col = _position(raw, a.line, s)
        base = self.index.offset(a.path, a.line)
        return replace(item, line=line, col=col, edits=(Edit(a.path, base + s, base + e, md_escape(new)),))

    def _delete_paragraph(self, item: Item, a: anc.Anchor) -> Item:
        """A paragraph deleted whole: its lines go, with one blank line next to them."""
        text = self.index.text(a.path)
        lines = text.split("\n")
        real = len(lines) - (1 if text.endswith("\n") else 0)
        start, end = self.index.offset(a.path, a.line), min(self.index.offset(a.path, a.end + 1), len(text))
        if a.end < real and not lines[a.end].strip():
            end = min(self.index.offset(a.path, a.end + 2), len(text))
        elif a.line > 1 and not lines[a.line - 2].strip():
            start = self.index.offset(a.path, a.line - 1)
        return replace(item, edits=(Edit(a.path, start, end, ""),))

    def _reads_as_after(self, par: Paragraph, a: anc.Anchor) -> bool:
        """The source already reads as the reviewer wanted (matched by text: no hash to tell)."""
        current = plain(anchor_text(self.located.doc, a))
        return par.changed and ratio(plain(par.after), current) > ratio(plain(par.before), current)

    def _changed(self, item: Item, par: Paragraph, a: anc.Anchor) -> Item:
        current = plain(anchor_text(self.located.doc, a))
        if not par.after.strip() and ratio(plain(par.before), current) < MIN_RATIO:
            return replace(item, status="already applied")  # deleted whole, and gone
        if ratio(plain(par.after), current) > max(ratio(plain(par.before), current), 0.9 - 1e-9) \
                or plain(par.after) == current:
            return replace(item, status="already applied")
        return replace(item, status="conflict", source_text=self.index.raw(a), docx_text=par.before,
                       reason="the source changed since this DOCX was built")

    def _new_paragraph(self, owner: anc.Anchor | None, text: str, author: str, date: str) -> Item:
        item = Item("insertion", author, date, text, matched="anchor" if owner else "none")
        if owner is None:
            return replace(item, status="unplaced", reason="a new paragraph with no paragraph before it")
        item = replace(item, path=owner.path, line=owner.end + 1, col=1, block=self.index.block_of(owner.path))
        body = md_escape(text).strip()
        if self.index.contains(owner.path, body):
            return replace(item, status="already applied")
        at = self.index.offset(owner.path, owner.end + 1) - 1
        return replace(item, edits=(Edit(owner.path, at, at, "\n\n" + body, note=False),))

    # -- comments -----------------------------------------------------------------------------

    def _place_comment(self, item: Item, par: Paragraph, place: Place, offset: int) -> Item:
        if place.how == "meta":
            path, line = self.index.meta_line(self.located.doc, place.meta_key)
            return replace(item, path=path, line=line, col=1, status="listed",
                           reason="comments on the title block are listed, not written into YAML")
        a = place.anchor
        if a is None and place.changed:
            return replace(item, status="conflict", docx_text=par.before, source_text="",
                           reason="this paragraph is no longer in the sources")
        if a is None:
            return replace(item, status="rendered", matched="none")
        item = replace(item, path=a.path, line=a.line, col=1, block=self.index.block_of(a.path))
        if not place.changed:
            span = _span(_char_map(par.before, anchor_text(self.located.doc, a)), offset, offset, "",
                         anchor_text(self.located.doc, a))
            rmap, _ = _raw_map(anchor_text(self.located.doc, a), self.index.raw(a))
            if span is not None and span[0] < len(rmap) and rmap[span[0]] >= 0:
                line, col = _position(self.index.raw(a), a.line, rmap[span[0]])
                item = replace(item, line=line, col=col)
        note = note_text(item)
        if self.index.contains(a.path, note.split("\n")[1]):
            return replace(item, status="already applied")
        if place.changed:
            return self._changed(item, par, a) if par.changed else replace(
                item, status="conflict", source_text=self.index.raw(a), docx_text=par.before,
                reason="the source changed since this DOCX was built")
        at = self.index.offset(a.path, a.end + 1) - 1
        tight = self.index.next_line_is_text(a.path, a.end)
        text = ("\n" if tight else "\n\n") + note
        return replace(item, edits=(Edit(a.path, at, at, text, note=True),))


def note_text(item: Item) -> str:
    """The ``::: internal`` note a comment becomes (internal notes never print)."""
    def one(label, author, date, text):
        return f"{label} ({author or 'unknown'}, {date[:10] or 'undated'}): " + " ".join(text.split())

    lines = [one("Review comment", item.author, item.date, item.text)]
    lines += [one("Reply", r["author"], r["date"], r["text"]) for r in item.replies]
    return "::: internal\n" + "\n\n".join(lines) + "\n:::"
