"""The command line: parse options, call the library, print diagnostics, choose the exit code.

Exit codes: 0 success, 1 the inputs have errors (or warnings with --strict / --final),
2 usage errors (click's own).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from positionkit.version import __version__
from positionkit.load.config import CONFIG_NAME, find_root
from positionkit.diagnostics import Diagnostic, has_errors, ordered, render

EXIT_OK, EXIT_ERRORS = 0, 1


class Context:
    def __init__(self, directory: str | None):
        self.directory = Path(directory) if directory else Path.cwd()

    @property
    def root(self) -> Path:
        root = find_root(self.directory)
        if root is None:
            raise click.UsageError(f"no {CONFIG_NAME} in {self.directory} or any folder above it "
                                   "(run 'positionkit new DIR' to start a project, or use -C DIR)")
        return root


pass_ctx = click.make_pass_decorator(Context)


def report(diags: list[Diagnostic], fmt: str = "text", strict: bool = False) -> int:
    """Print diagnostics (text to stderr, json to stdout); return the exit code they mean."""
    diags = ordered(diags)
    if fmt == "json":
        click.echo(render(diags, "json"))
    elif diags:
        click.echo(render(diags, "text"), err=True)
    return EXIT_ERRORS if has_errors(diags, strict) else EXIT_OK


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "directory", metavar="DIR", help="Run as if started in DIR.")
@click.version_option(__version__, prog_name="positionkit")
@click.pass_context
def main(ctx: click.Context, directory: str | None):
    """Build briefing handouts (DOCX and PDF) from Markdown papers, shared argument blocks and one
    bibliography."""
    ctx.obj = Context(directory)


@main.command()
@click.argument("papers", nargs=-1)
@click.option("--format", "formats", multiple=True, type=click.Choice(["docx", "pdf"]),
              help="Output format (repeatable); default: the project's formats.")
@click.option("--lang", "langs", multiple=True, metavar="L", help="Only this language (repeatable).")
@click.option("--audience", "audiences", multiple=True, metavar="ID|TAG|all",
              help="Tailored handouts for these audiences from audiences.yaml (repeatable).")
@click.option("--final", is_flag=True, help="Refuse missing/stale translations and any warning; no Draft marking.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None, help="Parallel workers (default: cores).")
@pass_ctx
def build(obj: Context, papers, formats, langs, audiences, final, strict, jobs):
    """Build handouts: build/<paper>/<paper>.<lang>.<docx|pdf>, or with --audience
    build/<paper>/<audience>/<paper>.<lang>.<docx|pdf>. Unchanged outputs are reused."""
    from positionkit.pipeline.build import build as run  # lazy: keeps `positionkit --help` fast (start-up time)

    root = obj.root

    def progress(event):
        eta = f", ETA {event.eta:.0f} s" if event.done < event.total else ""
        click.echo(f"  [{event.done}/{event.total}] {event.status} {event.path} "
                   f"({event.elapsed:.1f} s{eta})", err=True)

    result = run(root, papers, formats, langs, final=final, strict=strict, jobs=jobs, progress=progress,
                 audiences=audiences)
    code = report(result.diagnostics, strict=strict or final)
    if audiences:
        _summary(result)
        code = code or (EXIT_ERRORS if result.failed else EXIT_OK)
    elif result.outputs and code == EXIT_OK:
        reused = f", {len(result.reused)} unchanged" if result.reused else ""
        click.echo(f"built {len(result.outputs)} file(s) in {root.name}/"
                   f"{Path(result.outputs[0]).parts[0]}/{reused}")
    if code != EXIT_OK and not audiences:
        click.echo("build stopped: fix the errors above; earlier outputs were left as they were", err=True)
    sys.exit(code)


def _summary(result) -> None:
    """The table at the end of a tailored batch: built, reused, failed (with reasons)."""
    rows = [("built", len(result.built)), ("reused from cache", len(result.reused)),
            ("failed audiences", len(result.failed))]
    click.echo("")
    for label, n in rows:
        click.echo(f"  {label:<18} {n:>5}")
    for name, reasons in sorted(result.failed.items()):
        click.echo(f"  failed: {name}")
        for reason in reasons[:3]:
            click.echo(f"      {reason}")
        if len(reasons) > 3:
            click.echo(f"      ... and {len(reasons) - 3} more")


@main.command()
@click.argument("papers", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--final", is_flag=True, help="Check as a final build would (stale translations are errors).")
@pass_ctx
def check(obj: Context, papers, fmt, strict, final):
    """Run every check without rendering."""
    from positionkit.pipeline.prepare import check_project  # lazy: keeps `positionkit --help` fast (start-up time)

    diags = check_project(obj.root, papers, final=final)
    code = report(diags, fmt, strict or final)
    if fmt == "text" and code == EXIT_OK:
        n = sum(1 for d in diags if d.severity.value == "warning")
        click.echo("no problems found" if not n else f"{n} warning(s), no errors")
    sys.exit(code)


@main.command(name="list")
@pass_ctx
def list_(obj: Context):
    """Show papers, their languages, sections and page budgets."""
    from positionkit.load.project import load_project  # lazy: keeps `positionkit --help` fast (start-up time)

    project = load_project(obj.root)
    if not project.papers:
        click.echo("no papers (add papers/<name>/paper.yaml)")
    for slug, paper in project.papers.items():
        langs = ", ".join(paper.languages or (project.config.source_lang,))
        budget = f"{paper.pages} page(s)" if paper.pages else "no page budget"
        click.echo(f"{slug}: {paper.meta.get('title', '(untitled)')}")
        click.echo(f"  languages: {langs}; {budget}")
        for rel in paper.sections:
            click.echo(f"  - {rel[len(paper.dir) + 1:]}")
    errors = [d for d in project.diagnostics if d.severity.value == "error"]
    sys.exit(report(errors))


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
def new(directory):
    """Create a new project in DIRECTORY that builds out of the box."""
    from positionkit.cli.scaffold import new_project  # lazy: keeps `positionkit --help` fast (start-up time)

    target = Path(directory)
    problem = new_project(target)
    if problem:
        raise click.UsageError(problem)
    click.echo(f"created {target}/ — next: cd {target} && positionkit build")


@main.command()
@click.option("--write", "write_path", is_flag=True, help="Write styles/reference.docx for editing in Word.")
@pass_ctx
def styles(obj: Context, write_path):
    """Show the style settings; --write generates styles/reference.docx from them."""
    from dataclasses import asdict

    from positionkit.load.config import load_config  # lazy: keeps `positionkit --help` fast (start-up time)
    from positionkit.render import reference_docx  # lazy: keeps `positionkit --help` fast (start-up time)

    root = obj.root
    config, diags = load_config(root)
    for key, value in asdict(config.style).items():
        click.echo(f"{key} = {value!r}")
    if write_path:
        from positionkit.pipeline import write  # lazy: keeps `positionkit --help` fast (start-up time)

        diags += write.commit(root, {"styles/reference.docx": reference_docx(config.style)})
        click.echo("wrote styles/reference.docx (builds use it while it exists; delete it to go back "
                   "to the [style] settings)")
    sys.exit(report(diags))
