"""Writing translation files: stamping what a translation was made from, scaffolding a new one.

The only code that rewrites a writer's source files, and only when asked: front matter (or a
paper.<lang>.yaml's `translation:` entry) is replaced, every other byte stays, and the file is
replaced atomically.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from positionkit.load import library_translations
from positionkit.load import stamps as i18n
from positionkit.diagnostics import Diagnostic, did_you_mean, error
from positionkit.languages import get_language
from positionkit.load.project import Project, split_lang, translation_path
from positionkit.load.sources import Source, decode
from positionkit.pipeline.write import replace_file
from positionkit.translations.status import UNTRANSLATED, _freshness

_FRONT = re.compile(rb"\A(\xef\xbb\xbf)?---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_TOP_KEY = re.compile(rb"^[^\s#-][^:]*:")


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
    refused = _in_a_library(project, rel)
    if refused:
        return None, [refused]
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


def _in_a_library(project: Project, rel: str) -> Diagnostic | None:
    """A file inside a library's folder is the library's: editing it breaks the lock (PK705)."""
    for state in project.libraries:
        if rel.startswith(f"{state.folder}/"):
            source, lang = split_lang(rel)
            block = library_translations.library_block(project.blocks, source)
            how = (f"translate it in this project instead: positionkit i18n new {block.id} --lang {lang} "
                   f"(creates {library_translations.override_path(block.id, lang)})"
                   if block is not None and lang else "change it upstream in the library")
            return error("PK732", f"{rel} belongs to library '{state.alias}' (pinned by its content hash); "
                         "positionkit does not edit library files", rel, hint=how)
    return None


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
    return _replace(path, rel, with_record(data, record))


def with_record(data: bytes, record: dict) -> bytes:
    """data with its front matter's `translation:` entry replaced (or added); other bytes kept."""
    first = data.split(b"\n", 1)[0]
    newline = b"\r\n" if first.endswith(b"\r") else b"\n"  # the front matter's own line ending
    dumped = yaml.safe_dump({"translation": record}, allow_unicode=True, sort_keys=False, width=100)
    entry = dumped.encode().replace(b"\n", newline)
    m = _FRONT.match(data)
    if m is None:
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        return bom + b"---" + newline + entry + b"---" + newline + data[len(bom):]
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
    return opening + b"".join(lines) + closing + data[m.end(0):]


def body_offset(data: bytes) -> int:
    """Byte offset where a file's body starts (after its front matter, if any)."""
    m = _FRONT.match(data)
    return m.end(0) if m else (3 if data.startswith(b"\xef\xbb\xbf") else 0)


def _replace(path: Path, rel: str, data: bytes) -> Diagnostic | None:
    try:
        replace_file(path, data)
    except OSError as exc:
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
    block = library_translations.library_block(project.blocks, rel)
    if block is not None:
        return _new_library_translation(project, block, lang, today)
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


def _new_library_translation(project: Project, block, lang: str, today: dt.date | None = None
                             ) -> tuple[str | None, list[Diagnostic]]:
    """A library block's translation in the project's own tree (translations/<alias>/...), pre-filled
    with the library's own translation into lang when it has one (stale or not), else the source."""
    target = library_translations.override_path(block.id, lang)
    if (project.root / target).exists():
        return None, [error("PK409", f"{target} already exists; it was left as it was", target,
                            hint=f"to record that it is up to date: positionkit i18n stamp {target}")]
    theirs = project.translations.get(block.source.path, {}).get(lang)
    start = theirs.body if theirs is not None else block.source.body
    origin = f"the library's {lang} translation" if theirs is not None else f"{block.id}"
    day = (today or dt.date.today()).isoformat()
    record = {"state": UNTRANSLATED, "paragraphs": i18n.stamp_data(block.source.body)["paragraphs"],
              "log": [f"{day} created from {origin}, untranslated"]}
    head = yaml.safe_dump({"translation": record}, allow_unicode=True, sort_keys=False, width=100)
    try:
        (project.root / target).parent.mkdir(parents=True, exist_ok=True)
        with open(project.root / target, "xb") as fh:
            fh.write(b"---\n" + head.encode() + b"---\n" + start.encode())
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


def write_translation(path: Path, rel: str, data: bytes) -> Diagnostic | None:
    """Replace a translation file atomically; a diagnostic when that fails (the file is left as it was)."""
    return _replace(path, rel, data)


def imported_stamp(previous, hashes: list, current: list, source_body: str, logged: str) -> dict:
    """The translation stamp an import writes: ``hashes`` (per paragraph or field, what each
    translated part was made from) and the source hash they add up to: the source's own when
    every part is current, else a hash of the list (so the file reads as stale); the previous
    stamp's log with ``logged`` added."""
    if hashes == current:
        source_hash = i18n.source_hash(source_body)
    else:
        source_hash = "sha256:" + hashlib.sha256("\n".join(map(str, hashes)).encode()).hexdigest()
    old = previous if isinstance(previous, dict) else {}
    log = [str(x) for x in old.get("log") or []] if isinstance(old.get("log") or [], list) else []
    return {"source_hash": source_hash, "paragraphs": hashes, "state": "translated", "log": [*log, logged]}


def read_translation(path: Path, rel: str) -> bytes | Diagnostic:
    """A translation file's bytes before an import rewrites it (b"" when it does not exist yet)."""
    try:
        return path.read_bytes() if path.exists() else b""
    except OSError as exc:
        return error("PK408", f"cannot read {rel}: {exc.strerror or exc}", rel)
