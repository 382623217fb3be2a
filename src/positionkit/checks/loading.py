"""What the load stage found: unreadable files, bad configuration, bibliography errors."""


def check(ctx):
    return ctx.project.diagnostics
