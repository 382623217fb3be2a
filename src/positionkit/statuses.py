"""Status words shared by the load stage and the command line (which must not load the project
to print its help)."""

BLOCK_STATUSES = ("draft", "approved", "retired")
"""A block's `status:`: only approved blocks print in final builds."""
