"""positionkit: Markdown position papers, shared argument blocks and one bibliography to
DOCX and PDF briefing handouts in every language.

The library API is the pipeline the CLI runs (docs/api.md has runnable examples):

    project = load_project(root)                  # load
    prepared = prepare(project)                   # resolve + check -> Prepared
    pdf = render_handout(project, prepared.documents[0], "pdf")   # one handout, in memory
    result = build(root)                          # everything, outputs written to build/

Names are imported on first use, so `import positionkit` (and `positionkit --help`) stays cheap.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from positionkit.version import __version__  # noqa: F401 (public)

_EXPORTS = {
    "BuildResult": "positionkit.pipeline.build",
    "build": "positionkit.pipeline.build",
    "check_project": "positionkit.pipeline.prepare",
    "prepare": "positionkit.pipeline.prepare",
    "Prepared": "positionkit.pipeline.prepare",
    "render_handout": "positionkit.pipeline.produce",
    "Diagnostic": "positionkit.diagnostics",
    "Severity": "positionkit.diagnostics",
    "Project": "positionkit.load.project",
    "load_project": "positionkit.load.project",
    "Resolved": "positionkit.resolve.document",
    "Target": "positionkit.resolve.document",
    "resolve_document": "positionkit.resolve.document:resolve",
}
"""Public name -> "module" (same name there) or "module:name". The resolve stage's function is
exported as resolve_document: `positionkit.resolve` is the stage's folder, and Python binds a
package attribute to a subpackage once it is imported, so a function of that name would vanish."""

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:  # static checkers see the real names  # noqa: F401
    from positionkit.diagnostics import Diagnostic, Severity
    from positionkit.load.project import Project, load_project
    from positionkit.pipeline.build import BuildResult, build
    from positionkit.pipeline.prepare import Prepared, check_project, prepare
    from positionkit.pipeline.produce import render_handout
    from positionkit.resolve.document import Resolved, Target
    from positionkit.resolve.document import resolve as resolve_document


def __getattr__(name: str):
    if name in _EXPORTS:
        module, _, attr = _EXPORTS[name].partition(":")
        value = getattr(importlib.import_module(module), attr or name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'positionkit' has no attribute {name!r}")


def __dir__():
    return __all__
