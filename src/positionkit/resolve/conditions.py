"""Audience conditions: ::: {.when tags="africa-group"} / ::: {.unless stance="opponent"}.

A condition names audience fields (`tags`, `id`, `languages`, any key of `params` or of
`internal`) and values, space- or comma-separated. DITA's rule: a `.when` div is dropped only
when no value of an attribute matches; with several attributes every one must match. `.unless`
keeps exactly what the same `.when` would drop.

Without an audience (a plain build) `.when` content is dropped and `.unless` content kept: the
general handout carries none of the tailored text.
"""
from __future__ import annotations

import re
from typing import Iterable

from positionkit.diagnostics import Diagnostic, did_you_mean, error, warning
from positionkit.markdown import Div, Line, parse, strip_comments, to_lines

FIXED = ("tags", "id", "languages")
CLASSES = ("when", "unless")
_SPLIT = re.compile(r"[\s,]+")


def split_values(text: str) -> list[str]:
    return [v for v in _SPLIT.split(text or "") if v]


def field_values(audience, name: str) -> set[str] | None:
    """Values an audience has for a condition attribute; None when it has no such field."""
    if name == "tags":
        return set(audience.get("tags") or ())
    if name == "id":
        return {audience.get("id")}
    if name == "languages":
        return set(audience.get("languages") or ())
    found = None
    for group in ("internal", "params"):
        mapping = audience.get(group) or {}
        if name in mapping:
            found = (found or set()) | _flat(mapping[name])
    return found


def _flat(value) -> set[str]:
    """A field's values as text: lists item by item, per-language maps every language."""
    if value is None:
        return set()
    if isinstance(value, dict):
        return {str(v) for v in value.values()}
    if isinstance(value, (list, tuple)):
        return {str(v) for v in value}
    return {str(value).lower() if isinstance(value, bool) else str(value)}


def matches(div: Div, audience: dict) -> bool:
    for name, raw in div.attrs.kv:
        have = field_values(audience, name) or set()
        if not have & set(split_values(raw)):
            return False
    return True


def keep(div: Div, audience: dict | None) -> tuple[bool, list[Diagnostic]]:
    """Whether the content of a .when/.unless div is printed for this audience (None: plain build)."""
    when = "when" in div.attrs.classes
    if audience is None:
        return not when, []
    hit = matches(div, audience)
    return (hit if when else not hit), []


def validate(files: Iterable[tuple[str, str, int]], audiences) -> list[Diagnostic]:
    """Every .when/.unless in (path, body, first body line) files, against an AudienceSet."""
    known: dict[str, set[str]] = {name: set() for name in FIXED}
    for aud in audiences.audiences:
        mapping = aud.mapping()
        for name in {*FIXED, *aud.params, *aud.internal}:
            known.setdefault(name, set()).update(field_values(mapping, name) or ())
    diags: list[Diagnostic] = []
    for path, body, first in files:
        items, _ = parse(strip_comments(to_lines(body, path, first)))
        for div in _conditional(items):
            diags.extend(_check(div, known, audiences.path))
    return diags


def _conditional(items) -> Iterable[Div]:
    for item in items:
        if isinstance(item, Div):
            if any(c in CLASSES for c in item.attrs.classes):
                yield item
            yield from _conditional(item.children)


def _check(div: Div, known: dict[str, set[str]], source: str) -> list[Diagnostic]:
    at: Line = div.open
    kind = "when" if "when" in div.attrs.classes else "unless"
    if "when" in div.attrs.classes and "unless" in div.attrs.classes:
        return [error("PK812", "a div cannot be both .when and .unless", at.path, at.line,
                      hint="nest one inside the other")]
    if not div.attrs.kv:
        return [error("PK812", f"this .{kind} div names no audience field", at.path, at.line,
                      hint=f'write ::: {{.{kind} tags="ldc"}}')]
    out = []
    for name, raw in div.attrs.kv:
        col = at.text.find(f"{name}=") + 1 or None
        if name not in known:
            out.append(error("PK810", f"unknown audience field '{name}' in .{kind}", at.path, at.line, col,
                             hint=did_you_mean(name, known) or
                             "use tags, id, languages, or a key of an audience's params or internal"))
            continue
        values = split_values(raw)
        if not values:
            out.append(error("PK812", f".{kind} {name}=\"\" lists no value", at.path, at.line, col))
        for value in values:
            if value not in known[name]:
                out.append(warning("PK811", f"no audience in {source} has {name} '{value}'", at.path, at.line,
                                   col, hint=did_you_mean(value, known[name]) or
                                   "this content would never be printed for any audience"))
    return out


def internal_reference(name: str, ln: Line, col: int) -> Diagnostic:
    """A {{ name }} reference to an internal audience field: refused, never printed."""
    return error("PK813", f"'{name}' is an internal audience field and can never be printed", ln.path,
                 ln.line, col, hint=f'select on it instead: ::: {{.when {name}="..."}}')
