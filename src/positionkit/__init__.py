"""positionkit: Markdown position papers, shared argument blocks and one bibliography to
DOCX and PDF briefing handouts in every language.

The library API is the pipeline the CLI runs:

    project = load_project(root)              # load
    docs, labels, diags = prepare(project)    # resolve + check
    result = build(root)                      # everything, outputs written to build/
"""

__version__ = "0.1.0"

from .build import BuildResult, build  # noqa: E402
from .check import check_project, prepare  # noqa: E402
from .diagnostics import Diagnostic, Severity  # noqa: E402
from .project import Project, load_project  # noqa: E402
from .resolve import Resolved, Target, resolve  # noqa: E402

__all__ = ["BuildResult", "Diagnostic", "Project", "Resolved", "Severity", "Target", "__version__", "build",
           "check_project", "load_project", "prepare", "resolve"]
