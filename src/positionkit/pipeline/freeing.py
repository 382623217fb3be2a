"""Letting go of a document's AST while its outputs are still being made.

The typst compile is the build's largest step in memory (about 260 MiB at 100k words) and it
comes last; by then the cited AST (about 100 MiB at 100k words) is read by nobody: the PDF has
its Typst source, the DOCX its pandoc input. For a document that is alone in its citeproc
group, produce hands its outputs to :func:`staged`: each output says when it has taken what it
needs (:class:`Freeing`), and the last one empties the AST and gives the memory back.
"""
from __future__ import annotations

import gc
import threading
from functools import partial

from positionkit.render import Handout
from positionkit.render.ast import forget
from positionkit.system.memory import give_back


class Freeing:
    """A document's AST, emptied once each of its outputs has taken what it needs from it.

    Emptied in place, it is freed whatever still refers to it (the pool's queues, the memo of
    render.ast, the handout); the C heap then gives the pages back (system.memory). The freeing
    runs on a thread of its own: at 100k words it takes 0.12 s, which the compile, holding no
    GIL, does not wait for."""

    def __init__(self, asts: list[dict], users: int, pdfs: int = 0):
        self.asts, self.users, self.lock = asts, users, threading.Lock()
        self.pdfs = pdfs
        """PDFs of this document not compiled yet."""

    def taken(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users:
                return
            asts, self.asts = self.asts, []
        _aside(lambda: _free(asts))


def _free(asts: list[dict]) -> None:
    for ast in asts:
        forget(ast)
        ast.clear()
    give_back()


def _aside(work) -> None:
    """Run ``work`` on a short-lived thread (joined at exit like any non-daemon thread)."""
    threading.Thread(target=work, name="positionkit-free").start()


def staged(out: list, h: Handout, *asts: dict) -> list:
    """The outputs of one document, each letting go of its AST as soon as it can (Freeing)."""
    from positionkit.render import pdf as pdf_mod  # lazy: imported while citeproc runs (produce._warm_up)
    from positionkit.render.docx import writer as docx_mod  # lazy: as above

    stock = {"docx": docx_mod.render_docx, "pdf": pdf_mod.render_pdf}
    work = [(job, o) for job, o in out if isinstance(o, partial) and o.args == (h,) and not o.keywords
            and o.func is stock.get(job.format)]
    if len(work) != len(out):
        return out  # something else reads the AST too: it stays as it is
    freeing = Freeing(list({id(a): a for a in [h.ast, *asts]}.values()), len(work),
                      sum(job.format == "pdf" for job, _ in work))
    stages = {"docx": _docx, "pdf": _pdf}
    return [(job, partial(stages[job.format], h, freeing)) for job, _ in work]


_PREPARING = threading.Lock()
"""One output's pandoc input is prepared at a time (pure Python): prepared side by side, on two
threads taking turns with the GIL, both writers' pandoc runs started late; one after the other,
the first submitted (the PDF, the longer way) starts 20 ms earlier on a 20-page paper."""


def _pdf(h: Handout, freeing: Freeing) -> bytes:
    from positionkit.render import pdf  # lazy: as in staged

    try:
        with _PREPARING:
            data, needs = pdf.typst_input(h), pdf.compile_input(h)
    finally:
        freeing.taken()
    try:
        return pdf.compile_from(needs, pdf.typst_from_input(h, data))
    finally:
        with freeing.lock:
            freeing.pdfs -= 1


def _docx(h: Handout, freeing: Freeing) -> bytes:
    from positionkit.render.docx import writer  # lazy: as in staged

    try:
        with _PREPARING:
            data = writer.docx_input(h)
    finally:
        freeing.taken()
    done = writer.docx_from_input(h, data)
    if freeing.pdfs:
        # python-docx's tree of the document (cycles: only the collector frees it) is garbage
        # now, and the compile, the build's largest step in memory, is still to come or running
        _aside(lambda: (gc.collect(), give_back()))
    return done
