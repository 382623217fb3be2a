"""The preview's web server: starlette routes served by uvicorn on 127.0.0.1.

Nothing from a URL reaches the file system. A paper is looked up by name in the loaded
project; the stylesheet and script come from a fixed table (assets.ASSETS), fonts from the
table of the handouts' own faces (webfonts.faces), images are inlined in the page as data: URIs,
and print-view pages are rendered in memory. Any other URL, `..` included, is a 404. The Host
header must name the address the server listens on, so another web site cannot read the
preview through DNS rebinding.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request as HttpRequest
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from positionkit.load.project import load_project
from positionkit.preview import page, webfonts
from positionkit.preview.assets import ASSETS
from positionkit.preview.printview import print_pages
from positionkit.preview.view import Request, build_view
from positionkit.preview.watch import watch

_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_LANGS = 6
KEEPALIVE_S = 15
STOP_CHECK_S = 0.25
MAX_RECENT = 4


@dataclass
class State:
    """What changes while the server runs: the input generation and pages made for it."""

    root: Path
    generation: int = 0
    pages: dict = field(default_factory=dict)
    prints: dict = field(default_factory=dict)
    fonts: tuple | None = None
    recent: dict = field(default_factory=dict)
    changed_paths: frozenset = frozenset()
    """The files whose save made the current generation."""
    server: uvicorn.Server | None = None

    def stopping(self) -> bool:
        return self.server is not None and self.server.should_exit
    """Pages asked for lately (in order): re-rendered as soon as an input changes."""
    changed: asyncio.Event | None = None
    render_lock: threading.Lock = field(default_factory=threading.Lock)

    def bump(self, changes=()) -> None:
        self.changed_paths = frozenset(path for _change, path in changes)
        self.generation += 1
        self.pages.clear()
        self.prints.clear()
        if self.changed is not None:
            old, self.changed = self.changed, asyncio.Event()
            old.set()


def parse(paper: str, request: HttpRequest) -> Request:
    """The page settings from the query string; anything malformed is dropped."""
    langs: list[str] = []
    for value in request.query_params.getlist("lang"):
        langs += [c for c in value.split(",") if _LANG.match(c) and c not in langs]
    audience = request.query_params.get("audience") or None
    return Request(paper, tuple(langs[:MAX_LANGS]), audience if audience and _ID.match(audience) else None,
                   request.query_params.get("internal") in ("1", "true", "on"))


def create_app(root: Path, hosts: list[str]) -> Starlette:
    root = root.resolve()
    state = State(root)

    def html(text: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(text, status, headers={"Cache-Control": "no-store",
                                                   "Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"})

    async def index(request):
        project = await run_in_threadpool(load_project, root)
        return html(page.index_page(project, state.generation))

    async def asset(request):
        found = ASSETS.get(request.path_params["name"])
        if found is None:
            return Response("Not Found", 404)
        return Response(found[1], media_type=found[0], headers={"Cache-Control": "no-cache"})

    def fonts() -> dict:
        if state.fonts is None or state.fonts[0] != state.generation:
            generation = state.generation
            project = load_project(root)
            langs = {c for p in project.papers.values() for c in p.languages} | {project.config.source_lang}
            state.fonts = (generation, webfonts.faces(project.config.style, sorted(langs)))
        return state.fonts[1]

    async def font(request):
        face = (await run_in_threadpool(fonts)).get(request.path_params["name"])
        if face is None:
            return Response("Not Found", 404)
        return Response(face[3].read_bytes(), media_type="font/ttf" if face[3].suffix == ".ttf" else "font/otf",
                        headers={"Cache-Control": "max-age=3600"})

    async def events(request):
        async def stream():
            sent, quiet = None, 0.0
            while not state.stopping():  # an open page must not hold up Ctrl+C
                if sent != state.generation:
                    sent = state.generation
                    yield f"event: change\ndata: {sent}\n\n"
                try:
                    await asyncio.wait_for(state.changed.wait(), STOP_CHECK_S)
                except asyncio.TimeoutError:
                    quiet += STOP_CHECK_S
                    if quiet >= KEEPALIVE_S:
                        quiet = 0.0
                        yield ": keep-alive\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    def render(req: Request):
        with state.render_lock:
            generation = state.generation
            cached = state.pages.get(req)
            if cached is None or cached[0] != generation:
                view = build_view(root, req)
                cached = (generation, view, page.paper_page(view, generation))
                if state.generation == generation:
                    state.pages[req] = cached
            return cached

    async def paper(request):
        req = parse(request.path_params["paper"], request)
        state.recent[req] = None
        while len(state.recent) > MAX_RECENT:
            state.recent.pop(next(iter(state.recent)))
        _, view, text = await run_in_threadpool(render, req)
        if not view.found:
            return html(page.not_found(state.generation, view.project.config.style), 404)
        return html(text)

    def pages_for(req: Request):
        with state.render_lock:
            generation = state.generation
            cached = state.prints.get(req)
            if cached is None or cached[0] != generation:
                view = build_view(root, Request(req.paper, req.langs, req.audience))
                langs = tuple(c.lang.code for c in view.columns)
                found, budget = print_pages(root, req, langs) if view.found else ({}, None)
                cached = (generation, view, found, budget)
                if state.generation == generation:
                    state.prints[req] = cached
            return cached

    async def print_view(request):
        req = parse(request.path_params["paper"], request)
        generation, view, found, budget = await run_in_threadpool(pages_for, req)
        if not view.found:
            return html(page.not_found(generation, view.project.config.style), 404)
        counts = {code: pages if not isinstance(pages, list) else len(pages) for code, pages in found.items()}
        return html(page.print_page(view, counts, budget, generation))

    async def print_png(request):
        req = parse(request.path_params["paper"], request)
        _, view, found, _ = await run_in_threadpool(pages_for, req)
        pages = found.get(request.path_params["lang"])
        n = request.path_params["n"]
        if not isinstance(pages, list) or not 1 <= n <= len(pages):
            return Response("Not Found", 404)
        return Response(pages[n - 1], media_type="image/png", headers={"Cache-Control": "no-store"})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        state.changed = asyncio.Event()
        stop = anyio.Event()
        loop = asyncio.get_running_loop()

        def changed(changes):
            state.bump(changes)
            for req in list(state.recent):  # start on the open pages before their browsers ask
                loop.run_in_executor(None, render, req)

        task = asyncio.create_task(watch(root, changed, stop))
        try:
            yield
        finally:
            stop.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    routes = [
        Route("/", index),
        Route("/-/events", events),
        Route("/-/asset/{name}", asset),
        Route("/-/font/{name}", font),
        Route("/{paper}", paper),
        Route("/{paper}/print", print_view),
        Route("/{paper}/print/{lang}/{n:int}.png", print_png),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)])
    app.router.redirect_slashes = False  # '/note/' is not found either: one URL per page
    app.state.preview = state
    return app


_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
"""The page may load only its own script, styles, fonts and images: nothing a section's text
could smuggle in reaches another site."""


def allowed_hosts(host: str) -> list[str]:
    if host in ("0.0.0.0", "::"):
        return ["*"]  # listening everywhere was asked for explicitly with --host
    return sorted({host, "127.0.0.1", "localhost", "[::1]", "::1"})


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: any free port). Raises OSError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(64)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def server(root: Path, host: str, log_level: str = "warning") -> uvicorn.Server:
    app = create_app(root, allowed_hosts(host))
    config = uvicorn.Config(app, log_level=log_level, lifespan="on", timeout_graceful_shutdown=2,
                            access_log=False)
    app.state.preview.server = uvicorn.Server(config)
    return app.state.preview.server


@dataclass
class Running:
    """A server started by :func:`start` on a thread (tests; embedding)."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def start(root: Path, host: str = "127.0.0.1", port: int = 0) -> Running:
    sock = bind(host, port)
    srv = server(root, host)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not srv.started and thread.is_alive():
        threading.Event().wait(0.02)
    return Running(f"http://{host}:{sock.getsockname()[1]}", srv, thread)
