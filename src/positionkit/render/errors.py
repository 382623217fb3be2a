"""The one exception the render stage raises."""

from __future__ import annotations

__all__ = ["RenderError"]


class RenderError(Exception):
    """A renderer or pandoc/typst run failed; ``message`` says why in the user's terms."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
