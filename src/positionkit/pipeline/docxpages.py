"""DOCX page counts for the page budget, as LibreOffice lays the DOCX out.

A DOCX has no pages until a word processor lays it out. With ``--final`` the budget is checked
on both formats: the DOCX files are converted to PDF by LibreOffice (headless, one call for all
of them, with a private throwaway profile so a user's open LibreOffice is neither used nor
disturbed) and their pages counted. Without LibreOffice the DOCX count is skipped and said so.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path

__all__ = ["soffice", "docx_pages"]

TIMEOUT = 300


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_pages(files: dict[str, bytes]) -> dict[str, int]:
    """Output path -> page count for each DOCX LibreOffice could lay out ({} without it)."""
    exe = soffice()
    if exe is None or not files:
        return {}
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory(prefix="positionkit-lo-") as tmp:
        folder = Path(tmp)
        names = {}
        for i, (path, data) in enumerate(sorted(files.items())):
            name = f"d{i}.docx"
            (folder / name).write_bytes(data)
            names[path] = name
        try:
            subprocess.run([exe, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                            "--norestore", "--convert-to", "pdf", "--outdir", str(folder),
                            *[str(folder / n) for n in names.values()]],
                           capture_output=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return {}
        pages = {}
        for path, name in names.items():
            pdf = folder / (name[:-5] + ".pdf")
            if pdf.is_file():
                pages[path] = len(PdfReader(BytesIO(pdf.read_bytes())).pages)
        return pages
