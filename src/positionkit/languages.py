"""The languages positionkit can typeset, as one plain table.

Each entry says how the three tools spell the language (pandoc, typst, babel), which direction
it runs and which script it uses, so the renderers can pick fonts and layout without guessing.
Unknown languages are a diagnostic for the caller: :func:`get_language` returns ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Mapping

__all__ = ["Language", "LANGUAGES", "get_language"]


@dataclass(frozen=True)
class Language:
    code: str
    """BCP 47 tag as the user writes it: ``"en"``, ``"pt-BR"``, ``"zh-Hans"``."""
    name: str
    """English name, ``"French"``."""
    rtl: bool
    """Written right to left (Arabic, Persian, Hebrew, Urdu)."""
    pandoc_lang: str
    """Value of pandoc's ``lang`` variable (``"zh-Hans"``: plain ``zh`` has no translations)."""
    typst_lang: str
    """ISO 639 code for typst's ``text(lang:)``."""
    typst_region: str | None
    """ISO 3166 region for typst's ``text(region:)``, or ``None``."""
    script: str
    """A :data:`positionkit.scripts.SCRIPTS` name: ``"latin"``, ``"arabic"``, ``"devanagari"``, ``"cjk"``..."""
    babel_locale: str
    """Locale identifier for babel date formatting: ``"pt_BR"``, ``"zh_Hans"``."""


def _lang(code: str, name: str, script: str, *, rtl: bool = False, pandoc: str | None = None,
          region: str | None = None, babel: str | None = None) -> Language:
    base = code.split("-")[0]
    return Language(
        code=code,
        name=name,
        rtl=rtl,
        pandoc_lang=pandoc or code,
        typst_lang=base,
        typst_region=region,
        script=script,
        babel_locale=babel or code.replace("-", "_"),
    )


_TABLE = [
    _lang("en", "English", "latin"),
    _lang("fr", "French", "latin"),
    _lang("es", "Spanish", "latin"),
    _lang("pt", "Portuguese", "latin"),
    _lang("pt-BR", "Brazilian Portuguese", "latin", region="BR"),
    _lang("de", "German", "latin"),
    _lang("it", "Italian", "latin"),
    _lang("nl", "Dutch", "latin"),
    _lang("id", "Indonesian", "latin"),
    _lang("sw", "Swahili", "latin"),
    _lang("tr", "Turkish", "latin"),
    _lang("vi", "Vietnamese", "latin"),
    _lang("ru", "Russian", "cyrillic"),
    _lang("uk", "Ukrainian", "cyrillic"),
    _lang("el", "Greek", "greek"),
    _lang("ar", "Arabic", "arabic", rtl=True),
    _lang("fa", "Persian", "arabic", rtl=True),
    _lang("ur", "Urdu", "arabic", rtl=True),
    _lang("he", "Hebrew", "hebrew", rtl=True),
    _lang("zh-Hans", "Chinese (Simplified)", "cjk", babel="zh_Hans"),
    _lang("zh-Hant", "Chinese (Traditional)", "cjk", region="TW", babel="zh_Hant"),
    _lang("ja", "Japanese", "cjk"),
    _lang("ko", "Korean", "cjk"),
    _lang("hi", "Hindi", "devanagari"),
    _lang("bn", "Bengali", "bengali"),
    _lang("th", "Thai", "thai"),
]

_BY_CODE: dict[str, Language] = {lang.code: lang for lang in _TABLE}
# Plain "zh" means Simplified Chinese in WTO practice; keep the user's spelling as the code.
_BY_CODE["zh"] = replace(_BY_CODE["zh-Hans"], code="zh")

LANGUAGES: Mapping[str, Language] = MappingProxyType(_BY_CODE)
"""Every language known by its canonical tag (plus the ``"zh"`` alias)."""

_BCP47 = re.compile(
    r"^(?P<lang>[A-Za-z]{2,3})"
    r"(?:-(?P<script>[A-Za-z]{4}))?"
    r"(?:-(?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-[A-Za-z0-9]{1,8})*$"
)
_CASEFOLD = {code.lower(): code for code in _BY_CODE}
# Regions that imply Traditional characters when a Chinese tag names no script.
_HANT_REGIONS = {"TW", "HK", "MO"}


def get_language(code: str) -> Language | None:
    """The :class:`Language` for a BCP 47 tag, or ``None`` if it is malformed or unknown.

    Exact entries win (case-insensitively, ``"pt-br"`` is ``"pt-BR"``). Otherwise the tag is
    reduced to a known language and script, and a region the table lacks is kept for typst and
    babel: ``"en-GB"``, ``"fr-CH"``, ``"zh-CN"`` and ``"es-419"`` all work.
    """
    if not isinstance(code, str):
        return None
    code = code.strip().replace("_", "-")
    if code.lower() in _CASEFOLD:
        return _BY_CODE[_CASEFOLD[code.lower()]]
    match = _BCP47.match(code)
    if not match:
        return None
    base = match["lang"].lower()
    script = match["script"].title() if match["script"] else None
    region = match["region"].upper() if match["region"] else None
    if base == "zh":
        if script is None:
            script = "Hant" if region in _HANT_REGIONS else "Hans"
        known = _BY_CODE.get(f"zh-{script}")
    else:
        known = _BY_CODE.get(base)
    if known is None:
        return None
    tag = "-".join(p for p in (base, script, region) if p)
    if tag == known.code:
        return known
    babel = "_".join(p for p in (base, script, region) if p)
    return replace(
        known,
        code=code,
        pandoc_lang=tag,
        typst_region=region if region and region.isalpha() else known.typst_region,
        babel_locale=babel,
    )
