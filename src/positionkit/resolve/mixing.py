"""Per-paragraph fallback: print each current translated paragraph, and each stale or missing one in
the source language inside a ``::: {.fallback lang=...}`` div (the renderers mark it and give it
the source language's ``w:lang`` and direction).

Only prose is wrapped: div fences stay outside the marker so the document's structure is the
source's, and code or indented paragraphs (list continuations, where a ``:::`` line would end the
list or turn the text into code) are printed unmarked.
"""
from __future__ import annotations

from positionkit.load.alignment import TRANSLATED, UNSTAMPED, Alignment, Chunk
from positionkit.load.sources import Source
from positionkit.markdown import Line, is_code_fence, is_div_fence

FALLBACK_CLASS = "fallback"


def _lines(chunk: Chunk, src: Source) -> list[Line]:
    return [Line(t, src.path, src.body_line + chunk.start + k) for k, t in enumerate(chunk.lines)]


def mixed_lines(alignment: Alignment, source: Source, translation: Source | None, source_lang: str) -> list[Line]:
    """The body to print: translated paragraphs where current, marked source paragraphs elsewhere."""
    out: list[Line] = []
    state = {"open": False, "code": False}

    def close():
        if state["open"]:
            last = out[-1]
            if last.text.strip():
                out.append(Line("", last.path, last.line))
            out.append(Line(":::", last.path, last.line))
            out.append(Line("", last.path, last.line))
            state["open"] = False

    for pair in alignment.pairs:
        if out:
            out.append(Line("", out[-1].path, out[-1].line))
        use_translation = pair.translation is not None and pair.status in (TRANSLATED, UNSTAMPED)
        lines = _lines(pair.translation, translation) if use_translation else _lines(pair.source, source)
        fences = sum(1 for ln in lines if is_code_fence(ln.text))
        in_code = state["code"]
        state["code"] = in_code != (fences % 2 == 1)
        if use_translation or in_code or fences or lines[0].text[:1] in (" ", "\t"):
            close()
            out.extend(lines)
            continue
        for ln in lines:
            if is_div_fence(ln.text):
                close()
                out.append(ln)
                continue
            if not state["open"]:
                out.extend([Line(f'::: {{.{FALLBACK_CLASS} lang="{source_lang}"}}', ln.path, ln.line),
                            Line("", ln.path, ln.line)])
                state["open"] = True
            out.append(ln)
    close()
    return out
