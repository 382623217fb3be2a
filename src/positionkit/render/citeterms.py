"""Latin-script references keep Latin-script terms in right-to-left handouts.

citeproc localises its terms for the whole document: in an Arabic handout "Mattoo and Meltzer"
becomes "Mattoo و Meltzer" and "et al." becomes "وآخرون". Inside a left-to-right citation or
reference one Arabic word is enough for the bidi algorithm to reorder its neighbours: "(Rosenberg
et al. 2018)" printed as "(Rosenberg 2018 وآخرون)". A citation or bibliography entry whose words
are otherwise Latin gets the English terms back, which is how a Latin-script reference is cited
in Arabic writing too; Arabic-script references keep the Arabic terms.

The terms are learnt from citeproc itself (once per language and style), so any CSL style and
locale work: a few made-up entries are formatted in both languages and the words that differ are
paired.
"""
from __future__ import annotations

import difflib
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from positionkit.render.ast import stringify
from positionkit.render.bidi import is_ltr
from positionkit.render.pandoc import run_pandoc

__all__ = ["latin_terms"]

_RTL = re.compile("[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]")
_PROBE_BIB = """\
@book{pk2, author = {Aaa, Ann and Bbb, Bob}, title = {Tt}, publisher = {Pp}, date = {2000}}
@book{pk5, author = {Ccc, Cy and Ddd, Di and Eee, Ed and Fff, Fay and Ggg, Gus}, title = {Tu}, publisher = {Pq}, date = {2001}}
@book{pk3, author = {Hhh, Hal and Iii, Ida and Jjj, Jo}, title = {Tv}, publisher = {Pr}, date = {2002}}
@book{pke, editor = {Kkk, Kim and Lll, Lee}, title = {Tw}, publisher = {Ps}}
"""
_PROBE_TEXT = "[@pk2] [@pk5] [@pk3] [@pke]\n"


def _words(pandoc_lang: str, csl: str | None, bib: Path) -> list[str]:
    args = ["--sandbox", "-f", "markdown", "-t", "plain", "--wrap=none", "--citeproc",
            "--bibliography", str(bib), "--metadata", f"lang={pandoc_lang}"]
    if csl:
        args += ["--csl", csl]
    return run_pandoc(args, _PROBE_TEXT.encode("utf-8")).decode("utf-8").split()


@lru_cache(maxsize=16)
def term_pairs(pandoc_lang: str, csl: str | None) -> tuple[tuple[str, str], ...]:
    """(localised word, English word) pairs citeproc uses, e.g. ("و", "and"), ("وآخرون", "et al.")."""
    with tempfile.TemporaryDirectory(prefix="positionkit-terms-") as tmp:
        bib = Path(tmp) / "probe.bib"
        bib.write_text(_PROBE_BIB, encoding="utf-8")
        local, english = _words(pandoc_lang, csl, bib), _words("en", csl, bib)
    pairs: dict[str, str] = {}
    matcher = difflib.SequenceMatcher(a=local, b=english, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "replace" and a1 - a0 == 1 and _RTL.search(local[a0]):
            word, english_words = _core(local[a0])[1], _core(" ".join(english[b0:b1]))[1]
            pairs.setdefault(word, english_words)
    return tuple(pairs.items())


_EDGE = re.compile(r"^([(\[]*)(.*?)([)\],;:]*)$", re.S)


def _core(word: str) -> tuple[str, str, str]:
    """("(", "د.ت", ")") for "(د.ت)": the term without the punctuation around it."""
    m = _EDGE.match(word)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", word, "")


def _swap(node: Any, pairs: dict[str, str]) -> Any:
    if isinstance(node, list):
        return [_swap(n, pairs) for n in node]
    if not isinstance(node, dict):
        return node
    if node.get("t") == "Str":
        before, word, after = _core(node["c"])
        if word in pairs:
            return {"t": "Str", "c": before + pairs[word] + after}
        return node
    if node.get("t") == "Note":
        return node
    return {k: (_swap(v, pairs) if isinstance(v, (list, dict)) else v) for k, v in node.items()}


def _latin_but_terms(node: Any, pairs: dict[str, str]) -> bool:
    text = " ".join(w for w in stringify(node).split() if _core(w)[1] not in pairs)
    return is_ltr(text) and not _RTL.search(text)


def latin_terms(ast: dict, pandoc_lang: str, csl: str | None, rtl: bool) -> dict:
    """``ast`` with English terms in its Latin-script citations and bibliography entries (RTL only)."""
    if not rtl:
        return ast
    pairs = dict(term_pairs(pandoc_lang, csl))
    if not pairs:
        return ast

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        if node.get("t") == "Cite" and _latin_but_terms(node["c"][1], pairs):
            return {"t": "Cite", "c": [node["c"][0], _swap(node["c"][1], pairs)]}
        if node.get("t") == "Div" and node["c"][0][0].startswith("ref-") and _latin_but_terms(node, pairs):
            return _swap(node, pairs)
        return {k: (walk(v) if isinstance(v, (list, dict)) else v) for k, v in node.items()}

    return walk(ast)
