"""Left-to-right islands in right-to-left handouts.

An untranslated (Latin-script) title, or an author-date citation from a Latin-script .bib, set
as part of an Arabic line goes through the bidi algorithm with the line: "(Court of Justice
2020)" loses its parentheses to the Arabic side and wraps in a jumbled order. Such text is set
as its own left-to-right run instead.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from positionkit.languages import get_language
from positionkit.render.ast import stringify

__all__ = ["by_direction", "isolate_cites", "is_ltr"]

_RTL_CHARS = re.compile("[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]")
_LETTERS = re.compile(r"[^\W\d_]")


def is_ltr(text: str) -> bool:
    """Mostly left-to-right letters? Counted, because citeproc's own words in an Arabic handout
    ("و" for "and") do not make "Smith و Okafor 2021" right-to-left."""
    letters = len(_LETTERS.findall(text))
    return letters > 0 and len(_RTL_CHARS.findall(text)) * 2 <= letters


def _has_note(node: Any) -> bool:
    if isinstance(node, list):
        return any(_has_note(n) for n in node)
    return isinstance(node, dict) and (node.get("t") == "Note" or _has_note(node.get("c")))


def isolate_cites(blocks: list[Any], wrap: Callable[[dict[str, Any]], list[dict[str, Any]]]) -> list[Any]:
    """``blocks`` with each left-to-right Cite replaced by ``wrap(cite)`` (a list of inlines).

    Citations printed as footnotes (a Note inside the Cite) are left alone: the note is a
    paragraph of its own.
    """

    def walk(node: Any) -> list[Any]:
        # copy on write, as media.rewrite_images: the AST is shared by both renderers
        if isinstance(node, list):
            out = [x for n in node for x in walk(n)]
            same = len(out) == len(node) and all(a is b for a, b in zip(out, node))
            return [node if same else out]
        if not isinstance(node, dict):
            return [node]
        if node.get("t") == "Cite" and is_ltr(stringify(node["c"][1])) and not _has_note(node["c"][1]):
            return wrap(node)
        out = {k: (walk(v)[0] if isinstance(v, (list, dict)) else v) for k, v in node.items()}
        return [node if all(out[k] is v for k, v in node.items()) else out]

    return walk(blocks)[0]


def _own_language(div: dict[str, Any]):
    code = dict(div["c"][0][2]).get("lang")
    return get_language(code) if code else None


def by_direction(blocks: list[Any], ltr: Callable[[dict[str, Any]], list[Any]],
                 rtl: Callable[[dict[str, Any]], list[Any]]) -> list[Any]:
    """In a right-to-left handout, each paragraph or heading whose letters are mostly
    left-to-right (an English paragraph left in an Arabic translation) goes through ``ltr``, every
    other block through ``rtl``; Divs and block quotes are entered, other containers kept whole."""
    out: list[Any] = []
    for block in blocks:
        kind = block.get("t") if isinstance(block, dict) else None
        if kind in ("Para", "Plain", "Header") and is_ltr(stringify(block)):
            out += ltr(block)
        elif kind == "Div" and _own_language(block) is not None:
            # a passage marked with its language (::: {lang=en}, a per-paragraph fallback) keys
            # off that language, not off its letters
            out += ltr(block) if not _own_language(block).rtl else rtl(block)
        elif kind == "Div":
            out.append({"t": "Div", "c": [block["c"][0], by_direction(block["c"][1], ltr, rtl)]})
        elif kind == "BlockQuote":
            out.append({"t": "BlockQuote", "c": by_direction(block["c"], ltr, rtl)})
        else:
            out += rtl(block)
    return out
