"""Project fuzzing shared by tests/test_fuzz.py (bounded, in CI) and tools/fuzz.py (long runs).

A case is (input kind, seed): one file of a small but complete project is mutated with a
pseudo-random generator seeded by the seed, then `positionkit check` (and, when asked,
`positionkit build`) runs on it in-process. What must hold for every case:

- no traceback: the command ends with an exit code, never an exception;
- exit code 0, 1 or 2;
- every diagnostic about a file's content has a line, and fits on one line.
"""
from __future__ import annotations

import random
import re
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from positionkit.cli.main import main

CSL = (Path(__file__).resolve().parent.parent / "styles" / "chicago-author-date.csl")

BASE = {
    "positionkit.toml": textwrap.dedent("""\
        [project]
        name = "Fuzz coalition"
        source_lang = "en"
        formats = ["docx"]

        [style]
        csl = "styles/house.csl"
        font_size = 11
        """),
    "references.bib": textwrap.dedent("""\
        @techreport{unctad2021der,
          author = {{UNCTAD}},
          title = {Digital Economy Report 2021},
          institution = {{United Nations Conference on Trade and Development}},
          year = {2021},
        }

        @article{smith2020,
          author = {Smith, Jane and Doe, John},
          title = {Data flows and development},
          journal = {Journal of Trade},
          year = {2020},
          volume = {3},
          pages = {1--20},
        }
        """),
    "papers/note/paper.yaml": textwrap.dedent("""\
        title: Test note
        subtitle: On data flows
        date: 2026-11-20
        organisations: [Test Coalition]
        audience: For WTO delegations
        contact: trade@example.org
        languages: [en, fr]
        pages: 4
        params:
          country: Kenya
        sections:
          - 01-intro.md
          - 02-asks.md
        """),
    "papers/note/paper.fr.yaml": "title: Note d'essai\nsubtitle: Sur les flux de données\naudience: Pour les délégations\n",
    "papers/note/01-intro.md": textwrap.dedent("""\
        ---
        owner: fuzz
        ---
        ## Introduction

        Data flows matter for {{ country }} [@unctad2021der; @smith2020, p. 3].

        ::: key-messages
        - A message with *emphasis* and a [link](#asks).
        :::

        ::: {.block ref="data/flows" variant="short"}
        :::
        """),
    "papers/note/01-intro.fr.md": "## Introduction\n\nLes flux de données comptent [@unctad2021der].\n",
    "papers/note/02-asks.md": "## Asks {#asks}\n\n1. First ask.\n2. Second ask [@smith2020].\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "blocks/data/flows.md": textwrap.dedent("""\
        ---
        id: data/flows
        title: Flows
        status: approved
        params:
          country:
            default: WTO Members
        ---
        Cross-border flows matter for {{ country }}.

        ::: {.variant name="short"}
        Flows matter for {{ country }}.
        :::
        """),
    "audiences.yaml": textwrap.dedent("""\
        audiences:
          - id: kenya
            name: Kenya delegation
            languages: [en]
            params:
              country: Kenya
            tags: [africa]
        """),
    "styles/i18n/fr.yaml": "references: Références\ncontact: Contact\n",
}

KINDS = {
    "toml": "positionkit.toml",
    "paper_yaml": "papers/note/paper.yaml",
    "translated_yaml": "papers/note/paper.fr.yaml",
    "front_matter": "papers/note/01-intro.md",
    "markdown": "papers/note/02-asks.md",
    "translation": "papers/note/01-intro.fr.md",
    "block": "blocks/data/flows.md",
    "bibtex": "references.bib",
    "audiences": "audiences.yaml",
    "i18n": "styles/i18n/fr.yaml",
    "csl": "styles/house.csl",
}

TOKENS = [
    "[", "]", "{", "}", "[@", "@", "<a ", "<", ">", "`", "```", "$", "$$", "\\", "\\frac{1}{2}", ":::", "::: {.block ref=\"data/flows\"}\n:::",
    "{{ country }}", "{{ nope }}", "\n", "\n\n", "\t", "\x00", "\x07", "\ufeff", "\r\n", "\u202e", "é", "中文", "🙂",
    "\U0001D11E", ":", "- ", "  - ", "? ", "&a ", "*a", "!!python/object:os.system", "!!binary", "'", '"', "#",
    "---\n", "...\n", "1", "0", "-1", "2026", "true", "null", "~", "[a, b]", "{1: a, b: c}", "x" * 300,
    "../../../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "http://127.0.0.1:9/x", "=", "[project]",
    "[\"project\"]", "[libraries.x]", "path = \"..\"", "@misc{", "@string{a = \"b\"}", "},", "<!--", "-->",
    "![a](x.png)", "![](../../x.png)", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", "&e;",
    "<link href=\"http://x/y\" rel=\"independent-parent\"/>", "</info>", "<info>", "{=typst}", "```{=openxml}",
    "::: internal\n", "::: {.when country=Kenya}\n", "{#id}", "^[note]", "|", "+", "\u00a0", "\u2028",
]


VALUES = ["2026", "0", "41223456789", "-1", "1.5", "true", "false", "null", "", "[a, b]", "[]", "{}", "{1: a, b: c}",
          "[{a: 1}]", "2026-11-20", "\"\"", "'x'", "|\n  a\n\n  b", "&a x", "*a", "[1, [2, [3]]]", "x" * 300,
          "\"styles/" + "y" * 300 + ".csl\"", "\"../../../etc/passwd\"", "{a: {b: {c: d}}}", "!!str 5", "[[a]]",
          "\"a\\x00b\"", "0x1F", "1e400", "\"\\u0000\""]


@dataclass
class Outcome:
    kind: str
    seed: int
    command: str
    exit_code: int | None
    traceback: str | None = None
    unpositioned: list = field(default_factory=list)
    multiline: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.traceback is None and self.exit_code in (0, 1, 2) and not self.unpositioned and not self.multiline


WHOLE_FILE = {
    "PK101", "PK104", "PK105", "PK111", "PK401", "PK402", "PK405", "PK413", "PK120", "PK801", "PK701",
    "PK703", "PK707", "PK713", "PK901", "PK902", "PK206",
}
"""Codes about a whole file (missing, too large, a link out, not translated, not stamped...)."""


def base_text(kind: str) -> str:
    if kind == "csl":
        return CSL.read_text(encoding="utf-8")
    return BASE[KINDS[kind]]


def mutate(text: str, rng: random.Random, steps: int | None = None) -> str:
    """A few random edits: insert, repeat or replace with interesting tokens, delete, duplicate."""
    for _ in range(steps or rng.randint(1, 6)):
        n = len(text)
        at = rng.randint(0, n)
        op = rng.random()
        values = [m for m in re.finditer(r"(?m)^(\s*[\w-]+\s*[:=]\s*)(.+)$", text)]
        if op < 0.15 and values:  # a field's value becomes another type: 2026, [a, b], {1: a}...
            m = rng.choice(values)
            text = text[:m.start(2)] + rng.choice(VALUES) + text[m.end(2):]
        elif op < 0.35:
            text = text[:at] + rng.choice(TOKENS) + text[at:]
        elif op < 0.45:
            token = rng.choice(TOKENS)
            text = text[:at] + token * rng.choice([2, 10, 50, 400]) + text[at:]
        elif op < 0.6 and n:
            end = min(n, at + rng.randint(1, 40))
            text = text[:at] + text[end:]
        elif op < 0.7 and n:
            end = min(n, at + rng.randint(1, 80))
            text = text[:at] + text[at:end] * rng.randint(2, 5) + text[end:]
        elif op < 0.85 and n:
            end = min(n, at + rng.randint(1, 20))
            text = text[:at] + rng.choice(TOKENS) + text[end:]
        else:
            lines = text.split("\n")
            i = rng.randrange(len(lines))
            lines[i] = rng.choice(["", " " * rng.randint(1, 8) + lines[i], lines[i].lstrip(), lines[i] + rng.choice(TOKENS)])
            text = "\n".join(lines)
    return text


def write_case(root: Path, kind: str, seed: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    files = dict(BASE)
    files["styles/house.csl"] = CSL.read_text(encoding="utf-8")
    rng = random.Random(f"{kind}:{seed}")
    files[KINDS[kind]] = mutate(base_text(kind), rng)
    if rng.random() < 0.15:  # now and then a second input kind is broken too
        other = rng.choice(sorted(KINDS))
        files[KINDS[other]] = mutate(files[KINDS[other]], rng)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogatepass"))


def run(root: Path, kind: str, seed: int, command: str = "check") -> Outcome:
    """Run one command on the case written at root; collect what breaks the contract."""
    args = ["-C", str(root), command] + ([] if command == "check" else ["--format", "docx"])
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    out = Outcome(kind, seed, command, result.exit_code)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        out.traceback = "".join(traceback.format_exception(result.exception))
        return out
    diags = _diagnostics(result, command)
    for d in diags:
        text = " ".join(str(d.get(k) or "") for k in ("message", "hint"))
        if "\n" in text:
            out.multiline.append(d)
        if d.get("path") and not d.get("line") and d.get("code") not in WHOLE_FILE:
            out.unpositioned.append(d)
    return out


_DIAG = re.compile(r"^(?:(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?: )?"
                   r"(?P<sev>error|warning|info)\[(?P<code>PK\d{3})\] (?P<msg>.*)$")
_CLI_LINES = ("  [", "built ", "build stopped:")


def _diagnostics(result, command: str) -> list[dict]:
    """The diagnostics as printed for people: one per line, 'path:line:col: severity[CODE] ...'."""
    found: list[dict] = []
    for line in result.stderr.splitlines():  # path:line:col: severity[CODE] message (hint)
        m = _DIAG.match(line)
        if m:
            found.append({"path": m.group("path"), "line": m.group("line"), "code": m.group("code"),
                          "message": m.group("msg"), "hint": None})
        elif found and line.strip() and not line.startswith(_CLI_LINES):
            found[-1]["message"] += "\n" + line  # a diagnostic that spans lines
    return found
