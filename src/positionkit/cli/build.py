"""`positionkit build`: options, progress, the batch summary and the JSON report."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from positionkit.cli import complete
from positionkit.cli.common import EXIT_ERRORS, EXIT_OK, Context, emit_json, pass_ctx, report
from positionkit.cli.progress import Progress

KINDS = ("docx", "pdf")
AUDIENCE_CODES = ("PK801", "PK802", "PK803", "PK804", "PK805", "PK806", "PK807")
"""Problems with audiences files or selectors (the pipeline's AUDIENCE_FILE_CODES)."""


def split_format(values) -> tuple[list[str], str, bool]:
    """--format values -> (output kinds given the old way, report format, whether the old way was used)."""
    kinds = [v for v in values if v in KINDS]
    reports = [v for v in values if v not in KINDS]
    return kinds, (reports[-1] if reports else "text"), bool(kinds)


def output_dir_option(obj: Context, root: Path, value: str | None) -> str | None:
    """-o DIR -> a folder relative to the project root (relative DIR: to where positionkit runs)."""
    if value is None:
        return None
    path = Path(value)
    full = (path if path.is_absolute() else obj.directory / path).resolve()
    try:
        rel = full.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise click.BadParameter(f"{value} is outside the project {root}; outputs stay inside it "
                                 "(the build cache and manifest live beside them)", param_hint="-o") from None
    if rel in ("", "."):
        raise click.BadParameter("the project folder itself cannot be the output folder", param_hint="-o")
    return rel


@click.command()
@click.argument("papers", nargs=-1, shell_complete=complete.complete_papers)
@click.option("--to", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Output kind (repeatable); default: the project's formats.")
@click.option("--format", "formats", multiple=True, type=click.Choice(["text", "json", *KINDS]),
              help="Report format: text or json. (docx/pdf here is the old spelling of --to.)")
@click.option("-o", "--output-dir", metavar="DIR", help="Write into DIR (inside the project) instead of "
              "[project] output_dir.")
@click.option("--lang", "langs", multiple=True, metavar="L", shell_complete=complete.complete_languages,
              help="Only this language (repeatable).")
@click.option("--audience", "audiences", multiple=True, metavar="ID|TAG|all",
              shell_complete=complete.complete_audiences,
              help="Tailored handouts for these audiences from audiences.yaml (repeatable).")
@click.option("--shard", metavar="I/N", help="Build only part I of N: output folders (a paper, or an "
              "audience of a paper) dealt out in name order; the N parts together are the whole build.")
@click.option("--final", is_flag=True, help="Refuse missing/stale translations and any warning; no Draft marking.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None, help="Parallel workers (default: cores).")
@pass_ctx
def build(obj: Context, papers, kinds, formats, output_dir, langs, audiences, shard, final, strict, jobs):
    """Build handouts: build/<paper>/<paper>.<lang>.<docx|pdf>, or with --audience
    build/<paper>/<audience>/<paper>.<lang>.<docx|pdf>. Unchanged outputs are reused."""
    from positionkit.pipeline.build import build as run  # lazy: keeps `positionkit --help` fast (start-up time)

    old_kinds, fmt, old_way = split_format(formats)
    if old_way:
        click.echo("positionkit: 'build --format docx|pdf' is deprecated; use '--to docx|pdf' "
                   "(--format now names the report format: text or json)", err=True)
    kinds = tuple(dict.fromkeys([*kinds, *old_kinds]))
    root = obj.root
    out = output_dir_option(obj, root, output_dir)
    extra = {"output_dir": out} if out else {}
    if shard:
        extra["shard"] = parse_shard(shard)
    progress = Progress(quiet=obj.quiet or fmt == "json")
    try:
        result = run(root, papers, kinds, langs, final=final, strict=strict, jobs=jobs, progress=progress,
                     audiences=audiences, **extra)
    finally:
        progress.close()
    fatal = strict or final
    failed = failed_audiences(result) if audiences else {}
    if fmt == "json":
        sys.exit(emit_json({"command": "build", "outputs": result.outputs, "built": result.built,
                            "reused": result.reused, "failed": failed, "ok": result.ok and not failed},
                           result.diagnostics, fatal))
    code = report(result.diagnostics, strict=fatal)
    for path in result.reused:
        obj.detail(f"  reused {path}")
    if shard and not result.outputs and code == EXIT_OK:
        obj.say(f"shard {shard}: nothing to build (the build has fewer output folders than shards)")
    if audiences:
        _summary(obj, result, failed)
        code = code or (EXIT_ERRORS if failed else EXIT_OK)
    elif result.outputs and code == EXIT_OK:
        reused = f", {len(result.reused)} unchanged" if result.reused else ""
        obj.say(f"built {len(result.outputs)} file(s) in {root.name}/"
                f"{Path(result.outputs[0]).parts[0]}/{reused}")
    if code != EXIT_OK and not audiences:
        click.echo(f"build stopped: {_stopped_by(result.diagnostics, final)}; "
                   "earlier outputs were left as they were", err=True)
    sys.exit(code)


def _stopped_by(diags, final: bool) -> str:
    """Say what to fix: with only warnings, 'the errors above' would send the user looking for none."""
    if any(d.severity.value == "error" for d in diags):
        return "fix the errors above"
    flag = "--final" if final else "--strict"
    return f"{flag} refuses the warnings above; fix them, or build without {flag} for a draft"


def parse_shard(text: str) -> tuple[int, int]:
    try:
        i, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise click.BadParameter(f"'{text}' is not I/N (e.g. 1/4)", param_hint="--shard") from None
    if not 1 <= i <= n:
        raise click.BadParameter(f"'{text}': I must be between 1 and N", param_hint="--shard")
    return i, n


def failed_audiences(result) -> dict:
    """Audience -> reasons: those that failed to build, and selectors or audiences files that
    named nothing buildable (the batch never got as far as building them)."""
    failed = dict(result.failed)
    for d in result.diagnostics:
        if d.code in AUDIENCE_CODES and d.severity.value == "error":
            failed.setdefault(_selector_name(d), []).append(d.format())
    return failed


def _selector_name(d) -> str:
    quoted = d.message.split("'")
    return quoted[1] if d.code == "PK807" and len(quoted) > 2 else (d.path or d.code)


def _summary(obj: Context, result, failed: dict) -> None:
    """The table at the end of a tailored batch: built, reused, failed (with reasons)."""
    rows = [("built", len(result.built)), ("reused from cache", len(result.reused)),
            ("failed audiences", len(failed))]
    obj.say("")
    for label, n in rows:
        obj.say(f"  {label:<18} {n:>5}")
    for name, reasons in sorted(failed.items()):
        click.echo(f"  failed: {name}")
        for reason in reasons[:3]:
            click.echo(f"      {reason}")
        if len(reasons) > 3:
            click.echo(f"      ... and {len(reasons) - 3} more")
