"""`positionkit preview`: the handout as a live web page while writing.

load -> prepare (the build's resolution and checks) -> citeproc (the build's) -> pandoc's HTML
writer, one column per language with translated paragraphs aligned; a starlette server on
127.0.0.1 pushes a reload to the page after every save (watchfiles).
"""
from positionkit.preview.view import Request, View, build_view

__all__ = ["Request", "View", "build_view"]
