"""Commands for shared block libraries: sync, update, vendor, init-ci. Thin: libsync does the work."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from positionkit.cli.common import EXIT_OK, emit_json, format_option, pass_ctx, report
from positionkit.diagnostics import error

WORKFLOW = ".github/workflows/positionkit.yml"

GITHUB_WORKFLOW = """\
# Written by `positionkit init-ci github`. Builds draft handouts on every push and pull request,
# final ones (no warnings, no stale translations) on tags, and keeps them as an artifact.
name: positionkit

on:
  push:
    branches: ["**"]
    tags: ["*"]
  pull_request:

jobs:
  handouts:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install positionkit
        run: pip install positionkit
      # Private library repositories: add a read-only token as a secret and uncomment.
      # - run: git config --global url."https://x-access-token:${{{{ secrets.LIBRARY_TOKEN }}}}@github.com/".insteadOf "https://github.com/"
      - name: Fetch shared block libraries at the commits positionkit.lock pins
        run: positionkit sync
      - name: Check
        run: positionkit check
      - name: Build drafts
        if: ${{{{ !startsWith(github.ref, 'refs/tags/') }}}}
        run: positionkit build
      - name: Build final handouts
        if: ${{{{ startsWith(github.ref, 'refs/tags/') }}}}
        run: positionkit build --final
      - uses: actions/upload-artifact@v4
        with:
          name: handouts
          path: {output_dir}/
          if-no-files-found: error
"""


def _finish(lines, diags, fmt: str = "text", command: str = "", data: dict | None = None) -> None:
    if fmt == "json":
        sys.exit(emit_json({"command": command, "messages": list(lines), **(data or {})}, diags))
    for line in lines:
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

        _finish(*run(obj.root, aliases), fmt, "sync")

    @main.command()
    @click.argument("aliases", nargs=-1, metavar="[ALIAS]...")
    @format_option
    @pass_ctx
    def update(obj, aliases, fmt):
        """Move libraries to the newest commit of their ref, rewrite positionkit.lock, and report
        what changed: blocks, parameters, licences, affected papers, stale translations."""
        from positionkit.libraries.sync import update as run  # lazy: keeps `positionkit --help` fast (start-up time)

        _finish(*run(obj.root, aliases), fmt, "update")

    @main.command()
    @click.argument("aliases", nargs=-1, metavar="[ALIAS]...")
    @format_option
    @pass_ctx
    def vendor(obj, aliases, fmt):
        """Copy the locked library content into vendor/<alias>/ (commit it) so the project builds
        without the network or the upstream repository."""
        from positionkit.libraries.sync import vendor as run  # lazy: keeps `positionkit --help` fast (start-up time)

        _finish(*run(obj.root, aliases), fmt, "vendor")

    @main.command(name="init-ci")
    @click.argument("service", type=click.Choice(["github"]))
    @pass_ctx
    def init_ci(obj, service):
        """Write a CI workflow (GitHub Actions) that syncs, checks, builds (--final on tags) and keeps
        the handouts as an artifact."""
        from positionkit.load.config import load_config  # lazy: keeps `positionkit --help` fast (start-up time)

        root: Path = obj.root
        dest = root / WORKFLOW
        if dest.exists():
            _finish([], [error("PK712", f"{WORKFLOW} already exists; not overwriting it", WORKFLOW,
                               hint="delete or rename it first to get a fresh one")])
        config, diags = load_config(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(GITHUB_WORKFLOW.format(output_dir=config.output_dir), encoding="utf-8")
        _finish([f"wrote {WORKFLOW}: commit it, then push a tag (git tag v1 && git push --tags) for a "
                 "final build"], diags)
