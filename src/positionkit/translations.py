"""Translation housekeeping: which translations a paper needs and how fresh they are (status),
recording that a translation matches its source (stamp), and scaffolding a new one (new).

Freshness itself is :mod:`positionkit.i18n`; this module turns it into tables and file edits.
Stamping rewrites only a translation's front matter: the body is copied byte for byte, and the
file is replaced atomically (temp file + rename) so an interrupted stamp never leaves half a file.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from . import i18n
from .diagnostics import Diagnostic, did_you_mean, error
from .languages import get_language
from .project import PAPER_TEXT_KEYS, Project, split_lang, translation_path
from .resolve import Target, resolve
from .sources import Source, decode, split_front_matter

UNTRANSLATED = "untranslated"
"""Status (and front-matter state) of a scaffold that no translator has stamped yet."""
STATUSES = (i18n.CURRENT, i18n.REVIEWED, i18n.STALE, i18n.UNSTAMPED, UNTRANSLATED, i18n.MISSING)
MAX_COMMITS = 50
"""How far back `status` looks in git for the source version a stamp was made from."""
MAX_DIFF_LINES = 80
_FRONT = re.compile(rb"\A(\xef\xbb\xbf)?---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_TOP_KEY = re.compile(rb"^[^\s#-][^:]*:")


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

    def to_dict(self) -> dict:
        return {"kind": self.kind, "source": self.source, "translation": self.translation,
                "status": self.status, "changed": [{"line": c.line, "text": c.text} for c in self.changed],
                "diff": self.diff, "since": self.since, "note": self.note}


@dataclass(frozen=True)
class LangStatus:
    lang: str
    items: tuple[Item, ...]

    def counts(self) -> dict:
        return {s: n for s in STATUSES if (n := sum(1 for i in self.items if i.status == s))}


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
    return list(found.values())


def _item(project: Project, kind: str, src: Source, lang: str, history: "_History") -> Item:
    tr = project.translations.get(src.path, {}).get(lang)
    if tr is None:
        return Item(kind, src.path, translation_path(src.path, lang), i18n.MISSING,
                    note=f"positionkit i18n new {src.path} --lang {lang}")
    fresh = _freshness(src, tr)
    if fresh.status in (i18n.UNSTAMPED, UNTRANSLATED):
        changed = tuple(Changed(n, _excerpt(src, n)) for n in fresh.changed)
        return Item(kind, src.path, tr.path, fresh.status, changed,
                    note=f"after checking it: positionkit i18n stamp {tr.path}")
    if fresh.status == i18n.CURRENT:
        return Item(kind, src.path, tr.path, i18n.REVIEWED if fresh.state == "reviewed" else i18n.CURRENT)
    changed = tuple(Changed(n, _excerpt(src, n)) for n in fresh.changed)
    since, diff = history.diff_since(src.path, str(tr.meta["translation"]["source_hash"]))
    return Item(kind, src.path, tr.path, i18n.STALE, changed, diff, since,
                note=None if changed else "source paragraphs were removed")


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


# ---------------------------------------------------------------- stamp / new

def _translations_by_path(project: Project) -> dict[str, tuple[Source, Source, str]]:
    """translation path -> (source, translation, lang) for every section and block translation."""
    sources = dict(project.sections)
    sources.update({b.source.path: b.source for b in project.blocks.values()})
    out = {}
    for src_path, by_lang in project.translations.items():
        if src_path in sources:
            for lang, tr in by_lang.items():
                out[tr.path] = (sources[src_path], tr, lang)
    return out


def _sources_by_path(project: Project) -> dict[str, Source]:
    out = dict(project.sections)
    out.update({b.source.path: b.source for b in project.blocks.values() if b.library is None})
    return out


def relative(project: Project, path: Path) -> str | None:
    try:
        return path.resolve().relative_to(project.root.resolve()).as_posix()
    except (ValueError, OSError):
        return None


@dataclass(frozen=True)
class Stamped:
    path: str
    state: str
    was: str
    """The translation's status before stamping."""
    changed: tuple[int, ...] = ()
    """Source lines that changed since the previous stamp (for a stale translation)."""


