"""What the resolve stage found: block includes, parameters, translations, conditions."""


def check(ctx):
    for doc in ctx.resolved:
        yield from doc.diagnostics
