"""`positionkit new`: copy the packaged starter project (data/template) into a new folder."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

RENAMES = {"gitignore": ".gitignore"}


def new_project(target: Path) -> str | None:
    """Create the project; return a problem message instead when it cannot."""
    if target.exists() and any(target.iterdir()):
        return f"{target} exists and is not empty; choose a new folder"
    template = resources.files("positionkit").joinpath("data", "template")
    target.mkdir(parents=True, exist_ok=True)
    _copy(template, target)
    return None


def _copy(src, dest: Path) -> None:
    for item in src.iterdir():
        name = RENAMES.get(item.name, item.name)
        if item.is_dir():
            (dest / name).mkdir(exist_ok=True)
            _copy(item, dest / name)
        else:
            (dest / name).write_bytes(item.read_bytes())
