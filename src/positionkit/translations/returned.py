"""What comes back from a translator, whatever the format: unit ids and their target text."""
from __future__ import annotations

from dataclasses import dataclass, field

from positionkit.diagnostics import Diagnostic, error
from positionkit.translations import placeholders as ph


@dataclass(frozen=True)
class Returned:
    id: str
    target: tuple
    """str and placeholder pieces (``Ph(name, "")``: what they stand for comes from the source)."""
    line: int | None = None
    """Where the unit is in the returned file (PO/XLIFF line, DOCX table row)."""
    done: bool = True
    """False for a PO entry still marked fuzzy or an XLIFF target still in a needs-* state."""
    problems: tuple[str, ...] = ()
    """Syntax problems in the target text (a lone brace)."""


@dataclass(frozen=True)
class ReturnedFile:
    path: str
    lang: str | None
    units: tuple[Returned, ...] = field(default_factory=tuple)
    edits_confirm: bool = False
    """True for XLIFF: many CAT tools leave a stale unit's needs-review state as it was when the
    translator rewords it; a target that differs from both the old translation and the source is
    taken as the translator's answer."""
    checks_unchanged: bool = False
    """True for formats without a per-unit state (DOCX): a stale unit returned unchanged is not
    taken as confirmed."""


@dataclass(frozen=True)
class Written:
    path: str
    """The translation file written."""
    paragraphs: int
    """Paragraphs (or metadata fields) taken from the returned file."""


def check_unit(r: Returned, source: list, where: str) -> Diagnostic | None:
    """A refusal when the target's placeholders are not the source's, else None."""
    problems = list(r.problems)
    missing, extra = ph.compare(source, r.target)
    problems += [f"placeholder {{{n}}} is missing" for n in missing]
    problems += [f"placeholder {{{n}}} is not in the source" for n in extra]
    got = ph.names(r.target)
    for n in got:
        if n.endswith("_end") and n.removesuffix("_end") in got and got.index(n) < got.index(n.removesuffix("_end")):
            problems.append(f"{{{n}}} comes before {{{n.removesuffix('_end')}}}")
    if not problems:  # typed Markdown must not add what placeholders protect (a citation, a link)
        added = _originals(ph.tokenize(ph.to_markdown(r.target, source)))
        for original in _originals(source):
            if original in added:
                added.remove(original)
        problems += [f"'{o}' is not in the source (write it as text, or ask for the source to change)"
                     for o in dict.fromkeys(added)]
    if not problems:
        return None
    return error("PK422", f"unit {r.id}: {'; '.join(problems)}; this unit was not imported", where, r.line,
                 hint="keep every {placeholder} of the source exactly once in the translation")


def _originals(pieces) -> list[str]:
    return [p.original for p in pieces if isinstance(p, ph.Ph)]
