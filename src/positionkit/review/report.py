"""Report: review items as diagnostic-style lines for people, or JSON objects for machines."""
from __future__ import annotations

import json

from positionkit.diagnostics import Diagnostic, info, warning
from positionkit.review.items import Item

CODES = {"comment": "PK930", "insertion": "PK931", "deletion": "PK932", "replacement": "PK933"}
CONFLICT, UNPLACED, PATCH, BY_TEXT = "PK934", "PK935", "PK936", "PK937"
RENDERED = "rendered text"
"""Where an item is said to belong when it has no source text (bibliography, generated labels)."""


def _quote(text: str | None, limit: int = 120) -> str:
    text = " ".join((text or "").split())
    return f'"{text[:limit]}…"' if len(text) > limit else f'"{text}"'


def diagnostic(item: Item) -> Diagnostic:
    who = f"{item.author or 'unknown'}, {item.date[:10] or 'undated'}"
    if item.kind == "replacement":
        what = f"{_quote(item.old)} -> {_quote(item.text)}"
    elif item.kind == "comment":
        what = _quote(item.text) + (f" on {_quote(item.old, 60)}" if item.old else "")
        what += "".join(f"; reply ({r['author']}, {r['date'][:10]}): {_quote(r['text'])}" for r in item.replies)
    else:
        what = _quote(item.text)
    block = f" in block {item.block}" if item.block else ""
    message = f"{item.kind} ({who}){block}: {what} [{item.status}]"
    if item.path is None:
        message = f"{RENDERED}: {message}"
    code, make, hint = CODES[item.kind], info, item.reason
    if item.status == "conflict":
        code, make = CONFLICT, warning
        hint = (f"{item.reason}; DOCX had {_quote(item.docx_text, 200)}, source now has "
                f"{_quote(item.source_text, 200)}")
    elif item.status in ("unplaced", "rendered"):
        code, make = UNPLACED, warning
        hint = item.reason or "this text has no source (bibliography or generated label): change it by hand"
    elif item.status == "patch":
        code = PATCH
    if item.matched == "text":
        hint = "; ".join(h for h in (hint, "matched by text: the DOCX had lost its anchors") if h)
    return make(code, message, item.path, item.line, item.col, hint=hint)


def to_dict(item: Item) -> dict:
    return {
        "kind": item.kind, "author": item.author, "date": item.date, "text": item.text, "old": item.old,
        "path": item.path if item.path is not None else RENDERED, "line": item.line, "col": item.col,
        "block": item.block, "status": item.status, "matched": item.matched,
        "replies": list(item.replies), "reason": item.reason,
        **({"docx_text": item.docx_text, "source_text": item.source_text} if item.status == "conflict" else {}),
    }


def render_json(items: list[Item], diags: list[Diagnostic]) -> str:
    return json.dumps({"items": [to_dict(i) for i in items], "diagnostics": [d.to_dict() for d in diags]},
                      indent=2, ensure_ascii=False)
