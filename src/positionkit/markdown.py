"""Pandoc-Markdown structure positionkit needs, with source positions.

markdown-it-py parses CommonMark, which knows nothing of pandoc's fenced divs (``::: {.block}``)
or citations, so this module scans lines for exactly those two constructs and for code, which
hides them. Everything else is left to pandoc.
"""
from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote
from dataclasses import dataclass, field

_DIV_OPEN = re.compile(r"^ {0,3}(:{3,})\s*(\{[^}]*\}|[\w-]+)\s*:*\s*$")
_DIV_CLOSE = re.compile(r"^ {0,3}:{3,}\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_ATTR = re.compile(r"""\s*(?:\#([\w:.-]+)|\.([\w:-]+)|([\w:.-]+)=("[^"]*"|'[^']*'|[^\s"'}]+))""")
CITATION = re.compile(r"(?<![\w@\\])-?@(\{[^{}\s]+\}|[\w](?:[\w:.#$%&+?<>~/-]*[\w])?)")
_TICKS = re.compile(r"`+")
_RAW_ATTR = re.compile(r"\{=\s*([\w-]+)\s*\}")
MAX_DIV_DEPTH = 50


@dataclass(frozen=True)
class Line:
    """One line of Markdown and where it came from."""

    text: str
    path: str
    line: int


@dataclass(frozen=True)
class Attrs:
    id: str = ""
    classes: tuple[str, ...] = ()
    kv: tuple[tuple[str, str], ...] = ()

    def get(self, key: str, default: str | None = None) -> str | None:
        return dict(self.kv).get(key, default)

    def render(self) -> str:
        parts = ([f"#{self.id}"] if self.id else []) + [f".{c}" for c in self.classes]
        parts += [f'{k}="{v}"' for k, v in self.kv]
        return "{" + " ".join(parts) + "}"


@dataclass
class Div:
    attrs: Attrs
    open: Line
    close: Line | None = None
    children: list = field(default_factory=list)
    """Line and Div items, in order."""


def parse_attrs(text: str) -> Attrs | None:
    """Parse ``{#id .class key="value"}`` or a bare word; None when malformed."""
    text = text.strip()
    if not text.startswith("{"):
        return Attrs(classes=(text,))
    inner, pos = text[1:-1], 0
    ident, classes, kv = "", [], []
    while pos < len(inner):
        if not inner[pos:].strip():
            break
        m = _ATTR.match(inner, pos)
        if not m:
            return None
        if m.group(1):
            ident = m.group(1)
        elif m.group(2):
            classes.append(m.group(2))
        else:
            value = m.group(4)
            if value[:1] in "\"'":
                value = value[1:-1]
            kv.append((m.group(3), value))
        pos = m.end()
    return Attrs(ident, tuple(classes), tuple(kv))


def parse(lines: list[Line]) -> tuple[list, list[tuple[Line, str]]]:
    """Lines -> tree of Line and Div items; problems as (line, message)."""
    root: list = []
    stack: list[Div] = []
    problems: list[tuple[Line, str]] = []
    fence: str | None = None

    def add(item):
        (stack[-1].children if stack else root).append(item)

    for ln in lines:
        if fence is not None:
            add(ln)
            stripped = ln.text.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            continue
        m = _FENCE.match(ln.text)
        if m:
            fence = m.group(1)
            add(ln)
            continue
        if _DIV_CLOSE.match(ln.text):
            if stack:
                div = stack.pop()
                div.close = ln
            else:
                add(ln)  # pandoc prints a stray fence as text; so do we
            continue
        m = _DIV_OPEN.match(ln.text)
        if m:
            attrs = parse_attrs(m.group(2))
            if attrs is None:
                problems.append((ln, "cannot read the attributes of this div"))
                add(ln)
                continue
            if len(stack) >= MAX_DIV_DEPTH:  # bounds the recursion of everything that walks the tree
                problems.append((ln, f"::: divs are nested more than {MAX_DIV_DEPTH} deep"))
                add(ln)
                continue
            div = Div(attrs, ln)
            add(div)
            stack.append(div)
            continue
        add(ln)
    for div in stack:
        problems.append((div.open, "this ::: div is never closed"))
    return root, problems


def flatten(items: list) -> list[Line]:
    """Tree back to lines (the inverse of parse)."""
    out: list[Line] = []
    for item in items:
        if isinstance(item, Div):
            out.append(item.open)
            out.extend(flatten(item.children))
            out.append(item.close or Line(":::", item.open.path, item.open.line))
        else:
            out.append(item)
    return out


def to_lines(text: str, path: str, first_line: int = 1) -> list[Line]:
    return [Line(t, path, first_line + i) for i, t in enumerate(text.split("\n"))]


def mask_code(lines: list[Line]) -> list[str]:
    """Each line with code (fenced blocks, inline spans) blanked, columns kept."""
    out, fence = [], None
    for ln in lines:
        if fence is not None:
            out.append("")
            s = ln.text.strip()
            if s.startswith(fence) and set(s) == {fence[0]}:
                fence = None
            continue
        m = _FENCE.match(ln.text) if "``" in ln.text or "~~" in ln.text else None  # (the test: 10x cheaper)
        if m:
            fence = m.group(1)
            out.append("")
            continue
        out.append(_mask_spans(ln.text))
    return out


def _mask_spans(text: str) -> str:
    """Inline code spans blanked: a run of n backticks up to the next run of exactly n (as
    CommonMark and pandoc read them). Linear: a regex with backtracking took minutes on a line of
    backticks."""
    if "`" not in text:
        return text
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(text)]
    later: dict[int, list[int]] = {}  # run length -> indexes of runs of that length, last first
    for i in range(len(runs) - 1, -1, -1):
        later.setdefault(runs[i][1] - runs[i][0], []).append(i)
    chars, i = list(text), 0
    while i < len(runs):
        size = runs[i][1] - runs[i][0]
        same = later[size]
        while same and same[-1] <= i:
            same.pop()
        if not same:
            i += 1
            continue
        j = same.pop()
        for k in range(runs[i][0], runs[j][1]):
            chars[k] = " "
        i = j + 1
    return "".join(chars)


def citations(lines: list[Line], masked=None) -> list[tuple[str, Line, int]]:
    """(key, line, 1-based column) for each pandoc citation outside code (masked: mask_code(lines)
    when the caller has it)."""
    found = []
    for ln, text in zip(lines, mask_code(lines) if masked is None else masked):
        if "@" not in text:
            continue  # most lines cite nothing: no regex
        for m in CITATION.finditer(text):
            key = m.group(1)
            if key.startswith("{"):
                key = key[1:-1]
            found.append((key, ln, m.start() + 1))
    return found


def raw_blocks(lines: list[Line]) -> list[tuple[str, Line]]:
    """Raw-output markers: ```{=openxml}``` fences and `...`{=typst} spans."""
    found = []
    for ln in lines:
        m = _FENCE.match(ln.text)
        if m and _RAW_ATTR.search(m.group(2)):
            found.append((_RAW_ATTR.search(m.group(2)).group(1), ln))
            continue
        for mm in re.finditer(r"`+[^`]*`+" + _RAW_ATTR.pattern, ln.text):
            found.append((mm.group(1), ln))
    return found


# Bounded repeats keep the scan linear on pathological lines.
_ALT = r"((?:[^\[\]]|\[[^\[\]]{0,300}\]){0,1000})"
_INLINE = re.compile(r"!\[" + _ALT + r"\]\([ \t]{0,50}(<[^>\n]{0,1000}>|[^\s)]{0,1000})(?:[ \t]+[\"'(][^)]{0,1000})?\)")
_REF_USE = re.compile(r"!\[" + _ALT + r"\](?:\[([^\]]{0,1000})\])?(?!\()")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*(<[^>]*>|\S+)")
URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
REMOTE_SCHEMES = ("http", "https", "data", "ftp")


def images(lines, masked=None):
    """(alt, destination, line, 1-based column) for every image outside code."""
    if masked is None and "![" not in "\n".join(ln.text for ln in lines):
        return  # both image patterns begin with it (masking code only blanks characters)
    masked = mask_code(list(lines)) if masked is None else masked
    if "![" not in "\n".join(masked):
        return  # most documents have no image
    defs = {}
    for text in masked:
        m = _REF_DEF.match(text)
        if m:
            defs.setdefault(" ".join(m.group(1).lower().split()), m.group(2).strip("<>"))
    for ln, text in zip(lines, masked):
        for m in _INLINE.finditer(text):
            yield m.group(1), m.group(2).strip("<>"), ln, m.start() + 1
        for m in _REF_USE.finditer(text):
            label = " ".join((m.group(2) or m.group(1)).lower().split())
            if label in defs:
                yield m.group(1), defs[label], ln, m.start() + 1


def image_path(dest: str, md_path: str) -> str | None:
    """The project-relative path an image destination names, read relative to the Markdown file
    that shows it; None for remote, absolute or empty destinations (the images check reports them)."""
    scheme = URL_SCHEME.match(dest)
    path = unquote(dest.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
    if scheme or not path or path.startswith("/"):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(md_path), path))


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)  # \Z: an unclosed comment ends the scan (linear)


