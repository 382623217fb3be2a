"""The project's label overrides (styles/i18n/<lang>.yaml) and the warning when a label is missing.

Packaged defaults and the fallback chain live in render.labels; this module adds the project's
own files and tells the writer which labels fell back to English.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from positionkit.diagnostics import Diagnostic, warning
from positionkit.languages import Language
from positionkit.render.labels import LABEL_KEYS, _builtin
from positionkit.render.labels import load_labels as _chain


def _project(root: Path, code: str) -> dict:
    path = root / "styles" / "i18n" / f"{code}.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return {}
    return {str(k): str(v) for k, v in data.items() if v is not None} if isinstance(data, dict) else {}


def project_labels(root: Path, lang: Language) -> tuple[dict, list[Diagnostic]]:
    codes = list(dict.fromkeys(["en", lang.code.split("-")[0], lang.code]))
    overrides: dict = {}
    for code in codes:
        overrides.update(_project(root, code))
    own = {k for code in codes[1:] for k in {**_builtin(code), **_project(root, code)}}
    if lang.code != "en":
        own |= set(_builtin(lang.pandoc_lang))
    missing = [k for k in LABEL_KEYS if k not in own] if lang.code.split("-")[0] != "en" else []
    diags = []
    if missing:
        diags.append(warning("PK405", f"no {lang.code} label for {', '.join(missing)}: English is printed",
                             f"styles/i18n/{lang.code}.yaml", None,
                             hint=f"add {missing[0]}: ... to styles/i18n/{lang.code}.yaml"))
    return _chain(lang, overrides), diags
