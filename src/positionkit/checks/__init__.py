"""Check: an ordered list of checks, each (CheckContext) -> diagnostics. Nothing raises.

One check per module; add a module and list it here. Every code a check emits is documented in
docs/diagnostics.md (a test keeps the two in step).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Iterable, Mapping

from positionkit.diagnostics import Diagnostic, ordered
from positionkit.load.project import Project
from positionkit.resolve.document import Resolved
from positionkit.checks import citations, loading, resolving, sections
from positionkit.checks import budgets, headings, images, links, raw, safety
from positionkit.checks import glyphs, pathological, translations
from positionkit.checks import translation_structure


@dataclass(frozen=True)
class CheckContext:
    project: Project
    resolved: tuple[Resolved, ...]
    """Every document about to be rendered (or checked)."""
    final: bool = False
    shapes: Mapping[int, Resolved] = field(default_factory=lambda: MappingProxyType({}))
    """id(document) -> a document with the same text but for plain audience values (`check`,
    see pipeline.checking.shapes): whatever only Markdown syntax decides, such as
    which keys it cites, is the same in both."""

    def cited_keys(self, doc: Resolved) -> list[str]:
        """The keys ``doc`` cites, in order, once each."""
        return list(dict.fromkeys(k for k, _, _ in self.shapes.get(id(doc), doc).citations))


Check = Callable[[CheckContext], Iterable[Diagnostic]]

CHECKS: list[Check] = [
    loading.check,
    resolving.check,
    sections.check,
    pathological.check,
    citations.check,
    glyphs.check,
    translations.check,
    translation_structure.check,
    headings.check,
    links.check,
    images.check,
    raw.check,
    budgets.check,
    safety.check,
]


READ_VALUES: list[Check] = [glyphs.check, budgets.check, headings.check, links.check]
"""Checks whose findings can depend on what an audience's parameter values say, not only on
where they are: the characters printed (glyphs), their length (budgets), heading ids made from
their words (headings, links). The other checks read Markdown syntax, and a plain value (see
resolve.values.skeleton) is escaped text that adds none: `check` runs them on one document per
skeleton (pipeline.checking)."""


def run_checks(project: Project, resolved: Iterable[Resolved], final: bool = False,
               checks: Iterable[Check] | None = None, shapes: Mapping[int, Resolved] | None = None
               ) -> list[Diagnostic]:
    """The diagnostics of ``checks`` (default: all of CHECKS, in order) on these documents."""
    ctx = CheckContext(project, tuple(resolved), final, MappingProxyType(dict(shapes or {})))
    found: list[Diagnostic] = []
    for check in CHECKS if checks is None else checks:
        found.extend(check(ctx))
    return ordered(found)
