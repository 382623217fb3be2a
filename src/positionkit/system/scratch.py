"""Private temporary folders in the system temp folder, named after the process that made them.

A folder lives as long as the work (or the process) that needs it and is removed on every exit
Python sees (return, exception, Ctrl-C, SIGTERM through the CLI's handler). A process killed
outright (kill -9, power loss) cannot clean up: the next positionkit process removes the folders
of processes that no longer exist (`sweep_orphans`).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

_NAME = re.compile(r"positionkit-[a-z]+-(\d+)-")


def private_dir(kind: str) -> tempfile.TemporaryDirectory:
    """A new private folder 'positionkit-<kind>-<pid>-XXXXXXXX'."""
    return tempfile.TemporaryDirectory(prefix=f"positionkit-{kind}-{os.getpid()}-")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def sweep_orphans(folder: str | None = None) -> list[str]:
    """Remove the private folders of positionkit processes that are gone -> their names."""
    base = Path(folder or tempfile.gettempdir())
    removed = []
    try:
        entries = list(base.glob("positionkit-*"))
    except OSError:
        return removed
    for entry in entries:
        m = _NAME.match(entry.name)
        if m and entry.is_dir() and not entry.is_symlink() and not _alive(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed
