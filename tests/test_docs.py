"""The README keeps up with the code: every command and every diagnostic code is documented."""
from __future__ import annotations

import re
from pathlib import Path

import click

import positionkit
from positionkit.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = ""):
    for name, cmd in group.commands.items():
        yield f"{prefix}{name}", cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, f"{prefix}{name} ")


def test_every_command_has_help_and_a_readme_entry():
    found = list(commands(main))
    assert {"build", "check", "list", "new", "blocks list", "i18n status", "sync"} <= {n for n, _ in found}
    for name, cmd in found:
        assert (cmd.help or "").strip(), f"'{name}' has no help text"
        assert f"positionkit {name}" in README, f"README does not mention 'positionkit {name}'"


def test_every_diagnostic_code_is_in_the_readme_table():
    used = set()
    for path in (ROOT / "src/positionkit").rglob("*.py"):
        used |= set(re.findall(r"\"(PK\d{3})\"", path.read_text(encoding="utf-8")))
    documented = set(re.findall(r"^\| *(PK\d{3}) *\|", README, re.M))
    assert used - documented == set(), f"codes missing from the README table: {sorted(used - documented)}"
    assert documented - used == set(), f"README documents codes nothing emits: {sorted(documented - used)}"


def test_public_api_is_exported():
    for name in positionkit.__all__:
        assert hasattr(positionkit, name), name
