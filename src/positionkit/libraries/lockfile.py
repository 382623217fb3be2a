"""Writing positionkit.lock (reading it is the load stage's: load/lock.py)."""
from __future__ import annotations

from pathlib import Path

from positionkit.load.lock import LOCK_NAME, VERSION, Pin
from positionkit.pipeline.write import replace_file

_HEADER = ("# positionkit.lock: written by `positionkit sync`, `update` and `vendor`.\n"
           "# Commit it with the project; do not edit it by hand.\n")


def _q(value: str) -> str:
    """A TOML basic string."""
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in out)
    return f'"{out}"'


def dumps(pins: dict[str, Pin]) -> str:
    parts = [_HEADER, f"version = {VERSION}\n"]
    for alias in sorted(pins):
        pin = pins[alias]
        parts.append(f"\n[libraries.{alias}]\n")
        for key in ("git", "path", "ref", "commit", "content"):
            value = getattr(pin, key)
            if value is not None:
                parts.append(f"{key} = {_q(value)}\n")
    return "".join(parts)


def write(root: Path, pins: dict[str, Pin]) -> None:
    """Temp file + rename: an interrupted sync never leaves half a lock."""
    replace_file(root / LOCK_NAME, dumps(pins).encode("utf-8"))
