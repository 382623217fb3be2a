"""Raw output (```` ```{=openxml} ````, ``{=typst}``, HTML tags, LaTeX commands) bypasses every
guarantee a handout has: it can hide text, inject fields or macros, or break the layout.

Library blocks come from other organisations, so raw output there is always refused. The
project's own sections may use it when positionkit.toml says ``allow_raw = true``.
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
    out = {}
    for block in project.blocks.values():
        if block.library is None:
            continue
        out[block.source.path] = block.library
        for tr in project.translations.get(block.source.path, {}).values():
            out[tr.path] = block.library
    return out


def raw_content(lines):
    """(what, line, 1-based column): raw output fences and spans, HTML tags, LaTeX, outside code."""
    for ln, text in zip(lines, mask_code(list(lines))):
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
    libs = library_paths(ctx.project)
    allow = ctx.project.config.allow_raw
    for doc in ctx.resolved:
        for what, ln, col in raw_content(doc.lines):
            lib = libs.get(ln.path)
            if lib is not None:
                yield error("PK507", f"{what} in a block from library '{lib}' is refused", ln.path, ln.line, col,
                            hint="library blocks may contain Markdown only; ask its maintainers to remove it, "
                            "or override the block with your own")
            elif not allow:
                yield error("PK507", f"{what} is not allowed", ln.path, ln.line, col,
                            hint="write it in Markdown, or set allow_raw = true under [project] in "
                            "positionkit.toml if you trust every author of this project")
