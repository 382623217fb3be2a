"""Citation processing: pandoc citeproc runs once per document; DOCX and PDF share the result."""
from __future__ import annotations

from pathlib import Path

from positionkit.languages import get_language
from positionkit.render.ast import from_json
from positionkit.render.citeterms import latin_terms
from positionkit.load.project import Project
from positionkit.render.errors import RenderError
from positionkit.render.pandoc import PandocRun, pandoc_files

READER = "markdown-raw_html-raw_tex-raw_attribute-yaml_metadata_block"
"""What a section may contain. Raw output and embedded metadata are off: content cannot inject
OpenXML/Typst/HTML or change the bibliography; the project can allow raw blocks (allow_raw)."""
READER_RAW = "markdown-yaml_metadata_block"


def citeproc(project: Project, markdown: str, pandoc_lang: str, references_label: str,
             epoch: int, csl: str | None = None) -> dict:
    """The cited AST of ``markdown``: pandoc + citeproc, in the document's language."""
    return Citeproc(project, markdown, pandoc_lang, references_label, epoch, csl).ast()


class Citeproc:
    """One citeproc run, started when made: a build starts its documents' runs before the
    checks and reads them (:meth:`ast`) when it renders, or stops them (:meth:`stop`)."""

    def __init__(self, project: Project, markdown: str, pandoc_lang: str, references_label: str,
                 epoch: int, csl: str | None = None) -> None:
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
        self._csl_folder = pandoc_files("csl", {"style.csl": style.data} if style is not None else {})
        self._csl_path = None
        if style is not None:
            self._csl_path = str(Path(self._csl_folder.name) / "style.csl")
            args += ["--csl", self._csl_path]
        lang = get_language(pandoc_lang)
        self._rtl_terms = bool(project.bibliography.files) and lang is not None and lang.rtl
        self._lang = pandoc_lang
        try:
            self._run = PandocRun(args, markdown.encode("utf-8"), epoch=epoch)
        except BaseException:
            self._csl_folder.cleanup()
            raise

    def ast(self) -> dict:
        try:
            ast = from_json(self._run.result())
            if self._rtl_terms:
                ast = latin_terms(ast, self._lang, self._csl_path, rtl=True)
            return ast
        finally:
            self._csl_folder.cleanup()

    def stop(self) -> None:
        self._run.stop()
        self._csl_folder.cleanup()
