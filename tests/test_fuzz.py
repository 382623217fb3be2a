"""Bounded fuzzing of every input kind (see tests/fuzz_project.py; tools/fuzz.py runs it long).

Each example mutates one input (TOML, paper YAML, translated YAML, front matter, Markdown, a
translation, a block, BibTeX, audiences, i18n labels, CSL) and runs `check`: no traceback, exit
code 0/1/2, every diagnostic about a file's content positioned and on one line.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.fuzz_project import KINDS, run, write_case

FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.parametrize("kind", sorted(KINDS))
@FUZZ
@given(seed=st.integers(min_value=0, max_value=2 ** 32))
def test_check_survives_mutated_input(tmp_path, kind, seed):
    root = tmp_path / "case"
    write_case(root, kind, seed)
    outcome = run(root, kind, seed)
    assert outcome.traceback is None, outcome.traceback
    assert outcome.exit_code in (0, 1, 2)
    assert not outcome.unpositioned, outcome.unpositioned
    assert not outcome.multiline, outcome.multiline


@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.sampled_from(["paper_yaml", "translated_yaml", "markdown", "csl"]),
       seed=st.integers(min_value=0, max_value=2 ** 32))
def test_build_survives_mutated_input(tmp_path, kind, seed):
    root = tmp_path / "case"
    write_case(root, kind, seed)
    outcome = run(root, kind, seed, "build")
    assert outcome.traceback is None, outcome.traceback
    assert outcome.exit_code in (0, 1, 2)
    assert not outcome.unpositioned, outcome.unpositioned
    assert not outcome.multiline, outcome.multiline
