"""audiences.yaml: the delegations a tailored batch is built for, and choosing among them.

Each audience has an id (also its output folder), a name printed as the handout's audience line,
languages, params (printable, per language if need be), tags, and an `internal` mapping that
conditions may select on but that is never printable: it is kept apart from everything a
renderer or a parameter can reach.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from positionkit.diagnostics import Diagnostic, did_you_mean, error, warning
from positionkit.languages import get_language
from positionkit.load.sources import inside, is_file, long_name, read_text, too_long

KEYS = ("id", "name", "languages", "params", "tags", "internal")
ALL = "all"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SCALAR = (str, int, float, bool)


@dataclass(frozen=True)
class Audience:
    id: str
    """Lowercase letters, digits, '-' and '_': it names the output folder."""
    name: object = None
    """Text or {lang: text}: replaces the paper's audience line."""
    languages: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)
    """Printable parameter values: text or {lang: text}."""
    tags: tuple[str, ...] = ()
    internal: dict = field(default_factory=dict)
    """Never printable: only conditions read it."""
    line: int | None = None

    def mapping(self) -> dict:
        """What resolve receives. `internal` is a read-only view so nothing can add it to a scope."""
        return {"id": self.id, "name": self.name, "languages": list(self.languages),
                "params": dict(self.params), "tags": list(self.tags),
                "internal": MappingProxyType(dict(self.internal))}

    def printable(self) -> dict:
        """Everything about this audience that may reach an output (part of cache keys)."""
        return {"id": self.id, "name": self.name, "languages": list(self.languages),
                "params": self.params, "tags": list(self.tags)}


@dataclass(frozen=True)
class AudienceSet:
    path: str
    """Project-relative path of the file."""
    audiences: tuple[Audience, ...] = ()

    def get(self, audience_id: str) -> Audience | None:
        return next((a for a in self.audiences if a.id == audience_id), None)

    @property
    def tags(self) -> list[str]:
        return sorted({t for a in self.audiences for t in a.tags})


def audiences_path(project, slug: str | None = None) -> str:
    """A paper's own `audiences:` file, else [project] audiences (default audiences.yaml)."""
    if slug is not None:
        named = project.papers[slug].meta.get("audiences")
        if isinstance(named, str) and named:
            return named
    return project.config.audiences


def load(root: Path, rel: str) -> tuple[AudienceSet | None, list[Diagnostic]]:
    """Read and validate an audiences file; None when it does not exist or cannot be read."""
    if not inside(root, root / rel) or Path(rel).is_absolute():
        return None, [error("PK801", f"audiences file '{rel}' is outside the project", rel,
                            hint="keep audiences.yaml inside the project folder")]
    if too_long(rel):
        return None, [long_name(rel, rel, None, "audiences file")]
    if not is_file(root / rel):
        return None, []
    text, diags = read_text(root, rel)
    if text is None:
        return None, diags
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:  # one parse gives both the data and the node marks (line numbers)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = " ".join(str(getattr(exc, "problem", None) or getattr(exc, "reason", None) or exc).split())
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, None)
        if mark is None and isinstance(getattr(exc, "position", None), int):  # ReaderError
            before = text[:exc.position]
            line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        return None, [error("PK802", f"{rel} cannot be read: {what}", rel, line, col)]
    items, item_nodes = _entries(data, node, rel, diags)
    audiences, seen = [], {}
    for raw, item_node in zip(items, item_nodes):
        line = item_node.start_mark.line + 1 if item_node is not None else None
        aud = _audience(raw, item_node, rel, line, diags)
        if aud is None:
            continue
        if aud.id in seen:
            diags.append(error("PK805", f"audience id '{aud.id}' is used twice (first on line {seen[aud.id]})",
                               rel, line, hint="every audience needs its own id: it names its output folder"))
            continue
        seen[aud.id] = line
        audiences.append(aud)
    return AudienceSet(rel, tuple(audiences)), diags


def _entries(data, node, rel: str, diags: list) -> tuple[list, list]:
    if data is None:
        return [], []
    if isinstance(data, dict):
        for key in data:
            if key != "audiences":
                diags.append(warning("PK803", f"unknown key '{key}' in {rel}", rel, _key_line(node, key),
                                     hint=did_you_mean(str(key), ["audiences"]) or "the file holds 'audiences:'"))
        node = _value_node(node, "audiences")
        data = data.get("audiences") or []
    if not isinstance(data, list):
        diags.append(error("PK804", f"{rel} must hold a list under 'audiences:'", rel, 1))
        return [], []
    nodes = list(node.value) if isinstance(node, yaml.SequenceNode) else [None] * len(data)
    return data, nodes


