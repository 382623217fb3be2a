"""Inline things a translator must not break, as protected placeholders.

A unit's Markdown text is split into plain text and placeholders: citations (``@key``),
``{{ parameters }}``, inline code, footnote references, autolinks, URLs and HTML tags are single
placeholders; links, images, spans and inline footnotes are pairs around text the translator
does translate (``[`` … ``](https://…)``).

Each placeholder has a name such as ``cite1``, ``param1``, ``link1`` / ``link1_end``. In PO and in
the bilingual DOCX a placeholder is written ``{cite1}`` (Python's brace format: ``msgfmt --check``
with the ``python-brace-format`` flag and translate-toolkit's ``pofilter`` both compare them), a
literal brace is doubled. In XLIFF they are ``<ph>``, ``<bpt>`` and ``<ept>`` elements. What a
placeholder stands for is always taken from the current source on import, never from the
returned file, so a translation cannot smuggle in a citation or a link target.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from positionkit.markdown import CITATION

PH, OPEN, CLOSE = "ph", "open", "close"


@dataclass(frozen=True)
class Ph:
    name: str
    """cite1, link1, link1_end …"""
    original: str
    """The Markdown it stands for."""
    role: str = PH
    """ph | open | close"""

    @property
    def kind(self) -> str:
        return re.sub(r"\d+(_end)?$", "", self.name)


_CODE = re.compile(r"(`+)(?:.+?)\1(?:\{[^{}\n]*\})?", re.S)
_PARAM = re.compile(r"\{\{\s*[A-Za-z_][\w-]*\s*\}\}")
_ATTRS = re.compile(r"\{[^{}\n]*\}")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<(?:https?|mailto|ftp):[^<>\s]*>")
_URL = re.compile(r"https?://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"]")


def _match_bracket(text: str, i: int, openc: str = "[", closec: str = "]") -> int:
    """Index of the bracket closing the one at i, or -1 (escapes and code spans skipped)."""
    depth, j = 0, i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "`":
            m = _CODE.match(text, j)
            if m:
                j = m.end()
                continue
        if c == openc:
            depth += 1
        elif c == closec:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


class _Namer:
    def __init__(self):
        self.counts: dict[str, int] = {}

    def __call__(self, kind: str) -> str:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return f"{kind}{self.counts[kind]}"


def tokenize(text: str) -> list:
    """Markdown inline text -> list of str and Ph."""
    out: list = []
    _scan(text, out, _Namer())
    merged: list = []
    for piece in out:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        elif piece != "":
            merged.append(piece)
    return merged


def _scan(text: str, out: list, name: _Namer) -> None:
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i:i + 2])
            i += 2
            continue
        if c == "`" and (m := _CODE.match(text, i)):
            out.append(Ph(name("code"), m.group(0)))
            i = m.end()
            continue
        if c == "{" and (m := _PARAM.match(text, i)):
            out.append(Ph(name("param"), m.group(0)))
            i = m.end()
            continue
        if c == "<" and (m := _TAG.match(text, i)):
            out.append(Ph(name("tag"), m.group(0)))
            i = m.end()
            continue
        if c == "h" and (m := _URL.match(text, i)) and (i == 0 or not text[i - 1].isalnum()):
            out.append(Ph(name("url"), m.group(0)))
            i = m.end()
            continue
        if c in "@-" and (m := CITATION.match(text, i)) and (i == 0 or not (text[i - 1].isalnum()
                                                                           or text[i - 1] in "@\\_")):
            out.append(Ph(name("cite"), m.group(0)))
            i = m.end()
            continue
        if c in "^!" and text[i + 1:i + 2] == "[":
            end = _match_bracket(text, i + 1)
            if end != -1:
                kind = "note" if c == "^" else "img"
                tail = _link_tail(text, end + 1) if kind == "img" else end + 1
                if kind == "note" or tail is not None:
                    n = name(kind)
                    out.append(Ph(n, text[i:i + 2], OPEN))
                    _scan(text[i + 2:end], out, name)
                    out.append(Ph(n + "_end", text[end:tail], CLOSE))
                    i = tail
                    continue
        if c == "[":
            end = _match_bracket(text, i)
            if end != -1:
                inner = text[i + 1:end]
                if inner.startswith("^") and " " not in inner:
                    out.append(Ph(name("fn"), text[i:end + 1]))
                    i = end + 1
                    continue
                tail = _link_tail(text, end + 1)
                if tail is not None:
                    kind = "span" if text[end + 1] == "{" else "link"
                    n = name(kind)
                    out.append(Ph(n, "[", OPEN))
                    _scan(inner, out, name)
                    out.append(Ph(n + "_end", text[end:tail], CLOSE))
                    i = tail
                    continue
                out.append("[")
                _scan(inner, out, name)
                out.append("]")
                i = end + 1
                continue
        out.append(c)
        i += 1


def _link_tail(text: str, j: int) -> int | None:
    """End of ``(target)``, ``[ref]`` or ``{attrs}`` after a bracket (plus trailing attrs), or None."""
    if j >= len(text) or text[j] not in "([{":
        return None
    if text[j] == "{":
        m = _ATTRS.match(text, j)
        return m.end() if m else None
    end = _match_bracket(text, j, text[j], ")" if text[j] == "(" else "]")
    if end == -1:
        return None
    m = _ATTRS.match(text, end + 1)
    return m.end() if m else end + 1


def names(pieces) -> list[str]:
    return [p.name for p in pieces if isinstance(p, Ph)]


def has_words(pieces) -> bool:
    """True when there is text to translate besides placeholders, numbers and punctuation."""
    return any(isinstance(p, str) and re.search(r"[^\W\d_]", p) for p in pieces)


def match_names(pieces, reference) -> list:
    """Rename a translation's placeholders after the source's ones standing for the same Markdown
    (a translation may reorder citations); unmatched ones keep fresh names."""
    pool: dict[tuple[str, str], list[str]] = {}
    for p in reference:
        if isinstance(p, Ph):
            pool.setdefault((p.role, p.original), []).append(p.name)
    renamed: dict[str, str] = {}
    out = []
    for p in pieces:
        if not isinstance(p, Ph):
            out.append(p)
            continue
        if p.role == CLOSE and p.name.removesuffix("_end") in renamed:
            new = renamed[p.name.removesuffix("_end")] + "_end"
        else:
            free = pool.get((p.role, p.original)) or []
            new = free.pop(0) if free else "x" + p.name
            renamed[p.name] = new
        out.append(Ph(new, p.original, p.role))
    return out


# ------------------------------------------------------------ the brace form (PO, DOCX)

_BRACE = re.compile(r"\{\{|\}\}|\{([A-Za-z_]\w*)\}|[{}]")


def to_braces(pieces) -> str:
    out = []
    for p in pieces:
        if isinstance(p, Ph):
            out.append("{" + p.name + "}")
        else:
            out.append(p.replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def from_braces(text: str) -> tuple[list, list[str]]:
    """Brace form -> (list of str and placeholder names as ``Ph(name, "")``, problems)."""
    out: list = []
    problems = []
    pos = 0
    for m in _BRACE.finditer(text):
        out.append(text[pos:m.start()])
        tok = m.group(0)
        if tok in ("{{", "}}"):
            out.append(tok[0])
        elif m.group(1):
            out.append(Ph(m.group(1), ""))
        else:
            problems.append(f"a lone '{tok}' (write '{tok}{tok}' for a brace)")
        pos = m.end()
    out.append(text[pos:])
    return [p for p in out if p != ""], problems


def compare(source, target) -> tuple[list[str], list[str]]:
    """(missing, extra) placeholder names of target against source, as multisets."""
    want, got = names(source), names(target)
    missing = [n for n in want if n not in got or got.count(n) < want.count(n)]
    extra = [n for n in got if n not in want or got.count(n) > want.count(n)]
    return list(dict.fromkeys(missing)), list(dict.fromkeys(extra))


def to_markdown(target, source) -> str:
    """Target pieces back to Markdown, each placeholder replaced by what the source's stands for."""
    table = {p.name: p.original for p in source if isinstance(p, Ph)}
    text = "".join(table[p.name] if isinstance(p, Ph) else p for p in target)
    return " ".join(text.split())
