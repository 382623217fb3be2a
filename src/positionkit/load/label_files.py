"""The project's label overrides: styles/i18n/<lang>.yaml, every one read here, once.

A broken file is a positioned diagnostic (never silence): its labels then fall back to the
packaged ones, and the writer is told where the problem is.
"""
from __future__ import annotations

from pathlib import Path

from positionkit.diagnostics import Diagnostic, error
from positionkit.load.sources import read_text, yaml_load

FOLDER = "styles/i18n"


def load_label_files(root: Path) -> tuple[dict[str, dict[str, str]], list[Diagnostic]]:
    """-> ({language code: {label key: text}}, diagnostics) for every styles/i18n/*.yaml."""
    folder = root / FOLDER
    if not folder.is_dir():
        return {}, []
    found: dict[str, dict[str, str]] = {}
    diags: list[Diagnostic] = []
    for path in sorted(folder.glob("*.yaml")):
        rel = f"{FOLDER}/{path.name}"
        text, more = read_text(root, rel)
        diags += more
        if text is None:
            continue
        data, lines, more = yaml_load(text, rel)
        diags += more
        if more and data is None:
            continue
        if data is None:
            data = {}
        if not isinstance(data, dict):
            diags.append(error("PK107", f"{rel} must be a mapping of label names to text", rel, 1,
                               hint="write one 'key: text' line per label, e.g. references: Références"))
            continue
        found[path.stem] = {str(k): str(v) for k, v in data.items() if v is not None}
    return found, diags
