"""Commands for shared block libraries: sync, update, vendor, init-ci. Thin: libsync does the work."""
from __future__ import annotations

import sys

import click

from positionkit.cli.common import EXIT_OK, emit_json, format_option, pass_ctx, report


def _finish(lines, diags, fmt: str = "text", command: str = "", data: dict | None = None,
            quiet: bool = False) -> None:
    """quiet (-q): the lines are confirmations, not data asked for (every command but update)."""
    if fmt == "json":
        sys.exit(emit_json({"command": command, "messages": list(lines), **(data or {})}, diags))
    for line in lines if not quiet else []:
        click.echo(line)
    sys.exit(report(diags) if diags else EXIT_OK)


def register(main: click.Group) -> None:
    @main.command()
    @click.argument("aliases", nargs=-1, metavar="[ALIAS]...")
    @format_option
    @pass_ctx
    def sync(obj, aliases, fmt):
        """Fetch libraries into .positionkit/libraries/ at the commits positionkit.lock pins (and pin
        new ones). The only command besides update that uses the network."""
        from positionkit.libraries.sync import sync as run  # lazy: keeps `positionkit --help` fast (start-up time)

        _finish(*run(obj.root, aliases), fmt, "sync", quiet=obj.quiet)

    @main.command()
    @click.argument("aliases", nargs=-1, metavar="[ALIAS]...")
    @click.option("--dry-run", is_flag=True, help="Report what an update would change; change nothing "
                  "(not positionkit.lock, not vendor/).")
    @format_option
    @pass_ctx
    def update(obj, aliases, dry_run, fmt):
        """Move libraries to the newest commit of their ref, rewrite positionkit.lock, and explain
        what changed: upstream commits, a word diff per block, bibliography entries, the papers,
        languages and audiences each change reaches, translations now stale."""
        from positionkit.libraries.update import update as run  # lazy: keeps `positionkit --help` fast (start-up time)

        lines, diags, reports = run(obj.root, aliases, dry_run=dry_run)
        _finish(lines, diags, fmt, "update", {"dry_run": dry_run, "libraries": reports})

    @main.command()
    @click.argument("aliases", nargs=-1, metavar="[ALIAS]...")
    @format_option
    @pass_ctx
    def vendor(obj, aliases, fmt):
        """Copy the locked library content into vendor/<alias>/ (commit it) so the project builds
        without the network or the upstream repository."""
        from positionkit.libraries.sync import vendor as run  # lazy: keeps `positionkit --help` fast (start-up time)

        _finish(*run(obj.root, aliases), fmt, "vendor", quiet=obj.quiet)

    @main.command(name="init-ci")
    @click.argument("service", type=click.Choice(["github", "gitlab"]))
    @click.option("--shards", type=click.IntRange(1, 64), default=1, show_default=True,
                  help="Build in N parts side by side (a job matrix), gathered into one artifact.")
    @click.option("--install", "requirement", metavar="SPEC",
                  help="What CI pip-installs (default: the positionkit running now, pinned).")
    @format_option
    @pass_ctx
    def init_ci(obj, service, shards, requirement, fmt):
        """Write a CI configuration (GitHub Actions or GitLab CI) that installs this positionkit
        (pinned), syncs, checks, builds what ships (audience batches too) in --shards parts and
        gathers the handouts into one artifact; --final on tags."""
        from positionkit.libraries.ci import init_ci as write_ci  # lazy: keeps `positionkit --help` fast (start-up time)

        _finish(*write_ci(obj.root, service, shards, requirement), fmt, "init-ci", quiet=obj.quiet)
