"""`positionkit review FILE.docx`: reviewers' comments and tracked changes, back to the source."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from positionkit.cli.main import EXIT_ERRORS, EXIT_OK, Context, pass_ctx, report


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="text for people, json for tools.")
@click.option("--apply", "write", is_flag=True,
              help="Write the changes into the sources and each comment as a '::: internal' note.")
@pass_ctx
def review(obj: Context, file: Path, fmt: str, write: bool):
    """List the comments and tracked changes of a reviewed DOCX at their source lines; --apply writes them.

    Changes to blocks of a shared library are saved as patches, never written into the library;
    a paragraph whose source changed since the DOCX was built is a conflict and is left alone.
    """
    from positionkit import review as rv  # only this command pays for lxml and the review modules

    if not file.is_file():
        raise click.UsageError(f"no such file: {file}")
    result = rv.review(obj.root, file, write=write)
    if fmt == "json":
        click.echo(rv.render_json(result.items, result.diagnostics))
        sys.exit(EXIT_ERRORS if any(d.severity.value == "error" for d in result.diagnostics) else EXIT_OK)
    if result.document:
        click.echo(f"{file.name}: {result.document}, {len(result.items)} item(s)")
    for item in result.items:
        click.echo(rv.diagnostic(item).format())
    if result.written:
        verb = "wrote" if write else "would write (with --apply)"
        click.echo(f"{verb}: {', '.join(result.written)}")
    sys.exit(report(result.diagnostics))


def register(main: click.Group) -> None:
    main.add_command(review)


__all__ = ["register", "review"]
