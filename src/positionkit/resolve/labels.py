"""The labels one language prints: the packaged ones, then the project's styles/i18n files
(read at load), and a warning naming the labels that fall back to English."""
from __future__ import annotations

from positionkit.diagnostics import Diagnostic, warning
from positionkit.labels import LABEL_KEYS, builtin, load_labels
from positionkit.languages import Language


def project_labels(project, lang: Language) -> tuple[dict, list[Diagnostic]]:
    """-> (every label for lang, PK405 when some of them are printed in English)."""
    files = project.label_files
    codes = list(dict.fromkeys(["en", lang.code.split("-")[0], lang.code]))
    overrides: dict = {}
    for code in codes:
        overrides.update(files.get(code, {}))
    own = {k for code in codes[1:] for k in {**builtin(code), **files.get(code, {})}}
    if lang.code != "en":
        own |= set(builtin(lang.pandoc_lang))
    missing = [k for k in LABEL_KEYS if k not in own] if lang.code.split("-")[0] != "en" else []
    diags = []
    if missing:
        diags.append(warning("PK405", f"no {lang.code} label for {', '.join(missing)}: English is printed",
                             f"styles/i18n/{lang.code}.yaml", None,
                             hint=f"add {missing[0]}: ... to styles/i18n/{lang.code}.yaml"))
    return load_labels(lang, overrides), diags
