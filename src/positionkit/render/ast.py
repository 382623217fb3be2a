"""Small, format-neutral edits of the pandoc JSON AST before a writer sees it.

The resolver leaves two special Divs in the document (``.key-messages`` and ``.fallback``) and
citeproc leaves ``Div#refs``. Each renderer turns them into its own constructs through the
callbacks of :func:`rewrite_divs`; the bibliography heading is relabelled for both formats.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Callable, Iterable

import orjson

__all__ = [
    "Block",
    "div_attr",
    "drop_marks",
    "fallback_languages",
    "inlines",
    "forget",
    "from_json",
    "known",
    "para",
    "prepare",
    "raw_block",
    "rewrite_divs",
    "stringify",
    "tell",
    "to_json",
]

Block = dict[str, Any]
DivHandler = Callable[[Block], list[Block]]

_WORD = re.compile(r"\S+|\s+")

_KNOWN: dict[tuple[int, str], tuple[Any, Any]] = {}
_KNOWN_LOCK = threading.Lock()
_KNOWN_SIZE = 16  # (AST, question) pairs: two questions each for the few documents in flight


def known(ast: Any, what: str, compute: Callable[[Any], Any]) -> Any:
    """``compute(ast)``, worked out once per AST object and question.

    One cited AST feeds the build's handout, the DOCX and the PDF (and the PDF asks for its
    printed text four times); each answer is a walk of the whole tree, 20-70 ms on a 20-page
    paper. The memo is by identity (the AST is never changed in place once cited, see
    :func:`prepare`; a build that empties one to free memory calls :func:`forget` first) and
    holds the last few ASTs only (a tailored batch renders many: the memo must not keep them all).
    """
    key = (id(ast), what)
    with _KNOWN_LOCK:
        hit = _KNOWN.get(key)
    if hit is not None and hit[0] is ast:
        return hit[1]
    return tell(ast, what, compute(ast))


def tell(ast: Any, what: str, value: Any) -> Any:
    """Record the answer to ``what`` for ``ast`` when the caller knows it without a walk."""
    key = (id(ast), what)
    with _KNOWN_LOCK:
        _KNOWN[key] = (ast, value)
        while len(_KNOWN) > _KNOWN_SIZE:
            del _KNOWN[next(iter(_KNOWN))]
    return value


def forget(ast: Any) -> None:
    """Drop every answer recorded for ``ast`` (before its owner empties it to free memory)."""
    with _KNOWN_LOCK:
        for key in [k for k, (held, _) in _KNOWN.items() if held is ast]:
            del _KNOWN[key]


def inlines(text: str) -> list[dict[str, Any]]:
    """``Str``/``Space`` inlines for plain text, as pandoc's Markdown reader would produce."""
    out: list[dict[str, Any]] = []
    for piece in _WORD.findall(text):
        out.append({"t": "Space"} if piece.isspace() else {"t": "Str", "c": piece})
    return out


def para(text: str, *, strong: bool = False) -> Block:
    content = inlines(text)
    if strong:
        content = [{"t": "Strong", "c": content}]
    return {"t": "Para", "c": content}


def raw_block(fmt: str, text: str) -> Block:
    return {"t": "RawBlock", "c": [fmt, text]}


def div_attr(block: Block) -> tuple[str, list[str], dict[str, str]]:
    """``(id, classes, attributes)`` of a Div."""
    ident, classes, kvs = block["c"][0]
    return ident, list(classes), {k: v for k, v in kvs}


def stringify(node: Any, notes: bool = False) -> str:
    """Plain text of any AST fragment (spaces for Space/SoftBreak; footnotes skipped unless
    ``notes``: a heading's or an image's text has none, a page's printed text does)."""
    if isinstance(node, list):
        return "".join(stringify(n, notes) for n in node)
    if not isinstance(node, dict):
        return ""
    t = node.get("t")
    if t == "Str":
        return node["c"]
    if t in {"Space", "SoftBreak", "LineBreak"}:
        return " "
    if t == "Note" and not notes:
        return ""
    if t in {"Code", "Math", "RawInline"}:
        return node["c"][1]
    c = node.get("c")
    return stringify(c, notes) if isinstance(c, (list, dict)) else ""


def to_json(ast: Any) -> bytes:
    """The JSON text pandoc reads: compact UTF-8, as orjson writes it (a 10,000-word paper's AST
    in 1.5 ms; json.dumps took 15 ms, twice per document, between citeproc and the writers)."""
    return orjson.dumps(ast)


def from_json(data: bytes) -> Any:
    """The AST in pandoc's JSON output (orjson: a fifth faster than json.loads)."""
    return orjson.loads(data)


