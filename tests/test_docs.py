"""The documentation keeps up with the code: every command and every diagnostic code is documented,
the README stays short, links lead somewhere, and the public API is what it says it is."""
from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

import positionkit
from positionkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
DIAGNOSTICS = ROOT / "docs" / "diagnostics.md"
ROW = re.compile(r"^\| *(PK\d{3}) *\|", re.M)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = ""):
    for name, cmd in group.commands.items():
        yield f"{prefix}{name}", cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, f"{prefix}{name} ")


def test_every_command_has_help_and_a_documented_entry():
    docs = read(README) + "".join(read(p) for p in PAGES)
    found = list(commands(main))
    assert {"build", "check", "list", "new", "blocks list", "i18n status", "sync"} <= {n for n, _ in found}
    for name, cmd in found:
        assert (cmd.help or "").strip(), f"'{name}' has no help text"
        assert f"positionkit {name}" in docs, f"neither README.md nor docs/*.md mentions 'positionkit {name}'"


def emitted_codes() -> set[str]:
    used = set()
    for path in (ROOT / "src/positionkit").rglob("*.py"):
        used |= set(re.findall(r"\"(PK\d{3})\"", read(path)))
    return used


def test_every_emitted_code_is_a_row_of_the_diagnostics_table_and_every_row_is_emitted():
    used = emitted_codes()
    assert len(used) > 50, "the scan of src/ found almost no codes: the pattern is broken"
    rows = ROW.findall(read(DIAGNOSTICS))
    assert len(rows) == len(set(rows)), f"codes listed twice: {sorted({c for c in rows if rows.count(c) > 1})}"
    documented = set(rows)
    assert used - documented == set(), f"codes missing from docs/diagnostics.md: {sorted(used - documented)}"
    assert documented - used == set(), f"docs/diagnostics.md documents codes nothing emits: {sorted(documented - used)}"


def test_the_diagnostics_table_is_the_only_one():
    others = {p.relative_to(ROOT).as_posix(): ROW.findall(read(p)) for p in [README, *PAGES] if p != DIAGNOSTICS}
    assert {p: codes for p, codes in others.items() if codes} == {}


def test_ci_runs_exactly_the_readme_test_command():
    commands = re.findall(r"```sh\n(.*?)\n```", read(README), re.S)
    test_command = next(c for c in commands if "pytest" in c)
    ci = [line for line in read(ROOT / ".ci/run").splitlines() if line.strip() and not line.startswith("#")]
    assert ci[-1] == test_command


def test_readme_stays_under_300_lines():
    assert len(read(README).splitlines()) < 300


# --- links ------------------------------------------------------------------------------------

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def without_fences(text: str) -> str:
    return re.sub(r"^(```+|~~~+).*?^\1\s*$", "", text, flags=re.M | re.S)


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans, where `[x](y)` is an example, not a link."""
    return re.sub(r"(`+).+?\1", "", without_fences(text), flags=re.S)


def anchors(path: Path) -> set[str]:
    """Heading ids as GitHub makes them: lower case, punctuation dropped, spaces to hyphens."""
    ids = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", without_fences(read(path)), re.M):
        heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
        ids.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return ids


def links(path: Path) -> list[str]:
    return [t for t in LINK.findall(prose(read(path))) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_the_link_scanner_sees_links():
    found = links(README)
    assert "docs/format.md" in found and "docs/styles-and-fonts.md#fonts-and-scripts" in found
    assert "fonts-and-scripts" in anchors(ROOT / "docs/styles-and-fonts.md")
    assert "pk4xx-translations-languages-and-fonts-resolve-check-i18n-commands" in anchors(DIAGNOSTICS)


def test_the_index_lists_every_page():
    listed = {target.partition("#")[0] for target in links(ROOT / "docs/index.md")}
    assert {p.name for p in PAGES} - {"index.md"} - listed == set()


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(page):
    broken = []
    for target in links(page):
        file, _, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading '#{anchor}' in {dest.relative_to(ROOT)}")
    assert broken == []


# --- the Python API -------------------------------------------------------------------------------

def test_import_positionkit_loads_no_pipeline_until_a_name_is_used():
    code = ("import sys, positionkit\n"
            "heavy = sorted(m for m in sys.modules if m.startswith(('positionkit.pipeline', 'positionkit.render',"
            " 'docx', 'typst')))\n"
            "print(heavy)\n"
            "positionkit.build\n"
            "print('positionkit.pipeline.build' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")}).stdout.splitlines()
    assert out == ["[]", "True"]


@pytest.mark.parametrize("name", sorted(set(positionkit.__all__) - {"__version__"}))
def test_every_exported_name_is_the_documented_definition(name):
    import positionkit.pipeline.build  # noqa: F401  (as the CLI does: subpackages loaded before the API is used)

    obj = getattr(positionkit, name)
    assert inspect.isclass(obj) or inspect.isfunction(obj), f"{name} is {type(obj).__name__}"
    module, _, attr = positionkit._EXPORTS[name].partition(":")
    assert obj.__module__ == module, f"{name} is re-exported from {obj.__module__}"
    assert obj.__name__ == (attr or name)
    assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_exports_are_exactly_all():
    assert set(positionkit.__all__) == set(positionkit._EXPORTS) | {"__version__"}
    assert dir(positionkit) == positionkit.__all__
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?\S*", positionkit.__version__)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        positionkit.no_such_name  # noqa: B018


API_PAGE = ROOT / "docs/api.md"


def api_page_code_words() -> set[str]:
    """Identifiers in docs/api.md's Python examples and code spans (prose words do not count)."""
    text = read(API_PAGE)
    code = re.findall(r"```python\n(.*?)```", text, re.S)
    code += re.findall(r"`([^`\n]+)`", without_fences(text))
    return set(re.findall(r"[A-Za-z_]\w*", "\n".join(code)))


@pytest.mark.parametrize("name", positionkit.__all__)
def test_every_exported_name_is_shown_on_the_api_page(name):
    assert name in api_page_code_words(), f"docs/api.md shows no code using {name}"
