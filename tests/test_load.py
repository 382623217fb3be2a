"""The load stage reads every input once, with its problems as positioned diagnostics: label
files, audiences and images included. Nothing after it goes back to the file system for them."""
from __future__ import annotations

import base64
from contextlib import nullcontext

from positionkit.load import audiences as audiences_mod
from positionkit.load.project import load_project
from positionkit.pipeline.prepare import check_project, prepare

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


def test_a_broken_label_file_is_a_positioned_error_not_silence(make_project):
    root = make_project({"styles/i18n/fr.yaml": "key_messages: Messages clés\npage: [Page\n"})
    diags = [d.format() for d in check_project(root)]
    assert any(d.startswith("styles/i18n/fr.yaml:3:") and "error[PK103]" in d for d in diags), diags


def test_a_label_file_that_is_not_a_mapping_is_PK107(make_project):
    root = make_project({"styles/i18n/fr.yaml": "- Messages clés\n- Page\n"})
    diags = [d.format() for d in check_project(root) if d.code == "PK107"]
    assert diags == ["styles/i18n/fr.yaml:1: error[PK107] styles/i18n/fr.yaml must be a mapping of label "
                     "names to text (write one 'key: text' line per label, e.g. references: Références)"]


def test_a_label_file_linked_outside_the_project_is_refused(make_project, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("references: qzxsecretlabel\n", encoding="utf-8")
    root = make_project()
    (root / "styles/i18n").mkdir(parents=True)
    (root / "styles/i18n/en.yaml").symlink_to(outside)
    project = load_project(root)
    assert project.label_files == {}
    assert [d.code for d in project.diagnostics if d.path == "styles/i18n/en.yaml"] == ["PK105"]


def test_label_overrides_come_from_the_load_stage(make_project):
    root = make_project({"styles/i18n/en.yaml": "references: Sources\n"})
    project = load_project(root)
    assert project.label_files == {"en": {"references": "Sources"}}
    assert prepare(project).labels["en"]["references"] == "Sources"


def test_images_are_read_at_load_and_checked_from_what_was_read(make_project):
    root = make_project({"papers/note/01-intro.md": "## Intro\n\n![A chart](chart.png)\n\n![Gone](gone.png)\n",
                         "papers/note/chart.png": PNG})
    project = load_project(root)
    assert project.images["papers/note/chart.png"].data == PNG
    assert project.images["papers/note/gone.png"].problem == "missing"
    (root / "papers/note/chart.png").unlink()  # after load: the check must not look again
    codes = [(d.code, d.line) for d in prepare(project).all_diagnostics if d.code in ("PK504", "PK105")]
    assert codes == [("PK504", 5)]


def test_audiences_files_are_read_once_per_build(make_project, monkeypatch, cli):
    root = make_project({"audiences.yaml": "- id: kenya\n  name: Kenya\n  params: {country: Kenya}\n"})
    calls = []
    real = audiences_mod.load

    def counting(root_, rel):
        calls.append(rel)
        return real(root_, rel)

    monkeypatch.setattr(audiences_mod, "load", counting)
    monkeypatch.setattr("positionkit.load.project.load_audiences", counting)
    result = cli(root, "check")
    assert result.exit_code == 0, result.output
    assert calls == ["audiences.yaml"]


def test_translations_beside_a_section_are_what_a_glob_would_find(tmp_path):
    """Loading lists each folder once instead of globbing `stem.*.md` per section (which made
    loading quadratic in the number of sections): the names found must be the glob's."""
    from positionkit.load.project import _translation_names

    names = ["a.md", "a.fr.md", "a.es.md", "a..md", "a.x.y.md", "ab.fr.md", "a.fr.txt", "a.fr.md.bak",
             "b.fr.md", "a-b.fr.md", ".a.fr.md"]
    for name in names:
        (tmp_path / name).write_text("x")
    (tmp_path / "a.de.md").mkdir()  # a folder matches a glob too
    expected = sorted(p.name for p in tmp_path.glob("a.*.md"))
    assert _translation_names({}, tmp_path / "a.md") == expected
    assert _translation_names({}, tmp_path / "ab.md") == sorted(p.name for p in tmp_path.glob("ab.*.md"))


def test_inside_with_folders_remembered_sees_linked_folders_and_dotdot(tmp_path):
    from positionkit.load.sources import folders_remembered, inside

    root, outside = tmp_path / "project", tmp_path / "outside"
    (root / "papers").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.md").write_text("x", encoding="utf-8")
    (root / "papers/linked").symlink_to(outside)
    (root / "papers/own.md").write_text("x", encoding="utf-8")
    (root / "papers/file-link.md").symlink_to(outside / "secret.md")
    for remembered in (False, True):
        with folders_remembered() if remembered else nullcontext():
            assert inside(root, root / "papers/own.md")
            assert inside(root, root)
            assert not inside(root, root / "papers/linked/secret.md")
            assert not inside(root, root / "papers/file-link.md")
            assert not inside(root, root / "papers/../../outside/secret.md")
            assert not inside(root, tmp_path / "project-other/x.md")  # a prefix is not a parent


def test_a_folder_swapped_for_a_link_between_two_loads_is_seen(tmp_path):
    """The folder memo lasts one load: a long preview session must notice the swap."""
    from positionkit.load.sources import folders_remembered, inside

    root, outside = tmp_path / "project", tmp_path / "outside"
    (root / "papers/p").mkdir(parents=True)
    outside.mkdir()
    with folders_remembered():
        assert inside(root, root / "papers/p/a.md")
    (root / "papers/p").rmdir()
    (root / "papers/p").symlink_to(outside)
    with folders_remembered():
        assert not inside(root, root / "papers/p/a.md")
