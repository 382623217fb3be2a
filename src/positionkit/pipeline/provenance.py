"""The little positionkit asks of git about the project itself (for provenance lines)."""
from __future__ import annotations

import subprocess
from pathlib import Path


INPUTS = ("positionkit.toml", "references.bib", "audiences.yaml", "papers", "blocks", "styles")
"""What a build reads from the project (libraries are pinned by positionkit.lock)."""


def head_commit(root: Path) -> str | None:
    """Short commit of HEAD, '+' when tracked files differ from it; None outside git."""
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=7", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(root), "diff", "--quiet", "HEAD", "--"],
                               capture_output=True, timeout=10).returncode != 0
        # a new (untracked) translation or section is an input the commit does not hold either
        dirty = dirty or bool(subprocess.run(
            ["git", "-C", str(root), "ls-files", "--others", "--exclude-standard", "--", *INPUTS],
            capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        return None
    return rev.stdout.strip() + ("+" if dirty else "")
