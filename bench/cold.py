"""Cold builds against the raw tools: every measurement is a fresh process, interleaved, medians.

    python bench/cold.py [--rounds 5] [--baseline-src OLD/src] [--no-memory]

What a writer waits for: `positionkit build` started from the shell with an empty build/ folder
(the on-disk font-subset cache warm, as after any earlier build on the machine), against the
routes in bench/handmade.py fed the same resolved Markdown, bibliography, CSL and font files:

    brief, en, DOCX+PDF          positionkit vs best hand-made route   target <= 1.1x
    20-page paper, en, DOCX+PDF  positionkit vs best hand-made route   target <= 1.1x
    20-page paper, en+fr+es      positionkit vs naive route (and the best one)  target <= 0.5x
    --help, check (example)      seconds                               targets 0.06 s, 0.15 s
    100k words, en, DOCX+PDF     peak RSS (largest process) and time   target <= 1.2x memory

Every run is traced (POSITIONKIT_TRACE, positionkit.system.trace; bench/handmade.py writes the
same events): for the one-language rows the script also prints when the first citeproc started,
how long it ran, what came after it, and the CPU time of each route's own Python process.

The long papers are generated at run time from the example content (bench/longpaper.py).
--baseline-src runs another positionkit source tree (e.g. an older commit) in the same rounds.
Never part of the test run.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(ROOT / "bench"))

from longpaper import make_long_paper  # noqa: E402

EXAMPLE = ("positionkit.toml", "references.bib", "audiences.yaml", "papers", "blocks", "styles")
CLI = "import positionkit.cli as cli; getattr(cli, 'run', cli.main)()"
"""What the `positionkit` console script runs (`main` in trees older than `run`)."""


def copy_example(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for part in EXAMPLE:
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / part)
    return dest


def git_commit(root: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.org",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.org"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)


def resolved_inputs(project: Path, paper: str, langs: list[str], out: Path) -> list[str]:
    """LANG:FILE arguments for handmade.py: positionkit's resolved Markdown of each language."""
    from positionkit.languages import get_language
    from positionkit.load.project import load_project
    from positionkit.pipeline.prepare import prepare

    docs = prepare(load_project(project), [paper], langs).documents
    args = []
    for doc in docs:
        path = out / f"{project.name}-{paper}.{doc.target.lang}.md"
        title = str(doc.meta.get("title", "")).replace('"', "'")
        path.write_text(f'---\ntitle: "{title}"\n---\n\n' + doc.markdown, "utf-8")
        args.append(f"{get_language(doc.target.lang).pandoc_lang}:{path}")
    return args


def font_folder(project: Path, out: Path) -> str:
    from positionkit.fonts import font_files
    from positionkit.languages import get_language
    from positionkit.load.project import load_project

    style = load_project(project).config.style
    out.mkdir()
    for i, path in enumerate(font_files(get_language("en"), style)):
        (out / f"{i:02d}-{path.name}").symlink_to(path)
    return str(out)


def project_body_font(project: Path) -> str:
    from positionkit.load.project import load_project

    return load_project(project).config.style.body_font


def printed_words(project: Path) -> int:
    """Words of the long paper's resolved English Markdown (blocks included)."""
    from positionkit.load.project import load_project
    from positionkit.pipeline.prepare import prepare

    docs = prepare(load_project(project), ["long-paper"], ["en"]).documents
    return len(docs[0].markdown.split())


def sized_paper(project: Path, words: int) -> int:
    """A long paper of about `words` printed words; -> the exact count."""
    make_long_paper(project, words)
    got = printed_words(project)
    make_long_paper(project, int(words * words / max(got, 1)))
    return printed_words(project)


