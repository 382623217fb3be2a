"""Citation processing: pandoc citeproc runs once per document; DOCX and PDF share the result."""
from __future__ import annotations

from pathlib import Path

from positionkit.languages import get_language
from positionkit.render.ast import from_json
from positionkit.render.citeterms import latin_terms
from positionkit.load.project import Project
from positionkit.render.errors import RenderError
from positionkit.render.pandoc import run_pandoc
from positionkit.system.scratch import private_dir

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
    style = None
    if project.bibliography.files:
        args.append("--citeproc")
        # pandoc keeps the LAST file's entry when a key repeats: the project's own (first) must win
        for rel in reversed(project.bibliography.files):
            args += ["--bibliography", str(root / rel)]
        if csl:
            style = project.csl_styles.get(csl)
            if style is None:
                raise RenderError(f"the CSL style {csl} could not be read (run positionkit check)")
    # pandoc gets the resolved independent style, never the file as written: it would follow a
    # dependent style's parent link to the network or anywhere on disk, --sandbox or not
    with private_dir("csl") as tmp:
        csl_path = None
        if style is not None:
            csl_path = str(Path(tmp) / "style.csl")
            Path(csl_path).write_bytes(style.data)
            args += ["--csl", csl_path]
        ast = from_json(run_pandoc(args, markdown.encode("utf-8"), epoch=epoch))
        lang = get_language(pandoc_lang)
        if project.bibliography.files and lang is not None and lang.rtl:
            ast = latin_terms(ast, pandoc_lang, csl_path, rtl=True)
    return ast
