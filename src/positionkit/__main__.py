"""`python -m positionkit`: the same as the `positionkit` command."""
from positionkit.cli import run

run()
