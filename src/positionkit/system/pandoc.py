"""Where the pandoc binary is: the one pypandoc-binary bundles."""
from __future__ import annotations

import importlib.util
import os
from functools import lru_cache


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    """Path of the bundled pandoc executable.

    pypandoc-binary keeps it at pypandoc/files/pandoc: found without importing pypandoc, which
    costs a tenth of a second (start-up time of every build and check)."""
    spec = importlib.util.find_spec("pypandoc")
    if spec and spec.origin:
        for name in ("pandoc", "pandoc.exe"):
            bundled = os.path.join(os.path.dirname(spec.origin), "files", name)
            if os.access(bundled, os.X_OK):
                return bundled
    import pypandoc  # lazy: only when the bundled binary is not where pypandoc-binary puts it

    return pypandoc.get_pandoc_path()
