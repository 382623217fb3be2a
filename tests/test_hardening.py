"""Regression tests from the attack run of issue 16: one test (or a few) per finding, each built
from its reproducer."""
from __future__ import annotations

import http.server
import threading
import zipfile
from pathlib import Path

import pytest
from docx import Document

from positionkit.load.project import load_project
from positionkit.pipeline.build import build
from positionkit.pipeline.prepare import check_project



def codes(diags):
    return [d.code for d in diags]


def docx_text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def dependent(href: str, locale: str | None = None) -> str:
    loc = f' default-locale="{locale}"' if locale else ""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0"{loc}>\n'
            "  <info>\n    <title>Some Journal</title>\n"
            "    <id>http://www.zotero.org/styles/some-journal</id>\n"
            f'    <link href="{href}" rel="independent-parent"/>\n'
            "    <updated>2020-01-01T00:00:00+00:00</updated>\n  </info>\n</style>\n")


def canary_style(text: str) -> str:
    """An independent style that prints text before every citation."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" '
            'class="in-text" version="1.0">\n<info><title>x</title><id>http://example.org/x</id>'
            '<updated>2020-01-01T00:00:00+00:00</updated></info>\n<citation><layout>'
            f'<text value="{text}"/><text variable="title"/></layout></citation>\n</style>\n')


# -- 1. dependent CSL styles --------------------------------------------------------------------

class _Server(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Server.hits.append(self.path)
        body = canary_style("qzxremotecanary").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = http.server.HTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    _Server.hits = []
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_dependent_style_with_a_url_parent_fetches_nothing(make_project, cli, server):
    root = make_project({"positionkit.toml": '[project]\nname = "x"\n[style]\ncsl = "styles/dep.csl"\n',
                         "styles/dep.csl": dependent(f"{server}/x.csl")})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "styles/dep.csl:6:5: error[PK521]" in result.output
    result = cli(root, "build", "--format", "docx")
    assert result.exit_code == 1 and not (root / "build/note/note.en.docx").exists()
    assert _Server.hits == []


@pytest.mark.parametrize("form", ["file", "absolute"])
def test_dependent_style_with_an_outside_parent_reads_nothing(make_project, cli, tmp_path, form):
    outside = tmp_path / "outside.csl"
    outside.write_text(canary_style("qzxoutsidecanary"), encoding="utf-8")
    href = outside.as_uri() if form == "file" else str(outside)
    root = make_project({"positionkit.toml": '[project]\nname = "x"\n[style]\ncsl = "styles/dep.csl"\n',
                         "styles/dep.csl": dependent(href)})
    diags = check_project(root)
    assert [(d.code, d.path, d.line) for d in diags if d.code == "PK521"] == [("PK521", "styles/dep.csl", 6)]
    assert cli(root, "build", "--format", "docx").exit_code == 1


def test_dependent_style_prints_with_its_shipped_parent(make_project, cli):
    """The Zotero id of APA resolves to the copy positionkit ships: APA puts a comma before the year."""
    root = make_project({"positionkit.toml": '[project]\nname = "x"\n[style]\ncsl = "styles/dep.csl"\n',
                         "styles/dep.csl": dependent("http://www.zotero.org/styles/apa")})
    result = cli(root, "build", "--format", "docx")
    assert result.exit_code == 0, result.output
    assert "(UNCTAD, 2021)" in docx_text(root / "build/note/note.en.docx")


def test_parent_in_styles_is_found_by_id_and_is_part_of_the_cache_key(make_project):
    root = make_project({"positionkit.toml": '[project]\nname = "x"\n[style]\ncsl = "styles/dep.csl"\n',
                         "styles/dep.csl": dependent("http://example.org/x"),
                         "styles/parent.csl": canary_style("qzxfirst")})
    assert build(root, formats=("docx",)).ok
    out = root / "build/note/note.en.docx"
    assert "qzxfirst" in docx_text(out)
    (root / "styles/parent.csl").write_text(canary_style("qzxsecond"), encoding="utf-8")
    result = build(root, formats=("docx",))
    assert result.ok and result.built == ["build/note/note.en.docx"]
    assert "qzxsecond" in docx_text(out)


def test_style_with_a_doctype_is_refused(make_project):
    root = make_project({"positionkit.toml": '[project]\nname = "x"\n[style]\ncsl = "styles/x.csl"\n',
                         "styles/x.csl": '<?xml version="1.0"?>\n<!DOCTYPE style [<!ENTITY e SYSTEM '
                         '"file:///etc/passwd">]>\n<style xmlns="http://purl.org/net/xbiblio/csl">&e;</style>\n'})
    found = [d for d in check_project(root) if d.code == "PK520"]
    assert [(d.path, d.line) for d in found] == [("styles/x.csl", 2)]


def test_style_readings_are_kept_on_disk_and_refused_styles_are_parsed_again(make_project, monkeypatch):
    """What a style's <info> says is kept in the per-user disk cache under the style's digest: a
    second read parses nothing. A refused style is not kept: its diagnostic comes from the
    parser every time."""
    from positionkit.load import csl

    doctype = ('<?xml version="1.0"?>\n<!DOCTYPE style [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
               '<style xmlns="http://purl.org/net/xbiblio/csl">&e;</style>\n')
    root = make_project({"styles/dep.csl": dependent("http://www.zotero.org/styles/apa"), "styles/x.csl": doctype})
    parsed = []
    real_scan = csl._scan
    monkeypatch.setattr(csl, "_scan", lambda text: (parsed.append(text[:40]), real_scan(text))[1])
    first = csl.read_style(root, "styles/dep.csl")
    parsed.clear()
    second = csl.read_style(root, "styles/dep.csl")
    # the search for the parent reads every candidate again; only the refused one is parsed
    assert second == first and first[0].parent == "positionkit/data/csl/apa.csl" and parsed == [doctype[:40]]
    for _ in range(2):
        parsed.clear()
        style, diags = csl.read_style(root, "styles/x.csl")
        assert style is None and [(d.code, d.line) for d in diags] == [("PK520", 2)] and len(parsed) == 1


# -- 2. include bombs ---------------------------------------------------------------------------

def bomb(prefix: str, k: int, levels: int = 8) -> dict:
    files = {}
    for i in range(levels):
        body = "Some text.\n" if i == levels - 1 else \
            "".join(f'::: {{.block ref="b/l{i + 1}"}}\n:::\n\n' for _ in range(k))
        files[f"{prefix}blocks/b/l{i}.md"] = f"---\nid: b/l{i}\nstatus: approved\n---\n{body}"
    return files


def test_include_bomb_is_stopped_with_the_chain_named(make_project):
    root = make_project({**bomb("", 8),
                         "papers/note/01-intro.md": '## Intro\n\n::: {.block ref="b/l0"}\n:::\n'})
    diags = check_project(root)
    found = [d for d in diags if d.code == "PK330"]
    assert len(found) == 1
    assert found[0].path.startswith("blocks/b/l") and found[0].line
    assert "b/l0 -> b/l1 -> " in found[0].message


def test_include_bomb_from_a_library_is_stopped(make_project, cli):
    files = {**bomb("../core/", 6), "positionkit.toml": '[project]\nname = "x"\n[libraries.core]\npath = "../core"\n',
             "papers/note/01-intro.md": '## Intro\n\n::: {.block ref="core:b/l0"}\n:::\n'}
    root = make_project(files)
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "error[PK330]" in result.output and "core:b/l0 -> core:b/l1" in result.output


# -- 3. library images --------------------------------------------------------------------------

@pytest.fixture
def image_library(tmp_path, make_project, cli):
    from tests.test_images import png
    from tests.test_libraries import LIB_V1, Upstream, block, project_files

    up = Upstream(tmp_path)
    shown = block("charts/flows", "![Chart of flows](../../images/flows.png)")
    escaping = block("charts/escape", "![Secret](../../../../../papers/note/secret.png)")
    up.publish({**LIB_V1, "blocks/charts/flows.md": shown, "blocks/charts/escape.md": escaping}, "v1")
    (up.work / "images").mkdir()
    (up.work / "images/flows.png").write_bytes(png(8, 8))
    up.publish({}, "image")
    include = '::: {.block ref="core:charts/flows"}\n:::\n'
    root = make_project(project_files(up.url, **{"papers/note/01-intro.md": "## Intro\n\nText.\n\n" + include}))
    (root / "papers/note/secret.png").write_bytes(png(4, 4, (1, 2, 3)))
    assert cli(root, "sync").exit_code == 0
    return root, up


def test_library_image_is_part_of_the_locked_content(image_library, cli):
    from tests.test_images import png

    root, _ = image_library
    assert cli(root, "check").exit_code == 0
    (root / ".positionkit/libraries/core/images/flows.png").write_bytes(png(8, 8, (0, 0, 0)))
    result = cli(root, "build", "--format", "docx")
    assert result.exit_code == 1 and "error[PK705]" in result.output


def test_vendor_copies_library_images(image_library, cli):
    import shutil

    root, up = image_library
    assert cli(root, "vendor").exit_code == 0
    assert (root / "vendor/core/images/flows.png").is_file()
    shutil.rmtree(root / ".positionkit")
    shutil.rmtree(up.bare)
    result = cli(root, "build", "--format", "docx")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(root / "build/note/note.en.docx") as z:
        assert any(n.startswith("word/media/") for n in z.namelist())


def test_library_image_cannot_reach_into_the_project(image_library, cli):
    root, _ = image_library
    (root / "papers/note/01-intro.md").write_text('## Intro\n\n::: {.block ref="core:charts/escape"}\n:::\n')
    result = cli(root, "check")
    assert result.exit_code == 1
    assert ".positionkit/libraries/core/blocks/charts/escape.md:6:1: error[PK720]" in result.output


# -- 4. metadata types --------------------------------------------------------------------------

PAPER = "title: Test note\ndate: 2026-11-20\nlanguages: [en, fr]\nsections:\n  - 01-intro.md\n"


def test_a_number_where_text_is_expected_is_printed_as_text(make_project, cli):
    from pypdf import PdfReader

    fields = "subtitle: 2026\naudience: 0\ncontact: 41223456789\nshort_title: 5\n"
    root = make_project({"papers/note/paper.yaml": PAPER.replace("languages: [en, fr]", "languages: [en]") + fields})
    result = cli(root, "build")
    assert result.exit_code == 0, result.output
    text = docx_text(root / "build/note/note.en.docx")
    pdf = "\n".join(p.extract_text() for p in PdfReader(root / "build/note/note.en.pdf").pages)
    for value in ("2026", "0", "41223456789"):
        assert value in text.split("\n")[:6] or any(value in ln for ln in text.split("\n")[:6])
        assert value in pdf


@pytest.mark.parametrize("field, line", [("title: [a, b]", 1), ("subtitle: [x, y]", 6), ("subtitle: {a: 1}", 6),
                                         ("contact: true", 6), ("organisations: [{a: 1}]", 6)])
def test_text_field_of_the_wrong_type_is_an_error_at_its_line(make_project, field, line):
    root = make_project({"papers/note/paper.yaml": (PAPER + field + "\n") if line > 1 else
                         PAPER.replace("title: Test note", field)})
    found = [d for d in check_project(root) if d.code == "PK013"]
    assert [(d.path, d.line) for d in found] == [("papers/note/paper.yaml", line)]


def test_translated_metadata_with_mixed_keys_is_a_diagnostic_not_a_crash(make_project, cli):
    root = make_project({"papers/note/paper.yaml": PAPER,
                         "papers/note/paper.fr.yaml": "title: {1: a, b: c}\n2: x\nsubtitle: 7\n"})
    result = cli(root, "build", "--format", "docx")
    assert result.exit_code == 1
    assert "papers/note/paper.fr.yaml:1: error[PK013] title must be text, not a mapping" in result.output
    assert "papers/note/paper.fr.yaml:2: warning[PK011]" in result.output


# -- 5. file names longer than 255 characters ---------------------------------------------------

LONG = "x" * 300


@pytest.mark.parametrize("files, where", [
    ({"positionkit.toml": f'[project]\nname = "x"\n[style]\ncsl = "styles/{LONG}.csl"\n'}, "positionkit.toml:4"),
    ({"papers/note/paper.yaml": PAPER.replace("[en, fr]", "[en]") + f"csl: styles/{LONG}.csl\n"},
     "papers/note/paper.yaml:6"),
    ({"papers/note/01-intro.md": f"## Intro\n\n![A chart]({LONG}.png)\n"}, "papers/note/01-intro.md:3:1"),
    ({"positionkit.toml": f'[project]\nname = "x"\naudiences = "{LONG}.yaml"\n'}, None),
])
def test_long_file_names_are_diagnostics(make_project, cli, files, where):
    root = make_project(files)
    result = cli(root, "check")
    assert result.exit_code == 1 or where is None, result.output
    if where:
        assert f"{where}: error[PK120]" in result.output or f"{where}:1: error[PK120]" in result.output, result.output
    result = cli(root, "build", "--format", "docx", *(["--audience", "all"] if where is None else []))
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


# -- 6. a blank line inside a stamped paper.yaml field ------------------------------------------

def test_blank_line_inside_a_stamped_field_names_the_right_field(make_project, cli):
    paper = PAPER + "subtitle: |\n  First part.\n\n  Second part.\naudience: Delegations\n"
    root = make_project({"papers/note/paper.yaml": paper,
                         "papers/note/paper.fr.yaml": "title: Note d'essai\nsubtitle: Sous-titre\naudience: Délégations\n"})
    assert cli(root, "i18n", "stamp", "papers/note/paper.fr.yaml").exit_code == 0
    assert not [d for d in check_project(root) if d.code == "PK413"]
    (root / "papers/note/paper.yaml").write_text(paper.replace("Delegations", "Ministers"), encoding="utf-8")
    found = [d for d in check_project(root) if d.code == "PK413"]
    assert len(found) == 1 and "(audience)" in found[0].message, found


# -- 7. time limits and inputs pandoc handles badly ----------------------------------------------

@pytest.mark.parametrize("pattern", ["<a ", "[", "[@", "![", "`"])
def test_pathological_input_is_caught_by_check(make_project, cli, pattern):
    """About 600 KB of one of these took pandoc more than 300 s; check now refuses it at once."""
    root = make_project({"papers/note/01-intro.md": "## Intro\n\nSome text " + pattern * (600_000 // len(pattern)) + "\n"})
    diags = check_project(root)
    found = [d for d in diags if d.code == "PK522"]
    assert found and all(d.path == "papers/note/01-intro.md" and d.line == 3 and d.col for d in found)


def test_ordinary_brackets_and_angles_pass(make_project):
    text = "## Intro\n\n" + "See [the report](#intro) and [@unctad2021der, p. 3] where 2 < 3 > 1.\n\n" * 500
    root = make_project({"papers/note/01-intro.md": text})
    assert "PK522" not in codes(check_project(root))


def test_pandoc_past_the_time_limit_is_stopped(make_project, cli, monkeypatch):
    from positionkit.checks import pathological

    monkeypatch.setattr(pathological, "MAX_OPEN_BRACKETS", 10_000)
    monkeypatch.setattr(pathological, "MAX_BRACKET_COST", 2 ** 60)
    root = make_project({"positionkit.toml": '[project]\nname = "x"\ntime_limit = 1\n',
                         "papers/note/01-intro.md": "## Intro\n\n" + "[ " * 40 + "\n"})
    result = cli(root, "build", "--format", "docx")
    assert result.exit_code == 1
    assert "papers/note/paper.yaml:6: error[PK610] pandoc could not process this paper: pandoc did not " \
           "finish within 1 s" in result.output


def test_typst_past_the_time_limit_is_abandoned(monkeypatch):
    import time

    from positionkit.render import limits
    from positionkit.render.errors import TimeLimitError

    monkeypatch.setitem(limits._limit, "seconds", 0.2)
    with pytest.raises(TimeLimitError):
        limits.within(lambda: time.sleep(5))
    assert limits.within(lambda: b"%PDF") == b"%PDF"


def test_time_limit_must_be_a_positive_whole_number(make_project, cli):
    root = make_project({"positionkit.toml": '[project]\nname = "x"\ntime_limit = 0\n'})
    result = cli(root, "check")
    assert "positionkit.toml:3: error[PK002] [project] time_limit" in result.output


# -- 8. symlinks --------------------------------------------------------------------------------

def test_i18n_labels_linked_outside_are_refused(make_project, cli, tmp_path):
    (tmp_path / "labels.yaml").write_text("references: qzxoutsidelabel\n", encoding="utf-8")
    root = make_project()
    (root / "styles/i18n").mkdir(parents=True)
    (root / "styles/i18n/en.yaml").symlink_to(tmp_path / "labels.yaml")
    result = cli(root, "build", "--format", "docx")
    assert "styles/i18n/en.yaml: error[PK105]" in result.output and result.exit_code == 1
    assert "qzxoutsidelabel" not in result.output


def test_reference_docx_linked_outside_is_said(make_project, tmp_path):
    (tmp_path / "ref.docx").write_bytes(b"PK")
    root = make_project()
    (root / "styles").mkdir()
    (root / "styles/reference.docx").symlink_to(tmp_path / "ref.docx")
    project = load_project(root)
    assert project.reference_docx is None
    assert [(d.code, d.path) for d in project.diagnostics if d.code == "PK105"] == [("PK105", "styles/reference.docx")]


@pytest.mark.parametrize("link", ["build", "build/note"])
def test_output_folder_linked_outside_is_not_written(make_project, cli, tmp_path, link):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root = make_project()
    (root / link).parent.mkdir(parents=True, exist_ok=True)
    (root / link).symlink_to(outside)
    result = cli(root, "build", "--format", "docx")
    assert result.exit_code == 1
    assert ("error[PK902]" if link == "build" else "error[PK901]") in result.output
    assert not [p for p in outside.rglob("*") if p.suffix in (".docx", ".lock", ".json")]


# -- 9. diagnostics with positions, on one line --------------------------------------------------

@pytest.mark.parametrize("toml, where", [
    ('[project]\nname = "x', "positionkit.toml:2:10: error[PK001]"),
    ('[project]\nname = "x"\n\n["project"]\n', "positionkit.toml:4:11: error[PK001]"),
    ('["project"]\nnme = "x"\n', "positionkit.toml:2: warning[PK003]"),
    ("[ 'style' ]\ncsl = 5\n", "positionkit.toml:2: error[PK002]"),
    ('[project]\nname = "x"\n[style]\ncsl = "styles/none.csl"\n', "positionkit.toml:4: error[PK510]"),
])
def test_configuration_diagnostics_have_positions(make_project, cli, toml, where):
    result = cli(make_project({"positionkit.toml": toml}), "check")
    assert where in result.output, result.output


def test_nul_bytes_and_yaml_control_characters_have_positions(make_project):
    root = make_project({"papers/note/01-intro.md": "## Intro\n\nText \x00 more\n"})
    assert ("PK102", "papers/note/01-intro.md", 3, 6) in {(d.code, d.path, d.line, d.col) for d in check_project(root)}
    (root / "papers/note/paper.yaml").write_text(PAPER.replace("[en, fr]", "[en]") + "subtitle: a\x07b\n")
    assert ("PK103", "papers/note/paper.yaml", 6, 12) in {(d.code, d.path, d.line, d.col) for d in check_project(root)}


def test_missing_glyph_in_translated_metadata_is_at_its_line(make_project):
    root = make_project({"papers/note/paper.yaml": PAPER,
                         "papers/note/paper.fr.yaml": "title: Note\nsubtitle: \U0001D11E clef\n"})
    found = [d for d in check_project(root) if d.code == "PK410"]
    assert [(d.path, d.line) for d in found] == [("papers/note/paper.fr.yaml", 2)]


@pytest.mark.parametrize("where", ["pandoc", "csl"])
def test_no_room_for_pandocs_files_is_a_diagnostic(make_project, cli, monkeypatch, where):
    """pandoc's input and output ("pandoc") and the resolved CSL style ("csl") go through
    private temp folders: a full disk there is PK601 at the paper, exit 1, no traceback and
    nothing written."""
    import errno

    from positionkit.render import pandoc

    real = pandoc.private_dir

    def full(kind):
        if kind == where:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(kind)

    monkeypatch.setattr(pandoc, "private_dir", full)
    root = make_project()
    result = cli(root, "build", "--format", "docx")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "papers/note/paper.yaml:6: error[PK601] pandoc could not process this paper: could not run pandoc: " \
           "[Errno 28] No space left on device" in result.output
    assert not (root / "build/note/note.en.docx").exists()


def test_pandoc_failure_is_one_line_and_whole_with_verbose(make_project, cli, monkeypatch):
    from positionkit.render import errors, pandoc

    real_result = pandoc.PandocRun.result

    def fail(self):
        if "--citeproc" not in self.args:
            return real_result(self)
        self.stop()
        raise errors.RenderError("pandoc failed (exit 61): " + errors.first_line("\nfirst line\nsecond\nthird"),
                                 "first line\nsecond\nthird")

    monkeypatch.setattr(pandoc.PandocRun, "result", fail)
    root = make_project()
    result = cli(root, "build", "--format", "docx")
    lines = [ln for ln in result.output.splitlines() if "PK601" in ln]
    assert lines == ["papers/note/paper.yaml:6: error[PK601] pandoc could not process this paper: pandoc failed "
                     "(exit 61): first line"]
    assert "second" not in result.output
    monkeypatch.setitem(errors._DETAIL, "on", False)
    result = CliRunnerVerbose(root)
    assert "\n    first line\n    second\n    third" in result.output
    assert not errors._DETAIL["on"]  # -v held for that command only


def CliRunnerVerbose(root):  # noqa: N802 (reads like the fixture it mirrors)
    from click.testing import CliRunner

    from positionkit.cli.main import main

    return CliRunner().invoke(main, ["-C", str(root), "-v", "build", "--format", "docx"], catch_exceptions=False)


# -- 10. TeX maths prints --------------------------------------------------------------------------

def test_tex_maths_prints_in_docx_and_pdf(make_project, cli):
    from pypdf import PdfReader

    root = make_project({"papers/note/01-intro.md": "## Intro\n\nHalf $\\frac{1}{2}$ of tariffs [@unctad2021der].\n\n"
                         "$$\n\\sum_{i=1}^{n} x_i\n$$\n\nStill refused: \\emph{raw}.\n"})
    assert [(d.line, d.col) for d in check_project(root) if d.code == "PK507"] == [(9, 16)]
    (root / "papers/note/01-intro.md").write_text("## Intro\n\nHalf $\\frac{1}{2}$ of tariffs [@unctad2021der].\n\n"
                                                 "$$\n\\sum_{i=1}^{n} x_i\n$$\n")
    result = cli(root, "build")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(root / "build/note/note.en.docx") as z:
        xml = z.read("word/document.xml").decode()
    assert "<m:f>" in xml and "<m:nary>" in xml  # a fraction and a sum, as Word equations
    pdf = "".join(p.extract_text() for p in PdfReader(root / "build/note/note.en.pdf").pages)
    assert "Half" in pdf and "∑" in pdf and "\\frac" not in pdf


# -- 11. raw output in the project's blocks; a library's blocks/ linked out ------------------------

def test_raw_output_in_a_project_block_is_refused_even_with_allow_raw(make_project, cli):
    root = make_project({"positionkit.toml": '[project]\nname = "x"\nallow_raw = true\n',
                         "blocks/t/raw.md": '---\nid: t/raw\nstatus: approved\n---\n```{=typst}\n#text("qzxraw")\n```\n',
                         "papers/note/01-intro.md": '## Intro\n\n```{=typst}\n#text("ok")\n```\n\n'
                                                    '::: {.block ref="t/raw"}\n:::\n'})
    result = cli(root, "build", "--format", "pdf")
    assert result.exit_code == 1
    assert "blocks/t/raw.md:5:1: error[PK507] a raw typst block in a block is refused" in result.output
    assert "01-intro.md:3" not in result.output  # the section's own raw output is allowed


def test_library_whose_blocks_folder_links_out_is_refused(make_project, cli, tmp_path):
    outside = tmp_path / "outside-blocks"
    (outside / "t").mkdir(parents=True)
    (outside / "t/x.md").write_text("---\nid: t/x\nstatus: approved\n---\nqzxoutside\n", encoding="utf-8")
    lib = tmp_path / "proj/libs/core"
    lib.mkdir(parents=True)
    (lib / "blocks").symlink_to(outside)
    root = make_project({"positionkit.toml": '[project]\nname = "x"\n[libraries.core]\npath = "libs/core"\n',
                         "papers/note/01-intro.md": '## Intro\n\n::: {.block ref="core:t/x"}\n:::\n'})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "libs/core/blocks: error[PK707] 'libs/core/blocks' is a link outside library 'core'" in result.output
    from positionkit.load.libraries import used_files
    assert used_files(lib) == ([], ["blocks"])


# -- 12. temporary files on every exit path --------------------------------------------------------

def test_orphaned_private_folders_are_swept(tmp_path):
    import os
    import subprocess
    import sys

    from positionkit.system.scratch import private_dir, sweep_orphans

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    (tmp_path / f"positionkit-fonts-{dead}-abc").mkdir()
    (tmp_path / f"positionkit-typst-{dead}-abc").mkdir()
    (tmp_path / f"positionkit-typst-{os.getpid()}-abc").mkdir()
    (tmp_path / "positionkit-fonts-unrelated").mkdir()
    assert sorted(sweep_orphans(str(tmp_path))) == [f"positionkit-fonts-{dead}-abc", f"positionkit-typst-{dead}-abc"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["positionkit-fonts-unrelated",
                                                          f"positionkit-typst-{os.getpid()}-abc"]
    with private_dir("x") as folder:
        assert Path(folder).name.startswith(f"positionkit-x-{os.getpid()}-")


def test_sigterm_during_a_build_leaves_no_temporary_files(make_project, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import tempfile
    import time

    root = make_project({"papers/note/01-intro.md": "## Intro\n\n" + "Data flows matter for development. " * 1500 + "[@unctad2021der]\n"})
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")}
    proc = subprocess.Popen([sys.executable, "-c", "from positionkit.cli import main; main()", "-C", str(root), "build", "--format", "pdf"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    mine = f"positionkit-fonts-{proc.pid}-"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and \
            not any(p.name.startswith(mine) for p in Path(tempfile.gettempdir()).iterdir()):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM  # stopped by the signal, through SystemExit
    assert not [p for p in Path(tempfile.gettempdir()).iterdir() if f"-{proc.pid}-" in p.name]
    assert not list((root / "build").rglob("*.tmp")) if (root / "build").exists() else True


# -- found by tools/fuzz.py ---------------------------------------------------------------------------

def test_section_name_too_long_is_a_diagnostic(make_project, cli):
    """fuzz case paper_yaml/3197: a section name with a '/' and 300 characters raised OSError."""
    root = make_project({"papers/note/paper.yaml": PAPER.replace("01-intro.md", "02" + "}," * 150 + "/x.md")})
    result = cli(root, "check")
    assert result.exit_code == 1 and "papers/note/paper.yaml:4: error[PK120] section" in result.output


def test_every_line_break_character_is_escaped_in_a_diagnostic(make_project, cli):
    """fuzz case toml/3077: "\\frac" in a TOML basic string is a form feed, which splits lines too."""
    root = make_project({"positionkit.toml": '[project]\nname = "x"\nformats = ["d\\frac\\u2028"]\n'})
    result = cli(root, "check")
    line = [ln for ln in result.output.splitlines() if "PK002" in ln]
    assert line == ["positionkit.toml:3: error[PK002] [project] formats: unknown format 'd\\x0crac\\u2028' "
                    "(formats are docx and pdf)"]
