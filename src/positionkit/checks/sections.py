"""Sections that say nothing: an empty section file is almost always a mistake."""
from positionkit.diagnostics import warning


def check(ctx):
    used = {rel for doc in ctx.resolved for rel in ctx.project.papers[doc.target.paper].sections}
    for rel in sorted(used):
        src = ctx.project.sections.get(rel)
        if src is not None and not src.body.strip():
            yield warning("PK111", "section is empty", rel, 1, hint="write it, or remove it from paper.yaml")