def _audience(raw, node, rel: str, line: int | None, diags: list) -> Audience | None:
    def bad(key: str, msg: str):
        diags.append(error("PK804", msg, rel, _key_line(node, key) or line))

    if not isinstance(raw, dict):
        diags.append(error("PK804", "each audience must be a mapping with at least an 'id'", rel, line))
        return None
    for key in raw:
        if key not in KEYS:
            diags.append(warning("PK803", f"unknown key '{key}' in audience '{raw.get('id')}'", rel,
                                 _key_line(node, key) or line,
                                 hint=did_you_mean(str(key), KEYS) or f"keys: {', '.join(KEYS)}"))
    aid = raw.get("id")
    if not isinstance(aid, str) or not _ID.match(aid):
        diags.append(error("PK804", f"audience id {aid!r} must be lowercase letters, digits, '-' or '_'" if aid
                           is not None else "audience has no 'id'", rel, _key_line(node, "id") or line,
                           hint="the id names the output folder: build/<paper>/<id>/"))
        return None
    ok = True
    name = raw.get("name")
    if name is not None and not _text_or_localized(name):
        bad("name", f"audience '{aid}': name must be text or a mapping of language: text")
        ok = False
    languages = raw.get("languages") or []
    if isinstance(languages, str):
        languages = [languages]
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        bad("languages", f"audience '{aid}': languages must be a list of language tags")
        ok, languages = False, []
    for code in languages:
        if get_language(code) is None:
            diags.append(error("PK806", f"audience '{aid}': unknown language '{code}'", rel,
                               _key_line(node, "languages") or line,
                               hint="use a BCP 47 tag such as en, fr, es, ar, ru, zh-Hans, pt-BR"))
            ok = False
    params = raw.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) and _text_or_localized(v)
                                               for k, v in params.items()):
        bad("params", f"audience '{aid}': params must map names to text or to language: text mappings")
        ok, params = False, {}
    tags = raw.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        bad("tags", f"audience '{aid}': tags must be a list of words")
        ok, tags = False, []
    internal = raw.get("internal") or {}
    if not isinstance(internal, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, _SCALAR) or
                                    (isinstance(v, list) and all(isinstance(x, _SCALAR) for x in v)))
            for k, v in internal.items()):
        bad("internal", f"audience '{aid}': internal must map names to text or lists of text")
        ok, internal = False, {}
    if not ok:
        return None
    return Audience(aid, name, tuple(languages), dict(params), tuple(tags), dict(internal), line)


def _text_or_localized(value) -> bool:
    if isinstance(value, _SCALAR) and not isinstance(value, bool):
        return True
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and isinstance(v, _SCALAR) and not isinstance(v, bool) for k, v in value.items())


def _value_node(node, key: str):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return v
    return None


def _key_line(node, key: str) -> int | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if getattr(k, "value", None) == key:
                return k.start_mark.line + 1
    return None


def select(aset: AudienceSet | None, selectors, path: str | None = None
           ) -> tuple[list[Audience], list[Diagnostic]]:
    """--audience ID|TAG|all (repeatable) -> audiences in file order, each once."""
    if aset is None:
        return [], [error("PK801", f"no audiences file: {path or 'audiences.yaml'} does not exist",
                          path, hint="add audiences.yaml at the project root (see docs/audiences.md)")]
    chosen: dict[str, Audience] = {}
    diags = []
    for sel in selectors:
        if sel == ALL:
            found = list(aset.audiences)
        elif aset.get(sel) is not None:
            found = [aset.get(sel)]
        else:
            found = [a for a in aset.audiences if sel in a.tags]
        if not found:
            names = [a.id for a in aset.audiences] + aset.tags
            diags.append(error("PK807", f"no audience id or tag '{sel}' in {aset.path}", aset.path,
                               hint=did_you_mean(sel, names) or "use an id, a tag, or 'all'"))
        for a in found:
            chosen.setdefault(a.id, a)
    order = {a.id: i for i, a in enumerate(aset.audiences)}
    return sorted(chosen.values(), key=lambda a: order[a.id]), diags


def languages_for(audience: Audience, paper_languages: list[str], source_lang: str) -> list[str]:
    """The audience's languages that the paper has, in the audience's order; else the source language."""
    mine = [code for code in audience.languages if code in paper_languages]
    return mine or [source_lang]