def strip_comments(lines: list[Line]) -> list[Line]:
    """Drop HTML comments outside code; a comment's lines become empty so positions stay put."""
    masked = mask_code(lines)
    joined = "\n".join(m if m or not ln.text else "\0" * len(ln.text) for ln, m in zip(lines, masked))
    if "<!--" not in joined:
        return lines
    text = "\n".join(ln.text for ln in lines)
    chars = list(text)
    for m in _COMMENT.finditer(joined):
        for i in range(m.start(), m.end()):
            if chars[i] != "\n":
                chars[i] = ""
    # an unterminated comment hides the rest of the file in pandoc: drop it likewise
    tail = joined.find("<!--", max((m.end() for m in _COMMENT.finditer(joined)), default=0))
    if tail != -1:
        for i in range(tail, len(chars)):
            if chars[i] != "\n":
                chars[i] = ""
    new = "".join(chars).split("\n")
    return [Line(t, ln.path, ln.line) for t, ln in zip(new, lines)]


def is_div_fence(text: str) -> bool:
    """True for a line that opens or closes a ``:::`` div."""
    return bool(_DIV_OPEN.match(text) or _DIV_CLOSE.match(text))


def is_code_fence(text: str) -> bool:
    return bool(_FENCE.match(text))


def div_lines(div: Div) -> list[Line]:
    """A div's lines exactly as written, nested divs included."""
    lines = [div.open]
    for child in div.children:
        lines.extend(div_lines(child) if isinstance(child, Div) else [child])
    return lines + [div.close or Line(":::", div.open.path, div.open.line)]
