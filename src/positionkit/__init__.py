"""positionkit: Markdown position papers, shared argument blocks and one bibliography to
DOCX and PDF briefing handouts in every language."""

__version__ = "0.1.0"

from .diagnostics import Diagnostic, Severity  # noqa: E402

__all__ = ["Diagnostic", "Severity", "__version__"]
