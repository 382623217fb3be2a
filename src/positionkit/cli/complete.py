"""Shell completion of the project's own names: paper ids, languages, audience ids and tags, block
ids. Each runs on every <Tab>, so it reads file names and small YAML files only (no project load,
no Markdown parsing) and never fails: a broken project simply completes nothing.
"""
from __future__ import annotations

import re
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from positionkit.cli.common import Context
# load.config is imported where used: this module loads with every command (start-up time)

_LANG_SUFFIX = re.compile(r"\.[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_LIBRARY_FOLDERS = (".positionkit/libraries", "vendor")


def _root(ctx: click.Context) -> Path | None:
    obj = ctx.find_object(Context)
    start = obj.directory if obj is not None else Path.cwd()
    from positionkit.load.config import find_root  # lazy: see the top

    try:
        return find_root(start) if start.is_dir() else None
    except OSError:
        return None


def _yaml(path: Path):
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _config(root: Path) -> dict:
    import tomllib

    from positionkit.load.config import CONFIG_NAME  # lazy: see the top

    try:
        data = tomllib.loads((root / CONFIG_NAME).read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def paper_ids(root: Path) -> list[str]:
    folder = root / "papers"
    return sorted(p.parent.name for p in folder.glob("*/paper.yaml")) if folder.is_dir() else []


def languages(root: Path) -> list[str]:
    found = {str(_config(root).get("source_lang", "en"))}
    for slug in paper_ids(root):
        meta = _yaml(root / "papers" / slug / "paper.yaml")
        langs = meta.get("languages") if isinstance(meta, dict) else None
        found |= {str(code) for code in langs} if isinstance(langs, list) else set()
    return sorted(found)


def audience_names(root: Path) -> list[str]:
    """Ids and tags from every audiences file the project names, and 'all'."""
    files = {str(_config(root).get("audiences", "audiences.yaml"))}
    for slug in paper_ids(root):
        meta = _yaml(root / "papers" / slug / "paper.yaml")
        if isinstance(meta, dict) and isinstance(meta.get("audiences"), str):
            files.add(meta["audiences"])
    names = {"all"}
    for rel in files:
        data = _yaml(root / rel) if ".." not in Path(rel).parts else None
        entries = data.get("audiences") if isinstance(data, dict) else data
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                names |= {str(entry["id"])} if entry.get("id") is not None else set()
                tags = entry.get("tags")
                names |= {str(t) for t in tags} if isinstance(tags, list) else set()
    return sorted(names)


def _local_blocks(base: Path) -> list[str]:
    folder = base / "blocks"
    if not folder.is_dir():
        return []
    ids = set()
    for path in folder.rglob("*.md"):
        stem = path.relative_to(folder).with_suffix("").as_posix()
        if not (_LANG_SUFFIX.search(stem) and path.with_name(_LANG_SUFFIX.sub("", path.stem) + ".md").exists()):
            ids.add(stem)
    return sorted(ids)


def block_ids(root: Path) -> list[str]:
    ids = _local_blocks(root)
    for where in _LIBRARY_FOLDERS:
        folder = root / where
        for lib in sorted(folder.iterdir()) if folder.is_dir() else []:
            ids += [f"{lib.name}:{bid}" for bid in _local_blocks(lib)]
    return sorted(set(ids))


def _completer(names):
    def complete(ctx: click.Context, _param, incomplete: str) -> list[CompletionItem]:
        root = _root(ctx)
        if root is None:
            return []
        try:
            return [CompletionItem(n) for n in names(root) if n.startswith(incomplete)]
        except OSError:
            return []
    return complete


complete_papers = _completer(paper_ids)
complete_languages = _completer(languages)
complete_audiences = _completer(audience_names)
complete_blocks = _completer(block_ids)
