"""Units as a gettext PO file (polib), and back.

Each unit is one entry: ``msgctxt`` is the unit id, ``#:`` the source position, ``#.`` the
context and what each placeholder stands for, the ``python-brace-format`` flag makes
``msgfmt --check`` and ``pofilter`` compare the ``{placeholders}``. A stale unit is ``fuzzy`` with
the previous source text as ``#| msgid`` when it is known (gettext's own convention for it).
"""
from __future__ import annotations

import datetime as dt
import os
import time

import polib

from positionkit.diagnostics import Diagnostic, error
from positionkit.translations import placeholders as ph
from positionkit.translations.returned import Returned, ReturnedFile
from positionkit.translations.units import MISSING, STALE, UnitSet

FLAG = "python-brace-format"


def _legend(pieces) -> list[str]:
    return [f"{{{p.name}}} = {p.original}" for p in pieces if isinstance(p, ph.Ph)]


def write(units: UnitSet, generator: str) -> bytes:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = dt.datetime.fromtimestamp(int(epoch) if epoch.isdigit() else time.time(), dt.timezone.utc)
    stamp = when.strftime("%Y-%m-%d %H:%M+0000")
    po = polib.POFile(wrapwidth=79)
    po.metadata = {
        "Project-Id-Version": f"{units.paper}",
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": stamp,
        "PO-Revision-Date": stamp,
        "Last-Translator": "",
        "Language-Team": "",
        "Language": units.lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": generator,
        "X-Source-Language": units.source_lang,
    }
    for u in units.units:
        entry = polib.POEntry(
            msgctxt=u.id, msgid=ph.to_braces(u.source),
            msgstr=ph.to_braces(u.target) if u.target and u.status != MISSING else "",
            occurrences=[(u.path, str(u.line))],
            comment="\n".join([u.context, *_legend(u.source)] + ([u.note] if u.note else [])),
            flags=[FLAG] + (["fuzzy"] if u.status == STALE else []))
        if u.status == STALE and u.previous:
            entry.previous_msgid = ph.to_braces(u.previous)
        po.append(entry)
    return str(po).encode("utf-8")


def read(data: bytes, rel: str) -> tuple[ReturnedFile | None, list[Diagnostic]]:
    try:
        po = polib.pofile(data.decode("utf-8"), encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return None, [error("PK424", f"cannot read {rel} as a PO file: {exc}", rel, 1,
                            hint="save it from your PO editor again, or export a fresh one")]
    out = []
    for entry in po:
        if entry.obsolete or not entry.msgctxt:
            continue
        if not entry.msgstr.strip():
            continue
        target, problems = ph.from_braces(" ".join(entry.msgstr.split()))
        out.append(Returned(entry.msgctxt, tuple(target), entry.linenum, "fuzzy" not in entry.flags,
                            tuple(problems)))
    lang = po.metadata.get("Language") or None
    return ReturnedFile(rel, lang, tuple(out)), []
