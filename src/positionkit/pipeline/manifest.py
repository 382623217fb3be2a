"""manifest.json: what every output was made from (inputs, tools, blocks, libraries)."""
from __future__ import annotations

import sys

from positionkit.pipeline import tools
from positionkit.version import __version__
from positionkit.pipeline import cache, write
from positionkit.load.project import Project


def manifests(project, store, units, files, tailored, commit: str | None = None) -> dict:
    """One manifest.json per paper (plain build) or per audience folder (tailored batch); a manifest
    whose content did not change is not rewritten."""
    groups: dict = {}
    for unit in units:
        for job in unit.jobs:
            t = job.doc.target
            folder = f"{project.config.output_dir}/{t.paper}" + (f"/{t.audience}" if tailored else "")
            groups.setdefault((t.paper, folder), []).append(job)
    out = {}
    for (slug, folder), jobs in groups.items():
        shas = {j.path: cache.sha(files[j.path]) if j.path in files else store.output(j.path).get("sha256")
                for j in jobs}
        data = write.manifest_bytes(manifest(project, store, slug, jobs, shas, commit))
        path = f"{folder}/manifest.json"
        if not store.fresh(path, cache.sha(data)):
            out[path] = data
    return out


def manifest(project: Project, store, slug: str, jobs: list, shas: dict, commit: str | None = None) -> dict:
    inputs = sorted({p for j in jobs for p in j.doc.inputs} | set(project.bibliography.files))
    return {
        "paper": slug,
        **({"commit": commit} if commit else {}),  # the project's commit ("+": uncommitted changes)
        "positionkit": __version__,
        "tools": tools.tool_versions(),
        "python": sys.version.split()[0],  # platform.python_version(), without its 6 ms import
        "inputs": {p: h for p in inputs if (h := store.file_hash(p))},
        "outputs": {
            j.path: {"sha256": shas[j.path], "lang": j.doc.target.lang, "format": j.format,
                     "audience": j.doc.target.audience,
                     "fallbacks": list(j.doc.fallbacks),
                     "blocks": [{"id": b.id, "variant": b.variant, "hash": b.hash, "lang": b.lang,
                                 "library": b.library} for b in j.doc.blocks]}
            for j in jobs
        },
        "libraries": [s.manifest() for s in project.libraries],
    }
