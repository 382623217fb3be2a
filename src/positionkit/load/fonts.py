"""The project's own fonts: any .ttf/.otf/.ttc/.otc file in styles/fonts/, for any script.

positionkit ships or finds fonts for the scripts in positionkit.scripts; a script it has none for
(Ethiopic, Georgian, Tamil...) gets one by dropping a font file here. Every PDF compile gets the
files (typst picks a face for characters the listed fonts lack) and the glyph check (PK410)
counts them.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from positionkit.load.config import Config
from positionkit.load.sources import inside

FONTS_DIR = "styles/fonts"
SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


def project_font_files(root: Path) -> tuple[str, ...]:
    folder = root / FONTS_DIR
    if not folder.is_dir():
        return ()
    return tuple(str(p) for p in sorted(folder.iterdir())
                 if p.suffix.lower() in SUFFIXES and p.is_file() and inside(root, p))


def with_project_fonts(root: Path, config: Config) -> Config:
    files = project_font_files(root)
    if not files:
        return config
    return replace(config, style=replace(config.style, extra_fonts=files))
