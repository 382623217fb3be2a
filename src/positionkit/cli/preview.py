"""`positionkit preview`: a live HTML preview in the browser (thin over positionkit.preview)."""
from __future__ import annotations

import sys
import threading

import click

from positionkit.cli.common import Context, pass_ctx, report
from positionkit.diagnostics import did_you_mean, error

DEFAULT_PORT = 8765


def register(main: click.Group) -> None:
    main.add_command(preview)


@click.command()
@click.argument("paper", required=False)
@click.option("--lang", "langs", metavar="L[,L...]", default="",
              help="Languages side by side, e.g. en,fr (default: the source language).")
@click.option("--audience", metavar="ID", default=None, help="Show the version tailored for this audience.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1 lets other machines read your drafts.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser window.")
@pass_ctx
def preview(obj: Context, paper, langs, audience, port, host, no_browser):
    """Live preview in the browser: the handout's text with the same citations, languages side by
    side, diagnostics in the page, updated on every save. Ctrl+C stops it."""
    from urllib.parse import urlencode

    from positionkit.load.project import load_project  # here: keeps `positionkit --help` fast
    # here: the server stack (starlette, uvicorn, watchfiles) loads only for this command
    from positionkit.preview import server

    root = obj.root
    project = load_project(root)
    if paper and paper not in project.papers:
        sys.exit(report([error("PK020", f"no paper named '{paper}'", None,
                               hint=did_you_mean(paper, project.papers) or "positionkit list shows the papers")]))
    try:
        sock = server.bind(host, port)
    except OSError as exc:
        sys.exit(report([error("PK960", f"cannot listen on {host}:{port}: {exc.strerror or exc}", None,
                               hint="another preview may be running: pick another --port, or --port 0")]))
    query = urlencode({k: v for k, v in {"lang": langs, "audience": audience or ""}.items() if v}, safe=",")
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/{paper or ''}" + (f"?{query}" if query else "")
    srv = server.server(root, host)
    click.echo(f"Previewing {root} at {url}  (Ctrl+C stops)", err=True)
    if not no_browser:
        import webbrowser  # lazy: 9 ms of every `positionkit` start (check, --help) for this one command

        def open_when_ready():
            while not srv.started and not srv.should_exit:
                threading.Event().wait(0.05)
            if srv.started:
                webbrowser.open(url)

        threading.Thread(target=open_when_ready, daemon=True).start()
    srv.run(sockets=[sock])
