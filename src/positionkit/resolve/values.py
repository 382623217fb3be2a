"""The audience values a tailored document prints, and its skeleton: its Markdown with each of
those values replaced by a token.

Tailored documents of one paper and language that differ only in these values have the same
skeleton. The build cites one skeleton for all of them (render.cite_shared); `check` checks one
of them in full and the rest only where printed values matter (pipeline.checking).
"""
from __future__ import annotations

import re

from positionkit.resolve.document import escape, localized


def printed_values(person, lang: str, source_lang: str) -> list[str]:
    """What an audience prints in ``lang``: its parameter values in a stable order (by name),
    then its name."""
    return [str(localized(person.params[n], lang, source_lang)) for n in sorted(person.params)] + \
        [str(localized(person.name, lang, source_lang) or "")]


_PLAIN = re.compile(r"^[^\W_](?:[^\W_]|[ '’,-])*(?<=[^\W_])$")
_TOKEN = "pkvz{:03d}q"


def plain(value: str) -> bool:
    return bool(_PLAIN.match(value)) and "--" not in value


def _plain_values(values: list[str]) -> dict[str, int] | None:
    """Each value as printed (whitespace collapsed; empty ones left out) -> its first position in
    values; None when one is not plain text."""
    out: dict[str, int] = {}
    for i, value in enumerate(" ".join(str(v).split()) for v in values):
        if value and not plain(value):
            return None
        if value:
            out.setdefault(value, i)
    return out


def skeleton(markdown: str, values: list[str]) -> tuple[str, dict[str, str]] | None:
    """Markdown with each printed value replaced by a token -> (skeleton, {token: value}).

    values are in a stable order (by parameter name) so that documents for different audiences
    get the same tokens. None when a value is not plain text. Tokens stand at word boundaries
    as pandoc reads them (render.cite_shared puts the values back into the cited AST).
    """
    printed = _plain_values(values)
    if printed is None:
        return None
    if not printed:
        return markdown, {}
    seen = {value: _TOKEN.format(i) for value, i in printed.items()}
    table = {tok: value for value, tok in seen.items()}
    escaped = {escape(v): tok for v, tok in seen.items()}
    pattern = re.compile(r"(?<![\w\\])(" + "|".join(re.escape(e) for e in
                                                   sorted(escaped, key=lambda e: (-len(e), e))) + r")(?!\w)")
    return pattern.sub(lambda m: escaped[m.group(1)], markdown), table


def shape(markdown: str, values: list[str]) -> str | None:
    """Markdown with each printed value's escaped text replaced by a marker; None when a value is
    not plain text (or the text holds a NUL).

    A marker is NUL + a private-use character + NUL: no plain value holds either, so no
    replacement reaches into a marker, and two documents with one shape are that text with
    their own values put back: they differ nowhere else. Only the equality counts here (check
    groups texts by it), so plain replacement does, at a tenth of skeleton's cost."""
    printed = _plain_values(values)
    if printed is None or "\0" in markdown:
        return None
    for text, i in sorted({escape(v): i for v, i in printed.items()}.items(), key=lambda e: -len(e[0])):
        markdown = markdown.replace(text, f"\0{chr(0xE000 + i)}\0")
    return markdown
