"""`build --shard I/N`: each part deterministic, the parts together byte-identical to the whole."""
from __future__ import annotations

import shutil

from click.testing import CliRunner

from positionkit.cli.main import main
from tests.conftest import THREE_AUDIENCES

AUDIENCES = THREE_AUDIENCES


def files_under(folder):
    """Outputs and manifests; not the build cache (each machine keeps its own)."""
    return {rel: p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and not (rel := p.relative_to(folder).as_posix()).startswith(".")
            and not p.name.startswith(".")}


def build(root, *args):
    res = CliRunner().invoke(main, ["build", "-C", str(root), "--to", "docx", *args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res


def test_shards_partition_a_batch_byte_for_byte(make_project, tmp_path):
    base = make_project({"audiences.yaml": AUDIENCES})
    copies = {name: shutil.copytree(base, tmp_path / name, copy_function=shutil.copy2)
              for name in ("whole", "s1", "s2", "s4")}
    build(copies["whole"], "--audience", "all")
    build(copies["s1"], "--audience", "all", "--shard", "1/2")
    build(copies["s2"], "--audience", "all", "--shard", "2/2")
    whole = files_under(copies["whole"] / "build")
    one, two = files_under(copies["s1"] / "build"), files_under(copies["s2"] / "build")
    assert sorted(whole) == sorted(p for folder in ("chile", "fiji", "kenya")
                                   for p in (f"note/{folder}/note.en.docx", f"note/{folder}/manifest.json"))
    assert not set(one) & set(two)
    assert {**one, **two} == whole  # same paths, same bytes: manifests included
    assert {p.split("/")[1] for p in one} == {"chile", "kenya"}  # name order, dealt round-robin
    empty = build(copies["s4"], "--audience", "all", "--shard", "4/4")
    assert "nothing to build" in empty.output and not (copies["s4"] / "build/note").exists()


def test_plain_build_shards_by_paper_and_bad_shard_is_a_usage_error(make_project):
    root = make_project({
        "papers/other/paper.yaml": "title: Other\ndate: 2026-11-20\nlanguages: [en]\nsections:\n  - 01-a.md\n",
        "papers/other/01-a.md": "## Other\n\nText [@gdpr2016].\n"})
    build(root, "--shard", "2/2")
    assert sorted(p.name for p in (root / "build").iterdir() if not p.name.startswith(".")) == ["other"]
    for bad in ("0/2", "3/2", "x"):
        res = CliRunner().invoke(main, ["build", "-C", str(root), "--shard", bad])
        assert res.exit_code == 2 and "--shard" in res.output
