"""The current source files a review writes into: their text, which block and library each belongs
to, and where title-block fields and parameter values are given."""
from __future__ import annotations

import re
from dataclasses import replace

from positionkit.load.audiences import audiences_path
from positionkit.load.project import Project
from positionkit.load.sources import read_text
from positionkit.markdown import parse_attrs
from positionkit.resolve import anchors as anc
from positionkit.resolve.document import Resolved
from positionkit.review.items import Edit

_INCLUDE = re.compile(r"^ {0,3}:{3,}\s*(\{[^}]*\})\s*:*\s*$")


class SourceIndex:
    def __init__(self, project: Project):
        self.project = project
        self.texts = dict(anc.project_texts(project))
        self.blocks: dict[str, str] = {}
        self.library: dict[str, str] = {}
        for block in project.blocks.values():
            paths = [block.source.path] + [s.path for s in project.translations.get(block.source.path, {}).values()]
            for path in paths:
                self.blocks[path] = block.id
                if block.library:
                    self.library[path] = block.library

    # -- text -----------------------------------------------------------------------------------

    def text(self, path: str) -> str:
        if path not in self.texts:
            text, _ = read_text(self.project.root, path)
            self.texts[path] = text or ""
        return self.texts[path]

    def lines(self, path: str) -> list[str]:
        return self.text(path).split("\n")

    def raw(self, a: anc.Anchor) -> str:
        return "\n".join(self.lines(a.path)[a.line - 1:a.end])

    def offset(self, path: str, line: int) -> int:
        """Offset of the start of 1-based ``line``; one past the end for a line after the last."""
        lines = self.lines(path)
        if line > len(lines):
            return len(self.text(path)) + 1
        return sum(len(ln) + 1 for ln in lines[:line - 1])

    def contains(self, path: str, text: str) -> bool:
        return bool(text) and text in self.text(path)

    def next_line_is_text(self, path: str, line: int) -> bool:
        lines = self.lines(path)
        return line < len(lines) and bool(lines[line].strip())

    def block_of(self, path: str) -> str | None:
        return self.blocks.get(path)

    def library_of(self, path: str) -> str | None:
        return self.library.get(path)

    # -- title block (paper.yaml / paper.<lang>.yaml) -------------------------------------------

    def meta_line(self, doc: Resolved, key: str | None) -> tuple[str, int | None]:
        paper = self.project.papers[doc.target.paper]
        if doc.target.lang != self.project.config.source_lang:
            path = f"{paper.dir}/paper.{doc.target.lang}.yaml"
            line = self._key_line(path, key)
            if line:
                return path, line
        return paper.yaml_path, self._key_line(paper.yaml_path, key)

    def _key_line(self, path: str, key: str | None) -> int | None:
        if not key:
            return None
        for i, ln in enumerate(self.lines(path), start=1):
            if re.match(rf"^{re.escape(key)}\s*:", ln):
                return i
        return None

    def meta_edit(self, item, doc: Resolved, key: str | None, before: str, start: int, end: int, new: str):
        path, line = self.meta_line(doc, key)
        value = str(doc.meta.get(key) or "")
        item = replace(item, path=path, line=line, col=1)
        at = before.find(value) if value else -1
        if line is None or at < 0 or not (at <= start and end <= at + len(value)):
            return replace(item, status="unplaced", reason="this part of the title block has no source text")
        raw = self.lines(path)[line - 1]
        col = raw.find(value, raw.index(":") + 1)
        if col < 0 or any(c in new for c in "\"'\\:#"):
            return replace(item, status="unplaced", reason=f"edit '{key}' in {path} by hand")
        new_value = value[:start - at] + new + value[end - at:]
        base = self.offset(path, line) + col
        return replace(item, col=col + 1 + start - at,
                       edits=(Edit(path, base, base + len(value), new_value),))

    # -- parameter values -------------------------------------------------------------------------

    def _include_line(self, doc: Resolved, a: anc.Anchor) -> tuple[str, int] | None:
        """The block include that printed the paragraph at anchor ``a``: the resolver frames a
        block's lines with blank lines that carry the include's position."""
        for ln in reversed(doc.lines[:a.index]):
            if not ln.text.strip() and ln.path != a.path:
                raw = self.lines(ln.path)[ln.line - 1] if ln.line <= len(self.lines(ln.path)) else ""
                if _INCLUDE.match(raw) and "block" in raw:
                    return ln.path, ln.line
        return None

    def param_edit(self, item, doc: Resolved, a: anc.Anchor, name: str, value: str, new_value: str):
        found = self._include_line(doc, a) if a.path in self.blocks else None
        if found:
            path, line = found
            raw = self.lines(path)[line - 1]
            attrs = parse_attrs(_INCLUDE.match(raw).group(1))
            if attrs is not None and attrs.get(name) is not None:
                m = re.search(rf'(?<![\w-]){re.escape(name)}=(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'}}]+))', raw)
                if m:
                    g = next(k for k in (1, 2, 3) if m.group(k) is not None)
                    base = self.offset(path, line)
                    text = new_value.replace('"', "'") if g == 1 else new_value
                    return replace(item, path=path, line=line, col=m.start(g) + 1, block=self.blocks.get(a.path),
                                   edits=(Edit(path, base + m.start(g), base + m.end(g), text),))
        paper = self.project.papers[doc.target.paper]
        people = [audiences_path(self.project, paper.slug)] if doc.target.audience else []
        candidates = [paper.yaml_path, *people] + ([found[0]] if found else []) + [a.path]
        plain_value = value.replace("\\", "")
        for path in candidates:
            hits = [(i, ln) for i, ln in enumerate(self.lines(path), start=1) if plain_value in ln]
            if len(hits) == 1 and not any(c in new_value for c in "\"'\\:#"):
                i, ln = hits[0]
                col = ln.index(plain_value)
                base = self.offset(path, i)
                return replace(item, path=path, line=i, col=col + 1,
                               edits=(Edit(path, base + col, base + col + len(plain_value),
                                           new_value.replace("\\", "")),))
        return replace(item, status="unplaced", reason=f"the value of parameter '{name}' is given where "
                                                       "positionkit cannot edit it safely: change it by hand")
