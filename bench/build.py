"""Full build of the example papers vs plain pandoc + typst doing the same conversion.

    python bench/build.py [--runs 5]

Both sides get the same input: the resolved Markdown of every paper x language (positionkit's
resolve stage output), the same bibliography and CSL. The plain route runs, per output, what a
user would run by hand: `pandoc --citeproc -o x.docx` and `pandoc --citeproc -t typst` followed
by one `typst.compile`. Prints medians (wall time, this machine is shared and noisy) and the ratio.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import typst

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from positionkit.pipeline.build import build  # noqa: E402
from positionkit.pipeline.prepare import prepare  # noqa: E402
from positionkit.load.project import load_project  # noqa: E402
from positionkit.fonts import font_files  # noqa: E402
from positionkit.languages import get_language  # noqa: E402
from positionkit.render.pandoc import run_pandoc  # noqa: E402


def positionkit_run(work: Path) -> float:
    shutil.rmtree(work / "build", ignore_errors=True)
    start = time.perf_counter()
    result = build(work)
    elapsed = time.perf_counter() - start
    if not result.ok:
        raise SystemExit("positionkit build failed:\n" + "\n".join(d.format() for d in result.diagnostics))
    return elapsed


def plain_run(work: Path, docs, out: Path) -> float:
    project = load_project(work)
    bibs = [a for rel in project.bibliography.files for a in ("--bibliography", str(work / rel))]
    csl = ["--csl", str(work / project.config.style.csl)] if project.config.style.csl else []
    start = time.perf_counter()
    for i, doc in enumerate(docs):
        lang = get_language(doc.target.lang)
        md = doc.markdown.encode()
        common = ["--citeproc", *bibs, *csl, "-M", f"lang={lang.pandoc_lang}", "-M", f"title={doc.meta['title']}"]
        (out / f"{i}.docx").write_bytes(run_pandoc([*common, "-t", "docx", "-o", "-"], md))
        src = run_pandoc([*common, "-s", "-t", "typst-citations"], md)
        typst.compile(src, output=str(out / f"{i}.pdf"), font_paths=[str(p) for p in font_files(lang)])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "project"
        shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns("build", ".git", ".positionkit", "*.egg-info",
                                                                  "__pycache__", "tests", "bench", "src"))
        docs = prepare(load_project(work)).documents
        out = Path(tmp) / "plain"
        out.mkdir()
        outputs = len(docs) * 2
        positionkit_run(work)  # warm caches (fonts, imports) for both sides
        plain_run(work, docs, out)
        ours, plain = [], []
        for _ in range(args.runs):
            ours.append(positionkit_run(work))
            plain.append(plain_run(work, docs, out))
    po, pp = statistics.median(ours), statistics.median(plain)
    print(f"outputs per build: {outputs} ({len(docs)} documents x DOCX+PDF)")
    print(f"positionkit build   median {po:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in ours)})")
    print(f"plain pandoc+typst  median {pp:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in plain)})")
    print(f"ratio positionkit / plain: {po / pp:.2f}x  (target: under 1.2x)")


if __name__ == "__main__":
    main()
