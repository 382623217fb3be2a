"""Importing a paper's translated title, subtitle, short title and audience into paper.<lang>.yaml.

Only the imported fields and the `translation:` entry are replaced; other lines stay as written.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from positionkit.diagnostics import Diagnostic, warning
from positionkit.load import stamps
from positionkit.load.project import Project
from positionkit.translations import placeholders as ph
from positionkit.translations.returned import Written, check_unit
from positionkit.translations.stamping import imported_stamp, read_translation, write_translation
from positionkit.translations.units import meta_hash

_TOP_KEY = re.compile(rb"^[^\s#-][^:]*:")


def write_metadata(project: Project, yaml_path: str, lang: str, items, returned, day: str):
    paper = next((p for p in project.papers.values() if p.yaml_path == yaml_path), None)
    if paper is None:
        return [], [warning("PK425", f"unit {items[0][2].id}: no paper {yaml_path} in this project",
                            returned.path, items[0][2].line)]
    diags: list[Diagnostic] = []
    values: dict[str, str] = {}
    tmeta = paper.translated_meta.get(lang) or {}
    fresh, changed = (stamps.metadata_freshness(paper.meta, tmeta, yaml_path) if tmeta else (None, []))

    def current(k: str) -> bool:
        return k in tmeta and fresh is not None and (fresh.status == stamps.CURRENT or
                                                     (fresh.status == stamps.STALE and k not in changed))
    for field, h, r in items:
        value = paper.meta.get(field)
        if field not in stamps.WATCHED_KEYS or not isinstance(value, str):
            diags.append(warning("PK425", f"unit {r.id}: paper.yaml has no field '{field}' to translate",
                                 returned.path, r.line))
            continue
        if meta_hash(field, value) != h:
            diags.append(warning("PK426", f"unit {r.id}: the paper's {field} changed since the export; it was not "
                                 "imported", returned.path, r.line, hint="export again"))
            continue
        source = ph.tokenize(" ".join(value.split()))
        refused = check_unit(r, source, returned.path)
        if refused:
            diags.append(refused)
        elif r.done:
            text = ph.to_markdown(r.target, source)
            if not (current(field) and " ".join(str(tmeta[field]).split()) == text):
                values[field] = text
    if not values:
        return [], diags
    rel = f"{paper.dir}/paper.{lang}.yaml"
    record_hashes = []
    fields = [k for k in stamps.WATCHED_KEYS if paper.meta.get(k)]
    for k in fields:
        now = meta_hash(k, paper.meta[k])
        record_hashes.append(now if k in values or current(k) else ("0" * 8 if k in tmeta else None))
    record = imported_stamp(tmeta.get("translation"), record_hashes, [meta_hash(k, paper.meta[k]) for k in fields],
                            stamps.metadata_source(paper.meta, yaml_path).body,
                            f"{day} imported {', '.join(values)} from {Path(returned.path).name}")
    path = project.root / rel
    data = read_translation(path, rel)
    if isinstance(data, Diagnostic):
        return [], diags + [data]
    problem = write_translation(path, rel, set_keys(data, {**values, "translation": record}))
    return ([], diags + [problem]) if problem else ([Written(rel, len(values))], diags)


def set_keys(data: bytes, entries: dict) -> bytes:
    """Replace (or append) top-level YAML entries; every other line stays as it was."""
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    lines = data.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += newline
    for key, value in entries.items():
        dumped = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=100)
        entry = dumped.encode().replace(b"\n", newline)
        start = next((i for i, ln in enumerate(lines) if ln.startswith(key.encode() + b":")), None)
        if start is None:
            lines.append(entry)
        else:
            end = next((j for j in range(start + 1, len(lines)) if _TOP_KEY.match(lines[j])), len(lines))
            lines[start:end] = [entry]
    return b"".join(lines)