def stamp(project: Project, rel: str, reviewed: bool = False, today: dt.date | None = None
          ) -> tuple[Stamped | None, list[Diagnostic]]:
    """Record in `rel`'s front matter that it matches its source as it is now."""
    if _metadata_target(project, rel):
        return _stamp_metadata(project, rel, reviewed, today)
    known = _translations_by_path(project)
    if rel not in known:
        return None, [_not_a_translation(project, rel)]
    src, tr, lang = known[rel]
    fresh = _freshness(src, tr)
    rec = tr.meta.get("translation") if isinstance(tr.meta.get("translation"), dict) else {}
    was = fresh.status
    state = "reviewed" if reviewed else "translated"
    log = [str(x) for x in rec.get("log") or []] if isinstance(rec.get("log") or [], list) else []
    day = (today or dt.date.today()).isoformat()
    note = f"{day} stamped, {state}" + (f" (source lines {', '.join(map(str, fresh.changed))} had changed)"
                                         if fresh.changed else "")
    record = {**i18n.stamp_data(src.body), "state": state, "log": [*log, note]}
    problem = rewrite_front_matter(project.root / rel, rel, record)
    if problem:
        return None, [problem]
    return Stamped(rel, state, was, fresh.changed), []


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


def _not_a_translation(project: Project, rel: str) -> Diagnostic:
    source, lang = split_lang(rel)
    sources = _sources_by_path(project)
    if rel.startswith(("/", "../")) or ":" in rel.split("/")[0]:
        return error("PK407", f"{rel} is not a translation: it is outside the project", rel,
                     hint="name a file inside the project (-C DIR picks the project)")
    if not (project.root / rel).is_file():
        return error("PK407", f"{rel} is not a translation: no such file", rel,
                     hint="name a translation file such as papers/<paper>/02-context.fr.md")
    if lang is None or not rel.endswith(".md"):
        return error("PK407", f"{rel} is not a translation: its name has no language suffix", rel,
                     hint=f"translations are named like {translation_path(rel, 'fr') if rel.endswith('.md') else 'NAME.fr.md'}"
                          " beside their source")
    if lang == project.config.source_lang:
        return error("PK407", f"{rel} is not a translation: {lang} is the source language", rel)
    if source not in sources:
        return error("PK407", f"{rel} is not a translation: no section or block {source} beside it", rel,
                     hint=did_you_mean(source, sources) or "a translation sits beside its source file")
    return error("PK407", f"{rel} is not a translation that positionkit loaded", rel)


def _metadata_target(project: Project, rel: str) -> tuple | None:
    """(paper, lang) when rel is a paper.<lang>.yaml positionkit loaded."""
    folder, _, name = rel.rpartition("/")
    if not (name.startswith("paper.") and name.endswith(".yaml")) or name == "paper.yaml":
        return None
    lang = name[len("paper."):-len(".yaml")]
    paper = next((p for p in project.papers.values() if p.dir == folder), None)
    return (paper, lang) if paper is not None and lang in paper.translated_meta else None


def _stamp_metadata(project: Project, rel: str, reviewed: bool, today: dt.date | None
                    ) -> tuple[Stamped | None, list[Diagnostic]]:
    paper, lang = _metadata_target(project, rel)
    tmeta = paper.translated_meta[lang]
    fresh, _ = i18n.metadata_freshness(paper.meta, tmeta, paper.yaml_path)
    rec = tmeta.get("translation") if isinstance(tmeta.get("translation"), dict) else {}
    state = "reviewed" if reviewed else "translated"
    log = [str(x) for x in rec.get("log") or []] if isinstance(rec.get("log") or [], list) else []
    note = f"{(today or dt.date.today()).isoformat()} stamped, {state}"
    record = {**i18n.stamp_data(i18n.metadata_source(paper.meta, paper.yaml_path).body), "state": state,
              "log": [*log, note]}
    problem = rewrite_yaml_entry(project.root / rel, rel, record)
    return (None, [problem]) if problem else (Stamped(rel, state, fresh.status, ()), [])


