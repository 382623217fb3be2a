"""Rows of the side-by-side view: pieces of several languages that translate each other.

Each piece carries a key (its source file and source paragraph hash, see anchors.py). The
columns are aligned on those keys in order, like a diff: a paragraph one language has and
another lacks gets a row of its own, with an empty cell on the other side.
"""
from __future__ import annotations

from difflib import SequenceMatcher
from typing import Sequence

from positionkit.preview.column import Piece


def _key(piece: Piece) -> str:
    return piece.anchor.key if piece.anchor else ""


def align(columns: Sequence[Sequence[Piece]]) -> list[list[Piece | None]]:
    """-> rows, each with one cell per column (None where that language has nothing)."""
    if not columns:
        return []
    rows: list[list[Piece | None]] = [[p] for p in columns[0]]
    keys = [_key(p) for p in columns[0]]
    for c, pieces in enumerate(columns[1:], 1):
        other = [_key(p) for p in pieces]
        merged: list[list[Piece | None]] = []
        merged_keys: list[str] = []
        for tag, i1, i2, j1, j2 in SequenceMatcher(a=keys, b=other, autojunk=False).get_opcodes():
            if tag == "equal":
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    merged.append(rows[i] + [pieces[j]])
                    merged_keys.append(keys[i])
                continue
            for i in range(i1, i2):
                merged.append(rows[i] + [None])
                merged_keys.append(keys[i])
            for j in range(j1, j2):
                merged.append([None] * c + [pieces[j]])
                merged_keys.append(other[j])
        rows, keys = merged, merged_keys
    return rows
