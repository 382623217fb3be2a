"""The shared bibliography: parse references.bib once, keep keys, types and line numbers."""
from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from positionkit.diagnostics import Diagnostic, error, info
from positionkit.load.bibcheck import check_entries
from positionkit.system.diskcache import cached_json, file_stamp


@dataclass(frozen=True)
class Entry:
    key: str
    type: str
    line: int
    """1-based line of the '@type{' in its file."""
    fields: dict = field(default_factory=dict)
    path: str = "references.bib"
    field_lines: dict = field(default_factory=dict, compare=False)
    """field name -> 1-based line where the field starts."""

    def same_as(self, other: "Entry") -> bool:
        """The same reference (type and fields, whitespace aside), wherever it is written."""
        def norm(e: Entry):
            return e.type, {k: " ".join(v.split()) for k, v in e.fields.items()}
        return norm(self) == norm(other)


@dataclass(frozen=True)
class Bibliography:
    entries: dict = field(default_factory=dict)
    """key -> Entry."""
    files: tuple[str, ...] = ()
    """Project-relative .bib paths pandoc must read, project's own first."""

    def keys(self):
        return self.entries.keys()


def parse_bib(text: str, rel: str) -> tuple[dict, list[Diagnostic]]:
    """The entries of one .bib text, and what is wrong with it.

    bibtexparser's reading is kept in the per-user disk cache (positionkit.system.diskcache),
    keyed by the text, this module and the installed parser: importing the parser costs a cold
    build 40 ms before pandoc can start, and an unchanged references.bib reads the same in every
    process. The checks against pandoc's own reading (load.bibcheck) run on every call.
    """
    key = [hashlib.sha256(text.encode("utf-8")).hexdigest(), rel, file_stamp(__file__), _parser_stamp()]
    read = cached_json("bib-read", key, lambda: _read(text, rel))
    entries = {e["key"]: Entry(**e) for e in read["entries"]}
    diags = [Diagnostic.from_dict(d) for d in read["diagnostics"]]
    if read["failed"]:
        return ({}, diags) if read["failed"] == "all" else (entries, diags)
    # pandoc's reader would stumble on the same broken entry
    return entries, diags + check_entries(text, rel, entries, read["preamble"])


@lru_cache(maxsize=1)
def _parser_stamp() -> list:
    spec = importlib.util.find_spec("bibtexparser")
    return file_stamp(spec.origin) if spec and spec.origin else [None]


def _read(text: str, rel: str) -> dict:
    """bibtexparser's reading as JSON: entries, diagnostics, preamble; "failed" when some
    entries could not be read ("all" when the file could not be read at all)."""
    import logging  # lazy, as bibtexparser: a build whose bibliography is cached needs neither

    import bibtexparser  # lazy: see parse_bib

    # bibtexparser logs its own report of a broken entry (0-based lines) to stderr, even under
    # --format json; its failed blocks are reported as PK202/PK203 with 1-based lines instead.
    logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
    logging.getLogger("bibtexparser").propagate = False

    diags: list[Diagnostic] = []
    try:
        lib = bibtexparser.parse_string(text)
    except Exception as exc:  # the parser's own failure modes are not documented as types
        found = error("PK202", f"bibliography cannot be read: {exc}", rel, 1)
        return {"entries": [], "diagnostics": [found.to_dict()], "failed": "all", "preamble": ""}
    entries: dict = {}
    for e in lib.entries:
        fields = {k: v.value if hasattr(v, "value") else v for k, v in e.fields_dict.items()}
        lines = {f.key.lower(): f.start_line + 1 for f in e.fields if getattr(f, "start_line", None) is not None}
        entries[e.key] = Entry(e.key, e.entry_type.lower(), e.start_line + 1,
                               {k.lower(): str(v) for k, v in fields.items()}, rel, lines)
    for block in lib.failed_blocks:
        line = block.start_line + 1
        name = type(block).__name__
        if name == "DuplicateBlockKeyBlock":
            key = getattr(block, "key", None) or block.raw.split("{", 1)[-1].split(",", 1)[0].strip()
            first = entries.get(key)
            where = f" (first defined on line {first.line})" if first else ""
            diags.append(error("PK203", f"duplicate citation key '{key}'{where}", rel, line,
                               hint="give each entry its own key; pandoc would silently use one of them"))
        else:
            exc = getattr(block, "error", None)
            what = str(getattr(exc, "abort_reason", "") or exc or "syntax error").split("\n")[-1].strip()
            head = block.raw.strip().split("\n", 1)[0][:60]
            diags.append(error("PK202", f"cannot read this bibliography entry: {head}", rel, line,
                               hint=what or "check braces and commas"))
    return {"entries": [asdict(e) for e in entries.values()], "diagnostics": [d.to_dict() for d in diags],
            "failed": "some" if diags else "", "preamble": "\n".join(str(p.value) for p in lib.preambles)}


OWN_BIB = "references.bib"


def merge_entries(entries: dict, found: dict) -> list[Diagnostic]:
    """Add one file's entries to ``entries`` (the project's own file comes first).

    The same reference under one key in several files is one entry. The project's own entry
    wins over a library's that differs (the project decides; PK210 says so). Two libraries that
    differ under one key are an error the project resolves by copying the entry it wants into
    its own references.bib (PK205).
    """
    diags: list[Diagnostic] = []
    for key, entry in found.items():
        first = entries.get(key)
        if first is None:
            entries[key] = entry
        elif first.path == entry.path or first.same_as(entry):
            continue
        elif first.path == OWN_BIB:
            diags.append(info("PK210", f"citation key '{key}' is defined differently in {entry.path}; "
                              f"the project's own entry in {OWN_BIB} is used", entry.path, entry.line))
        else:
            diags.append(error("PK205", f"citation key '{key}' is defined differently in {first.path} "
                               f"and in {entry.path}", entry.path, entry.line,
                               hint=f"copy the entry you want into {OWN_BIB}: the project's own entry "
                                    "wins over any library's"))
    return diags
