"""Typographic settings shared by the DOCX and PDF renderers (the ``[style]`` table)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Mapping

__all__ = ["Style", "DEFAULT_STYLE", "PAPER_SIZES"]

PAPER_SIZES = ("a4", "us-letter")
_COLOR = re.compile(r"^#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_MIN_SIZE, _MAX_SIZE = 6.0, 24.0


@dataclass(frozen=True)
class Style:
    body_font: str = "IBM Plex Serif"
    """Font family for running text (Latin and Cyrillic; other scripts get their own font)."""
    heading_font: str = "IBM Plex Serif"
    """Font family for the title and headings."""
    font_size: float = 10.5
    """Body text size in points."""
    accent_color: str = "#1F4E79"
    """Colour of headings and the key-messages box, ``#RRGGBB``."""
    paper_size: str = "a4"
    """``"a4"`` or ``"us-letter"``."""
    csl: str | None = None
    """Path of the CSL citation style relative to the project root, or ``None`` for pandoc's default."""
    extra_fonts: tuple[str, ...] = ()
    """Absolute paths of the project's own font files (``styles/fonts/*.ttf|otf|ttc``), set by the
    loader, not by ``[style]``: every compile can use them, for any script."""

    @property
    def accent_rgb(self) -> tuple[int, int, int]:
        """The accent colour as three 0-255 integers."""
        h = self.accent_color.lstrip("#")
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> tuple["Style", list[str]]:
        """Build a Style from a ``[style]`` table, collecting every error.

        Bad values keep their default and produce one message each, naming the key. Keys that
        are not Style fields are ignored here (the config loader reports them).
        """
        errors: list[str] = []
        values: dict[str, Any] = {}
        known = {f.name for f in fields(cls)}
        for key, value in d.items():
            if key not in known or key not in _CHECKS:
                continue
            checked, error = _CHECKS[key](value)
            if error:
                errors.append(f"{key}: {error}")
            else:
                values[key] = checked
        return cls(**values), errors


def _font(value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not value.strip():
        return None, f"expected a font family name, got {value!r}"
    return value.strip(), None


def _size(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, f"expected a number of points, got {value!r}"
    if not _MIN_SIZE <= float(value) <= _MAX_SIZE:
        return None, f"expected between {_MIN_SIZE:g} and {_MAX_SIZE:g} points, got {value!r}"
    return float(value), None


def _color(value: Any) -> tuple[Any, str | None]:
    match = _COLOR.match(value) if isinstance(value, str) else None
    if not match:
        return None, f"expected a colour like \"#1F4E79\", got {value!r}"
    h = match.group(1)
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return "#" + h.upper(), None


def _paper(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and value.strip().lower() in PAPER_SIZES:
        return value.strip().lower(), None
    return None, f"expected one of {', '.join(PAPER_SIZES)}, got {value!r}"


def _csl(value: Any) -> tuple[Any, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, str) or not value.strip():
        return None, f"expected a path to a .csl file, got {value!r}"
    return value.strip(), None


_CHECKS = {
    "body_font": _font,
    "heading_font": _font,
    "font_size": _size,
    "accent_color": _color,
    "paper_size": _paper,
    "csl": _csl,
}

DEFAULT_STYLE = Style()
"""IBM Plex Serif 10.5 pt, dark blue accent, A4, pandoc's default citation style."""
