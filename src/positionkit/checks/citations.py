"""Every citation key must exist in the bibliography; checked before pandoc, with positions."""
from positionkit.diagnostics import did_you_mean, error, info


def check(ctx):
    keys = ctx.project.bibliography.entries
    cited = set()
    for doc in ctx.resolved:
        for key, line, col in doc.citations:
            cited.add(key)
            if key not in keys:
                yield error("PK201", f"unknown citation key '{key}'", line.path, line.line, col,
                            hint=did_you_mean(key, keys) or "add the entry to references.bib")
    if ctx.resolved and not any(doc.target.audience for doc in ctx.resolved):
        every = {k for doc in ctx.resolved for k, _, _ in doc.citations}
        if len({d.target.paper for d in ctx.resolved}) == len(ctx.project.papers):
            for key, entry in keys.items():
                if key not in every and entry.path == "references.bib":
                    yield info("PK206", f"entry '{key}' is not cited by any paper", entry.path, entry.line)
