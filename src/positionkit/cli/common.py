"""What every command shares: the run context (-C, -q, -v), the report format option, the exit
codes, and printing diagnostics or a JSON document.

The global options are accepted before the subcommand (`positionkit -C DIR build`) and after it
(`positionkit build -C DIR`): `install` adds them to every command of the tree.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from positionkit.diagnostics import Diagnostic, has_errors, ordered, render

# The library (even load.config: YAML, tomllib) is imported where used, never here: every
# command, and `positionkit --help`, loads this module (start-up time, issue 17).

EXIT_OK, EXIT_ERRORS = 0, 1


class Context:
    """Where a command runs and how much it says."""

    def __init__(self, directory: str | None = None, quiet: bool = False, verbose: bool = False):
        self.directory = Path(directory) if directory else Path.cwd()
        self.quiet = quiet
        self.verbose = verbose

    @property
    def root(self) -> Path:
        if not self.directory.exists():
            raise click.UsageError(f"the folder {self.directory} does not exist (check the path given to -C)")
        if not self.directory.is_dir():
            raise click.UsageError(f"{self.directory} is a file, not a folder (-C takes the project folder)")
        from positionkit.load.config import CONFIG_NAME, find_root  # lazy: see the top

        root = find_root(self.directory)
        if root is None:
            raise click.UsageError(f"no {CONFIG_NAME} in {self.directory} or any folder above it "
                                   "(run 'positionkit new DIR' to start a project, or use -C DIR)")
        return root

    def say(self, message: str = "", err: bool = False) -> None:
        """A confirmation or summary line: printed unless -q."""
        if not self.quiet:
            click.echo(message, err=err)

    def detail(self, message: str, err: bool = True) -> None:
        """Only with -v."""
        if self.verbose:
            click.echo(message, err=err)


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def report(diags: list[Diagnostic], fmt: str = "text", strict: bool = False) -> int:
    """Print diagnostics (text to stderr, json to stdout); return the exit code they mean."""
    diags = ordered(diags)
    if fmt == "json":
        click.echo(render(diags, "json"))
    elif diags:
        click.echo(render(diags, "text"), err=True)
    return EXIT_ERRORS if has_errors(diags, strict) else EXIT_OK


def emit_json(data: dict, diags: list[Diagnostic], strict: bool = False) -> int:
    """One JSON document on stdout: the command's data, its diagnostics and `ok`; -> exit code."""
    diags = ordered(diags)
    code = EXIT_ERRORS if has_errors(diags, strict) else EXIT_OK
    doc = {**data, "ok": code == EXIT_OK and data.get("ok", True),
           "diagnostics": [d.to_dict() for d in diags]}
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    return code if doc["ok"] else EXIT_ERRORS


def format_option(f):
    """--format text|json: the report format (people or machines), the same on every command."""
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="Report format: text for people, json for machines.")(f)


# --- -C, -q, -v on every command --------------------------------------------------------------

def _context(ctx: click.Context) -> Context:
    obj = ctx.find_object(Context)
    if obj is None:
        obj = ctx.ensure_object(Context)
    return obj


def _set_directory(ctx, _param, value):
    if value is not None:  # also while completing, so completion reads the project -C names
        _context(ctx).directory = Path(value)


def _set_flag(name: str):
    def callback(ctx, _param, value):
        if value and not ctx.resilient_parsing:
            obj = _context(ctx)
            setattr(obj, name, True)
            if name == "verbose":
                # imported only with -v: the render stage is slow to import and most commands skip it
                from positionkit.render.errors import show_detail

                show_detail(True)
            if obj.quiet and obj.verbose:
                raise click.UsageError("-q/--quiet and -v/--verbose contradict each other; use one", ctx)
    return callback


def global_options() -> list[click.Option]:
    return [
        click.Option(["-C", "chdir"], metavar="DIR", expose_value=False, callback=_set_directory,
                     help="Run as if started in DIR (the project folder or one below it)."),
        click.Option(["-q", "--quiet", "quiet"], is_flag=True, expose_value=False, callback=_set_flag("quiet"),
                     help="Print only diagnostics and the data asked for: no progress, no summaries."),
        click.Option(["-v", "--verbose", "verbose"], is_flag=True, expose_value=False,
                     callback=_set_flag("verbose"), help="Say more (a build lists each output it reused; a failed pandoc/typst run shows its whole output)."),
    ]


def install(command: click.Command) -> None:
    """Add -C, -q and -v to command and every command under it (where it has none of its own)."""
    taken = {opt for p in command.params for opt in getattr(p, "opts", [])}
    for option in global_options():
        if not set(option.opts) & taken:
            command.params.append(option)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            install(sub)