class Runner:
    def __init__(self, tmp: Path, rss: bool):
        self.tmp, self.rss = tmp, rss
        self.env = {**os.environ, "POSITIONKIT_CACHE_DIR": str(tmp / "user-cache")}
        self.env.pop("SOURCE_DATE_EPOCH", None)
        # byte-compiled modules, as an installed package has them (round 0 writes them)
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)

    def run(self, argv: list[str], cwd: Path, src: Path | None = None, clean: Path | None = None
            ) -> tuple[float, int, dict]:
        """-> (seconds, peak RSS in KiB of the largest process of the tree (0 if not measured),
        {event: [(seconds after the start, CPU seconds of the traced process so far)]} from the
        run's trace (positionkit.system.trace; bench/handmade.py writes the same))."""
        if clean is not None:
            shutil.rmtree(clean, ignore_errors=True)
        trace = self.tmp / "trace.txt"
        trace.unlink(missing_ok=True)
        env = {**self.env, "POSITIONKIT_TRACE": str(trace)}
        if src is not None:
            env["PYTHONPATH"] = str(src)
        out = self.tmp / "rss.txt"
        prefix = ["/usr/bin/time", "-f", "%M", "-o", str(out)] if self.rss else []
        wall, start = time.time(), time.perf_counter()
        proc = subprocess.run([*prefix, *argv], cwd=cwd, env=env, capture_output=True)
        elapsed = time.perf_counter() - start
        if proc.returncode not in (0,):
            raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr.decode()[-2000:]}")
        events: dict = {}
        for line in (trace.read_text().splitlines() if trace.is_file() else []):
            stamp, cpu, name = line.split()[:3]
            events.setdefault(name, []).append((float(stamp) - wall, float(cpu)))
        return elapsed, int(out.read_text().split()[-1]) if self.rss else 0, events


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--baseline-src", type=Path, help="another positionkit src/ to run in the same rounds")
    ap.add_argument("--no-memory", action="store_true", help="skip the 100k-word row")
    ap.add_argument("--words", type=int, default=10_000, help="length of the '20-page' paper")
    ap.add_argument("--pandoc-default-font", action="store_true",
                    help="let the hand-made PDF use pandoc's default font (Libertinus), as measured in issue 17")
    ap.add_argument("--only", action="append", default=[], metavar="TEXT",
                    help="run only the rows whose name contains TEXT (repeatable), e.g. --only brief")
    args = ap.parse_args()
    py = sys.executable
    handmade = str(ROOT / "bench" / "handmade.py")
    tmp = Path(tempfile.mkdtemp(prefix="pk-bench-"))
    os.environ["POSITIONKIT_CACHE_DIR"] = str(tmp / "user-cache")  # the in-process calls too
    try:
        example = copy_example(tmp / "example")
        git_commit(example)
        long = copy_example(tmp / "long")
        words = sized_paper(long, args.words)
        git_commit(long)
        big = copy_example(tmp / "big")
        big_words = sized_paper(big, 100_000) if not args.no_memory else 0
        git_commit(big)
        md = tmp / "md"
        md.mkdir()
        fonts = font_folder(example, tmp / "fonts")
        bib, csl = str(example / "references.bib"), str(example / "styles/chicago-author-date.csl")
        brief_en = resolved_inputs(example, "data-flows-brief", ["en"], md)
        long_en = resolved_inputs(long, "long-paper", ["en"], md)
        long_3 = resolved_inputs(long, "long-paper", ["en", "fr", "es"], md)
        big_en = resolved_inputs(big, "long-paper", ["en"], md) if big_words else []
        runner = Runner(tmp, rss=True)
        srcs = {"positionkit": SRC, **({"baseline": args.baseline_src.resolve()} if args.baseline_src else {})}

        def pk(project: Path, *cmd: str):
            return [(name, [py, "-c", CLI, *cmd], project, src, project / "build") for name, src in srcs.items()]

        # the hand-made PDF is typeset in the handout's body font, as positionkit's is (see
        # handmade.py); --pandoc-default-font leaves pandoc's template on typst's default font
        body_font = [] if args.pandoc_default_font else ["--mainfont", project_body_font(example)]

        def hand(route: str, docs: list[str]):
            return [(route, [py, handmade, route, *body_font, str(tmp / "hand"), bib, csl, fonts, *docs], tmp, None,
                     tmp / "hand")]

        def bare(name: str, code: str):
            return [(name, [py, "-c", code], tmp, None, None)]

        rows = {
            "brief, en, DOCX+PDF": ("best", pk(example, "build", "data-flows-brief", "--lang", "en") + hand("best", brief_en)),
            f"{words // 1000}k-word paper, en, DOCX+PDF": ("best", pk(long, "build", "long-paper", "--lang", "en") + hand("best", long_en)),
            f"{words // 1000}k-word paper, en+fr+es x DOCX+PDF": ("naive", pk(long, "build", "long-paper") + hand("naive", long_3)
                                                                  + hand("best", long_3)),
            "positionkit --help": ("import click", pk(example, "--help") + bare("import click", "import click")),
            "positionkit check (example)": ("python", pk(example, "check") + bare("python", "pass")),
        }
        if big_words:
            rows[f"{big_words // 1000}k words, en, DOCX+PDF"] = ("best", pk(big, "build", "long-paper", "--lang", "en")
                                                                  + hand("best", big_en))
        if args.only:
            rows = {row: spec for row, spec in rows.items() if any(text in row for text in args.only)}
        times: dict = {row: {} for row in rows}
        peaks: dict = {row: {} for row in rows}
        traces: dict = {row: {} for row in rows}
        for rnd in range(args.rounds + 1):  # round 0 warms the disk caches (fonts, pandoc binary)
            for row, (_, runs) in rows.items():
                order = list(runs)
                random.shuffle(order)
                for name, argv, cwd, src, clean in order:
                    t, rss, events = runner.run(argv, cwd, src, clean)
                    if rnd:
                        times[row].setdefault(name, []).append(t)
                        peaks[row].setdefault(name, []).append(rss)
                        traces[row].setdefault(name, []).append(events)
            print(f"round {rnd} done", file=sys.stderr)
        load = os.getloadavg()
        print(f"\n{args.rounds} rounds, fresh processes, interleaved; medians. Machine: {os.cpu_count()} cores, "
              f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end. Hand-made PDF font: "
              f"{body_font[1] if body_font else 'pandoc default (Libertinus Serif)'}.\n")
        names = list(srcs)
        head = "| work | reference | " + " | ".join(f"{n} | ratio" for n in names) + " |"
        print(head)
        print("|---" * (2 + 2 * len(names)) + "|")
        for row, (ref, _) in rows.items():
            med = {n: statistics.median(v) for n, v in times[row].items()}
            cells = [f"{ref} {med[ref]:.3f} s"]
            for n in names:
                cells += [f"{med[n]:.3f} s", f"**{med[n] / med[ref]:.2f}x**"]
            print(f"| {row} | " + " | ".join(cells) + " |")
        three = f"{words // 1000}k-word paper, en+fr+es x DOCX+PDF"
        if three in rows:
            med = {n: statistics.median(v) for n, v in times[three].items()}
            print(f"\n{three}: the best hand-made route takes {med['best']:.3f} s ({med['best'] / med['naive']:.2f}x "
                  "naive); " + ", ".join(f"{n} {med[n] / med['best']:.2f}x best" for n in names))
        where_the_time_goes(rows, times, traces, names + ["best"])
        long_row = f"{words // 1000}k-word paper, en, DOCX+PDF"
        if big_words and {f"{big_words // 1000}k words, en, DOCX+PDF", long_row} <= set(rows):
            row = f"{big_words // 1000}k words, en, DOCX+PDF"
            mem = {n: statistics.median(v) / 1024 for n, v in peaks[row].items()}
            print("\npeak memory at", f"{big_words} words (largest process, MiB): " +
                  ", ".join(f"{n} {m:.0f}" + (f" ({m / mem['best']:.2f}x)" if n != "best" else "") for n, m in mem.items()))
            for n in names:
                a, b = statistics.median(times[long_row][n]), statistics.median(times[row][n])
                print(f"time per 1,000 words, {n}: {a / words * 1000:.3f} s at {words} words, "
                      f"{b / big_words * 1000:.3f} s at {big_words} words")
        for project, n in ((long, words), (big, big_words)):
            pdf = project / "build/long-paper/long-paper.en.pdf"
            if n and pdf.is_file():
                from positionkit.pipeline.produce import pdf_pages

                print(f"the {n}-word paper prints {pdf_pages(pdf.read_bytes())} pages (A4, 10.5 pt)")
        if not args.only:
            incremental(long, words)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def where_the_time_goes(rows: dict, times: dict, traces: dict, routes: list[str]) -> None:
    """For the one-language rows: when the first citeproc started, how long citeproc ran and
    what came after it, and the CPU time of the route's own Python process (pandoc not
    counted), per route: medians over the rounds, from the runs' traces."""
    print("\nWhere the time goes (one language; medians, seconds from the process start):\n")
    print("| work | route | first citeproc starts | citeproc runs | after citeproc | total | CPU of its Python process |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        if "en, DOCX+PDF" not in row:
            continue
        for route in routes:
            runs = [t for t in traces[row].get(route, []) if {"citeproc-start", "citeproc-end", "end"} <= set(t)]
            if not runs:
                continue
            start = statistics.median(min(at for at, _ in t["citeproc-start"]) for t in runs)
            end = statistics.median(max(at for at, _ in t["citeproc-end"]) for t in runs)
            cpu = statistics.median(t["end"][-1][1] for t in runs)
            total = statistics.median(times[row][route])
            print(f"| {row} | {route} | {start:.3f} | {end - start:.3f} | {total - end:.3f} | {total:.3f} | {cpu:.3f} |")


def incremental(project: Path, words: int) -> None:
    """What a commit, and an edit of one translation, rebuild (in-process, library call)."""
    from positionkit.pipeline.build import build

    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.org",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.org"}
    shutil.rmtree(project / "build", ignore_errors=True)
    first = build(project, ["long-paper"])
    (project / "NOTES.txt").write_text("a file no handout prints\n")
    for args in (["add", "-A"], ["commit", "-qm", "notes"]):
        subprocess.run(["git", "-C", str(project), *args], check=True, env=env, capture_output=True)
    start = time.perf_counter()
    after_commit = build(project, ["long-paper"])
    t_commit = time.perf_counter() - start
    fr = sorted((project / "papers/long-paper").glob("*.fr.md"))[1]
    fr.write_text(fr.read_text("utf-8").rstrip("\n") + " Une phrase ajoutée.\n", "utf-8")
    start = time.perf_counter()
    after_edit = build(project, ["long-paper"])
    t_edit = time.perf_counter() - start
    print(f"\nincremental ({words}-word paper, en+fr+es, {len(first.outputs)} outputs): a commit of a file no "
          f"handout prints rebuilt {len(after_commit.built)} ({t_commit:.2f} s); one edited French section rebuilt "
          f"{len(after_edit.built)}: {', '.join(Path(p).name for p in after_edit.built)} ({t_edit:.2f} s)")


if __name__ == "__main__":
    main()
