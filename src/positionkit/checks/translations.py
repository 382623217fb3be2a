"""A translation must cite the same sources and use the same {{ parameters }} as its source.

Translators reword sentences; they should not drop a citation or a parameter, nor add one. Each
differing key is named, at its line in the translation (or, when the translation lacks it, at the
first line of the translation's text, with the source line that has it).
"""
from __future__ import annotations

import re

from positionkit.diagnostics import warning
from positionkit.markdown import citations, mask_code, to_lines

_PARAM = re.compile(r"\{\{\s*([A-Za-z_][\w-]*)\s*\}\}")


def _keys(src) -> dict:
    """citation key -> first Line citing it."""
    found: dict = {}
    for key, ln, col in citations(to_lines(src.body, src.path, src.body_line)):
        found.setdefault(key, (ln.line, col))
    return found


def _params(src) -> dict:
    lines = to_lines(src.body, src.path, src.body_line)
    found: dict = {}
    for ln, text in zip(lines, mask_code(lines)):
        for m in _PARAM.finditer(text):
            found.setdefault(m.group(1), (ln.line, m.start() + 1))
    return found


def _compare(verb: str, show, code: str, src, tr, mine: dict, theirs: dict):
    for key, (line, col) in mine.items():
        if key not in theirs:
            yield warning(code, f"translation {verb}s {show(key)}, which its source {src.path} does not",
                          tr.path, line, col, hint="translate what the source says: remove it here, or add it "
                          "to the source too")
    for key, (line, _col) in theirs.items():
        if key not in mine:
            yield warning(code, f"translation does not {verb} {show(key)}, which its source {verb}s "
                          f"({src.path}:{line})", tr.path, tr.body_line,
                          hint=f"keep {show(key)} in the translated text")


def translation_pairs(ctx):
    """(source, translation) for every translation file the checked documents print, once each."""
    project = ctx.project
    sources = dict(project.sections)
    sources.update({b.source.path: b.source for b in project.blocks.values()})
    seen = set()
    for doc in ctx.resolved:
        if doc.target.lang == project.config.source_lang:
            continue
        for path in doc.inputs:
            tr = project.translations.get(path, {}).get(doc.target.lang)
            if tr is None or path not in sources or tr.path in seen:
                continue
            seen.add(tr.path)
            yield sources[path], tr


def check(ctx):
    for src, tr in translation_pairs(ctx):
        yield from _compare("cite", "'{}'".format, "PK411", src, tr, _keys(tr), _keys(src))
        yield from _compare("use", "'{{{{ {} }}}}'".format, "PK412", src, tr, _params(tr), _params(src))
