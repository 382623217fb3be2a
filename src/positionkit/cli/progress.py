"""Build progress for people: a live bar in a terminal, one line per output in logs (CI, pipes).

The build calls `Progress` once per rendered output (pipeline.produce.Event); reused outputs are
never rendered, so they produce no event.
"""
from __future__ import annotations

import sys

import click


class Progress:
    """Callable progress reporter. stream: where to draw (stderr); tty: draw a bar instead of lines
    (default: whether the stream is a terminal)."""

    def __init__(self, quiet: bool = False, stream=None, tty: bool | None = None):
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.tty = _isatty(self.stream) if tty is None else tty
        self.bar = None
        self.shown = 0

    def __call__(self, event) -> None:
        if self.quiet:
            return
        if not self.tty:
            eta = f", ETA {event.eta:.0f} s" if event.done < event.total else ""
            click.echo(f"  [{event.done}/{event.total}] {event.status} {event.path} "
                       f"({event.elapsed:.1f} s{eta})", file=self.stream)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=event.total, label="building", file=self.stream,
                                         show_eta=True, show_pos=True, width=24,
                                         item_show_func=lambda path: path)
            self.bar.__enter__()
        if event.status == "failed":  # a failure stays visible above the bar
            click.echo(f"\r\x1b[2Kfailed {event.path}", file=self.stream)
        self.bar.update(event.done - self.shown, event.path)
        self.shown = event.done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
