"""Error cases of the core build: exact diagnostics, exit codes, and nothing destroyed."""
from __future__ import annotations

import json


from positionkit.diagnostics import error


def test_format_has_path_line_col_code_and_hint():
    d = error("PK201", "unknown citation key 'smith2020'", "papers/a/02.md", 14, 7, "did you mean 'smith2021'?")
    assert d.format() == ("papers/a/02.md:14:7: error[PK201] unknown citation key 'smith2020' "
                          "(did you mean 'smith2021'?)")


def test_unknown_citation_key_points_at_the_section(make_project, cli):
    root = make_project({"papers/note/01-intro.md": "## Intro\n\nSee [@unctad2012der] and more.\n"})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert ("papers/note/01-intro.md:3:6: error[PK201] unknown citation key 'unctad2012der' "
            "(did you mean 'unctad2021der'?)") in result.stderr


def test_unknown_citation_inside_a_block_points_at_the_block(make_project, cli):
    root = make_project({
        "papers/note/01-intro.md": "## Intro\n\n::: {.block ref=\"t/b\"}\n:::\n",
        "blocks/t/b.md": "---\nid: t/b\ntitle: B\nstatus: approved\n---\nText\nwith [@nokey].\n",
    })
    result = cli(root, "check")
    assert "blocks/t/b.md:7:7: error[PK201] unknown citation key 'nokey'" in result.stderr


def test_check_json_lists_objects_with_the_same_fields(make_project, cli):
    root = make_project({"papers/note/01-intro.md": "Text [@nope].\n"})
    result = cli(root, "check", "--format", "json")
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    assert items == [{"path": "papers/note/01-intro.md", "line": 1, "col": 7, "severity": "error",
                      "code": "PK201", "message": "unknown citation key 'nope'",
                      "hint": "add the entry to references.bib"},
                     {"path": "references.bib", "line": 1, "col": None, "severity": "info", "code": "PK206",
                      "message": "entry 'unctad2021der' is not cited by any paper", "hint": None},
                     {"path": "references.bib", "line": 8, "col": None, "severity": "info", "code": "PK206",
                      "message": "entry 'gdpr2016' is not cited by any paper", "hint": None}]


def test_unreadable_paper_yaml(make_project, cli):
    root = make_project({"papers/note/paper.yaml": "title: Test\nsections:\n  - 01-intro.md\n bad: [\n"})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "papers/note/paper.yaml:4:2: error[PK103] YAML cannot be read:" in result.stderr
    assert "Traceback" not in result.output


def test_missing_section_file_is_reported_at_paper_yaml(make_project, cli):
    root = make_project({"papers/note/paper.yaml": "title: T\nsections:\n  - 01-intro.md\n  - 02-asks.md\n"})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "papers/note/paper.yaml:4: error[PK101] section file not found: papers/note/02-asks.md" in result.stderr


def test_malformed_bib_entry_has_its_line(make_project, cli):
    bib = ("@misc{ok2020, title = {Fine}, year = {2020}, url = {https://example.org}}\n\n"
           "@book{broken, title = {Unclosed\n\n"
           "@misc{later, title = {Later}, year = {2021}, url = {https://example.org}}\n")
    root = make_project({"references.bib": bib, "papers/note/01-intro.md": "Text [@ok2020].\n"})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "references.bib:3: error[PK202] cannot read this bibliography entry: @book{broken, title = {Unclosed" \
        in result.stderr


def test_duplicate_bib_key(make_project, cli):
    bib = ("@misc{a1, title = {One}, year = {2020}, url = {https://example.org}}\n"
           "@misc{a1, title = {Two}, year = {2021}, url = {https://example.org}}\n")
    root = make_project({"references.bib": bib, "papers/note/01-intro.md": "Text [@a1].\n"})
    result = cli(root, "check")
    assert "references.bib:2: error[PK203] duplicate citation key 'a1' (first defined on line 1)" in result.stderr


def test_entry_missing_required_fields_is_a_warning(make_project, cli):
    bib = "@article{x1, title = {No journal}, year = {2020}}\n"
    root = make_project({"references.bib": bib, "papers/note/01-intro.md": "Text [@x1].\n"})
    result = cli(root, "check")
    assert result.exit_code == 0
    assert "references.bib:1: warning[PK204] entry 'x1' (article) lacks author, journal" in result.stderr
    assert cli(root, "check", "--strict").exit_code == 1


def test_unknown_config_key_has_closest_hint(make_project, cli):
    root = make_project({"positionkit.toml": '[project]\nname = "x"\nsource_lnag = "en"\n[style]\nfont_sise = 11\n'})
    result = cli(root, "check")
    assert "positionkit.toml:3: warning[PK003] unknown key 'source_lnag' in [project] (did you mean 'source_lang'?)" \
        in result.stderr
    assert "positionkit.toml:5: warning[PK003] unknown key 'font_sise' in [style] (did you mean 'font_size'?)" \
        in result.stderr


def test_bad_toml(make_project, cli):
    root = make_project({"positionkit.toml": '[project]\nname = "x\n'})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert result.stderr.startswith("positionkit.toml:2:")
    assert "error[PK001] positionkit.toml cannot be read" in result.stderr


def test_unknown_paper_yaml_key(make_project, cli):
    root = make_project({"papers/note/paper.yaml": "title: T\nsubtitel: S\nsections: [01-intro.md]\n"})
    result = cli(root, "check")
    assert "papers/note/paper.yaml:2: warning[PK011] unknown key 'subtitel' in paper.yaml (did you mean 'subtitle'?)" \
        in result.stderr


def test_no_project_is_a_usage_error(tmp_path, cli):
    result = cli(tmp_path, "build")
    assert result.exit_code == 2
    assert "no positionkit.toml" in result.output


def test_unknown_option_is_a_usage_error(make_project, cli):
    root = make_project()
    assert cli(root, "build", "--colour").exit_code == 2


def test_unknown_paper(make_project, cli):
    root = make_project()
    result = cli(root, "check", "nte")
    assert result.exit_code == 1
    assert "error[PK020] no paper named 'nte' (did you mean 'note'?)" in result.stderr


def test_severity_ordering_in_output(make_project, cli):
    root = make_project({"papers/note/01-intro.md": "B [@zz].\n\nA [@yy].\n"})
    lines = cli(root, "check").stderr.splitlines()
    assert lines[0].startswith("papers/note/01-intro.md:1:")
    assert lines[1].startswith("papers/note/01-intro.md:3:")


def test_output_folder_held_by_another_build_is_a_diagnostic(make_project, cli, monkeypatch):
    from filelock import FileLock

    from positionkit.pipeline import write

    root = make_project()
    (root / "build").mkdir()
    monkeypatch.setattr(write, "LOCK_WAIT", 0.2)
    with FileLock(str(root / "build/.positionkit.lock")):
        result = cli(root, "build", "--format", "docx")
    assert result.exit_code == 1
    assert ("build: error[PK902] another build has held build/.positionkit.lock for 0.2 s (wait for the other "
            "build, or check the folder's permissions; earlier outputs are unchanged)") in result.stderr
    assert not (root / "build/note").exists()
