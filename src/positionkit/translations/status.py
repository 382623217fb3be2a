"""Translation housekeeping: which translations a paper needs and how fresh they are (status),
recording that a translation matches its source (stamp), and scaffolding a new one (new).

Freshness itself is :mod:`positionkit.i18n`; this module turns it into tables and file edits.
Stamping rewrites only a translation's front matter: the body is copied byte for byte, and the
file is replaced atomically (temp file + rename) so an interrupted stamp never leaves half a file.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path


from positionkit.load import alignment
from positionkit.load.audiences import audiences_path
from positionkit.load import stamps as i18n
from positionkit.diagnostics import Diagnostic, did_you_mean, error
from positionkit.languages import get_language
from positionkit.load.project import PAPER_TEXT_KEYS, Project, translation_path
from positionkit.load.library_translations import FOLDER, library_block, override_path
from positionkit.resolve.document import Target, library_hint, resolve
from positionkit.load.sources import Source, split_front_matter

UNTRANSLATED = "untranslated"
"""Status (and front-matter state) of a scaffold that no translator has stamped yet."""
STATUSES = (i18n.CURRENT, i18n.REVIEWED, i18n.STALE, i18n.UNSTAMPED, UNTRANSLATED, i18n.MISSING)
MAX_COMMITS = 50
"""How far back `status` looks in git for the source version a stamp was made from."""
MAX_DIFF_LINES = 80


@dataclass(frozen=True)
class Changed:
    line: int
    """1-based line in the source file."""
    text: str
    """The paragraph's first line, shortened."""


@dataclass(frozen=True)
class Item:
    """One piece of a paper in one language: a section, a block, or the paper's metadata."""

    kind: str
    """section | block | metadata"""
    source: str
    translation: str
    """Where the translation is (or would be)."""
    status: str
    """current | reviewed | stale | unstamped | untranslated | missing"""
    changed: tuple[Changed, ...] = ()
    """For stale items: source paragraphs added or changed since the stamp."""
    diff: str | None = None
    """For stale items in a git repository: the source diff since the stamped version."""
    since: str | None = None
    """Short commit the stamp's source version was found in."""
    note: str | None = None
    paragraphs: tuple[tuple[str, int], ...] = ()
    """Source paragraphs per state (translated, stale, missing, unstamped): what a draft prints."""

    def to_dict(self) -> dict:
        return {"kind": self.kind, "source": self.source, "translation": self.translation,
                "status": self.status, "changed": [{"line": c.line, "text": c.text} for c in self.changed],
                "diff": self.diff, "since": self.since, "note": self.note, "paragraphs": dict(self.paragraphs)}


@dataclass(frozen=True)
class LangStatus:
    lang: str
    items: tuple[Item, ...]

    def counts(self) -> dict:
        return {s: n for s in STATUSES if (n := sum(1 for i in self.items if i.status == s))}

    def paragraph_counts(self) -> dict:
        total: dict = {}
        for item in self.items:
            for state, n in item.paragraphs:
                total[state] = total.get(state, 0) + n
        return total


