"""Benchmark: the tailored batch of the example (every audience, DOCX + PDF) against a naive baseline.

    python bench/batch.py [--sample N] [--jobs J] [--paper SLUG] [--repeat R]

Works on a copy of the example project in a temporary folder. Measures, in one run:

- naive baseline: for a sample of N handouts, exactly what a plain script would do per output:
  `pandoc md -> docx --citeproc` and `pandoc md -> typst --citeproc` + `typst.compile`, one after
  the other, on the same resolved Markdown; the per-handout median is extrapolated to the batch;
- full batch: `positionkit build PAPER --audience all -j J` from an empty build folder (R runs);
- no-op rebuild: the same command again (R runs);
- change one paragraph of one block: how many outputs are rebuilt, and how long it takes;
- peak memory of this process (ru_maxrss; the build runs in-process).

Prints medians and ratios. Never part of the test run.
"""
from __future__ import annotations

import argparse
import importlib
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COPY = ("positionkit.toml", "references.bib", "audiences.yaml", "papers", "blocks", "styles")


def copy_example(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in COPY:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def naive_one(root: Path, markdown: str, bib: list[str], csl: str | None, fonts) -> float:
    """One handout the plain way: two pandoc runs with citeproc, one typst compile."""
    import typst

    from positionkit.render.pandoc import run_pandoc

    args = ["--citeproc", *[f"--bibliography={root / b}" for b in bib]] + ([f"--csl={root / csl}"] if csl else [])
    started = time.perf_counter()
    run_pandoc(["-f", "markdown", "-t", "docx", "-o", "-", *args], markdown.encode())
    source = run_pandoc(["-f", "markdown", "-t", "typst", "--standalone", *args], markdown.encode())
    with tempfile.TemporaryDirectory() as tmp:
        # the same curated fonts positionkit uses (no system font scan), a fresh compiler each time
        typst.Compiler(root=tmp, font_paths=fonts, ignore_system_fonts=True).compile(input=source, format="pdf")
    return time.perf_counter() - started


def naive(root: Path, slug: str, sample: int) -> tuple[float, int]:
    """(median seconds per handout, handouts in the batch) for the plain per-output baseline."""
    from positionkit.load import audiences as aud
    from positionkit.languages import get_language
    from positionkit.load.project import load_project
    from positionkit.fonts import font_files
    from positionkit.render.compiler import font_set
    from positionkit.resolve.document import Target, resolve

    project = load_project(root)
    found, _ = aud.load(root, aud.audiences_path(project, slug))
    paper_langs = list(project.papers[slug].languages) or [project.config.source_lang]
    targets = [(a, lang) for a in found.audiences
               for lang in aud.languages_for(a, paper_langs, project.config.source_lang)]
    step = max(1, len(targets) // sample)
    times = []
    for person, lang in targets[::step][:sample]:
        doc = resolve(project, Target(slug, lang, person.id), person.mapping())
        paths = tuple(sorted(str(p) for p in font_files(get_language(lang), project.config.style)))
        times.append(naive_one(root, doc.markdown, list(project.bibliography.files), project.config.style.csl,
                               font_set(paths)))
    return statistics.median(times), len(targets)


def timed_build(root: Path, slug: str, jobs: int):
    build = importlib.import_module("positionkit.pipeline.build").build
    started = time.perf_counter()
    result = build(root, [slug], audiences=["all"], jobs=jobs)
    return time.perf_counter() - started, result


def change_one_paragraph(root: Path) -> str:
    """Add a sentence to the first paragraph of one block's French translation: only the French
    handouts print it (editing a translation does not make it stale; editing the English source
    would, and every language would then change)."""
    rel = "blocks/data-flows/development-policy-space.fr.md"
    path = root / rel
    text = path.read_text("utf-8")
    head, sep, body = text.partition("\n---\n")
    first, rest = body.lstrip("\n").split("\n\n", 1)
    path.write_text(head + sep + "\n" + first + " Voir aussi la note jointe.\n\n" + rest, "utf-8")
    return rel


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=12, help="naive baseline: handouts measured (default 12)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--paper", default="data-flows-brief")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the full batch (median)")
    args = ap.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1795132800")

    with tempfile.TemporaryDirectory(prefix="pk-bench-") as tmp:
        root = copy_example(Path(tmp) / "example")
        per_handout, handouts = naive(root, args.paper, args.sample)
        naive_total = per_handout * handouts

        fulls = []
        for _ in range(args.repeat):
            shutil.rmtree(root / "build", ignore_errors=True)
            seconds, result = timed_build(root, args.paper, args.jobs)
            fulls.append(seconds)
        full = statistics.median(fulls)
        outputs, failed = len(result.built), len(result.failed)

        noops = [timed_build(root, args.paper, args.jobs) for _ in range(args.repeat)]
        noop = statistics.median(s for s, _ in noops)
        noop_built = max(len(r.built) for _, r in noops)

        changed = change_one_paragraph(root)
        seconds_change, after = timed_build(root, args.paper, args.jobs)
        french = sum(1 for p in after.built if p.endswith((".fr.docx", ".fr.pdf")))
        rebuilt = len(after.built)
        french_total = sum(1 for p in result.built if ".fr." in p)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"paper {args.paper}: {handouts} handouts x DOCX+PDF = {outputs} outputs, -j {args.jobs}, "
          f"{os.cpu_count()} cores")
    print(f"naive baseline      {per_handout * 1000:8.0f} ms per handout (median of {args.sample}), "
          f"{naive_total:6.1f} s extrapolated")
    print(f"full batch          {full:8.1f} s (median of {args.repeat}: "
          f"{', '.join(f'{s:.1f}' for s in fulls)}), {failed} failed")
    print(f"speed-up            {naive_total / full:8.1f} x   (target >= 4x)")
    print(f"no-op rebuild       {noop:8.3f} s, {noop_built} outputs rebuilt   (target < 0.5 s)")
    print(f"one block paragraph {seconds_change:8.1f} s, {rebuilt} of {outputs} outputs rebuilt "
          f"({french} French; {french_total} French outputs include {changed})")
    print(f"peak memory         {peak_mb:8.0f} MB (this process), {children_mb:.0f} MB (largest pandoc)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
