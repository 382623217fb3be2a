"""The command line: `positionkit` and its command groups, registered here explicitly.

`main.py` holds the group and the core commands (new, build, check, list, styles); each other
module adds one command group. The library does the work; these modules parse options, call it,
print diagnostics and choose the exit code. `common.install` then gives every command the global
options (-C, -q, -v), so they work before or after the subcommand.
"""
from positionkit.cli import blocks, i18n, libraries, preview, review
from positionkit.cli.common import install
from positionkit.cli.main import main

blocks.register(main)
i18n.register(main)
libraries.register(main)
preview.register(main)
review.register(main)
install(main)

__all__ = ["main"]
