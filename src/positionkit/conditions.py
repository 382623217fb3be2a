"""Audience conditions: ::: {.when tags="africa-group"} / ::: {.unless stance="opponent"}.

Placeholder until tailored handouts land: without an audience every conditional div is kept.
"""
from __future__ import annotations


def keep(div, audience: dict | None):
    return True, []
