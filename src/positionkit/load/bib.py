"""The shared bibliography: parse references.bib once, keep keys, types and line numbers."""
from __future__ import annotations

from dataclasses import dataclass, field

import bibtexparser

from positionkit.diagnostics import Diagnostic, error, warning

REQUIRED_FIELDS = {
    "article": ("author", "title", "journal", "year"),
    "book": ("title", "publisher", "year"),
    "incollection": ("author", "title", "booktitle", "publisher", "year"),
    "inproceedings": ("author", "title", "booktitle", "year"),
    "techreport": ("author", "title", "institution", "year"),
    "report": ("author", "title", "institution", "year"),
    "phdthesis": ("author", "title", "school", "year"),
    "mastersthesis": ("author", "title", "school", "year"),
    "misc": ("title",),
    "online": ("title", "url"),
    "legislation": ("title",),
    "jurisdiction": ("title",),
    "unpublished": ("author", "title"),
}
"""Fields a citation style needs to print a usable reference (BibTeX/biblatex conventions)."""


@dataclass(frozen=True)
class Entry:
    key: str
    type: str
    line: int
    """1-based line of the '@type{' in its file."""
    fields: dict = field(default_factory=dict)
    path: str = "references.bib"


@dataclass(frozen=True)
class Bibliography:
    entries: dict = field(default_factory=dict)
    """key -> Entry."""
    files: tuple[str, ...] = ()
    """Project-relative .bib paths pandoc must read, project's own first."""

    def keys(self):
        return self.entries.keys()


def parse_bib(text: str, rel: str) -> tuple[dict, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    try:
        lib = bibtexparser.parse_string(text)
    except Exception as exc:  # the parser's own failure modes are not documented as types
        return {}, [error("PK202", f"bibliography cannot be read: {exc}", rel, 1)]
    entries: dict = {}
    for e in lib.entries:
        fields = {k: v.value if hasattr(v, "value") else v for k, v in e.fields_dict.items()}
        entries[e.key] = Entry(e.key, e.entry_type.lower(), e.start_line + 1,
                               {k.lower(): str(v) for k, v in fields.items()}, rel)
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
            what = str(getattr(block, "error", "") or "syntax error").split("\n")[-1].strip()
            head = block.raw.strip().split("\n", 1)[0][:60]
            diags.append(error("PK202", f"cannot read this bibliography entry: {head}", rel, line,
                               hint=what or "check braces and commas"))
    for e in entries.values():
        need = REQUIRED_FIELDS.get(e.type)
        if need is None:
            continue
        missing = [f for f in need if f not in e.fields]
        if "author" in missing and ("editor" in e.fields or e.type in ("book",)):
            missing.remove("author")
        if e.type == "misc" and not ({"author", "howpublished", "url", "publisher", "organization"} & set(e.fields)):
            missing.append("author or url")
        if missing:
            diags.append(warning("PK204", f"entry '{e.key}' ({e.type}) lacks {', '.join(missing)}",
                                 rel, e.line, hint="the reference will print incomplete"))
    return entries, diags
