"""What a review finds: items (comment, insertion, deletion, replacement) and the edits they make."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Edit:
    """Replace ``[start, end)`` of a file's text with ``text``."""

    path: str
    start: int
    end: int
    text: str
    note: bool = False
    """An internal note (applied after text edits at the same place)."""


@dataclass(frozen=True)
class Item:
    kind: str
    """comment | insertion | deletion | replacement"""
    author: str
    date: str
    text: str
    """Inserted text, deleted text, the replacement, or the comment."""
    old: str | None = None
    """Replaced text (replacement) or commented text (comment)."""
    path: str | None = None
    line: int | None = None
    col: int | None = None
    block: str | None = None
    status: str = "pending"
    """pending | applied | already applied | conflict | patch | unplaced | rendered | listed"""
    matched: str = "anchor"
    """anchor | text (the DOCX had lost its anchors) | none"""
    replies: tuple = ()
    source_text: str | None = None
    """Current source text, for a conflict."""
    docx_text: str | None = None
    """The paragraph as the DOCX had it before the reviewers' changes, for a conflict."""
    reason: str | None = None
    edits: tuple[Edit, ...] = field(default=(), compare=False)
