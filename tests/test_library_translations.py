"""A project translates a library block in its own tree (translations/<alias>/...): the hints say
so, `i18n new` makes the file, `i18n stamp` stamps it, the build prints it, and the library's own
files are never edited."""
from __future__ import annotations

import pytest

from positionkit.load.project import load_project
from positionkit.resolve.document import Target, resolve
from positionkit.load import stamps
from tests.test_libraries import project_files, upstream  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("upstream")

OVERRIDE = "translations/core/data-flows/cross-border.es.md"


def stamped(source_body: str, body: str) -> str:
    data = stamps.stamp_data(source_body)
    paras = ", ".join(f'"{p}"' for p in data["paragraphs"])
    return (f"---\ntranslation:\n  source_hash: \"{data['source_hash']}\"\n  paragraphs: [{paras}]\n"
            f"  state: translated\n---\n{body}")


@pytest.fixture
def project(upstream, make_project, cli):  # noqa: F811
    files = project_files(upstream.url)
    files["papers/note/paper.yaml"] = ("title: Test note\ndate: 2026-11-20\nlanguages: [en, es, fr]\n"
                                       "sections:\n  - 01-intro.md\n")
    files["papers/note/01-intro.es.md"] = stamped(files["papers/note/01-intro.md"], (
        "## Introducción\n\nLos flujos de datos importan [@unctad2021der].\n\n"
        '::: {.block ref="core:data-flows/cross-border"}\n:::\n'))
    root = make_project(files)
    assert cli(root, "sync").exit_code == 0
    return root


def test_hints_name_the_projects_own_tree(project, cli):
    res = cli(project, "check")
    assert (f"translate it in this project: positionkit i18n new core:data-flows/cross-border --lang es "
            f"(creates {OVERRIDE})") in res.output
    status = cli(project, "i18n", "status", "--lang", "es")
    assert OVERRIDE in status.output and ".positionkit/libraries/core/blocks/data-flows/cross-border.es.md" \
        not in status.output


def test_new_then_stamp_a_library_block_translation(project, cli):
    cached = ".positionkit/libraries/core/blocks/data-flows/cross-border.md"
    res = cli(project, "i18n", "new", cached, "--lang", "es")
    assert res.exit_code == 0, res.output
    assert f"created {OVERRIDE}" in res.output
    path = project / OVERRIDE
    text = path.read_text(encoding="utf-8")
    assert "state: untranslated" in text and "Cross-border data flows matter for {{ country }}" in text
    path.write_text(text.replace("Cross-border data flows matter for {{ country }}",
                                 "Los flujos transfronterizos importan para {{ country }}"), encoding="utf-8")
    stamped = cli(project, "i18n", "stamp", OVERRIDE)
    assert stamped.exit_code == 0, stamped.output
    assert f"stamped {OVERRIDE} as translated" in stamped.output
    assert cli(project, "sync").exit_code == 0  # the library's files were not touched: lock still holds
    doc = resolve(load_project(project), Target("note", "es"))
    assert "Los flujos transfronterizos importan para WTO Members" in doc.markdown
    again = cli(project, "i18n", "new", "core:data-flows/cross-border", "--lang", "es")
    assert again.exit_code == 1 and "already exists" in again.output


def test_new_starts_from_the_librarys_own_translation_and_stamping_its_file_is_refused(project, cli):
    theirs = ".positionkit/libraries/core/blocks/data-flows/cross-border.fr.md"
    refused = cli(project, "i18n", "stamp", theirs)
    assert refused.exit_code == 1
    assert (f"{theirs}: error[PK732] {theirs} belongs to library 'core' (pinned by its content hash); "
            "positionkit does not edit library files (translate it in this project instead: positionkit "
            "i18n new core:data-flows/cross-border --lang fr (creates "
            "translations/core/data-flows/cross-border.fr.md))") in refused.output
    res = cli(project, "i18n", "new", "core:data-flows/cross-border", "--lang", "fr")
    assert res.exit_code == 0, res.output
    made = (project / "translations/core/data-flows/cross-border.fr.md").read_text(encoding="utf-8")
    assert "Les flux de données comptent" in made and "created from the library's fr translation" in made


def test_a_translation_of_no_library_block_is_reported(project, cli):
    (project / "translations/core/data-flows").mkdir(parents=True)
    (project / "translations/core/data-flows/cross-bordr.fr.md").write_text("---\n---\nX\n", encoding="utf-8")
    res = cli(project, "check")
    assert ("translations/core/data-flows/cross-bordr.fr.md: warning[PK731] translations/core/data-flows/"
            "cross-bordr.fr.md translates 'core:data-flows/cross-bordr', but no library has that block; it is "
            "not used (did you mean 'core:data-flows/cross-border'?)") in res.output