def drop_marks(data: bytes, prefix: str) -> bytes:
    """JSON text of an AST (as :func:`to_json` writes it) without the empty spans whose id starts
    with ``prefix`` (review marks, which only the DOCX keeps).

    Done on the text the writer is about to receive rather than on the tree: three regular
    expression passes instead of a Python walk of every node (60 ms at 10,000 words). An empty
    span is ``{"t":"Span","c":[[id,classes,attributes],[]]}``; a JSON string cannot hold an
    unescaped quote, so nothing inside a text can match.
    """
    mark = _mark_pattern(prefix)
    data = re.sub(mark + b",", b"", data)  # first or in the middle of its list
    data = re.sub(b"," + mark, b"", data)  # last of its list
    return re.sub(mark, b"", data)  # alone in its list


def _mark_pattern(prefix: str) -> bytes:
    text = rb'"(?:[^"\\]|\\.)*"'
    ident = b'"' + re.escape(prefix.encode("utf-8")) + rb'(?:[^"\\]|\\.)*"'
    classes = rb"\[(?:" + text + rb",?)*\]"
    attrs = rb"\[(?:\[" + text + b"," + text + rb"\],?)*\]"
    return rb'\{"t":"Span","c":\[\[' + ident + b"," + classes + b"," + attrs + rb'\],\[\]\]\}'


def _children(block: Block) -> Iterable[list[Block]]:
    """Every list of blocks directly inside ``block`` (for recursion)."""
    t, c = block.get("t"), block.get("c")
    if t in {"Div"}:
        yield c[1]
    elif t == "BlockQuote":
        yield c
    elif t == "BulletList":
        yield from c
    elif t == "OrderedList":
        yield from c[1]
    elif t == "DefinitionList":
        for _term, defs in c:
            yield from defs
    elif t == "Figure":
        yield c[2]


def rewrite_divs(blocks: list[Block], handlers: dict[str, DivHandler]) -> list[Block]:
    """Replace each Div whose first matching class (or ``#id``) has a handler, recursively.

    Handlers receive the Div after its own content has been rewritten and return the blocks
    that take its place. ``blocks`` is not changed: blocks with rewritten content are new
    dicts, the rest are shared (the AST is not copied first, see :func:`prepare`).
    """
    out: list[Block] = []
    for block in blocks:
        block = _with_children(block, handlers)
        if block.get("t") == "Div":
            ident, classes, _ = div_attr(block)
            key = next((k for k in [f"#{ident}", *classes] if k in handlers), None)
            if key is not None:
                out.extend(handlers[key](block))
                continue
        out.append(block)
    return out


def _with_children(block: Block, handlers: dict[str, DivHandler]) -> Block:
    """``block`` with every list of blocks directly inside it rewritten (see :func:`_children`)."""
    t, c = block.get("t"), block.get("c")
    if t == "Div":
        return {**block, "c": [c[0], rewrite_divs(c[1], handlers)]}
    if t == "BlockQuote":
        return {**block, "c": rewrite_divs(c, handlers)}
    if t == "BulletList":
        return {**block, "c": [rewrite_divs(item, handlers) for item in c]}
    if t == "OrderedList":
        return {**block, "c": [c[0], [rewrite_divs(item, handlers) for item in c[1]]]}
    if t == "DefinitionList":
        return {**block, "c": [[term, [rewrite_divs(d, handlers) for d in defs]] for term, defs in c]}
    if t == "Figure":
        return {**block, "c": [c[0], c[1], rewrite_divs(c[2], handlers)]}
    return block


def fallback_languages(blocks: list[Block]) -> list[str]:
    """The ``lang`` of every ``.fallback`` Div, in order of first appearance."""
    found: dict[str, None] = {}

    def visit(bs: list[Block]) -> None:
        for b in bs:
            if b.get("t") == "Div":
                _, classes, attrs = div_attr(b)
                if "fallback" in classes and attrs.get("lang"):
                    found.setdefault(attrs["lang"], None)
            for child in _children(b):
                visit(child)

    visit(blocks)
    return list(found)


def prepare(ast: dict[str, Any], references_label: str) -> dict[str, Any]:
    """``ast`` with meta cleared and the bibliography heading set to the label.

    The heading is the ``Header#bibliography`` if present; otherwise one is inserted before a
    non-empty ``Div#refs``. Meta is dropped: title block data comes from the Handout, and stray
    meta (``title``, ``bibliography`` paths) must not leak into either format's metadata.

    Only the top level is new: ``ast`` is shared by the DOCX and PDF renderers (on two
    threads), and nothing after this changes a node in place (no deep copy of a 100k-word AST).
    """
    doc = {**ast, "meta": {}}
    blocks: list[Block] = list(doc.get("blocks", []))
    doc["blocks"] = blocks
    has_heading = False
    for i, block in enumerate(blocks):
        if block.get("t") == "Header" and block["c"][1][0] == "bibliography":
            blocks[i] = {**block, "c": [block["c"][0], block["c"][1], inlines(references_label), *block["c"][3:]]}
            has_heading = True
    if not has_heading:
        for i, block in enumerate(blocks):
            if block.get("t") == "Div" and div_attr(block)[0] == "refs" and block["c"][1]:
                heading = {"t": "Header", "c": [1, ["bibliography", [], []], inlines(references_label)]}
                blocks.insert(i, heading)
                break
    return doc
