"""`positionkit blocks ...`: browse, search, trace and scaffold argument blocks (see blocks.py)."""
from __future__ import annotations

import dataclasses
import json
import sys
from typing import TYPE_CHECKING

import click

from positionkit.cli.common import EXIT_ERRORS, EXIT_OK, Context, emit_json, format_option, pass_ctx, report
from positionkit.cli.complete import complete_blocks
from positionkit.diagnostics import error, has_errors
from positionkit.statuses import BLOCK_STATUSES

if TYPE_CHECKING:
    from positionkit.load.project import Project

# Library modules are imported inside the commands: `positionkit --help` must not load them
# (start-up time, issue 17). Only click and the vocabulary modules load with the CLI.


def load_project(root):
    from positionkit.load.project import load_project as load  # lazy: see above

    return load(root)


class _Catalog:
    """positionkit.libraries.catalog, imported on first use (see above)."""

    def __getattr__(self, name):
        from positionkit.libraries import catalog  # lazy: see above

        return getattr(catalog, name)


lib = _Catalog()


def _load(obj: Context) -> tuple[Project, list]:
    """The project, and what loading found wrong in block files (printed by every command)."""
    project = load_project(obj.root)
    paths = {b.source.path for b in project.blocks.values()}
    diags = [d for d in project.diagnostics if d.path and (d.path in paths or d.path.startswith("blocks/"))]
    return project, diags


def _finish(diags: list, code: int = EXIT_OK, fmt: str = "text", data: dict | None = None) -> None:
    if fmt == "json":
        sys.exit(max(code, emit_json(data or {}, diags)))
    sys.exit(max(code, report(diags)))


def _block(project: Project, block_id: str, diags: list, fmt: str = "text"):
    block, more = lib.find(project, block_id)
    if block is None:
        _finish(diags + more, fmt=fmt, data={"command": "blocks", "ok": False})
    return block


@click.group()
def blocks():
    """Browse, search and create argument blocks (blocks/<topic>/<name>.md)."""


@blocks.command(name="list")
@click.option("--topic", metavar="T", help="Only blocks with this topic (or in this folder).")
@click.option("--status", type=click.Choice(BLOCK_STATUSES), help="Only blocks with this status.")
@format_option
@pass_ctx
def list_(obj: Context, topic, status, fmt):
    """List blocks: id, status, title, review date (marked when overdue), owner."""
    project, diags = _load(obj)
    rows = lib.entries(project, topic, status)
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2, ensure_ascii=False))
    elif not rows:
        click.echo("no blocks match" if (topic or status) else "no blocks (add blocks/<topic>/<name>.md, "
                   "or run 'positionkit blocks new topic/name')")
    else:
        table = [("ID", "STATUS", "TITLE", "REVIEW BY", "OWNER")]
        table += [(r.id, r.status, r.title, (r.review_by or "-") + (" (overdue)" if r.overdue else ""), r.owner)
                  for r in rows]
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        for row in table:
            click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4])
    _finish(diags)


def _use_line(use: lib.Use) -> str:
    where = f"paper {use.paper}" if use.paper else f"block {use.block}" if use.block else "unused section"
    variant = f", variant {use.variant}" if use.variant else ""
    return f"  {use.path}:{use.line}  ({where}{variant})"


