"""Which text of a source file a document prints, per paragraph: its current translation, or the
source language marked as a fallback. What this finds depends on the paper, the language and the
file only, never on the audience, so one :class:`Picks` memo serves every audience of a batch
(`positionkit check` resolves hundreds of audience documents from the same few files)."""
from __future__ import annotations

from dataclasses import dataclass

from positionkit.diagnostics import Diagnostic, warning
from positionkit.load import alignment, library_translations
from positionkit.resolve import mixing
from positionkit.load import stamps as i18n
from positionkit.markdown import Line, parse, strip_comments, to_lines


@dataclass(frozen=True)
class Picked:
    lines: tuple[Line, ...]
    lang: str
    """The language of the content (the source language when the whole file falls back)."""
    items: tuple
    """The lines, comments stripped, parsed into Line and Div items (read-only: shared)."""
    problems: tuple[tuple[Line, str], ...]
    inputs: tuple[str, ...]
    fallback: bool
    """Some paragraphs are printed in the source language."""
    diagnostics: tuple[Diagnostic, ...]


class Picks:
    """Memo of :func:`pick` results for one project, keyed by (paper, file, language)."""

    def __init__(self):
        self._found: dict = {}

    def get(self, project, paper, lang: str, rel: str, src) -> Picked:
        key = (paper.slug, rel, lang)
        if key not in self._found:
            self._found[key] = pick(project, paper, lang, rel, src)
        return self._found[key]


def pick(project, paper, lang: str, rel: str, src) -> Picked:
    inputs, diags = [rel], []
    lines, content_lang, fallback = _choose(project, paper, lang, rel, src, inputs, diags)
    items, problems = parse(strip_comments(lines))
    return Picked(tuple(lines), content_lang, tuple(items), tuple(problems), tuple(inputs), fallback,
                  tuple(diags))


def _choose(project, paper, lang, rel, src, inputs, diags) -> tuple[list[Line], str, bool]:
    source_lang = project.config.source_lang
    whole = to_lines(src.body, rel, src.body_line)
    if lang == source_lang:
        return whole, lang, False
    tr = project.translations.get(rel, {}).get(lang)
    if tr is not None:
        inputs.append(tr.path)
    al = alignment.align(src, tr)
    if tr is not None and all(p.status == alignment.TRANSLATED for p in al.pairs):
        return to_lines(tr.body, tr.path, tr.body_line), lang, False
    if tr is None:
        diags.append(warning("PK401", f"no {lang} translation of {rel}: the {source_lang} text is "
                             "printed instead, marked as untranslated", rel, None,
                             hint=library_hint(project, rel, lang) or f"positionkit i18n new {rel} --lang {lang}"))
        return mixing.mixed_lines(al, src, None, source_lang), lang, True
    fresh = i18n.freshness(src, tr)
    if fresh.status == i18n.UNSTAMPED and alignment.recorded(tr) is None:
        diags.append(warning("PK420", f"translation {tr.path} is not stamped: it is printed as written, but "
                             "positionkit cannot tell it is current (a final build refuses it)", tr.path, 1,
                             hint=f"after checking it against the source: positionkit i18n stamp {tr.path}"))
        return to_lines(tr.body, tr.path, tr.body_line), lang, False
    if fresh.status == i18n.UNSTAMPED:
        msg = f"translation {tr.path} is not stamped, so positionkit cannot tell it is current"
        hint = f"after checking it against the source: positionkit i18n stamp {tr.path}"
    elif al.count(alignment.STALE) or not al.aligned:
        lines = [src.body_line + p.source.start for p in al.pairs if p.status == alignment.STALE]
        where = ", ".join(str(n) for n in (lines if al.aligned else fresh.changed)[:5]) or "paragraphs removed"
        msg = f"translation {tr.path} is stale: {rel} changed since it was translated (source lines {where})"
        hint = f"update the translation, then: positionkit i18n stamp {tr.path}"
    else:
        lines = [src.body_line + p.source.start for p in al.pairs if p.status == alignment.MISSING]
        msg = (f"translation {tr.path} has no {lang} text yet for source lines "
               f"{', '.join(map(str, lines[:5]))}")
        hint = f"translate them: positionkit i18n export {paper.slug} --lang {lang}"
    if not tr.path.startswith(f"{library_translations.FOLDER}/"):  # the library's own file: never edited
        hint = library_hint(project, rel, lang) or hint
    diags.append(warning("PK402", msg + f"; the {source_lang} text is printed instead", tr.path, 1, hint=hint))
    if not al.aligned:
        return whole, source_lang, True  # the caller marks the whole file
    return mixing.mixed_lines(al, src, tr, source_lang), lang, True


def library_hint(project, rel: str, lang: str) -> str | None:
    """How to translate a library block: in the project's own tree, never in the library's files."""
    block = library_translations.library_block(project.blocks, rel)
    if block is None:
        return None
    return (f"translate it in this project: positionkit i18n new {block.id} --lang {lang} "
            f"(creates {library_translations.override_path(block.id, lang)})")
