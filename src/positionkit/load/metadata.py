"""Types of paper.yaml and paper.<lang>.yaml fields, checked where they are read.

YAML guesses types: `subtitle: 2026` is a number, `contact: 41223456789` too, `title: yes` a
boolean. A number where text is expected is text (what the writer typed); anything else (a list,
a mapping, true/false) is an error at the field's line, and the field is dropped so that no later
stage meets a type it does not expect.
"""
from __future__ import annotations

import datetime as dt

from positionkit.diagnostics import Diagnostic, error, warning

TEXT = ("title", "subtitle", "short_title", "audience", "contact")
LISTS = ("organisations", "languages")
"""A list of texts, or one text."""


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def normalise(data: dict, lines: dict, rel: str) -> tuple[dict, list[Diagnostic]]:
    """data with numbers in text fields turned into text and badly typed fields removed."""
    out, diags = {}, []
    for key, value in data.items():
        if not isinstance(key, str):
            diags.append(warning("PK011", f"'{key}' is not a field name", rel, lines.get(str(key)),
                                 hint="field names are words followed by ':'"))
            continue
        line = lines.get(key)
        if value is None:
            out[key] = value
        elif key in TEXT:
            if _is_number(value):
                value = str(value)
            if not isinstance(value, str):
                diags.append(error("PK013", f"{key} must be text, not {_kind(value)}", rel, line,
                                   hint=f"write it on one line, in quotes if needed: {key}: \"...\""))
                continue
            out[key] = value
        elif key in LISTS:
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str) or _is_number(v) for v in items):
                diags.append(error("PK013", f"{key} must be a list of texts", rel, line,
                                   hint=f"one per line: {key}:\\n  - ..."))
                continue
            out[key] = [str(v) for v in items] if isinstance(value, list) else str(value)
        elif key == "date" and not isinstance(value, (dt.date, str)):
            if not _is_number(value):
                diags.append(error("PK013", f"date must be a date (2026-11-20), not {_kind(value)}", rel, line))
                continue
            out[key] = str(value)
        else:
            out[key] = value
    return out, diags
