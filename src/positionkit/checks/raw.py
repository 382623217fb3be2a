"""Raw output (```` ```{=openxml} ````, ``{=typst}``, HTML tags, LaTeX commands) bypasses every
guarantee a handout has: it can hide text, inject fields or macros, or break the layout.

Blocks are refused raw output always: a library's come from other organisations, and the
project's own are shared between papers and may become a library. The project's own sections may
use it when positionkit.toml says ``allow_raw = true``.
"""
from __future__ import annotations

import re

from positionkit.diagnostics import error
from positionkit.markdown import mask_code

# Anywhere on the line, code or not, indented or in a list: failing closed is the point. Only a
# backtick or tilde right before {=format} is looked for, so the scan stays linear on any line.
_RAW_ATTR = re.compile(r"[`~][ \t]*\{\s*=\s*([\w-]+)")
_FENCE_START = re.compile(r"^[\s>*+\-\d.)]*(?:`{3,}|~{3,})")
_TAG = re.compile(r"(?<!\\)</?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?/?>")
_LATEX = re.compile(r"(?<!\\)(?:\\(?:begin|end)\{[A-Za-z*]+\}|\\[A-Za-z]+\{)")


def library_paths(project) -> dict[str, str]:
    """Project-relative path -> library alias, for every file of every library block."""
    return {path: lib for path, lib in block_paths(project).items() if lib is not None}


def block_paths(project) -> dict[str, str | None]:
    """Project-relative path -> library alias (None: the project's own), for every block file."""
    out = {}
    for block in project.blocks.values():
        out[block.source.path] = block.library
        for tr in project.translations.get(block.source.path, {}).values():
            out[tr.path] = block.library
    return out


def mask_math(texts: list[str]) -> list[str]:
    """Each line with TeX maths ($...$, $$...$$, also over several lines) blanked, columns kept.

    Maths is pandoc Markdown, not raw output: pandoc turns it into Word equations (OMML) and Typst
    maths, and an unknown command prints as text. Linear: one pass over the dollar signs."""
    out, display = [], False
    for text in texts:
        if "$" not in text and not display:
            out.append(text)
            continue
        chars, i, n = list(text), 0, len(text)
        start = 0 if display else None
        while i < n:
            if text[i] == "\\":
                i += 2
                continue
            if text.startswith("$$", i):
                if display:
                    for k in range(start, i + 2):
                        chars[k] = " "
                    display, start = False, None
                else:
                    display, start = True, i
                i += 2
                continue
            if text[i] == "$" and not display and i + 1 < n and not text[i + 1].isspace():
                j = i + 1
                while j < n and not (text[j] == "$" and text[j - 1] != "\\" and not text[j - 1].isspace()):
                    j += 1
                if j < n and not (j + 1 < n and text[j + 1].isdigit()):
                    for k in range(i, j + 1):
                        chars[k] = " "
                    i = j + 1
                    continue
                i = j if j > i + 1 else i + 1  # no closing '$' before j: none after i either
                continue
            i += 1
        if display and start is not None:
            for k in range(start, n):
                chars[k] = " "
            start = 0
        out.append("".join(chars))
    return out


_MAYBE = re.compile(r"</?[A-Za-z]|\\[A-Za-z]")
"""In every match of _TAG and _LATEX (maths blanking only turns characters into spaces)."""


def raw_content(lines, masked=None):
    """(what, line, 1-based column): raw output fences and spans, HTML tags, LaTeX, outside code
    and maths."""
    masked = list(mask_code(list(lines)) if masked is None else masked)
    if not _MAYBE.search("\n".join(masked)) and not _RAW_ATTR.search("\n".join(ln.text for ln in lines)):
        return  # one scan of the whole text rules out most documents; the lines are not visited
    for ln, text in zip(lines, mask_math(masked)):
        fence = _FENCE_START.match(ln.text)
        for m in _RAW_ATTR.finditer(ln.text):
            if fence:
                yield f"a raw {m.group(1)} block", ln, re.search(r"`{3}|~{3}", ln.text).start() + 1
                break
            opening = ln.text.rfind("`", 0, m.start())
            yield f"raw {m.group(1)} output", ln, (opening if opening >= 0 else m.start()) + 1
        tags = set()
        for m in _TAG.finditer(text):
            if m.group(1).lower() not in tags:  # <b>x</b>: one report for the pair
                tags.add(m.group(1).lower())
                yield f"an HTML tag <{m.group(1)}>", ln, m.start() + 1
        for m in _LATEX.finditer(text):
            yield f"a LaTeX command {m.group(0).rstrip('{')}", ln, m.start() + 1


def check(ctx):
    blocks = block_paths(ctx.project)
    allow = ctx.project.config.allow_raw
    for doc in ctx.resolved:
        for what, ln, col in raw_content(doc.lines, doc.masked):
            lib = blocks.get(ln.path, "")
            if lib is None:
                yield error("PK507", f"{what} in a block is refused", ln.path, ln.line, col,
                            hint="blocks may contain Markdown only (allow_raw covers the papers' own "
                            "sections); move the raw output into the section that includes the block")
            elif lib:
                yield error("PK507", f"{what} in a block from library '{lib}' is refused", ln.path, ln.line, col,
                            hint="library blocks may contain Markdown only; ask its maintainers to remove it, "
                            "or override the block with your own")
            elif not allow:
                yield error("PK507", f"{what} is not allowed", ln.path, ln.line, col,
                            hint="write it in Markdown, or set allow_raw = true under [project] in "
                            "positionkit.toml if you trust every author of this project")
