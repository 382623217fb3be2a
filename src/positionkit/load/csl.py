"""CSL styles, read once and resolved offline.

Most styles in the Zotero repository are *dependent*: a few lines of ``<info>`` whose
``<link rel="independent-parent" href="...">`` names the style that does the formatting. pandoc
follows that link itself, fetching the URL or reading a file even under ``--sandbox``. So
positionkit parses every style first, resolves a parent only *by its id* among the project's
``styles/*.csl`` and the few styles it ships (``positionkit/data/csl``, CC BY-SA 3.0, from the
CSL style repository), and hands pandoc the independent style's bytes. Nothing is fetched, and
no path in a style is ever opened.
"""
from __future__ import annotations

import hashlib
import re
import xml.parsers.expat
from dataclasses import astuple, dataclass, fields
from importlib import resources
from pathlib import Path

from positionkit.load.citestyles import builtin_csl
from positionkit.diagnostics import Diagnostic, error
from positionkit.load.sources import inside, read_text
from positionkit.system.diskcache import cached_json

CSL_NS = "http://purl.org/net/xbiblio/csl"
SHIPPED = "positionkit/data/csl"
"""How a parent positionkit ships is named in messages."""


@dataclass(frozen=True)
class CslStyle:
    path: str
    """Project-relative path of the style as the configuration names it."""
    data: bytes
    """The independent style pandoc is given (the parent, for a dependent style)."""
    parent: str | None = None
    """'styles/apa.csl' or 'positionkit/data/csl/apa.csl' for a dependent style."""

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class _Info:
    id: str | None
    parent: str | None
    parent_line: int | None
    parent_col: int | None
    default_locale: str | None


class _Refused(Exception):
    def __init__(self, message: str, line: int | None, col: int | None) -> None:
        super().__init__(message)
        self.line, self.col = line, col