def rewrite_yaml_entry(path: Path, rel: str, record: dict) -> Diagnostic | None:
    """Replace (or append) the top-level `translation:` entry of a YAML file; other lines stay."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return error("PK408", f"cannot read {rel}: {exc.strerror or exc}", rel)
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    entry = yaml.safe_dump({"translation": record}, allow_unicode=True, sort_keys=False, width=100)
    lines = data.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += newline
    start = next((i for i, ln in enumerate(lines) if ln.startswith(b"translation:")), None)
    if start is None:
        lines.append(entry.encode().replace(b"\n", newline))
    else:
        end = next((j for j in range(start + 1, len(lines)) if _TOP_KEY.match(lines[j])), len(lines))
        lines[start:end] = [entry.encode().replace(b"\n", newline)]
    return _replace(path, rel, b"".join(lines))


def rewrite_front_matter(path: Path, rel: str, record: dict) -> Diagnostic | None:
    """Replace the `translation:` entry of a file's front matter; every other byte stays as it was."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return error("PK408", f"cannot read {rel}: {exc.strerror or exc}", rel)
    first = data.split(b"\n", 1)[0]
    newline = b"\r\n" if first.endswith(b"\r") else b"\n"  # the front matter's own line ending
    dumped = yaml.safe_dump({"translation": record}, allow_unicode=True, sort_keys=False, width=100)
    entry = dumped.encode().replace(b"\n", newline)
    m = _FRONT.match(data)
    if m is None:
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        new = bom + b"---" + newline + entry + b"---" + newline + data[len(bom):]
    else:
        front = m.group(2) or b""
        lines = front.splitlines(keepends=True)
        start = next((i for i, ln in enumerate(lines) if ln.startswith(b"translation:")), None)
        if start is None:
            kept = lines
            if kept and not kept[-1].endswith(b"\n"):
                kept[-1] += newline
            lines = kept + [entry]
        else:
            end = next((j for j in range(start + 1, len(lines)) if _TOP_KEY.match(lines[j])), len(lines))
            lines = lines[:start] + [entry] + lines[end:]
        opening = data[: m.start(2)] if m.group(2) is not None else data[: m.end(0)].split(b"\n", 1)[0] + b"\n"
        closing = data[m.end(2): m.end(0)] if m.group(2) is not None else data[len(opening): m.end(0)]
        new = opening + b"".join(lines) + closing + data[m.end(0):]
    return _replace(path, rel, new)


def _replace(path: Path, rel: str, data: bytes) -> Diagnostic | None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o777)
        except OSError:
            pass
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        return error("PK408", f"cannot write {rel}: {exc.strerror or exc}", rel,
                     hint="check permissions and free space; the file was left as it was")
    return None


def new_translation(project: Project, rel: str, lang: str, today: dt.date | None = None
                    ) -> tuple[str | None, list[Diagnostic]]:
    """Create `rel`'s translation into `lang`: the source body under an unstamped front matter."""
    sources = _sources_by_path(project)
    if get_language(lang) is None:
        return None, [error("PK406", f"unknown language '{lang}'", None,
                            hint="use a BCP 47 tag such as fr, es, ar, ru, zh-Hans, pt-BR")]
    if lang == project.config.source_lang:
        return None, [error("PK409", f"{lang} is the source language: sections are written in it", rel)]
    if rel not in sources:
        base, tlang = split_lang(rel)
        if tlang is not None and base in sources:
            hint = f"name the source: positionkit i18n new {base} --lang {lang}"
        else:
            hint = did_you_mean(rel, sources) or "name a section listed in a paper.yaml or a file under blocks/"
        return None, [error("PK409", f"{rel} is not a section or block that could be translated", rel,
                            hint=hint)]
    src = sources[rel]
    target = translation_path(rel, lang)
    if (project.root / target).exists():
        return None, [error("PK409", f"{target} already exists; it was left as it was", target,
                            hint=f"to record that it is up to date: positionkit i18n stamp {target}")]
    day = (today or dt.date.today()).isoformat()
    record = {"state": UNTRANSLATED, "paragraphs": i18n.stamp_data(src.body)["paragraphs"],
              "log": [f"{day} created from {Path(rel).name}, untranslated"]}
    head = yaml.safe_dump({"translation": record}, allow_unicode=True, sort_keys=False, width=100)
    body = _source_body_bytes(project.root / rel)
    if body is None:
        body = src.body.encode()
    try:
        with open(project.root / target, "xb") as fh:
            fh.write(b"---\n" + head.encode() + b"---\n" + body)
    except FileExistsError:
        return None, [error("PK409", f"{target} already exists; it was left as it was", target)]
    except OSError as exc:
        return None, [error("PK408", f"cannot write {target}: {exc.strerror or exc}", target)]
    return target, []


def _source_body_bytes(path: Path) -> bytes | None:
    """The source's body exactly as on disk (after its front matter), or None when unreadable."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    text, _ = decode(data, path.name)
    if text is None:
        return None
    m = _FRONT.match(data)
    return data[m.end(0):] if m else data.removeprefix(b"\xef\xbb\xbf")
