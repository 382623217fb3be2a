"""docs/api.md runs: its ```python blocks, in order, against a copy of the example project."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "docs" / "api.md"
EXAMPLE_PARTS = ("positionkit.toml", "references.bib", "audiences.yaml", "papers", "blocks", "styles")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(first line, code) of every ```python block."""
    return [(text[:m.start()].count("\n") + 2, m.group(1))
            for m in re.finditer(r"^```python\n(.*?)^```$", text, re.S | re.M)]


def test_api_examples_run(tmp_path, monkeypatch, capsys):
    for part in EXAMPLE_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, tmp_path / "example" / part)
        elif src.is_file():
            (tmp_path / "example").mkdir(exist_ok=True)
            shutil.copy2(src, tmp_path / "example" / part)
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(API.read_text("utf-8"))
    assert len(blocks) >= 4
    namespace: dict = {"__name__": "api_docs"}
    for line, code in blocks:
        # compiled with docs/api.md's own line numbers, so a failure points at the page
        exec(compile("\n" * (line - 1) + code, str(API), "exec"), namespace)
    out = capsys.readouterr().out
    assert "['data-flows-brief', 'zero-rating-note']" in out
    assert "build/data-flows-brief/data-flows-brief.en.pdf" in out
    assert (tmp_path / "example/build/data-flows-brief/data-flows-brief.en.pdf").is_file()
    assert not (tmp_path / "example/build/data-flows-brief/data-flows-brief.en.docx").exists()
