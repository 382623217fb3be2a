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
