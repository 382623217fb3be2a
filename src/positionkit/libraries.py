"""Shared block libraries (git or local path). Placeholder until the libraries work lands:
no library is loaded, a declared one is reported as unsupported."""
from __future__ import annotations

from pathlib import Path

from .diagnostics import error


def load(root: Path, config):
    """-> (states, blocks, translations, bib paths, diagnostics)."""
    diags = [error("PK701", f"library '{lib.alias}' is declared but libraries are not supported yet",
                   "positionkit.toml") for lib in config.libraries]
    return [], {}, {}, [], diags
