"""One CLI grammar: --to / --format, -C / -o / -q / -v anywhere, JSON reports, progress, completion."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from click.testing import CliRunner

from positionkit.cli.main import main
from positionkit.cli.progress import Progress
from positionkit.pipeline.produce import Event
from tests.conftest import MINIMAL

AUDIENCES = """\
audiences:
  - id: kenya
    languages: [en]
    tags: [g90]
  - id: chile
    languages: [en]
    tags: [cairns]
"""


def run(*args, **kw):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kw)


@pytest.fixture
def root(make_project):
    return make_project({"audiences.yaml": AUDIENCES,
                         "papers/note/paper.yaml": MINIMAL["papers/note/paper.yaml"].replace("[en]", "[en, fr]")})


def test_C_after_the_subcommand_and_a_missing_folder(root, tmp_path):
    before = run("-C", str(root), "list")
    after = run("list", "-C", str(root))
    assert before.exit_code == after.exit_code == 0 and before.output == after.output
    assert "note: Test note" in after.output
    missing = run("list", "-C", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2
    assert f"the folder {tmp_path / 'nowhere'} does not exist" in missing.output
    assert "no positionkit.toml" not in missing.output


def test_to_picks_the_output_kind_and_old_format_spelling_still_works(root):
    res = run("build", "-C", str(root), "--to", "docx", "--lang", "en")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (root / "build/note").iterdir()) == ["manifest.json", "note.en.docx"]
    assert "deprecated" not in res.stderr
    old = run("build", "-C", str(root), "--format", "docx", "--lang", "en")
    assert old.exit_code == 0, old.output
    assert "'build --format docx|pdf' is deprecated; use '--to docx|pdf'" in old.stderr
    assert "built 1 file(s)" in old.stdout


def test_build_json_report_output_dir_quiet_and_verbose(root):
    res = run("build", "-C", str(root), "--to", "docx", "-o", "handouts", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["ok"] is True and doc["command"] == "build"
    assert {d["code"] for d in doc["diagnostics"] if d["severity"] == "warning"} == {"PK401", "PK403"}  # no fr text
    assert sorted(doc["built"]) == ["handouts/note/note.en.docx", "handouts/note/note.fr.docx"]
    with zipfile.ZipFile(root / "handouts/note/note.en.docx") as z:
        assert "Data flows matter" in z.read("word/document.xml").decode()
    assert not (root / "build").exists()
    quiet = run("build", "-C", str(root), "--to", "docx", "-o", "handouts", "-q")
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert "built" not in quiet.stderr and "warning[PK401]" in quiet.stderr
    verbose = run("-v", "build", "-C", str(root), "--to", "docx", "-o", "handouts")
    assert "reused handouts/note/note.fr.docx" in verbose.stderr
    outside = run("build", "-C", str(root), "-o", str(root.parent / "elsewhere"))
    assert outside.exit_code == 2 and "outside the project" in outside.output
    assert run("list", "-C", str(root), "-q", "-v").exit_code == 2


def test_unknown_audience_counts_as_a_failed_audience(root):
    res = run("build", "-C", str(root), "--audience", "kenia", "--to", "docx")
    assert res.exit_code == 1
    assert "failed audiences       1" in res.stdout
    assert "failed: kenia" in res.stdout and "did you mean 'kenya'?" in res.stdout
    doc = json.loads(run("build", "-C", str(root), "--audience", "kenia", "--format", "json").stdout)
    assert doc["ok"] is False and list(doc["failed"]) == ["kenia"]


@pytest.mark.parametrize("args", [("list",), ("sync",), ("update",), ("vendor",), ("styles",),
                                  ("check",), ("i18n", "status"), ("blocks", "search", "flows")])
def test_every_report_has_a_json_form(root, args):
    res = run(*args, "-C", str(root), "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert isinstance(doc, (dict, list))


def test_list_json_names_papers_and_languages(root):
    doc = json.loads(run("list", "-C", str(root), "--format", "json").stdout)
    assert doc["papers"] == [{"paper": "note", "title": "Test note", "languages": ["en", "fr"], "pages": None,
                              "sections": ["01-intro.md"]}]


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_bar_in_a_terminal_and_lines_in_a_log():
    events = [Event(f"build/note/note.{lang}.pdf", "built", i + 1, 3, 0.5 * (i + 1))
              for i, lang in enumerate(["en", "fr", "es"])]
    log = io.StringIO()
    lines = Progress(stream=log)
    for e in events:
        lines(e)
    assert log.getvalue().splitlines()[0] == "  [1/3] built build/note/note.en.pdf (0.5 s, ETA 1 s)"
    assert len(log.getvalue().splitlines()) == 3
    term = FakeTerminal()
    bar = Progress(stream=term)
    assert bar.tty
    for e in events:
        bar(e)
    bar.close()
    drawn = term.getvalue()
    assert "building" in drawn and "3/3" in drawn and "\r" in drawn and "build/note/note.es.pdf" in drawn
    assert "[1/3] built" not in drawn
    silent = FakeTerminal()
    Progress(quiet=True, stream=silent)(events[0])
    assert silent.getvalue() == ""


def complete(root, words: str) -> list[str]:
    """What bash completion offers for the last word of `words` (click's protocol)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    res = CliRunner().invoke(main, [], prog_name="positionkit", env={
        "_POSITIONKIT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    return [line.split(",", 1)[1] for line in res.output.splitlines() if line]


def test_completion_offers_papers_languages_audiences_and_blocks(root):
    (root / "blocks/trade").mkdir(parents=True)
    (root / "blocks/trade/flows.md").write_text("---\nid: trade/flows\n---\nText.\n", encoding="utf-8")
    (root / "blocks/trade/flows.fr.md").write_text("---\n---\nTexte.\n", encoding="utf-8")
    (root / "vendor/core/blocks/privacy").mkdir(parents=True)
    (root / "vendor/core/blocks/privacy/gdpr.md").write_text("---\nid: privacy/gdpr\n---\nX.\n", encoding="utf-8")
    c = f"positionkit -C {root}"
    assert complete(root, f"{c} build ") == ["note"]
    assert complete(root, f"positionkit build -C {root} --lang ") == ["en", "fr"]
    assert complete(root, f"{c} build --audience ") == ["all", "cairns", "chile", "g90", "kenya"]
    assert complete(root, f"{c} build --audience k") == ["kenya"]
    assert complete(root, f"{c} blocks show ") == ["core:privacy/gdpr", "trade/flows"]
    assert complete(root, f"{c} i18n status --lang f") == ["fr"]
    assert complete(root.parent / "nowhere", f"positionkit -C {root.parent}/nowhere build ") == []


def test_quiet_drops_confirmations_but_not_data(root):
    assert run("sync", "-C", str(root)).stdout == "no libraries declared in positionkit.toml\n"
    assert run("sync", "-C", str(root), "-q").stdout == ""
    assert "note: Test note" in run("list", "-C", str(root), "-q").stdout  # the data asked for
    made = run("-q", "init-ci", "-C", str(root), "gitlab", "--install", "positionkit==0.1.0")
    assert made.exit_code == 0 and made.stdout == "" and (root / ".gitlab-ci.yml").is_file()


def test_i18n_export_takes_to_and_still_the_old_format(root):
    new = run("i18n", "export", "note", "--lang", "fr", "--to", "po", "-o", "a.po", "-C", str(root))
    assert new.exit_code == 0 and "deprecated" not in new.stderr and (root / "a.po").is_file()
    old = run("i18n", "export", "note", "--lang", "fr", "--format", "po", "-o", "b.po", "-C", str(root))
    assert old.exit_code == 0 and "'i18n export --format' is deprecated" in old.stderr
    assert (root / "b.po").read_text(encoding="utf-8").count("msgid") == \
        (root / "a.po").read_text(encoding="utf-8").count("msgid") > 1


def test_i18n_export_and_import_report_in_json(root):
    res = run("i18n", "export", "note", "--lang", "fr", "--to", "po", "-o", "c.po", "--format", "json",
              "-C", str(root))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["written"] == "c.po" and doc["units"] > 1 and doc["ok"] is True
    back = run("i18n", "import", "c.po", "--format", "json", "-C", str(root))
    assert json.loads(back.stdout)["updated"] == []  # nothing translated in it yet


def test_the_grammar_holds_for_every_command():
    """Every command takes -C/-q/-v; a --format is always text|json (plus an old spelling of --to);
    an output kind is always --to."""
    from tests.test_docs import commands

    for name, cmd in commands(main):
        opts = {o: p for p in cmd.params for o in getattr(p, "opts", [])}
        assert {"-C", "-q", "-v"} <= set(opts), name
        if "--format" in opts:
            assert {"text", "json"} <= set(opts["--format"].type.choices), name
            kinds = set(opts["--format"].type.choices) - {"text", "json"}
            assert not kinds or kinds <= set(opts["--to"].type.choices), name


def test_the_program_exits_with_the_commands_code_and_leaves_the_collector_frozen(tmp_path, monkeypatch):
    """`positionkit` (cli.run) is main plus gc.freeze on the way out: the exit code is main's, and
    the objects alive at the end are out of the collector's reach (a cheaper interpreter exit)."""
    import gc
    import sys

    import positionkit.cli
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["scripts"]["positionkit"] == "positionkit.cli:run"
    monkeypatch.setattr(sys, "argv", ["positionkit", "-C", str(tmp_path), "check"])
    gc.unfreeze()
    try:
        with pytest.raises(SystemExit) as ended:
            positionkit.cli.run()
        assert ended.value.code not in (0, None)  # no project here: an error, not a crash
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    monkeypatch.setattr(sys, "argv", ["positionkit", "--version"])
    with pytest.raises(SystemExit) as ended:
        positionkit.cli.run()
    gc.unfreeze()
    assert ended.value.code in (0, None)


def test_a_bug_ends_in_one_line_and_exit_70_not_a_traceback(tmp_path, monkeypatch, capsys):
    """An exception no command handles (a bug) is reported in one line with exit code 70; -v
    prints the traceback too."""
    import gc
    import sys

    import positionkit.cli
    import positionkit.load.config as config

    def broken(*a, **k):
        raise RuntimeError("something positionkit did not expect")

    monkeypatch.setattr(config, "find_root", broken)
    for argv, traceback_shown in ((["check"], False), (["-v", "check"], True)):
        monkeypatch.setattr(sys, "argv", ["positionkit", "-C", str(tmp_path), *argv])
        with pytest.raises(SystemExit) as ended:
            positionkit.cli.run()
        gc.unfreeze()
        err = capsys.readouterr().err
        assert ended.value.code == 70
        assert "internal error (RuntimeError: something positionkit did not expect)" in err
        assert "not a problem in your files" in err
        assert ("Traceback" in err) is traceback_shown
