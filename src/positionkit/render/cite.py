"""Citation processing: pandoc citeproc runs once per document; DOCX and PDF share the result."""
from __future__ import annotations

import json

from positionkit.citestyles import builtin_csl
from positionkit.languages import get_language
from positionkit.render.citeterms import latin_terms
from positionkit.load.project import Project
from positionkit.render.pandoc import run_pandoc

READER = "markdown-raw_html-raw_tex-raw_attribute-yaml_metadata_block"
"""What a section may contain. Raw output and embedded metadata are off: content cannot inject
OpenXML/Typst/HTML or change the bibliography; the project can allow raw blocks (allow_raw)."""
READER_RAW = "markdown-yaml_metadata_block"


def citeproc(project: Project, markdown: str, pandoc_lang: str, references_label: str,
             epoch: int, csl: str | None = None) -> dict:
    root = project.root
    args = ["--sandbox", "-f", READER_RAW if project.config.allow_raw else READER, "-t", "json",
            "--metadata", f"lang={pandoc_lang}",
            "--metadata", f"reference-section-title={references_label}"]
    if project.bibliography.files:
        args.append("--citeproc")
        # pandoc keeps the LAST file's entry when a key repeats: the project's own (first) must win
        for rel in reversed(project.bibliography.files):
            args += ["--bibliography", str(root / rel)]
        csl_path = str(builtin_csl(csl) or root / csl) if csl else None
        if csl_path:
            args += ["--csl", csl_path]
    ast = json.loads(run_pandoc(args, markdown.encode("utf-8"), epoch=epoch))
    lang = get_language(pandoc_lang)
    if project.bibliography.files and lang is not None and lang.rtl:
        ast = latin_terms(ast, pandoc_lang, csl_path, rtl=True)
    return ast