@dataclass(frozen=True)
class PaperStatus:
    paper: str
    title: str
    languages: tuple[LangStatus, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------- status

def status(project: Project, papers=(), langs=()) -> tuple[list[PaperStatus], list[Diagnostic]]:
    diags: list[Diagnostic] = []
    for slug in papers:
        if slug not in project.papers:
            diags.append(error("PK020", f"no paper named '{slug}'", None,
                               hint=did_you_mean(slug, project.papers) or "positionkit list shows the papers"))
    for code in langs:
        if get_language(code) is None:
            diags.append(error("PK406", f"unknown language '{code}'", None,
                               hint="use a BCP 47 tag such as fr, es, ar, ru, zh-Hans, pt-BR"))
    if diags:
        return [], diags
    source_lang = project.config.source_lang
    history = _History(project.root)
    out = []
    for slug in papers or project.papers:
        paper = project.papers[slug]
        targets = [lang for lang in (langs or paper.languages) if lang != source_lang]
        pieces = _pieces(project, slug, targets)
        result = []
        for lang in targets:
            items = [_item(project, kind, src, lang, history) for kind, src in pieces]
            items.append(_metadata_item(project, slug, lang))
            result.append(LangStatus(lang, tuple(items)))
        out.append(PaperStatus(slug, str(paper.meta.get("title") or ""), tuple(result)))
    return out, []


def pieces(project: Project, slug: str, langs: list[str]) -> list[tuple[str, Source]]:
    """(kind, source) for every section and block the paper uses in the source language or `langs`."""
    return _pieces(project, slug, langs)


def _pieces(project: Project, slug: str, langs: list[str]) -> list[tuple[str, Source]]:
    """Every section of the paper and every block it includes (in the source text or any translation)."""
    paper = project.papers[slug]
    found: dict[str, tuple[str, Source]] = {}
    for rel in paper.sections:
        if rel in project.sections:
            found[rel] = ("section", project.sections[rel])
    for lang in [project.config.source_lang, *langs]:
        if get_language(lang) is None:
            continue
        for use in resolve(project, Target(slug, lang)).blocks:
            block = project.blocks.get(use.id)
            if block is not None:
                found.setdefault(block.source.path, ("block", block.source))
    for block in _audience_blocks(project, slug):
        found.setdefault(block.source.path, ("block", block.source))
    return list(found.values())


def _audience_blocks(project: Project, slug: str) -> list:
    """Blocks only some audiences get (inside .when/.unless): resolved once per audience, in the
    source language, since translations carry the same conditions."""
    people, _ = project.audiences(audiences_path(project, slug))
    blocks = []
    for person in people.audiences if people is not None else ():
        target = Target(slug, project.config.source_lang, person.id)
        blocks += [project.blocks[u.id] for u in resolve(project, target, person.mapping()).blocks
                   if u.id in project.blocks]
    return blocks


def _item(project: Project, kind: str, src: Source, lang: str, history: "_History") -> Item:
    tr = project.translations.get(src.path, {}).get(lang)
    al = alignment.align(src, tr)
    counts = tuple((state, n) for state in alignment.STATES if (n := al.count(state)))
    return replace(_item_status(project, kind, src, lang, history, tr), paragraphs=counts)


def _item_status(project: Project, kind: str, src: Source, lang: str, history: "_History", tr) -> Item:
    library = library_block(project.blocks, src.path)
    if tr is None:
        target = override_path(library.id, lang) if library else translation_path(src.path, lang)
        return Item(kind, src.path, target, i18n.MISSING,
                    note=library_hint(project, src.path, lang) or f"positionkit i18n new {src.path} --lang {lang}")
    libraries_own = library is not None and not tr.path.startswith(f"{FOLDER}/")
    fresh = _freshness(src, tr)
    if fresh.status in (i18n.UNSTAMPED, UNTRANSLATED):
        changed = tuple(Changed(n, _excerpt(src, n)) for n in fresh.changed)
        return Item(kind, src.path, tr.path, fresh.status, changed,
                    note=library_hint(project, src.path, lang) if libraries_own
                    else f"after checking it: positionkit i18n stamp {tr.path}")
    if fresh.status == i18n.CURRENT:
        return Item(kind, src.path, tr.path, i18n.REVIEWED if fresh.state == "reviewed" else i18n.CURRENT)
    changed = tuple(Changed(n, _excerpt(src, n)) for n in fresh.changed)
    since, diff = history.diff_since(src.path, str(tr.meta["translation"]["source_hash"]))
    note = None if changed else "source paragraphs were removed"
    if libraries_own:
        note = f"the library's own translation; {library_hint(project, src.path, lang)}"
    return Item(kind, src.path, tr.path, i18n.STALE, changed, diff, since, note=note)


def _excerpt(src: Source, line: int, width: int = 72) -> str:
    lines = src.text.split("\n")
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return text if len(text) <= width else text[: width - 1] + "…"


def _metadata_item(project: Project, slug: str, lang: str) -> Item:
    paper = project.papers[slug]
    path = f"{paper.dir}/paper.{lang}.yaml"
    tmeta = paper.translated_meta.get(lang)
    wanted = [k for k in PAPER_TEXT_KEYS if k in ("title", "subtitle", "audience") and paper.meta.get(k)]
    if tmeta is None:
        return Item("metadata", paper.yaml_path, path, i18n.MISSING, note=f"translate {', '.join(wanted)}")
    untranslated = [k for k in wanted if k not in tmeta]
    if untranslated:
        return Item("metadata", paper.yaml_path, path, i18n.MISSING,
                    note=f"not translated: {', '.join(untranslated)}")
    fresh, fields = i18n.metadata_freshness(paper.meta, tmeta, paper.yaml_path)
    if fresh.status == i18n.CURRENT:
        status = i18n.REVIEWED if fresh.state == "reviewed" else i18n.CURRENT
        return Item("metadata", paper.yaml_path, path, status)
    note = f"changed: {', '.join(fields)}" if fields else None
    return Item("metadata", paper.yaml_path, path, fresh.status, note=note)


class _History:
    """The few git questions `status` asks: which earlier version of a source a stamp was made from."""

    def __init__(self, root: Path):
        self.root = root
        self.ok = self._git("rev-parse", "--is-inside-work-tree") == "true"

    def _git(self, *args: str) -> str | None:
        try:
            proc = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return proc.stdout.decode("utf-8", "replace").strip() if proc.returncode == 0 else None

    def diff_since(self, rel: str, recorded: str) -> tuple[str | None, str | None]:
        """(short commit, diff of the source since it) when some committed version hashes to `recorded`."""
        if not self.ok:
            return None, None
        log = self._git("log", f"-n{MAX_COMMITS}", "--format=%H", "--", rel) or ""
        for commit in log.split():
            text = self._git("show", f"{commit}:./{rel}")
            if text is None:
                continue
            old, _ = split_front_matter(text.replace("\r\n", "\n") + "\n", rel)
            if i18n.source_hash(old.body) == recorded:
                diff = self._git("diff", "--no-color", "-U1", commit, "--", rel) or ""
                lines = diff.split("\n")
                body = [ln for ln in lines if not ln.startswith(("diff --git", "index ", "--- ", "+++ "))]
                if len(body) > MAX_DIFF_LINES:
                    body = body[:MAX_DIFF_LINES] + [f"… ({len(body) - MAX_DIFF_LINES} more lines)"]
                return commit[:7], "\n".join(body) or None
        return None, None


def _freshness(src: Source, tr: Source) -> i18n.Freshness:
    """i18n.freshness, plus for a scaffold the source lines changed since it was created."""
    fresh = i18n.freshness(src, tr)
    rec = tr.meta.get("translation")
    if fresh.status != i18n.UNSTAMPED or not isinstance(rec, dict) or rec.get("state") != UNTRANSLATED:
        return fresh
    if not isinstance(rec.get("paragraphs"), list):
        return i18n.Freshness(UNTRANSLATED)
    probe = replace(tr, meta={**tr.meta, "translation": {**rec, "source_hash": ""}})
    return i18n.Freshness(UNTRANSLATED, i18n.freshness(src, probe).changed, UNTRANSLATED)
