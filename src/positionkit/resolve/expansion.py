"""How much block text one document may expand: the bound on 'include bombs'.

Depth alone does not bound the work: eight blocks each including the next eight times expand to
8^8 copies (like a YAML alias bomb). A real handout includes a few dozen blocks.
"""
from __future__ import annotations

from dataclasses import dataclass

from positionkit.diagnostics import Diagnostic, error

MAX_INCLUDES = 2000
"""Includes expanded for one document."""
MAX_EXPANDED_CHARS = 4 * 1024 * 1024
"""Block text expanded into one document (twice the largest source file)."""


@dataclass
class Budget:
    includes: int = 0
    chars: int = 0
    over: bool = False
    """The limit was reached (reported once per document)."""

    def refuse(self, chain_ids: list[str], block_id: str, text: str, at) -> list[Diagnostic] | None:
        """None when the include may be expanded; else what to report (once) and stop."""
        self.includes += 1
        self.chars += len(text)
        if not (self.over or self.includes > MAX_INCLUDES or self.chars > MAX_EXPANDED_CHARS):
            return None
        if self.over:
            return []
        self.over = True
        chain = " -> ".join([*chain_ids, block_id])
        return [error("PK330", f"block includes expand this document past {MAX_INCLUDES} includes or "
                      f"{MAX_EXPANDED_CHARS // 1024 // 1024} MB of text; stopped at the chain {chain}",
                      at.path, at.line, hint="a block includes others many times over: include each block once")]
