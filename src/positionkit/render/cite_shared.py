"""Citeproc once for many documents that differ only in audience parameters.

Tailored handouts of one paper differ in a few parameter values (the country, the audience name)
and in conditional content. Their citations are the same when only the values differ, so each
document is turned into a skeleton where every printed audience value is a placeholder token;
documents with the same skeleton share one pandoc + citeproc run, and the values are put back
into the cited AST as the Str/Space nodes pandoc itself would have read from the escaped text.

The shortcut is taken only where it is provably the same as citing each document alone: values
must start and end with a letter or digit and hold only letters, digits, spaces, apostrophes,
hyphens and commas (escaped text of that kind reads as plain Str/Space nodes), and after
citeproc every token must sit inside a Str node (not in a heading id, a link, a citation
key...). Anything else is cited on its own.
"""
from __future__ import annotations

import io
import zipfile
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from positionkit.render.ast import to_json
from positionkit.render.docx.package import repack
from positionkit.resolve.values import skeleton


def _str_tokens(node, tokens: Iterable[str]) -> int:
    if isinstance(node, list):
        return sum(_str_tokens(n, tokens) for n in node)
    if isinstance(node, dict):
        if node.get("t") == "Str":
            return sum(node["c"].count(t) for t in tokens)
        return sum(_str_tokens(v, tokens) for v in node.values())
    return 0


def safe(ast: dict, table: dict[str, str]) -> bool:
    """Every token (in any letter case) appears only inside Str nodes."""
    if not table:
        return True
    text = to_json(ast).decode("utf-8").lower()
    return sum(text.count(t) for t in table) == _str_tokens(ast, table)


def substitute(node, table: dict[str, str]):
    """A copy of node with tokens in Str nodes replaced by their values (as Str/Space nodes)."""
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, dict) and item.get("t") == "Str" and any(t in item["c"] for t in table):
                text = item["c"]
                for tok, value in table.items():
                    text = text.replace(tok, value)
                for i, word in enumerate(text.split(" ")):
                    if i:
                        out.append({"t": "Space"})
                    if word:
                        out.append({"t": "Str", "c": word})
            else:
                out.append(substitute(item, table))
        return out
    if isinstance(node, dict):
        return {k: substitute(v, table) for k, v in node.items()}
    return node


@dataclass
class Group:
    """Documents that share one skeleton, hence one citeproc run."""

    markdown: str
    members: list[int]
    tables: dict = field(default_factory=dict)
    """member index -> {token: value}."""


def group(items: list, markdown_of: Callable, values_of: Callable, key_of: Callable) -> list[Group]:
    """Documents with the same skeleton and the same key_of (language, metadata...) form a group."""
    groups: dict = {}
    for i, item in enumerate(items):
        sk = skeleton(markdown_of(item), values_of(item))
        md, table = sk if sk is not None else (markdown_of(item), {})
        g = groups.setdefault((md, key_of(item)), Group(md, []))
        g.members.append(i)
        g.tables[i] = table
    return list(groups.values())


# -- the same trick one stage later: one DOCX / one Typst source per group ---------------------

META_TOKEN = "pkvzmetaq"
"""Stands for the audience line in a group's shared handout."""
REF_TOKEN = "pkvzrefq"
"""Stands for the footer's "Ref. ..." (each audience's handout has its own inputs, so its own)."""
_LATIN = re.compile(r"^[A-Za-z0-9\u00C0-\u024F ,'’-]*$")


def shareable(values: Iterable[str]) -> bool:
    """Values a rendered DOCX or Typst source can take by plain text replacement: Latin letters,
    digits, spaces, commas, apostrophes and hyphens (no script, direction or escaping changes)."""
    return all(_LATIN.match(v) for v in values)


_REF = re.compile(r"^[A-Za-z0-9 .:+-]*$")


def shareable_ref(value: str) -> bool:
    """A footer trace a shared DOCX / Typst source can take by plain text replacement (nothing
    to escape in XML or a Typst string): "Ref. 3f2a9c1"."""
    return bool(_REF.match(value))


def fill_typst(source: str, table: dict[str, str], name: str, ref: str = "") -> str:
    for tok, value in table.items():
        source = source.replace(tok, value.replace("'", "\\'"))  # pandoc's typst writer escapes '
    # inside string literals: nothing to escape (Latin text; a ref is "Ref. " and hex digits)
    return source.replace(META_TOKEN, name).replace(REF_TOKEN, ref)


def fill_docx(data: bytes, table: dict[str, str], name: str, epoch: int, ref: str = "") -> bytes:
    pairs = [*table.items(), (META_TOKEN, name), (REF_TOKEN, ref)]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename.endswith((".xml", ".rels")) and b"pkvz" in part:
                text = part.decode("utf-8")
                for tok, value in pairs:
                    text = text.replace(tok, value)
                part = text.encode("utf-8")
            dst.writestr(info.filename, part)
    return repack(out.getvalue(), epoch)
