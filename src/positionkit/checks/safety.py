"""Files pandoc is handed by name (CSL style, bibliographies) must be files inside the project.

``--sandbox`` lets pandoc read exactly the files on its command line, so these paths are the
last way a configuration could make a build read something outside the project.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from positionkit.load.citestyles import BUILTIN, builtin_csl
from positionkit.diagnostics import error
from positionkit.load.config import CONFIG_NAME, key_line
from positionkit.load.sources import inside, is_file, long_name, read_text, too_long


def _path_problem(root, value, where, line, what):
    value = str(value)
    if too_long(value):
        return long_name(value, where, line, what)
    target = root / value
    if PurePosixPath(value).is_absolute() or not inside(root, target):
        return error("PK105", f"{what} '{value}' is outside the project", where, line,
                     hint="keep it inside the project folder, e.g. styles/; symlinks out are refused")
    if not is_file(target):
        shipped = ", ".join(BUILTIN) if "csl" in what else ""
        return error("PK510", f"{what} not found: {value}", where, line,
                     hint="paths are relative to the project folder"
                          + (f"; or name a shipped style: {shipped}" if shipped else ""))
    return None


def check(ctx):
    project, root = ctx.project, ctx.project.root
    csl = project.config.style.csl
    if csl and builtin_csl(csl) is None:
        text, _ = read_text(root, CONFIG_NAME)
        found = _path_problem(root, csl, CONFIG_NAME, key_line(text or "", "csl", "style"), "[style] csl")
        if found:
            yield found
    for slug in sorted({doc.target.paper for doc in ctx.resolved}):
        paper = project.papers[slug]
        if paper.meta.get("csl") and builtin_csl(str(paper.meta["csl"])) is None:
            found = _path_problem(root, paper.meta["csl"], paper.yaml_path, paper.meta_lines.get("csl"), "csl")
            if found:
                yield found
    # a declared local library (path = "../core") is read in place; libraries.read_bib checked
    # its .bib is no link out of that library's folder
    path_libs = {f"{s.folder}/references.bib" for s in project.libraries if s.origin == "path"}
    for rel in project.bibliography.files:
        if rel not in path_libs and not inside(root, root / rel):
            yield error("PK105", f"bibliography '{rel}' is outside the project", rel,
                        hint="a library's .bib must stay inside the library folder")
