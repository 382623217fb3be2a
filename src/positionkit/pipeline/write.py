"""Write: the only module that touches the output folder.

Every output is written to a temporary file beside its destination and renamed into place only
when all of them were written, manifest last; a failed or interrupted build leaves the previous
outputs complete. A lock file makes a second build of the same project wait.
"""
from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

from positionkit.diagnostics import Diagnostic, error
from positionkit.load.sources import inside
from positionkit.system import trace

LOCK_WAIT = 600
_TEMP = re.compile(r"\..+\.\d+\.tmp")


class Unavailable(Exception):
    """The output folder cannot be locked: another build holds it, or it cannot be created."""

    def diagnostic(self, rel: str) -> Diagnostic:
        return error("PK902", str(self), rel, hint="wait for the other build, or check the folder's "
                     "permissions; earlier outputs are unchanged")


@contextmanager
def locked(out_dir: Path, wait: float | None = None):
    """Hold the output folder's lock (a second build waits for the first)."""
    from filelock import FileLock, Timeout  # lazy: 16-36 ms of every start; see produce._warm_up

    wait = LOCK_WAIT if wait is None else wait
    if out_dir.is_symlink():
        raise Unavailable(f"the output folder {out_dir.name}/ is a symbolic link; positionkit writes only "
                          "inside the project (remove the link)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(out_dir / ".positionkit.lock"))
        lock.acquire(timeout=wait)
    except Timeout:
        raise Unavailable(f"another build has held {out_dir.name}/.positionkit.lock for {wait:g} s") from None
    except OSError as exc:
        raise Unavailable(f"cannot use the output folder {out_dir.name}/: {exc.strerror or exc}") from None
    try:
        _sweep(out_dir)
        yield
    finally:
        lock.release()


def _sweep(out_dir: Path) -> None:
    """Temp files of a build that was killed: holding the lock, nobody else is writing them."""
    for path in out_dir.rglob(".*.tmp"):
        if _TEMP.fullmatch(path.name) and path.is_file():
            path.unlink(missing_ok=True)


def temp_beside(dest: Path, data: bytes) -> Path:
    """data written and flushed to disk in a temporary file beside dest (same file system, so the
    rename that follows is atomic); nothing is left behind when writing fails."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:  # OSError, and Ctrl-C / SIGTERM while writing: nothing left behind
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def replace_file(dest: Path, data: bytes) -> None:
    """Replace one file atomically, keeping its permissions (raises OSError)."""
    tmp = temp_beside(dest, data)
    try:
        if dest.exists():
            os.chmod(tmp, dest.stat().st_mode & 0o777)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def commit(root: Path, files: dict) -> list[Diagnostic]:
    """files: project-relative path -> bytes. All written or none replaced."""
    temps: list[tuple[Path, Path]] = []
    for rel in files:
        if not inside(root, (root / rel).parent):
            return [error("PK901", f"cannot write {rel}: a folder on its way is a link out of the project",
                          rel, hint="remove the symbolic link inside the output folder; nothing was written")]
    try:
        for rel, data in files.items():
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            temps.append((temp_beside(dest, data), dest))
    except OSError as exc:
        for done, _ in temps:
            done.unlink(missing_ok=True)
        return [error("PK901", f"cannot write {rel}: {exc.strerror or exc}", rel,
                      hint="free some disk space or check permissions; earlier outputs are unchanged")]
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): the temp files go, the outputs stay
        for done, _ in temps:
            done.unlink(missing_ok=True)
        raise
    try:
        for tmp, dest in temps:
            os.replace(tmp, dest)
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)  # those not renamed when interrupted half-way
    trace.event("written")
    return []


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
