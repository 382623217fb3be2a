"""The command line: parse options, call the library, print diagnostics, choose the exit code.

Exit codes: 0 success, 1 the inputs have errors (or warnings with --strict / --final),
2 usage errors (click's own).
"""
from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click

from positionkit.version import __version__
from positionkit.system.scratch import sweep_orphans
from positionkit.cli import complete
from positionkit.cli.build import build
from positionkit.cli.common import (EXIT_ERRORS, EXIT_OK, Context, emit_json, format_option,  # noqa: F401 (API)
                                    install, pass_ctx, report)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="positionkit")
@click.pass_context
def main(ctx: click.Context):
    """Build briefing handouts (DOCX and PDF) from Markdown papers, shared argument blocks and one
    bibliography. -C DIR, -q and -v work before or after any command; see docs/cli.md."""
    ctx.ensure_object(Context)
    _exit_cleanly_on_sigterm(ctx)
    sweep_orphans()
    ctx.call_on_close(_forget_detail)


def _forget_detail() -> None:
    """-v holds for one command: a program running the CLI in-process twice gets what it asks."""
    errors = sys.modules.get("positionkit.render.errors")
    if errors is not None:
        errors.show_detail(False)


def _exit_cleanly_on_sigterm(ctx: click.Context) -> None:
    """While a command runs, SIGTERM (a CI timeout, `kill`) ends it through SystemExit, so
    temporary files and folders are removed as on Ctrl-C. Only where nobody installed a handler
    of their own, and undone when the command ends (a program running the CLI in-process keeps
    its own behaviour)."""
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminated)
        ctx.call_on_close(lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


main.add_command(build)


@main.command()
@click.argument("papers", nargs=-1, shell_complete=complete.complete_papers)
@click.option("--audience", "audiences", multiple=True, metavar="ID|TAG|all",
              shell_complete=complete.complete_audiences,
              help="Check only these audiences' text (repeatable); default: the plain text and every audience.")
@click.option("--lang", "langs", multiple=True, metavar="L", shell_complete=complete.complete_languages,
              help="Only this language (repeatable).")
@format_option
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--final", is_flag=True, help="Check as a final build would (stale translations are errors).")
@pass_ctx
def check(obj: Context, papers, audiences, langs, fmt, strict, final):
    """Run every check without rendering, on the text every audience gets (all .when/.unless
    conditions), and say which audiences were checked."""
    from positionkit.load.project import load_project  # lazy: keeps `positionkit --help` fast (start-up time)
    from positionkit.pipeline.checking import check as run, summary  # lazy: as above

    result = run(load_project(obj.root), papers, langs, audiences, final)
    diags = result.diagnostics
    code = report(diags, fmt, strict or final)
    if fmt == "text":
        for line in summary(result):
            obj.say(line)
    if fmt == "text" and code == EXIT_OK:
        n = sum(1 for d in diags if d.severity.value == "warning")
        obj.say("no problems found" if not n else f"{n} warning(s), no errors")
    sys.exit(code)


@main.command(name="list")
@format_option
@pass_ctx
def list_(obj: Context, fmt):
    """Show papers, their languages, sections and page budgets."""
    from positionkit.load.project import load_project  # lazy: keeps `positionkit --help` fast (start-up time)

    project = load_project(obj.root)
    errors = [d for d in project.diagnostics if d.severity.value == "error"]
    papers = [{"paper": slug, "title": paper.meta.get("title"),
               "languages": list(paper.languages or (project.config.source_lang,)), "pages": paper.pages,
               "sections": [rel[len(paper.dir) + 1:] for rel in paper.sections]}
              for slug, paper in project.papers.items()]
    if fmt == "json":
        sys.exit(emit_json({"command": "list", "papers": papers}, errors))
    if not papers:
        obj.say("no papers (add papers/<name>/paper.yaml)")
    for paper in papers:
        budget = f"{paper['pages']} page(s)" if paper["pages"] else "no page budget"
        click.echo(f"{paper['paper']}: {paper['title'] or '(untitled)'}")
        click.echo(f"  languages: {', '.join(paper['languages'])}; {budget}")
        for rel in paper["sections"]:
            click.echo(f"  - {rel}")
    sys.exit(report(errors))


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
@format_option
@pass_ctx
def new(obj: Context, directory, fmt):
    """Create a new project in DIRECTORY that builds out of the box."""
    from positionkit.cli.scaffold import new_project  # lazy: keeps `positionkit --help` fast (start-up time)

    target = Path(directory) if Path(directory).is_absolute() else obj.directory / directory
    problem = new_project(target)
    if problem:
        raise click.UsageError(problem)
    if fmt == "json":
        sys.exit(emit_json({"command": "new", "created": str(target)}, []))
    obj.say(f"created {directory}/ — next: cd {directory} && positionkit build")


@main.command()
@click.option("--write", "write_path", is_flag=True, help="Write styles/reference.docx for editing in Word.")
@format_option
@pass_ctx
def styles(obj: Context, write_path, fmt):
    """Show the style settings; --write generates styles/reference.docx from them."""
    from dataclasses import asdict

    from positionkit.load.config import load_config  # lazy: keeps `positionkit --help` fast (start-up time)
    from positionkit.render import reference_docx  # lazy: keeps `positionkit --help` fast (start-up time)

    root = obj.root
    config, diags = load_config(root)
    settings = asdict(config.style)
    if write_path:
        from positionkit.pipeline import write  # lazy: keeps `positionkit --help` fast (start-up time)

        diags += write.commit(root, {"styles/reference.docx": reference_docx(config.style)})
    if fmt == "json":
        sys.exit(emit_json({"command": "styles", "style": settings,
                            "written": ["styles/reference.docx"] if write_path else []}, diags))
    for key, value in settings.items():
        click.echo(f"{key} = {value!r}")
    if write_path:
        obj.say("wrote styles/reference.docx (builds use it while it exists; delete it to go back "
                "to the [style] settings)")
    sys.exit(report(diags))
