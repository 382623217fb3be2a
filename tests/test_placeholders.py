"""Placeholders: any inline Markdown splits into text and placeholders and comes back unchanged."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from positionkit.translations import placeholders as ph
from positionkit.translations.segments import template

PIECES = st.sampled_from(["word", " ", "[", "]", "(", ")", "{", "}", "@key", "{{ p }}", "`c`", "^[", "![",
                          "](u)", "\\[", "<b>", "https://x.org/a", "-", "|", "#", "*", "é"])


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(PIECES, max_size=25))
def test_tokenize_round_trips_through_the_brace_form(parts):
    text = " ".join("".join(parts).split())
    pieces = ph.tokenize(text)
    back, problems = ph.from_braces(ph.to_braces(pieces))
    assert problems == []
    assert ph.compare(pieces, back) == ([], [])
    assert ph.to_markdown(back, pieces) == text


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(st.text(max_size=30), max_size=6))
def test_template_never_raises_and_refills_itself(lines):
    lines = [ln.replace("\n", " ") for ln in lines]
    tpl = template(lines)
    assert len(tpl.fill(list(tpl.units))) == len(tpl.lines)


def test_names_follow_the_source_when_a_translation_reorders_citations():
    source = ph.tokenize("A [@x] then [@y].")
    target = ph.match_names(ph.tokenize("D'abord [@y] puis [@x]."), source)
    assert ph.to_braces(target) == "D'abord [{cite2}] puis [{cite1}]."


def test_typed_markdown_cannot_add_a_citation_or_a_link():
    from positionkit.translations.returned import Returned, check_unit

    source = ph.tokenize("Data flows matter [@unctad2021der].")
    for typed in ("Les flux comptent [{cite1}; @smith2020].", "Voir [ici](https://example.org) [{cite1}]."):
        target, _ = ph.from_braces(typed)
        problem = check_unit(Returned("u.md:00000000.1", tuple(target)), source, "t.po")
        assert problem is not None and problem.code == "PK422", typed
    target, _ = ph.from_braces("Les flux comptent [{cite1}].")
    assert check_unit(Returned("u.md:00000000.1", tuple(target)), source, "t.po") is None
