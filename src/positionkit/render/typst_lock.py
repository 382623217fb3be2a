"""One lock around typst compiles, shared by the PDF writer and the SVG rasteriser.

Compilers are kept per font set for the life of the process (see pdf._compiler) and the binding
gives no guarantee that one compiler may be used from two threads at once.
"""
from __future__ import annotations

import threading

COMPILE_LOCK = threading.Lock()
