"""positionkit.toml: declared once, validated by collecting every error.

Unknown keys are warnings with the closest valid key, wrong types are errors; nested keys are
reported with their table prefix ("[project] formats").
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from positionkit.diagnostics import Diagnostic, did_you_mean, error, warning
from positionkit.load.sources import decode
import dataclasses

from positionkit.style import DEFAULT_STYLE, Style

CONFIG_NAME = "positionkit.toml"
FORMATS = ("docx", "pdf")

PROJECT_KEYS = {
    "name": str,
    "source_lang": str,
    "formats": list,
    "output_dir": str,
    "allow_raw": bool,
    "audiences": str,
    "time_limit": int,
}
TABLES = ("project", "style", "libraries", "overrides")


@dataclass(frozen=True)
class Library:
    alias: str
    git: str | None = None
    path: str | None = None
    ref: str | None = None
    """Branch, tag or commit to follow (git libraries)."""


@dataclass(frozen=True)
class Config:
    name: str = "positionkit project"
    source_lang: str = "en"
    formats: tuple[str, ...] = FORMATS
    output_dir: str = "build"
    allow_raw: bool = False
    """Allow raw output (```{=openxml}```, HTML, LaTeX) in the papers' own sections; never in blocks,
    the project's or a library's (checks/raw.py refuses it there, PK507)."""
    audiences: str = "audiences.yaml"
    time_limit: int = 120
    """Seconds one pandoc run or typst compile may take before it is stopped (PK610)."""
    style: Style = DEFAULT_STYLE
    libraries: tuple[Library, ...] = ()
    overrides: dict = field(default_factory=dict)
    """Library block id -> project block id replacing it ("core:data-flows/x" -> "data-flows/x-kenya")."""


def find_root(start: Path) -> Path | None:
    """Walk up from start to the folder holding positionkit.toml, like git does."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def _line_of(text: str, key: str, table: str | None = None) -> int | None:
    """tomllib keeps no positions; find the key's line, inside its table when given."""
    lines = text.split("\n")
    in_table = table is None
    for i, ln in enumerate(lines, 1):
        s = ln.strip()
        if s.startswith("["):
            name = s.split("#", 1)[0].strip().strip("[]").strip()
            name = ".".join(part.strip().strip("\"'") for part in name.split("."))  # ["project"]
            in_table = table is not None and (name == table or name.startswith(table + "."))
            if table is None and name == key:
                return i
            if name == f"{table}.{key}":
                return i
            continue
        if in_table and re.match(rf'^\s*["\']?{re.escape(key)}["\']?\s*=', ln):
            return i
    return None


key_line = _line_of


