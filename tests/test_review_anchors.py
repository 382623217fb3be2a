"""Review anchors change nothing a reader sees: pandoc reads the marked Markdown exactly as the
unmarked one once the marks are dropped (the PDF drops them; the DOCX turns them into hidden
bookmarks). Checked on awkward Markdown and on every example paper of the repository."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from positionkit.load.project import load_project
from positionkit.markdown import Line
from positionkit.pipeline.prepare import prepare
from positionkit.render.ast import drop_marks, from_json, to_json
from positionkit.render.pandoc import run_pandoc
from positionkit.resolve.anchors import PREFIX, anchored_markdown, anchors, project_texts, stamp

ROOT = Path(__file__).resolve().parent.parent
AWKWARD = """\
"Quoted" start, 'Tis, @unctad2021 says, and [@unctad2021] opens.

*Emphasis* opens; **bold** too; _under_ too.

A.  Capital letter list item

B.  Second

(1) paren list

ii. roman item

Term

:   Definition here

Header1   Header2
-------   -------
a         b

Setext heading
==============

- item

    indented continuation paragraph in list

| line block
| second

![A figure](figure.png)

    indented code

```
fenced code
```

[^1]: A footnote definition.

[ref]: https://example.org
"""


def blocks(markdown: str) -> list:
    return json.loads(run_pandoc(["-f", "markdown", "-t", "json"], markdown.encode()))["blocks"]


def lines_of(text: str) -> tuple[Line, ...]:
    return tuple(Line(t, "x.md", i + 1) for i, t in enumerate(text.split("\n")))


def test_marks_change_nothing_pandoc_reads_in_awkward_markdown():
    lines = lines_of(AWKWARD)
    marked = anchored_markdown(lines)
    assert marked.count("{#" + PREFIX) >= 8  # most paragraphs carry a mark
    assert from_json(drop_marks(to_json(blocks(marked)), PREFIX)) == blocks(AWKWARD)


DOCS = [d for d in prepare(load_project(ROOT)).documents if d.target.lang in ("en", "ar")]


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: f"{d.target.paper}.{d.target.lang}")
def test_marks_change_nothing_in_the_example_papers(doc):
    marked = anchored_markdown(doc.lines)
    assert from_json(drop_marks(to_json(blocks(marked)), PREFIX)) == blocks(doc.markdown)


def test_every_anchor_points_at_the_lines_it_was_printed_from():
    project = load_project(ROOT)
    texts = project_texts(project)
    for doc in DOCS:
        found = anchors(doc.lines, texts)
        assert found and [a.name for a in found] == [f"{PREFIX}{n}" for n in range(1, len(found) + 1)]
        for a in found:
            source = texts[a.path].split("\n")[a.line - 1:a.end]
            printed = [ln.text for ln in doc.lines[a.index:a.index + a.count]]
            assert len(source) == len(printed) and a.count == a.end - a.line + 1
            assert all(p == s or "{{" in s for p, s in zip(printed, source)), a
        s = stamp(project, doc)
        assert len(s.hashes) == len(found) and "/" not in s.to_json().replace("\\/", "")
