"""One source paragraph (a stamp's chunk) as a template and the units a translator sees.

A heading, each list item, each table cell, a footnote's text and every run of prose lines is a
unit; div fences, code, list markers, heading marks and ``{#id}`` attributes stay in the template,
which the translation's paragraph is rebuilt from. A unit with no words (only a citation, a
number, an image without alt text) is not offered: it is copied as it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from positionkit.markdown import is_code_fence, is_div_fence
from positionkit.translations import placeholders as ph

_HEADING = re.compile(r"^(#{1,6}[ \t]+)(.*?)([ \t]+\{[^{}]*\})?[ \t]*#*[ \t]*$")
_ITEM = re.compile(r"^([ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?)(.*)$")
_FOOTNOTE = re.compile(r"^(\[\^[^\]\s]+\]:[ \t]*)(.*)$")
_QUOTE = re.compile(r"^([ \t]{0,3}>[ \t]?)(.*)$")
_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")


@dataclass(frozen=True)
class Slot:
    index: int


@dataclass(frozen=True)
class Template:
    lines: tuple[tuple, ...]
    """Each output line: a tuple of str and Slot."""
    units: tuple[str, ...]
    """Each unit's Markdown text, whitespace folded."""
    offsets: tuple[int, ...] = ()
    """Each unit's 0-based line offset within the paragraph."""

    def fill(self, texts: list[str]) -> list[str]:
        return ["".join(texts[p.index] if isinstance(p, Slot) else p for p in line) for line in self.lines]


def _cells(line: str) -> list[str]:
    """Split a pipe-table row on unescaped pipes outside code."""
    cells, buf, i, code = [], "", 0, False
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            buf += line[i:i + 2]
            i += 2
            continue
        if c == "`":
            code = not code
        if c == "|" and not code:
            cells.append(buf)
            buf = ""
        else:
            buf += c
        i += 1
    cells.append(buf)
    return cells


def template(lines: tuple[str, ...] | list[str], in_code: bool = False) -> Template:
    out: list[tuple] = []
    units: list[str] = []
    offsets: list[int] = []
    para: list[str] = []
    prefix = [""]
    at = [0, 0]  # current line, first line of the pending prose

    def slot_or_text(text: str) -> object:
        text = " ".join(text.split())
        if not text or not ph.has_words(ph.tokenize(text)):
            return text
        units.append(text)
        offsets.append(at[1] if para else at[0])
        return Slot(len(units) - 1)

    def flush():
        if para:
            out.append((prefix[0], slot_or_text(" ".join(para))))
            para.clear()
        at[1] = at[0]

    for n, line in enumerate(lines):
        at[0] = n
        if not para:
            at[1] = n
        if in_code or is_code_fence(line):
            flush()
            out.append((line,))
            if is_code_fence(line):
                in_code = not in_code
            continue
        if is_div_fence(line):
            flush()
            out.append((line,))
            continue
        if m := _HEADING.match(line):
            flush()
            out.append((m.group(1), slot_or_text(m.group(2)), m.group(3) or ""))
            continue
        if line.lstrip().startswith("|"):
            flush()
            if _TABLE_SEP.match(line):
                out.append((line,))
            else:
                parts: list = []
                for k, cell in enumerate(_cells(line)):
                    if k:
                        parts.append("|")
                    lead = cell[: len(cell) - len(cell.lstrip())]
                    trail = cell[len(cell.rstrip()):]
                    parts.extend([lead, slot_or_text(cell), trail] if cell.strip() else [cell])
                out.append(tuple(parts))
            continue
        m = _ITEM.match(line) or _FOOTNOTE.match(line)
        if m:
            flush()
            prefix[0] = m.group(1)
            para.append(m.group(2))
            continue
        m = _QUOTE.match(line)
        if m and not (para and not prefix[0].lstrip().startswith(">")):
            if not para:
                prefix[0] = m.group(1)
            para.append(m.group(2))
            continue
        if not para:
            prefix[0] = line[: len(line) - len(line.lstrip())]
        para.append(line.strip())
    flush()
    return Template(tuple(out), tuple(units), tuple(offsets))


def opens_code(lines, in_code: bool) -> bool:
    """Whether a code block is open after these lines."""
    for line in lines:
        if is_code_fence(line):
            in_code = not in_code
    return in_code
