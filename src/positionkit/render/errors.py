"""The one exception the render stage raises."""

from __future__ import annotations

__all__ = ["RenderError", "TimeLimitError", "first_line", "show_detail"]

_DETAIL = {"on": False}


def show_detail(on: bool = True) -> None:
    """`positionkit -v`: diagnostics about failed renders carry the tool's whole output."""
    _DETAIL["on"] = on


def first_line(text: str, limit: int = 300) -> str:
    """The first meaningful line of a tool's output (not a bare [WARNING] tag or a blank line)."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line and not line.startswith("[WARNING]"):
            return line if len(line) <= limit else line[:limit - 1] + "…"
    return " ".join(text.split())[:limit] or "no message"


class RenderError(Exception):
    """A renderer or pandoc/typst run failed; ``message`` says why in the user's terms, on one
    line; ``detail`` is the tool's whole output, shown with ``-v``."""

    code = "PK602"

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message

    def shown_detail(self) -> str | None:
        """The tool's whole output when the user asked for it (-v), else None."""
        return self.detail if _DETAIL["on"] else None


class TimeLimitError(RenderError):
    """A tool ran past the time limit ([project] time_limit)."""

    code = "PK610"
