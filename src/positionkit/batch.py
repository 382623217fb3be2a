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

import json
import re
from typing import Callable, Iterable

from .resolve import escape

_PLAIN = re.compile(r"^[^\W_](?:[^\W_]|[ '’,-])*(?<=[^\W_])$")
_TOKEN = "pkvz{:03d}q"


def plain(value: str) -> bool:
    return bool(_PLAIN.match(value)) and "--" not in value


def skeleton(markdown: str, values: list[str]) -> tuple[str, dict[str, str]] | None:
    """Markdown with each printed value replaced by a token -> (skeleton, {token: value}).

    values are in a stable order (by parameter name) so that documents for different audiences
    get the same tokens. None when a value is not plain text.
    """
    table: dict[str, str] = {}
    seen: dict[str, str] = {}
    for i, value in enumerate(values):
        value = " ".join(str(value).split())
        if not value:
            continue
        if not plain(value):
            return None
        if value not in seen:
            seen[value] = _TOKEN.format(i)
            table[seen[value]] = value
    if not table:
        return markdown, {}
    escaped = {escape(v): tok for v, tok in seen.items()}
    pattern = re.compile(r"(?<![\w\\])(" + "|".join(re.escape(e) for e in
                                                   sorted(escaped, key=lambda e: (-len(e), e))) + r")(?!\w)")
    return pattern.sub(lambda m: escaped[m.group(1)], markdown), table


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
    text = json.dumps(ast, ensure_ascii=False).lower()
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


def cite_many(items: list, markdown_of: Callable, values_of: Callable, group_of: Callable,
              cite: Callable, pool) -> list:
    """items -> [cited AST, or the exception citing it raised], in the same order.

    markdown_of(item) the resolved text; values_of(item) its printed audience values in a stable
    order; group_of(item) whatever else citeproc depends on (language, labels, epoch);
    cite(item, markdown) runs citeproc. Runs at most one citeproc per distinct skeleton.
    """
    groups: dict = {}
    tables = []
    for i, item in enumerate(items):
        sk = skeleton(markdown_of(item), values_of(item))
        md, table = sk if sk is not None else (markdown_of(item), {})
        tables.append(table)
        groups.setdefault((md, group_of(item)), []).append(i)

    def one(key):
        md, _ = key
        members = groups[key]
        try:
            ast = cite(items[members[0]], md)
        except Exception as exc:  # reported per document by the caller
            return {i: exc for i in members}
        out = {}
        for i in members:
            if safe(ast, tables[i]):
                out[i] = substitute(ast, tables[i]) if tables[i] else ast
            else:
                try:
                    out[i] = cite(items[i], markdown_of(items[i]))
                except Exception as exc:
                    out[i] = exc
        return out

    results: dict = {}
    for part in pool.map(one, list(groups)):
        results.update(part)
    return [results[i] for i in range(len(items))]