def _scan(text: str) -> _Info:
    """The style's id, parent link and default locale (raises _Refused, ExpatError)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    stack: list[str] = []
    found: dict = {"id": None, "parent": None, "line": None, "col": None, "locale": None, "text": []}

    def refuse(*_args):
        # a DTD could declare entities pandoc's XML reader would expand or fetch: none is needed
        raise _Refused("a CSL style must not contain a <!DOCTYPE> or entity declarations",
                       parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def start(name, attrs):
        local = name.split(" ")[-1]
        if not stack and (local != "style" or not name.startswith(CSL_NS)):
            raise _Refused(f"this is not a CSL style (its root element is <{local}>)",
                           parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
        if not stack:
            found["locale"] = attrs.get("default-locale")
        if stack[-1:] == ["info"] and local == "link" and attrs.get("rel") == "independent-parent":
            found["parent"] = attrs.get("href", "")
            found["line"], found["col"] = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
        stack.append(local)
        found["text"] = []

    def end(name):
        if stack[-2:] == ["info", "id"] and found["id"] is None:
            found["id"] = "".join(found["text"]).strip()
        stack.pop()

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda data: found["text"].append(data)
    parser.Parse(text.encode("utf-8"), True)
    return _Info(found["id"], found["parent"], found["line"], found["col"], found["locale"])


_SCAN_VERSION = 1
"""Part of the disk cache's key for :func:`_scan`'s answers: raise it when _scan reads more."""


def _scanned(text: str) -> _Info:
    """:func:`_scan`'s answer for a well-formed style, kept in the per-user disk cache under the
    style's digest: the Chicago style is 168 KB and took 4.7 ms to parse in every build and
    check (a dependent style's search for its parent parses every candidate). A style _scan
    refuses is parsed again each time, so that its diagnostic is always the parser's own."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    found = cached_json("csl-scan", [digest, _SCAN_VERSION], lambda: list(astuple(_scan(text))))
    return _Info(*found) if isinstance(found, list) and len(found) == len(fields(_Info)) else _scan(text)


def read_style(root: Path, rel: str) -> tuple[CslStyle | None, list[Diagnostic]]:
    """The style at rel, resolved to an independent style. Path problems (outside the project,
    missing) are the safety check's; this reports what is wrong inside the file."""
    text, diags = read_text(root, rel)
    if text is None:
        return None, [d for d in diags if d.code not in ("PK101", "PK105")]
    try:
        info = _scanned(text)
    except _Refused as exc:
        return None, [error("PK520", f"CSL style refused: {exc}", rel, exc.line, exc.col)]
    except xml.parsers.expat.ExpatError as exc:
        message = xml.parsers.expat.ErrorString(exc.code)
        return None, [error("PK520", f"CSL style is not valid XML: {message}", rel, exc.lineno, exc.offset + 1,
                            hint="download the .csl file again; it must be the raw XML")]
    if info.parent is None:
        return CslStyle(rel, text.encode("utf-8")), []
    parent, where = _find_parent(root, info.parent, own=rel)
    if parent is None:
        return None, [error("PK521", f"dependent CSL style: its parent '{info.parent[:120]}' is not among the "
                            "project's styles/*.csl or the styles positionkit ships", rel, info.parent_line,
                            info.parent_col, hint="download the parent style (the .csl whose <id> is that "
                            "address) into styles/; positionkit never fetches it")]
    if parent.parent is not None:
        return None, [error("PK521", f"dependent CSL style: its parent {where} is itself a dependent style",
                            rel, info.parent_line, info.parent_col, hint="use the independent style instead")]
    data = parent.data
    if info.default_locale:
        data = _with_locale(data, info.default_locale)
    return CslStyle(rel, data, where), []


def _with_locale(data: bytes, locale: str) -> bytes:
    """The parent with the dependent style's default-locale (the one thing a dependent style sets)."""
    if not re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", locale):
        return data
    text = data.decode("utf-8")
    m = re.search(r"<style\b[^>]*>", text)
    if m is None:
        return data
    tag = re.sub(r'\sdefault-locale\s*=\s*("[^"]*"|\'[^\']*\')', "", m.group(0))
    tag = tag[:len("<style")] + f' default-locale="{locale}"' + tag[len("<style"):]
    return (text[:m.start()] + tag + text[m.end():]).encode("utf-8")


def _candidates(root: Path, own: str):
    """(name for messages, text) of every style a parent may be: project first, then shipped."""
    folder = root / "styles"
    for path in sorted(folder.glob("*.csl")) if folder.is_dir() else []:
        rel = f"styles/{path.name}"
        if rel != own and inside(root, path):
            text, _ = read_text(root, rel)
            if text is not None:
                yield rel, path.stem, text
    shipped = resources.files("positionkit") / "data" / "csl"
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csl"):
            yield f"{SHIPPED}/{entry.name}", entry.name[:-4], entry.read_text("utf-8")


def _find_parent(root: Path, href: str, own: str) -> tuple[CslStyle | None, str | None]:
    """The style whose <id> is href; failing that, one whose file name is href's last segment
    (a Zotero id ends with the style's file name)."""
    stem = href.rstrip("/").rsplit("/", 1)[-1]
    by_name = None
    for where, name, text in _candidates(root, own):
        try:
            info = _scanned(text)
        except (_Refused, xml.parsers.expat.ExpatError):
            continue
        found = CslStyle(where, text.encode("utf-8"), info.parent and "dependent")
        if info.id == href:
            return found, where
        if by_name is None and name == stem and stem:
            by_name = (found, where)
    return by_name or (None, None)


def style_paths(config, papers) -> list[str]:
    """Every CSL path the configuration and papers name."""
    paths = [config.style.csl] if config.style.csl else []
    for paper in papers.values():
        own = paper.meta.get("csl")
        if isinstance(own, str) and own:
            paths.append(own)
    return list(dict.fromkeys(paths))


def load_styles(root: Path, config, papers) -> tuple[dict, list[Diagnostic]]:
    """path -> CslStyle for every style named, and what is wrong inside them."""
    styles, diags = {}, []
    for rel in style_paths(config, papers):
        shipped = builtin_csl(rel)
        if shipped is not None:  # a name ('oscola'): one of the independent styles positionkit ships
            styles[rel] = CslStyle(rel, shipped.read_bytes())
            continue
        if Path(rel).is_absolute() or not inside(root, root / rel):
            continue  # the safety check reports it (PK105)
        style, more = read_style(root, rel)
        diags += more
        if style is not None:
            styles[rel] = style
    return styles, diags
