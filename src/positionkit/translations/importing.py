"""`i18n import`: a returned XLIFF, PO or bilingual DOCX -> `.L.md` files, paragraph by paragraph.

Units are matched by id only: the id names the source paragraph by its hash, so a unit is applied
only while the source still has exactly that paragraph, and the paragraph is stamped with that
hash. A unit whose paragraph changed since the export is reported and left out (export again);
a unit whose placeholders do not match its source is refused. A paragraph is written when every
unit of it has a translation (from the file, or already current in the translation); all other
paragraphs of the translation file keep their text and stamp. Each file is replaced atomically.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from positionkit.diagnostics import Diagnostic, error, warning
from positionkit.languages import get_language
from positionkit.load import alignment as al
from positionkit.load.project import Project, translation_path
from positionkit.translations import bilingual_docx, po, xliff
from positionkit.translations import placeholders as ph
from positionkit.translations.metadata_import import write_metadata
from positionkit.translations.returned import Returned, ReturnedFile, Written, check_unit
from positionkit.translations.segments import opens_code, template
from positionkit.translations.stamping import (body_offset, imported_stamp, read_translation, with_record,
                                                write_translation)
from positionkit.translations.units import BODY_ID, META_ID, unchanged_units

READERS = {".po": po.read, ".xlf": xliff.read, ".xliff": xliff.read, ".docx": bilingual_docx.read}


def read_returned(data: bytes, rel: str) -> tuple[ReturnedFile | None, list[Diagnostic]]:
    suffix = Path(rel).suffix.lower()
    if suffix not in READERS:
        return None, [error("PK424", f"{rel}: positionkit imports .xlf/.xliff, .po and .docx files", rel,
                            hint="save the translation in the format it was exported in")]
    return READERS[suffix](data, rel)


def import_returned(project: Project, returned: ReturnedFile, today: dt.date | None = None
                    ) -> tuple[list[Written], list[Diagnostic]]:
    lang = returned.lang or ""
    if not lang:
        return [], [error("PK421", f"{returned.path} does not say which language it is in", returned.path, 1,
                          hint="export a fresh file with positionkit i18n export PAPER --lang L")]
    if get_language(lang) is None or lang == project.config.source_lang:
        what = "the source language" if lang == project.config.source_lang else "not a language positionkit knows"
        return [], [error("PK421", f"{returned.path} is in '{lang}', {what}", returned.path, 1)]
    diags: list[Diagnostic] = []
    day = (today or dt.date.today()).isoformat()
    body: dict[str, list[tuple[str, int, int, Returned]]] = {}
    meta: dict[str, list[tuple[str, str, Returned]]] = {}
    for r in returned.units:
        if m := META_ID.match(r.id):
            meta.setdefault(m["path"], []).append((m["field"], m["hash"], r))
        elif m := BODY_ID.match(r.id):
            body.setdefault(m["path"], []).append((m["hash"], int(m["dup"] or 1), int(m["n"]), r))
        else:
            diags.append(warning("PK425", f"'{r.id}' is not a unit id positionkit exported; it is ignored",
                                 returned.path, r.line))
    written: list[Written] = []
    sources = dict(project.sections)
    sources.update({b.source.path: b.source for b in project.blocks.values() if b.library is None})
    broken = {d.path for d in project.diagnostics if d.severity.value == "error"}
    for path, items in body.items():
        if path not in sources:
            diags.append(warning("PK425", f"unit {items[0][3].id}: no section or block {path} in this project; "
                                 f"its {len(items)} unit(s) are ignored", returned.path, items[0][3].line))
            continue
        done, more = _import_file(project, sources[path], lang, items, returned, day, broken)
        diags += more
        written += done
    for path, items in meta.items():
        done, more = write_metadata(project, path, lang, items, returned, day)
        diags += more
        written += done
    return written, diags


def _import_file(project, src, lang, items, returned, day, broken) -> tuple[list[Written], list[Diagnostic]]:
    diags: list[Diagnostic] = []
    tr = project.translations.get(src.path, {}).get(lang)
    target_rel = tr.path if tr is not None else translation_path(src.path, lang)
    alignment = al.align(src, tr)
    if tr is not None and (target_rel in broken or al.recorded(tr) is None or not alignment.aligned):
        why = "positionkit could not read it" if target_rel in broken else (
            "it is not stamped" if al.recorded(tr) is None else "its paragraphs do not match its stamp")
        return [], [error("PK427", f"{target_rel} cannot be updated paragraph by paragraph: {why}; "
                          f"{len(items)} unit(s) for it were not imported", target_rel, 1,
                          hint=f"check it against the source and run positionkit i18n stamp {target_rel}, "
                               "or move it away and import again")]
    by_key: dict[tuple[str, int], int] = {}
    templates, seen, in_code, ids = [], {}, False, []
    for j, pair in enumerate(alignment.pairs):
        templates.append(template(pair.source.lines, in_code))
        in_code = opens_code(pair.source.lines, in_code)
        seen[pair.source.hash] = seen.get(pair.source.hash, 0) + 1
        by_key[(pair.source.hash, seen[pair.source.hash])] = j
        n_seen = seen[pair.source.hash]
        ids.append(f"{src.path}:{pair.source.hash}" + (f"~{n_seen}" if n_seen > 1 else ""))
    wanted: dict[int, dict[int, Returned]] = {}
    for h, dup, n, r in items:
        j = by_key.get((h, dup))
        if j is None:
            diags.append(warning("PK426", f"unit {r.id}: its source paragraph in {src.path} changed (or went) since "
                                 "the export; it was not imported", returned.path, r.line,
                                 hint="export again: the unit comes back as stale, with its previous text"))
        elif n > len(templates[j].units):
            diags.append(warning("PK425", f"unit {r.id}: no such unit in that paragraph", returned.path, r.line))
        else:
            wanted.setdefault(j, {})[n] = r
    new: dict[int, list[str]] = {}
    for j, got in sorted(wanted.items()):
        tpl, pair = templates[j], alignment.pairs[j]
        have = _existing(pair, len(tpl.units))
        still = unchanged_units(project, src.path, pair, len(tpl.units)) if have else []
        texts: list[str | None] = [have[k] if have and (pair.status == al.TRANSLATED or still[k]) else None
                                   for k in range(len(tpl.units))]
        changed = False
        for n, r in got.items():
            source = ph.tokenize(tpl.units[n - 1])
            refused = check_unit(r, source, returned.path)
            if refused:
                diags.append(refused)
                texts[n - 1] = None
                continue
            text = ph.to_markdown(r.target, source)
            if not r.done and not (returned.edits_confirm and have and text not in (have[n - 1], tpl.units[n - 1])):
                continue  # still fuzzy / needs review, and not reworded
            if have and have[n - 1] == text and (pair.status == al.TRANSLATED or still[n - 1]
                                                 or returned.checks_unchanged):
                continue  # unchanged; and a stale DOCX row handed back untouched is not a confirmation
            texts[n - 1], changed = text, True
        if changed and all(t is not None for t in texts):
            new[j] = tpl.fill(texts)
        elif changed:
            left = [f"{ids[j]}.{k + 1}" for k, t in enumerate(texts) if t is None]
            diags.append(warning("PK423", f"paragraph at {src.path}:{src.body_line + pair.source.start} was not "
                                 f"written: unit(s) {', '.join(left)} have no usable translation", returned.path,
                                 next(iter(got.values())).line,
                                 hint="a paragraph is written once all its units are translated"))
    if not new:
        return [], diags
    problem = _write(project, src, tr, target_rel, alignment, templates, new, returned, day)
    return ([], diags + [problem]) if problem else ([Written(target_rel, len(new))], diags)


def _existing(pair: al.Pair, count: int) -> list[str] | None:
    if pair.translation is None:
        return None
    units = template(pair.translation.lines).units
    return list(units) if len(units) == count else None


def _write(project, src, tr, target_rel, alignment, templates, new, returned, day) -> Diagnostic | None:
    parts, record = [], []
    for j, pair in enumerate(alignment.pairs):
        if j in new:
            parts.append(new[j])
            record.append(pair.source.hash)
        elif pair.translation is not None and pair.status in (al.TRANSLATED, al.STALE):
            parts.append(list(pair.translation.lines))
            record.append(pair.made_from)
        else:
            parts.append(list(pair.source.lines))
            record.append(pair.source.hash if not templates[j].units else None)
    body = "\n\n".join("\n".join(p) for p in parts) + "\n"
    rec = imported_stamp(tr.meta.get("translation") if tr is not None else None, record,
                         [p.source.hash for p in alignment.pairs], src.body,
                         f"{day} imported {len(new)} paragraph(s) from {Path(returned.path).name}")
    path = project.root / target_rel
    data = read_translation(path, target_rel)
    if isinstance(data, Diagnostic):
        return data
    head = with_record(data, rec)
    return write_translation(path, target_rel, head[: body_offset(head)] + body.encode())
