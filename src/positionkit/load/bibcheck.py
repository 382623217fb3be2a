"""Is a bibliography entry complete, and does its LaTeX survive? Asked of pandoc itself.

A hand-kept table of BibTeX fields disagrees with what pandoc reads: biblatex's ``journaltitle``,
``date`` and ``crossref`` parents all fill a reference that the table called incomplete. So the
entries are converted once per file with pandoc's own reader (``-f biblatex -t csljson``, the
reader ``--bibliography x.bib`` uses) and an entry is incomplete when its CSL item lacks what a
style prints for its type. LaTeX commands pandoc does not know are dropped with their argument,
silently; they are found by asking pandoc's LaTeX reader (``--verbose`` logs what it skips).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from functools import lru_cache

from positionkit.diagnostics import Diagnostic, error, warning
from positionkit.system.diskcache import cached_json, file_stamp
from positionkit.system.pandoc import pandoc_path

__all__ = ["csl_items", "unknown_macros", "check_entries"]

# CSL variables a printed reference needs, by CSL type; a tuple inside means "one of these".
_NEEDS = {
    "article-journal": ("author", "title", "container-title", "issued"),
    "article-magazine": ("author", "title", "container-title", "issued"),
    "article-newspaper": ("title", "container-title", "issued"),
    "book": (("author", "editor"), "title", "publisher", "issued"),
    "chapter": ("author", "title", "container-title", "publisher", "issued"),
    "paper-conference": ("author", "title", "container-title", "issued"),
    "report": (("author", "editor", "publisher"), "title", "publisher", "issued"),
    "thesis": ("author", "title", "publisher", "issued"),
    "webpage": ("title", "URL"),
    "legislation": ("title",),
    "legal_case": ("title",),
    "manuscript": ("author", "title"),
}
_DEFAULT_NEEDS = ("title", ("author", "editor", "URL", "publisher"))

# How a CSL variable is spelled in the .bib file, by CSL type where it differs.
_BIB_NAMES = {
    "author": "author", "editor": "editor", "title": "title", "URL": "url",
    "issued": "year (or date)",
}
_CONTAINER = {"article-journal": "journal (or journaltitle)", "chapter": "booktitle",
              "paper-conference": "booktitle"}
_PUBLISHER = {"report": "institution", "thesis": "school"}

_MACRO = re.compile(r"\\([A-Za-z]+)")
_DOTLESS_ACCENT = re.compile(r"\\['\"`^~=.uvHc]\s*\{?\s*\\[ij](?![A-Za-z])")
_EMPTY_DEF = re.compile(r"\\(?:re)?newcommand\s*\{?\\([A-Za-z]+)\}?\s*(?:\[\d\])?\s*\{\s*\}")


def _pandoc(args: list[str], data: bytes) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
    return subprocess.run([pandoc_path(), "--sandbox", *args], input=data,
                          capture_output=True, env=env, check=False)


def _cached(kind: str, text: str, make):
    """make()'s JSON result, kept in the per-user disk cache (positionkit.system.diskcache) under the text
    and the pandoc binary it came from: pandoc's reading of an unchanged .bib is the same in every
    process, and running it cost a cold `check` a tenth of a second."""
    key = [hashlib.sha256(text.encode("utf-8")).hexdigest(), file_stamp(pandoc_path())]
    return cached_json(kind, key, make)


@lru_cache(maxsize=64)
def _convert(digest: str, text: str) -> tuple[str | None, str]:
    del digest  # part of the cache key only: texts are compared by hash first

    def run():
        proc = _pandoc(["-f", "biblatex", "-t", "csljson"], text.encode("utf-8"))
        if proc.returncode != 0:
            return [None, proc.stderr.decode("utf-8", "replace").strip()]
        return [proc.stdout.decode("utf-8"), ""]

    out, message = _cached("bib-csljson", text, run)
    return out, message


def csl_items(text: str) -> tuple[dict | None, str]:
    """key -> CSL JSON item as pandoc reads the .bib text; (None, pandoc's message) if it cannot."""
    out, message = _convert(hashlib.sha256(text.encode("utf-8")).hexdigest(), text)
    if out is None:
        return None, message
    return {item.get("id"): item for item in json.loads(out or "[]")}, ""


@lru_cache(maxsize=256)
def _skipped(names: tuple[str, ...]) -> frozenset[str]:
    probe = "\n\n".join(f"\\{name}{{x}}" for name in names) + "\n"

    def run():
        proc = _pandoc(["--verbose", "-f", "latex", "-t", "plain"], probe.encode("utf-8"))
        lost = set()
        for line in proc.stderr.decode("utf-8", "replace").splitlines():
            m = re.match(r"\[INFO\] Skipped '\\([A-Za-z]+)", line)
            if m:
                lost.add(m.group(1))
        return sorted(lost)

    return frozenset(_cached("latex-skipped", probe, run))


def unknown_macros(names: set[str], preamble: str = "") -> set[str]:
    """The LaTeX commands among ``names`` that pandoc drops (with their argument).

    A command the .bib's @preamble defines as empty (``\\noopsort``, a sorting trick) is meant
    to vanish and is not reported; pandoc ignores @preamble, so other definitions do not help.
    """
    if not names:
        return set()
    meant_empty = set(_EMPTY_DEF.findall(preamble))
    return set(_skipped(tuple(sorted(names)))) - meant_empty


def _missing(item: dict, csl_type: str) -> list[str]:
    names = []
    for need in _NEEDS.get(csl_type, _DEFAULT_NEEDS):
        options = need if isinstance(need, tuple) else (need,)
        if any(item.get(v) for v in options):
            continue
        names.append(" or ".join(_bib_name(v, csl_type) for v in options))
    return names


def _bib_name(var: str, csl_type: str) -> str:
    if var == "container-title":
        return _CONTAINER.get(csl_type, "booktitle")
    if var == "publisher":
        return _PUBLISHER.get(csl_type, "publisher")
    return _BIB_NAMES.get(var, var)


def check_entries(text: str, rel: str, entries: dict, preamble: str = "") -> list[Diagnostic]:
    """PK204 (incomplete as pandoc reads it), PK211 (pandoc cannot read the file), PK212 (LaTeX
    command pandoc drops), PK213 (accent over a dotless i/j) for the entries of one .bib file."""
    items, message = csl_items(text)
    if items is None:
        last = message.splitlines()[-1] if message else "unknown reason"
        return [error("PK211", f"pandoc cannot read this bibliography: {last}", rel, 1,
                      hint="no reference from this file would print; check the entry the message names")]
    diags: list[Diagnostic] = []
    used = {m for e in entries.values() for v in e.fields.values() for m in _MACRO.findall(v)}
    lost = unknown_macros(used, preamble)
    # A crossref/xref parent (a journal as @periodical, a @proceedings) exists to fill its
    # children; it is not a reference of its own kind to be judged complete.
    parents = {e.fields.get(f, "").strip() for e in entries.values() for f in ("crossref", "xref")}
    for key, e in entries.items():
        item = items.get(key)
        if item is not None and key not in parents:
            csl_type = item.get("type") or "document"
            missing = _missing(item, csl_type)
            if missing:
                diags.append(warning("PK204", f"entry '{key}' ({e.type}) lacks {', '.join(missing)}",
                                     rel, e.line, hint="the reference will print incomplete"))
        for name, value in e.fields.items():
            line = e.field_lines.get(name, e.line)
            dropped = sorted({m for m in _MACRO.findall(value) if m in lost})
            if dropped:
                cmds = ", ".join(f"\\{m}" for m in dropped)
                diags.append(warning("PK212", f"entry '{key}', field {name}: pandoc does not know {cmds}; "
                                     "the command and its text would be left out", rel, line,
                                     hint="write the words themselves (e.g. BibTeX for {\\BibTeX})"))
            if _DOTLESS_ACCENT.search(value):
                diags.append(warning("PK213", f"entry '{key}', field {name}: an accent over \\i or \\j "
                                     "prints as a dotless letter with a loose accent", rel, line,
                                     hint="write the accented letter itself, e.g. í for {\\'\\i}"))
    return diags
