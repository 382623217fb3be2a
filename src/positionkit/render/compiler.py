"""typst, in-process: font books, a pool of compilers that keep their caches, and the compile.

No typst executable exists (the PyPI package is a binding). A compile sees one curated font set
(no system fonts) and a private root folder holding only the handout's images.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping

from positionkit.render import limits
from positionkit.render.errors import RenderError, first_line
from positionkit.render.media import media_name
from positionkit.system import trace
from positionkit.system.scratch import private_dir


_FONTS_LOCK = threading.Lock()
_FONT_DIRS: list[tempfile.TemporaryDirectory] = []


def font_set(paths: tuple[str, ...]) -> Any:
    """The font book of exactly these files (made once per process, see :func:`_font_set`)."""
    with _FONTS_LOCK:
        return _font_set(paths)


@lru_cache(maxsize=16)
def _font_set(paths: tuple[str, ...]) -> Any:
    """A typst font book holding exactly ``paths`` (plus typst's embedded fonts).

    The binding only scans folders, and the folders fonts live in hold more than we want (all
    of /usr/share/fonts/opentype/noto), so the chosen files are linked into a private folder
    that lives as long as the process.
    """
    import typst

    folder = private_dir("fonts")
    _FONT_DIRS.append(folder)
    for i, path in enumerate(paths):
        link = Path(folder.name) / f"{i:02d}-{Path(path).name}"
        try:
            link.symlink_to(path)
        except OSError:  # Windows without symlink rights: a hard link or, last, a copy
            try:
                link.hardlink_to(path)
            except OSError:
                shutil.copyfile(path, link)
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[folder.name])


def compile_source(fonts: Any, media: Mapping[str, bytes], epoch: int, source: str, **options: Any) -> Any:
    """typst's output for ``source`` (``format="pdf"``: bytes; ``"png"``: pages), compiled with
    exactly ``fonts`` (a :func:`font_set`) and ``media`` as its only files, within the time limit."""
    import typst

    def run():
        with _compiler(fonts) as (compiler, root):
            _write_media(root, media)
            trace.event("compile-start")
            try:
                return compiler.compile(input=source.encode("utf-8"), timestamp=epoch, **options)
            finally:
                trace.event("compile-end")

    try:
        return limits.within(run)
    except typst.TypstError as exc:
        raise RenderError(f"typst could not compile the handout: {first_line(str(exc.message))}",
                          f"{exc.message}\n{exc.diagnostic}") from exc
    except RenderError:
        raise
    except Exception as exc:  # the binding raises plain RuntimeErrors too
        raise RenderError(f"typst could not compile the handout: {first_line(str(exc))}", str(exc)) from exc


_IDLE: dict[int, list] = {}
"""Font set -> compilers not in use. typst releases the GIL while it compiles, so compiles run
in parallel on the build's threads; one compiler serves one compile at a time (the binding
refuses a second: "Already borrowed"), so each thread takes its own."""
_IDLE_LOCK = threading.Lock()


@contextmanager
def _compiler(fonts: Any) -> Iterator[tuple[Any, Path]]:
    """A compiler for this font set and its root folder, for the length of one compile.

    Compilers live as long as the process and keep typst's caches between compiles, which
    makes the second and later handouts about 4x faster. The root is a private directory
    holding nothing but the handouts' images (see :func:`_write_media`), so typst sees nothing
    else on disk.
    """
    import typst

    key = id(fonts)
    with _IDLE_LOCK:
        idle = _IDLE.setdefault(key, [])
        entry = idle.pop() if idle else None
    if entry is None:  # (an abandoned compile keeps its compiler: the next one makes another)
        root = private_dir("typst")
        _FONT_DIRS.append(root)
        entry = (fonts, typst.Compiler(root=root.name, font_paths=fonts, ignore_system_fonts=True), Path(root.name))
    try:
        yield entry[1], entry[2]
    finally:
        with _IDLE_LOCK:
            _IDLE[key].append(entry)


def ready(fonts: Any) -> None:
    """Make a compiler for ``fonts`` now and keep it idle for the first compile."""
    with _compiler(fonts):
        pass


def _write_media(root: Path, media: Mapping[str, bytes]) -> None:
    """The handout's printable images, under the content-addressed names the Typst source uses:
    a name always holds the same bytes, so typst's file cache can never serve stale ones."""
    for data in media.values():
        name = media_name(data)
        if name and not (root / name).exists():
            tmp = root / f".{name}.tmp"
            tmp.write_bytes(data)
            tmp.replace(root / name)
