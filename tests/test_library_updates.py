"""`update` explains itself: --dry-run changes nothing, JSON carries the same report, bibliography
changes and the word diff are there (the full text form: tests/test_libraries.py and the
walkthrough in docs/libraries-walkthrough.md)."""
from __future__ import annotations

import json

from positionkit.libraries.worddiff import word_diff
from positionkit.load import lock
from tests.test_libraries import CROSS_V1, project_files, synced, upstream  # noqa: F401 (fixtures)


def test_dry_run_reports_in_json_and_changes_nothing(synced, cli, upstream):  # noqa: F811
    assert cli(synced, "vendor").exit_code == 0
    vendored = (synced / "vendor/core/blocks/data-flows/cross-border.md").read_bytes()
    lock_before = (synced / "positionkit.lock").read_bytes()
    v2 = upstream.publish({
        "blocks/data-flows/cross-border.md": CROSS_V1.replace("matter for", "matter a great deal for"),
        "references.bib": "@misc{core2020,\n  author = {{Core Network}},\n  title = {Core report, 2nd ed.},\n"
                          "  year = {2020},\n}\n\n@misc{core2024,\n  author = {{Core Network}},\n"
                          "  title = {Core update},\n  year = {2024},\n}\n",
    }, "Say it louder")
    res = cli(synced, "update", "--dry-run", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["command"] == "update" and doc["dry_run"] is True and doc["ok"] is True
    [core] = doc["libraries"]
    assert core["new"] == v2 and core["commits"] == [f"{v2[:7]} Say it louder"]
    [change] = core["changed"]
    assert change["id"] == "core:data-flows/cross-border"
    assert change["diff"] == "Cross-border data flows matter {+a great deal+} for {{ country }} [@core2020]."
    assert change["reach"] == "note [en]"
    assert [(b["key"], b["kind"], b["fields"]) for b in core["bib"]] == [
        ("core2020", "changed", ["title"]), ("core2024", "added", [])]
    assert (synced / "positionkit.lock").read_bytes() == lock_before
    assert (synced / "vendor/core/blocks/data-flows/cross-border.md").read_bytes() == vendored
    assert lock.read(synced)[0]["core"].commit == upstream.v1
    check = cli(synced, "check")
    assert check.exit_code == 0, check.output
    real = cli(synced, "update")
    assert real.exit_code == 0 and lock.read(synced)[0]["core"].commit == v2
    assert "  bibliography: changed core2020 (title); cited by note [en]" in real.output.splitlines()


def test_word_diff_keeps_context_and_marks_both_sides():
    old = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    new = old.replace("seven", "SEVEN").replace("fourteen", "end")
    assert word_diff(old, new, context=2) == \
        "… five six [-seven-] {+SEVEN+} eight nine … twelve thirteen [-fourteen-] {+end+}"
    assert word_diff("a  b\nc", "a b c") == ""
