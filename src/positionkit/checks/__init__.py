"""Check: an ordered list of checks, each (CheckContext) -> diagnostics. Nothing raises.

One check per module; add a module and list it here. Every code a check emits is documented in
docs/diagnostics.md (a test keeps the two in step).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

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


def run_checks(project: Project, resolved: Iterable[Resolved], final: bool = False) -> list[Diagnostic]:
    ctx = CheckContext(project, tuple(resolved), final)
    found: list[Diagnostic] = []
    for check in CHECKS:
        found.extend(check(ctx))
    return ordered(found)
