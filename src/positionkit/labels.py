"""The labels a handout prints (headings, page numbers, notices), as positionkit ships them.

Defaults live in ``positionkit/data/i18n/<lang>.yaml``; a project may override any key in
``styles/i18n/<lang>.yaml``: load/label_files.py reads those, resolve/labels.py merges them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Mapping

import yaml

from positionkit.languages import Language, get_language

__all__ = ["LABEL_KEYS", "builtin", "load_labels", "language_name"]

LABEL_KEYS = (
    "key_messages",      # heading of the key-messages box
    "references",        # bibliography heading
    "page",              # "Page"
    "page_of",           # "Page {page} of {total}"
    "draft",             # header marking on draft builds
    "fallback_notice",   # "Not yet translated: original text in {language}"
    "contact",           # "Contact"
)


@lru_cache(maxsize=None)
def builtin(code: str) -> dict[str, str]:
    try:
        text = resources.files("positionkit").joinpath(f"data/i18n/{code}.yaml").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return {}
    data = yaml.safe_load(text) or {}
    return {str(k): str(v) for k, v in data.items() if v is not None}


def load_labels(lang: Language, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every label for ``lang``: project overrides, then the exact tag, its base language, English."""
    base = lang.code.split("-")[0]
    chain = [builtin("en"), builtin(base), builtin(lang.pandoc_lang), builtin(lang.code)]
    labels: dict[str, str] = {}
    for layer in chain:
        labels.update(layer)
    if overrides:
        labels.update({k: str(v) for k, v in overrides.items() if v is not None})
    return labels


def language_name(code: str, in_lang: Language) -> str:
    """Name of language ``code`` in ``in_lang`` ("anglais" for en in French), via CLDR."""
    from babel import Locale, UnknownLocaleError  # CLDR data: loaded only when a name is printed

    try:
        locale = Locale.parse(in_lang.babel_locale)
        target = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):  # a tag CLDR does not know, or not a tag at all
        pass
    else:
        name = target.get_display_name(locale)
        if name:
            return name
    known = get_language(code)
    return known.name if known else code
