"""A long test paper made at run time from the example content (never committed to papers/).

The sections of the two example papers (and their French and Spanish translations, whose
stamps stay valid because the bodies are copied unchanged) are repeated under new file names
until the paper reaches the wanted length. Every citation in it is one of the example's real
references.bib entries: nothing is invented.

    python bench/longpaper.py PROJECT_DIR --words 10000      # adds papers/long-paper/
"""
from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

SOURCES = ("data-flows-brief", "zero-rating-note")
LANGS = ("fr", "es")


def words_of(text: str) -> int:
    body = text.split("---", 2)[2] if text.startswith("---") else text
    return len(body.split())


def make_long_paper(root: Path, words: int, slug: str = "long-paper", block_words: int = 450) -> int:
    """Write papers/<slug>/ into the project at root; -> its approximate word count (sections
    plus the blocks they include)."""
    folder = root / "papers" / slug
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sections: list[tuple[Path, int]] = []
    for paper in SOURCES:
        yaml = (root / "papers" / paper / "paper.yaml").read_text("utf-8")
        for name in re.findall(r"^  - (\S+\.md)$", yaml, re.M):
            if name.startswith("01-key-messages"):
                continue  # one key-messages box per paper
            src = root / "papers" / paper / name
            text = src.read_text("utf-8")
            sections.append((src, words_of(text) + block_words * text.count(".block")))
    listed, total, n = [], 0, 0
    key = root / "papers" / SOURCES[0] / "01-key-messages.md"
    for src in [key] + sections * 1000:
        src, size = (src, words_of(src.read_text("utf-8"))) if isinstance(src, Path) else src
        if total >= words:
            break
        n += 1
        name = f"{n:03d}-{src.stem}.md"
        shutil.copyfile(src, folder / name)
        for lang in LANGS:
            tr = src.with_name(f"{src.stem}.{lang}.md")
            if tr.is_file():
                shutil.copyfile(tr, folder / f"{n:03d}-{src.stem}.{lang}.md")
        listed.append(name)
        total += size
    meta = (root / "papers" / SOURCES[0] / "paper.yaml").read_text("utf-8")
    meta = re.sub(r"(?ms)^sections:\n(  - .*?\n)+", "sections:\n" + "".join(f"  - {s}\n" for s in listed), meta)
    meta = re.sub(r"(?m)^pages: .*\n", "", meta)
    meta = meta.replace('title: "', 'title: "Long test paper: ', 1)
    (folder / "paper.yaml").write_text(meta, "utf-8")
    for lang in LANGS:
        tr = root / "papers" / SOURCES[0] / f"paper.{lang}.yaml"
        if tr.is_file():
            shutil.copyfile(tr, folder / f"paper.{lang}.yaml")
    return total


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("project", type=Path)
    ap.add_argument("--words", type=int, default=10_000)
    args = ap.parse_args()
    print(make_long_paper(args.project, args.words), "words")