def parse_config(text: str, rel: str = CONFIG_NAME) -> tuple[Config, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        msg = re.sub(r"\s*\(at line.*\)", "", str(exc))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        if m is None and "(at end of document)" in str(exc):
            lines = text.split("\n")
            line, col = len(lines), len(lines[-1]) + 1
            msg = msg.replace(" (at end of document)", " at the end of the file")
        return Config(), [error("PK001", f"positionkit.toml cannot be read: {msg}", rel, line, col,
                                hint="see the format in docs/format.md")]

    def bad(key, msg, table=None, hint=None, sev=error):
        diags.append(sev("PK002" if sev is error else "PK003", msg, rel,
                         _line_of(text, key, table), hint=hint))

    for key in data:
        if key not in TABLES:
            bad(key, f"unknown table or key '{key}'", None, did_you_mean(key, TABLES), warning)
    project = data.get("project", {})
    if not isinstance(project, dict):
        bad("project", "[project] must be a table")
        project = {}
    values: dict = {}
    for key, value in project.items():
        want = PROJECT_KEYS.get(key)
        if want is None:
            bad(key, f"unknown key '{key}' in [project]", "project", did_you_mean(key, PROJECT_KEYS), warning)
            continue
        if not isinstance(value, want):
            bad(key, f"[project] {key} must be a {want.__name__}, not {type(value).__name__}", "project")
            continue
        values[key] = value
    if "formats" in values:
        fmts = []
        for f in values["formats"]:
            if f not in FORMATS:
                bad("formats", f"[project] formats: unknown format '{f}'", "project",
                    did_you_mean(str(f), FORMATS) or "formats are docx and pdf")
            else:
                fmts.append(f)
        values["formats"] = tuple(fmts) or FORMATS
    if "time_limit" in values and (isinstance(values["time_limit"], bool) or values["time_limit"] < 1):
        bad("time_limit", "[project] time_limit must be a whole number of seconds, at least 1", "project")
        del values["time_limit"]
    if "output_dir" in values:
        out = values["output_dir"]
        if Path(out).is_absolute() or ".." in Path(out).parts or out in ("", "."):
            bad("output_dir", f"[project] output_dir '{out}' must be a folder inside the project",
                "project", "the default is 'build'")
            del values["output_dir"]

    style = DEFAULT_STYLE
    raw_style = data.get("style", {})
    if isinstance(raw_style, dict):
        style, errs = Style.from_mapping({k: v for k, v in raw_style.items() if k in _style_keys()})
        for key, msg, is_error in _style_messages(raw_style, errs):
            bad(key, msg, "style", sev=error if is_error else warning,
                hint=did_you_mean(key, _style_keys()) if not is_error else None)
    else:
        bad("style", "[style] must be a table")

    libraries = []
    raw_libs = data.get("libraries", {})
    if isinstance(raw_libs, dict):
        for alias, spec in raw_libs.items():
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", alias):
                bad(alias, f"library alias '{alias}' must be lowercase letters, digits, '-' or '_'", "libraries")
                continue
            if not isinstance(spec, dict) or not (("git" in spec) ^ ("path" in spec)):
                bad(alias, f"[libraries.{alias}] needs exactly one of git = \"<url>\" or path = \"<folder>\"",
                    "libraries")
                continue
            if not all(isinstance(v, str) and v.strip() for k, v in spec.items()
                       if k in ("git", "path", "ref", "branch", "tag", "commit")):
                bad(alias, f"[libraries.{alias}] git, path and ref must be non-empty strings", "libraries")
                continue
            for k in spec:
                if k not in ("git", "path", "ref", "branch", "tag", "commit"):
                    bad(alias, f"unknown key '{k}' in [libraries.{alias}]", "libraries",
                        did_you_mean(k, ("git", "path", "ref")), warning)
            ref = spec.get("ref") or spec.get("branch") or spec.get("tag") or spec.get("commit")
            libraries.append(Library(alias, spec.get("git"), spec.get("path"), ref))
    overrides = data.get("overrides", {})
    if not isinstance(overrides, dict) or not all(isinstance(v, str) for v in overrides.values()):
        bad("overrides", "[overrides] maps a library block id to a project block id, both strings")
        overrides = {}
    cfg = Config(style=style, libraries=tuple(libraries), overrides=dict(overrides), **values)
    return cfg, diags


def _style_keys() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(Style))


def _style_messages(raw: dict, errs: list[str]):
    """Style.from_mapping reports plain strings; find which key each one is about."""
    known = set(_style_keys())
    for key in raw:
        if key not in known:
            yield key, f"unknown key '{key}' in [style]", False
    for msg in errs:
        key = next((k for k in raw if k in msg), next(iter(raw), "style"))
        if key in known:
            yield key, f"[style] {msg}", True


def load_config(root: Path) -> tuple[Config, list[Diagnostic]]:
    try:
        data = (root / CONFIG_NAME).read_bytes()
    except OSError as exc:
        return Config(), [error("PK001", f"cannot read positionkit.toml: {exc.strerror}", CONFIG_NAME)]
    text, diags = decode(data, CONFIG_NAME)
    if text is None:
        return Config(), diags
    return parse_config(text)
