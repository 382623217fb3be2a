"""`positionkit i18n`: translation status, stamping and scaffolding (thin over translations.py)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from positionkit.cli.main import report
from positionkit.cli.common import emit_json, format_option
from positionkit.cli.complete import complete_languages, complete_papers
from positionkit.diagnostics import Diagnostic

# Library modules are imported inside the commands: `positionkit --help` must not load them
# (start-up time, issue 17). Only click and the vocabulary modules load with the CLI.


class _Lazy:
    def __init__(self, module: str):
        self._module = module

    def __getattr__(self, name):
        import importlib  # lazy: see above

        return getattr(importlib.import_module(self._module), name)


stamping = _Lazy("positionkit.translations.stamping")
tr = _Lazy("positionkit.translations.status")

_MARK = {"current": " ", "reviewed": " ", "stale": "!", "unstamped": "?", "untranslated": "?", "missing": "-"}


def register(main: click.Group) -> None:
    main.add_command(i18n)


@click.group()
def i18n():
    """Translations: which are current or stale, stamping, scaffolding."""


def _load(obj):
    from positionkit.load.project import load_project  # lazy: keeps `positionkit --help` fast (start-up time)

    project = load_project(obj.root)
    return project, [d for d in project.diagnostics if d.severity.value == "error"]


def _exit(diags: list[Diagnostic], fmt: str = "text") -> int:
    return report(diags, fmt)


def _rel(obj, project, path: str) -> str:
    p = Path(path)
    full = p if p.is_absolute() else obj.directory / p
    return stamping.relative(project, full) or path


@i18n.command()
@click.argument("papers", nargs=-1, shell_complete=complete_papers)
@click.option("--lang", "langs", multiple=True, metavar="L", shell_complete=complete_languages,
              help="Only this language (repeatable).")
@format_option
@click.pass_obj
def status(obj, papers, langs, fmt):
    """Per language, every section and block a paper uses: current, reviewed, stale, unstamped,
    untranslated or missing; for stale ones the changed source paragraphs and the git diff."""
    project, diags = _load(obj)
    result, more = tr.status(project, papers, langs)
    diags += more
    if fmt == "json":
        click.echo(json.dumps({
            "source_lang": project.config.source_lang,
            "papers": [{"paper": p.paper, "title": p.title,
                        "languages": [{"lang": ls.lang, "counts": ls.counts(),
                                      "paragraphs": ls.paragraph_counts(),
                                       "items": [i.to_dict() for i in ls.items]} for ls in p.languages]}
                       for p in result],
            "diagnostics": [d.to_dict() for d in diags]}, ensure_ascii=False, indent=2))
        sys.exit(1 if any(d.severity.value == "error" for d in diags) else 0)
    for paper in result:
        click.echo(f"{paper.paper}: {paper.title}")
        if not paper.languages:
            click.echo(f"  no target languages besides {project.config.source_lang} (add them to 'languages:')")
        for ls in paper.languages:
            counts = ", ".join(f"{n} {s}" for s, n in ls.counts().items())
            paras = ", ".join(f"{n} {s}" for s, n in ls.paragraph_counts().items())
            click.echo(f"  {ls.lang}: {counts}" + (f"; paragraphs: {paras}" if paras else ""))
            for item in ls.items:
                _echo_item(item)
    sys.exit(_exit(diags))


def _echo_item(item: tr.Item) -> None:
    click.echo(f"   {_MARK[item.status]} {item.status:<12} {item.kind:<8} {item.translation}")
    if item.paragraphs and item.status == "stale":
        click.echo(f"{'':18}paragraphs: " + ", ".join(f"{n} {s}" for s, n in item.paragraphs)
                   + " (a draft prints each translated one, the others in the source language)")
    if item.status == "stale":
        click.echo(f"{'':18}source paragraphs changed since the stamp: "
                   + (", ".join(f"line {c.line}" for c in item.changed) or "none; some were removed"))
    elif item.changed:
        click.echo(f"{'':18}source changed since the scaffold was made:")
    for c in item.changed:
        click.echo(f"{'':20}{item.source}:{c.line}: {c.text}")
    if item.diff:
        click.echo(f"{'':18}git diff of {item.source} since {item.since} (the stamped version):")
        for ln in item.diff.split("\n"):
            click.echo(f"{'':20}{ln}")
    if item.note and item.status not in ("current", "reviewed"):
        click.echo(f"{'':18}({item.note})")


@i18n.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--reviewed", is_flag=True, help="Record the state 'reviewed' instead of 'translated'.")
@format_option
@click.pass_obj
def stamp(obj, paths, reviewed, fmt):
    """Record that each translation matches its source as it is now (front matter only; the text
    is never touched). Run it after updating a translation, or after a source edit that did not
    change the meaning."""
    project, errors = _load(obj)
    diags: list[Diagnostic] = []
    stamped = []
    for path in paths:
        rel = _rel(obj, project, path)
        broken = [d for d in errors if d.path == rel]
        if broken:  # never rewrite front matter positionkit could not read
            diags += broken
            continue
        done, more = stamping.stamp(project, rel, reviewed)
        diags += more
        if done:
            stamped.append({"path": done.path, "state": done.state, "was": done.was,
                            "changed_lines": list(done.changed)})
            if fmt == "json":
                continue
            extra = ""
            if done.was == "stale":
                extra = f"; source lines {', '.join(map(str, done.changed)) or '(removed paragraphs)'} had changed"
            obj.say(f"stamped {done.path} as {done.state} (was {done.was}{extra})")
    if fmt == "json":
        sys.exit(emit_json({"command": "i18n stamp", "stamped": stamped}, diags))
    sys.exit(_exit(diags))


@i18n.command()
@click.argument("path")
@click.option("--lang", required=True, metavar="L", shell_complete=complete_languages,
              help="Language of the new translation (BCP 47).")
@format_option
@click.pass_obj
def new(obj, path, lang, fmt):
    """Create PATH's translation into L beside it, pre-filled with the source text. It counts as
    untranslated (the build prints the source text) until a translator stamps it. For a library
    block (PATH is its id or its file), the translation goes in the project's own tree:
    translations/<alias>/<topic>/<name>.<lang>.md."""
    project, _ = _load(obj)
    rel = path if path in project.blocks else _rel(obj, project, path)  # a block id, or a file
    diags: list[Diagnostic] = []
    target, more = stamping.new_translation(project, rel, lang)
    diags += more
    if fmt == "json":
        sys.exit(emit_json({"command": "i18n new", "created": target}, diags))
    if target:
        obj.say(f"created {target} (untranslated: translate the text, then run "
                   f"positionkit i18n stamp {target})")
    sys.exit(_exit(diags))


_FORMATS = {"xliff": "xlf", "po": "po", "docx": "docx"}


@i18n.command(name="export")
@click.argument("paper")
@click.option("--lang", required=True, metavar="L", help="Language to translate into (BCP 47).")
@click.option("--to", "kind", type=click.Choice(list(_FORMATS)), default=None,
              help="XLIFF 1.2 for CAT tools (Trados, memoQ, OmegaT, Weblate), PO for Poedit and gettext "
                   "tools, DOCX: a two-column table for Word. Default: xliff.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", *_FORMATS]), default=None,
              help="Report format: text or json. (xliff/po/docx here is the old spelling of --to.)")
@click.option("-o", "output", metavar="FILE", help="Where to write it (default: PAPER.L.xlf|po|docx here).")
@click.pass_obj
def export_(obj, paper, lang, kind, fmt, output):
    """Write PAPER's text for a translator: one unit per heading, paragraph, list item and table cell
    of its sections, the blocks it uses and its title fields, each with its id, source position and
    state (translated, stale with the previous source text, or missing). Citations, {{ parameters }},
    link targets, code and footnote markers are protected placeholders."""
    from positionkit.translations import bilingual_docx, po, units, xliff  # lazy: CLI start-up time
    from positionkit.version import __version__  # lazy: CLI start-up time

    if fmt in _FORMATS:
        click.echo("positionkit: 'i18n export --format' is deprecated; use '--to xliff|po|docx' (--format "
                   "names the report format: text or json)", err=True)
    report_fmt = fmt if fmt in ("text", "json") else "text"
    fmt = kind or (fmt if fmt in _FORMATS else None) or "xliff"
    project, _ = _load(obj)
    found, diags = units.collect(project, paper, lang)
    if found is not None:
        writer = {"xliff": xliff.write, "po": po.write, "docx": bilingual_docx.write}[fmt]
        data = writer(found, f"positionkit {__version__}")
        target = Path(output) if output else Path(f"{paper}.{lang}.{_FORMATS[fmt]}")
        target = target if target.is_absolute() else obj.directory / target
        try:
            target.write_bytes(data)
        except OSError as exc:
            click.echo(f"error: cannot write {target}: {exc.strerror or exc}", err=True)
            sys.exit(1)
        if report_fmt == "json":
            sys.exit(emit_json({"command": "i18n export", "written": str(output or target.name),
                                "units": len(found.units), "counts": found.counts()}, diags))
        counts = ", ".join(f"{n} {s}" for s, n in found.counts().items()) or "nothing to translate"
        obj.say(f"wrote {output or target.name}: {len(found.units)} units ({counts})")
    if report_fmt == "json":
        sys.exit(emit_json({"command": "i18n export", "written": None, "ok": False}, diags))
    sys.exit(_exit(diags))


@i18n.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@format_option
@click.pass_obj
def import_(obj, file, fmt):
    """Write the translations in FILE (an XLIFF, PO or bilingual DOCX from `i18n export`) into the
    .L.md translation files, paragraph by paragraph, each stamped against the exact source text it
    was translated from. Units whose {placeholders} do not match their source are refused and
    named; units whose source changed since the export are left out."""
    from positionkit.translations import importing  # lazy: CLI start-up time

    project, _ = _load(obj)
    path = Path(file)
    path = path if path.is_absolute() else obj.directory / path
    try:
        data = path.read_bytes()
    except OSError as exc:
        click.echo(f"error: cannot read {file}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    returned, diags = importing.read_returned(data, file)
    written = []
    if returned is not None:
        written, more = importing.import_returned(project, returned)
        diags += more
    if fmt == "json":
        sys.exit(emit_json({"command": "i18n import", "updated": [
            {"path": w.path, "paragraphs": w.paragraphs} for w in written]}, diags))
    if returned is not None:
        for w in written:
            what = "field(s)" if w.path.endswith(".yaml") else "paragraph(s)"
            click.echo(f"updated {w.path}: {w.paragraphs} {what} imported and stamped")
        if not written:
            click.echo("nothing was written")
    sys.exit(_exit(diags))
