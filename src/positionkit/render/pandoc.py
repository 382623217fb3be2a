"""Running the pandoc binary that pypandoc-binary bundles."""

from __future__ import annotations

import os
import subprocess

from positionkit.render import limits
from positionkit.render.errors import RenderError, TimeLimitError, first_line
from positionkit.system.pandoc import pandoc_path

__all__ = ["run_pandoc", "pandoc_path"]

# A stable epoch when the caller gives none, so that even ad-hoc runs are reproducible.
_DEFAULT_EPOCH = 0


def run_pandoc(args: list[str], input: bytes, *, epoch: int | None = None,
               cwd: str | None = None) -> bytes:
    """Run pandoc with ``args`` (no shell), feed ``input`` on stdin and return stdout.

    ``SOURCE_DATE_EPOCH`` is always set (from ``epoch``, else inherited, else 0) so that DOCX
    timestamps are reproducible. Raises :class:`RenderError` with pandoc's stderr on failure,
    :class:`TimeLimitError` when pandoc runs past the time limit (it is killed).
    """
    env = dict(os.environ)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(int(epoch))
    else:
        env.setdefault("SOURCE_DATE_EPOCH", str(_DEFAULT_EPOCH))
    try:
        proc = subprocess.run(
            [pandoc_path(), *args],
            input=input,
            capture_output=True,
            env=env,
            cwd=cwd,
            check=False,
            timeout=limits.seconds(),
        )
    except subprocess.TimeoutExpired:  # subprocess.run has killed pandoc
        raise TimeLimitError(f"pandoc did not finish within {limits.seconds():g} s and was stopped",
                             "raise time_limit under [project] in positionkit.toml if the document is "
                             "really that large") from None
    except OSError as exc:
        raise RenderError(f"could not run pandoc: {exc}") from exc
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"pandoc failed (exit {proc.returncode}): {first_line(stderr)}", stderr)
    return proc.stdout