@blocks.command()
@click.argument("block_id", metavar="ID", shell_complete=complete_blocks)
@click.option("--variant", metavar="NAME", help="Render this variant instead of the full text.")
@format_option
@pass_ctx
def show(obj: Context, block_id, variant, fmt):
    """Show a block: metadata, parameters, variants, its rendered text and where it is used."""
    project, diags = _load(obj)
    block = _block(project, block_id, diags, fmt)
    text, more = lib.render(project, block, variant)
    if any(d.code == "PK310" for d in more):
        _finish(diags + more, fmt=fmt, data={"command": "blocks show", "ok": False})
    if fmt == "json":
        used = lib.where(project, block.id)
        _finish(diags + more, fmt=fmt, data={
            "command": "blocks show", "id": block.id, "file": block.source.path, "meta": _jsonable(block.meta),
            "params": _jsonable(block.params), "variants": _jsonable(block.variants), "variant": variant,
            "text": text, "used_in": [dataclasses.asdict(u) for u in used.uses]})
    meta = block.meta
    overdue = " (overdue)" if lib.overdue(block) else ""
    click.echo(f"{block.id}: {meta.get('title') or '(untitled)'}")
    for key in ("summary", "status", "owner", "license", "reviewed"):
        click.echo(f"  {key}: {meta.get(key) if meta.get(key) is not None else '-'}")
    click.echo(f"  review_by: {meta.get('review_by') or '-'}{overdue}")
    click.echo(f"  topics: {', '.join(lib.topics(block)) or '-'}")
    click.echo(f"  file: {block.source.path}")
    click.echo("params:" + ("" if block.params else " none"))
    for name, decl in block.params.items():
        decl = decl if isinstance(decl, dict) else {"default": decl}
        default = decl.get("default")
        shown = json.dumps(default, ensure_ascii=False) if default is not None else "(no default: required)"
        note = f"  {decl['note']}" if decl.get("note") else ""
        click.echo(f"  {name} = {shown}{note}")
    click.echo("variants:" + ("" if block.variants else " none"))
    for name, note in block.variants.items():
        click.echo(f"  {name}: {note}")
    click.echo(f"text{f' (variant {variant})' if variant else ''}:")
    click.echo("")
    click.echo(text)
    used = lib.where(project, block.id)
    click.echo("used in:" + ("" if used.uses else " nothing yet"))
    for use in used.uses:
        click.echo(_use_line(use))
    _finish(diags + more)


@blocks.command()
@click.argument("text", nargs=-1, required=True)
@format_option
@pass_ctx
def search(obj: Context, text, fmt):
    """Find blocks containing every word of TEXT, best match first (title, then summary, then body)."""
    project, diags = _load(obj)
    query = " ".join(text)
    hits = lib.search(project, query)
    if fmt == "json":
        _finish(diags, fmt=fmt, data={"command": "blocks search", "query": query,
                                      "hits": [dataclasses.asdict(h) for h in hits]})
    if not hits:
        click.echo(f"no block mentions '{query}'")
    for hit in hits:
        click.echo(f"{hit.score:>4}  {hit.id}  {hit.title}")
    _finish(diags)


@blocks.command()
@click.argument("block_id", metavar="ID", shell_complete=complete_blocks)
@format_option
@pass_ctx
def where(obj: Context, block_id, fmt):
    """Papers and blocks that include block ID (with file and line)."""
    project, diags = _load(obj)
    block = _block(project, block_id, diags, fmt)
    used = lib.where(project, block.id)
    if fmt == "json":
        _finish(diags, fmt=fmt, data={"command": "blocks where", "id": block.id,
                                      "uses": [dataclasses.asdict(u) for u in used.uses],
                                      "papers": list(used.papers)})
    if not used.uses:
        click.echo(f"{block.id} is not included anywhere")
    else:
        click.echo(f"{block.id} is included by:")
        for use in used.uses:
            click.echo(_use_line(use))
        click.echo(f"papers printing it: {', '.join(used.papers) or 'none'}")
    _finish(diags)


@blocks.command()
@click.argument("block_id", metavar="ID")
@click.option("--title", help="Title (default: from the name).")
@click.option("--summary", help="One sentence saying what the block argues.")
@format_option
@pass_ctx
def new(obj: Context, block_id, title, summary, fmt):
    """Create blocks/<topic>/<name>.md for ID with full front matter, as a draft."""
    project = load_project(obj.root)
    diags = lib.check_new_id(block_id)
    rel = f"blocks/{block_id}.md"
    if not diags:
        path = project.root / rel
        text = lib.scaffold(block_id, project.config.name, title, summary)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
                fh.write(text)
        except FileExistsError:
            diags = [error("PK322", f"{rel} already exists", rel, hint="edit it, or choose another name")]
        except OSError as exc:
            diags = [error("PK323", f"cannot write {rel}: {exc.strerror or exc}", rel)]
    if has_errors(diags):
        _finish(diags, EXIT_ERRORS, fmt, {"command": "blocks new", "ok": False})
    if fmt == "json":
        _finish([], fmt=fmt, data={"command": "blocks new", "created": rel})
    obj.say(f"created {rel} (status: draft; fill in the summary and text, then set status: approved)")
    _finish([])


def _jsonable(value):
    """Front matter as JSON: YAML dates and other scalars become text."""
    return json.loads(json.dumps(value, default=str))


def register(main: click.Group) -> None:
    main.add_command(blocks)
