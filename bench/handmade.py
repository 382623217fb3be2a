"""The routes positionkit is measured against, each run in a fresh process by bench/cold.py.

    python bench/handmade.py best  [--mainfont FAMILY] OUT BIB CSL FONTS LANG:MD [LANG:MD ...]
    python bench/handmade.py naive [--mainfont FAMILY] OUT BIB CSL FONTS LANG:MD [LANG:MD ...]

best: what a careful person would script by hand: per language, `pandoc --citeproc --sandbox`
once to JSON, then JSON -> DOCX and JSON -> Typst (pandoc's own template) with typst compiled
in-process, the two formats on two threads. naive: per language, two full pandoc runs with
citeproc (-> DOCX, -> Typst) and one compile, one after the other. FONTS is a folder holding
the same font files positionkit gives typst (no system fonts on either side).

--mainfont sets pandoc's `mainfont` variable, so that the PDF is typeset in the handout's body
font. Without it pandoc's template sets typst's default, Libertinus Serif, and the compile is a
different (and, with justified text, about half as long) piece of work: typst shapes IBM Plex
Serif, positionkit's default, at about half the speed of Libertinus (measured: the 20-page
paper's compile takes 0.21 s in Libertinus, 0.45 s in IBM Plex Serif, with either template).
"""
from __future__ import annotations

import atexit
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypandoc
import typst

PANDOC = pypandoc.get_pandoc_path()
TRACE = os.environ.get("POSITIONKIT_TRACE")
"""bench/cold.py's trace file: the same events positionkit writes (positionkit.system.trace)."""
EVENTS: list[str] = []


def event(name: str) -> None:
    if TRACE:
        EVENTS.append(f"{time.time():.6f} {time.process_time():.6f} {name}")


def write_events() -> None:
    if EVENTS:
        with open(TRACE, "a", encoding="utf-8") as out:
            out.write("\n".join(EVENTS) + "\n")


if TRACE:
    atexit.register(write_events)


def pandoc(args: list[str], data: bytes) -> bytes:
    kind = "citeproc" if "--citeproc" in args else "pandoc-" + args[args.index("-t") + 1].split("-")[0]
    event(kind + "-start")
    out = subprocess.run([PANDOC, *args], input=data, capture_output=True, check=True).stdout
    event(kind + "-end")
    return out


def compile_pdf(source: bytes, fonts: str, out: Path) -> None:
    event("compile-start")
    pdf = typst.compile(source, font_paths=[fonts], ignore_system_fonts=True)
    event("compile-end")
    out.write_bytes(pdf)


def best(out: Path, bib: str, csl: str, fonts: str, lang: str, md: bytes, pool, font: list[str]) -> list:
    cite = ["--sandbox", "--citeproc", "--bibliography", bib, "--csl", csl, "-M", f"lang={lang}"]
    ast = pandoc([*cite, "-f", "markdown", "-t", "json"], md)
    docx = pool.submit(lambda: (out / f"{lang}.docx").write_bytes(
        pandoc(["--sandbox", "-f", "json", "-t", "docx", "-o", "-"], ast)))
    pdf = pool.submit(lambda: compile_pdf(
        pandoc(["--sandbox", "-f", "json", "-t", "typst-citations", "-s", *font], ast), fonts, out / f"{lang}.pdf"))
    return [docx, pdf]


def naive(out: Path, bib: str, csl: str, fonts: str, lang: str, md: bytes, font: list[str]) -> None:
    cite = ["--citeproc", "--bibliography", bib, "--csl", csl, "-M", f"lang={lang}", "-f", "markdown"]
    (out / f"{lang}.docx").write_bytes(pandoc([*cite, "-t", "docx", "-o", "-"], md))
    compile_pdf(pandoc([*cite, "-t", "typst-citations", "-s", *font], md), fonts, out / f"{lang}.pdf")


def main(argv: list[str]) -> None:
    route, *rest = argv
    font: list[str] = []
    if rest[:1] == ["--mainfont"]:
        font, rest = ["-V", f"mainfont={rest[1]}"], rest[2:]
    out, bib, csl, fonts, *docs = rest
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs = [(d.split(":", 1)[0], Path(d.split(":", 1)[1]).read_bytes()) for d in docs]
    event("cli")
    if route == "naive":
        for lang, md in inputs:
            naive(out_dir, bib, csl, fonts, lang, md, font)
    else:
        with ThreadPoolExecutor(2) as pool:
            futures = [f for lang, md in inputs for f in best(out_dir, bib, csl, fonts, lang, md, pool, font)]
            for f in futures:
                f.result()
    event("end")


if __name__ == "__main__":
    main(sys.argv[1:])
