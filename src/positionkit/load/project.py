"""Load: read every input of a project once into frozen data. No I/O happens after this stage,
except that audiences files are read (by this stage's code, once) when first asked for."""
from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from positionkit.load import csl, libraries, library_translations, metadata
from positionkit.load.blocks import BLOCK_STATUSES, Block, load_blocks  # noqa: F401 (re-exported)
from positionkit.load.audiences import load as load_audiences
from positionkit.dates import parse_paper_date
from positionkit.load.fonts import with_project_fonts
from positionkit.load.bib import Bibliography, merge_entries, parse_bib
from positionkit.load.config import Config, load_config
from positionkit.load.images import load_images
from positionkit.load.label_files import load_label_files
from positionkit.load.stamps import TEXT_KEYS
from positionkit.diagnostics import Diagnostic, did_you_mean, error, warning
from positionkit.load.sources import folders_remembered, inside, is_file, load_source, long_name, read_text, too_long, yaml_load
from positionkit.load.sources import split_lang, translation_path  # noqa: F401 (re-exported)

PAPER_KEYS = ("title", "subtitle", "date", "organisations", "audience", "contact", "languages",
              "sections", "csl", "pages", "params", "words", "audiences", "short_title")
PAPER_TEXT_KEYS = TEXT_KEYS
"""paper.yaml fields a paper.<lang>.yaml may translate."""


@dataclass(frozen=True)
class Paper:
    slug: str
    dir: str
    """Project-relative folder, 'papers/<slug>'."""
    meta: dict
    """paper.yaml as written."""
    meta_lines: dict
    sections: tuple[str, ...]
    """Project-relative paths of the section files, in order."""
    languages: tuple[str, ...]
    pages: int | None = None
    params: dict = field(default_factory=dict)
    translated_meta: dict = field(default_factory=dict)
    """lang -> the paper.<lang>.yaml mapping."""

    @property
    def yaml_path(self) -> str:
        return f"{self.dir}/paper.yaml"


@dataclass(frozen=True)
class Project:
    root: Path
    config: Config
    papers: dict
    """slug -> Paper, in name order."""
    blocks: dict
    """block id -> Block."""
    sections: dict
    """project-relative path -> Source for every section file papers name."""
    translations: dict
    """source path -> {lang: Source} for sections and blocks."""
    bibliography: Bibliography
    diagnostics: tuple[Diagnostic, ...] = ()
    libraries: tuple = ()
    """libraries.LibraryState for each declared library."""
    reference_docx: bytes | None = None
    """styles/reference.docx when the project keeps a hand-edited Word house style."""
    label_files: dict = field(default_factory=dict)
    """language code -> {label key: text} from styles/i18n/<code>.yaml."""
    audience_files: Mapping = field(default_factory=dict)
    """project-relative path -> (AudienceSet or None, its diagnostics), for every audiences file the
    project or a paper names (an `AudienceFiles`: read on first use). Its problems are reported by
    the commands that use audiences."""
    images: dict = field(default_factory=dict)
    """project-relative path -> load.images.Image, for every image a text shows."""
    csl_styles: dict = field(default_factory=dict)
    """CSL path as configured -> load.csl.CslStyle (dependent styles resolved to their parent)."""

    def audiences(self, rel: str):
        """-> (AudienceSet or None, diagnostics) for an audiences file the project names."""
        return self.audience_files.get(rel, (None, ()))

    def csl_for(self, slug: str) -> str | None:
        """The paper's own CSL style when paper.yaml names one, else the project's."""
        own = self.papers[slug].meta.get("csl") if slug in self.papers else None
        return str(own) if isinstance(own, str) and own else self.config.style.csl

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def load_paper(root: Path, slug: str) -> tuple[Paper | None, list[Diagnostic]]:
    folder = f"papers/{slug}"
    rel = f"{folder}/paper.yaml"
    text, diags = read_text(root, rel)
    if text is None:
        return None, diags
    data, lines, more = yaml_load(text, rel)
    diags += more
    if data is None and not more:
        data = {}
    if not isinstance(data, dict):
        if not more:
            diags.append(error("PK010", "paper.yaml must be a mapping of 'key: value' lines", rel, 1))
        return None, diags
    data, more = metadata.normalise(data, lines, rel)
    diags += more
    for key in data:
        if key not in PAPER_KEYS:
            diags.append(warning("PK011", f"unknown key '{key}' in paper.yaml", rel, lines.get(key),
                                 hint=did_you_mean(str(key), PAPER_KEYS)))
    if not data.get("title"):
        diags.append(error("PK012", "paper.yaml has no title", rel, 1, hint="add a line 'title: ...'"))
    sections = []
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        diags.append(error("PK012", "paper.yaml lists no sections", rel, lines.get("sections", 1),
                           hint="add 'sections:' with one Markdown file name per line"))
    else:
        for name in raw_sections:
            path = f"{folder}/{name}"
            if isinstance(name, str) and too_long(path):
                diags.append(long_name(name, rel, lines.get("sections"), "section"))
                continue
            if not isinstance(name, str) or not inside(root, root / path) or Path(str(name)).is_absolute():
                diags.append(error("PK105", f"section '{name}' is outside the project", rel,
                                   lines.get("sections"), hint="sections live in the paper's folder"))
                continue
            sections.append(Path(path).as_posix())
    languages = [str(x) for x in _as_list(data.get("languages"))]
    _, why = parse_paper_date(data.get("date"))
    if why:
        diags.append(error("PK040", f"date: {why}", rel, lines.get("date"),
                           hint="write a year (2018), a year and month (2018-05) or a day (2018-05-03)"))
    pages = data.get("pages")
    if pages is not None and (not isinstance(pages, int) or isinstance(pages, bool) or pages < 1):
        diags.append(error("PK013", f"pages must be a whole number of pages, not '{pages}'", rel,
                           lines.get("pages")))
        pages = None
    params = data.get("params") or {}
    if not isinstance(params, dict):
        diags.append(error("PK013", "params must be a mapping of name: value", rel, lines.get("params")))
        params = {}
    translated = {}
    for path in sorted((root / folder).glob("paper.*.yaml")):
        lang = path.name[len("paper."):-len(".yaml")]
        trel = f"{folder}/{path.name}"
        ttext, tdiags = read_text(root, trel)
        diags += tdiags
        if ttext is None:
            continue
        tdata, tlines, tmore = yaml_load(ttext, trel)
        diags += tmore
        if isinstance(tdata, dict):
            tdata, more = metadata.normalise(tdata, tlines, trel)
            diags += more
            for key in tdata:
                if key not in PAPER_TEXT_KEYS and key != "translation":
                    diags.append(warning("PK011", f"'{key}' cannot be translated in {path.name}", trel,
                                         tlines.get(key), hint=f"translatable: {', '.join(PAPER_TEXT_KEYS)}"))
            translated[lang] = tdata
    return Paper(slug, folder, data, lines, tuple(sections), tuple(languages), pages,
                 dict(params), translated), diags


def load_project(root: Path) -> Project:
    """Read every input of the project in ``root`` once; problems are in ``Project.diagnostics``."""
    with folders_remembered():
        return _load(root.resolve())


def _load(root: Path) -> Project:
    config, diags = load_config(root)
    config = with_project_fonts(root, config)
    papers, sections, translations = {}, {}, {}
    listings: dict[Path, list[str]] = {}
    pdir = root / "papers"
    for folder in sorted(pdir.iterdir()) if pdir.is_dir() else []:
        if not (folder / "paper.yaml").is_file():
            continue
        paper, more = load_paper(root, folder.name)
        diags += more
        if paper is None:
            continue
        papers[paper.slug] = paper
        for rel in paper.sections:
            if rel in sections:
                continue
            src, more = load_source(root, rel)
            if src is None:
                # report at the paper.yaml line naming it: that is where the fix is
                for d in more:
                    if d.code == "PK101":
                        line = _line_naming(root, paper, rel)
                        diags.append(error("PK101", f"section file not found: {rel}", paper.yaml_path, line,
                                           hint=_closest_file(root, rel)))
                    else:
                        diags.append(d)
                continue
            diags += more
            sections[rel] = src
            for name in _translation_names(listings, root / rel):
                trel = f"{Path(rel).parent.as_posix()}/{name}"
                srel, lang = split_lang(trel)
                if lang is None or srel != rel:
                    continue
                tsrc, tmore = load_source(root, trel)
                diags += tmore
                if tsrc is not None:
                    translations.setdefault(rel, {})[lang] = tsrc
    blocks, btrans, more = load_blocks(root, root, None)
    diags += more
    translations.update(btrans)
    lib_states, lib_blocks, lib_trans, lib_bibs, more = libraries.load(root, config)
    diags += more
    for bid, block in lib_blocks.items():
        blocks.setdefault(bid, block)
    translations.update(lib_trans)
    own, more = library_translations.load(root, blocks)  # the project's, over the library's
    diags += more
    for src_path, by_lang in own.items():
        translations[src_path] = {**translations.get(src_path, {}), **by_lang}

    entries, bib_files = {}, []
    for rel in ["references.bib", *lib_bibs]:
        if not (root / rel).exists():
            continue
        text, more = libraries.read_bib(root, rel) if rel in lib_bibs else read_text(root, rel)
        diags += more
        if text is None:
            continue
        found, more = parse_bib(text, rel)
        diags += more
        bib_files.append(rel)
        diags += merge_entries(entries, found)
    bibliography = Bibliography(entries, tuple(bib_files))
    reference = root / "styles" / "reference.docx"
    reference_docx = reference.read_bytes() if is_file(reference) and inside(root, reference) else None
    if reference.is_symlink() and not inside(root, reference):
        diags.append(error("PK105", "styles/reference.docx is a link outside the project and is ignored: "
                           "the generated house style is used", "styles/reference.docx",
                           hint="copy the file into styles/ instead of linking to it"))
    label_files, more = load_label_files(root)
    diags += more
    csl_styles, more = csl.load_styles(root, config, papers)
    diags += more
    texts = [*sections.values(), *(b.source for b in blocks.values()),
             *(t for by_lang in translations.values() for t in by_lang.values())]
    return Project(root, config, papers, blocks, sections, translations, bibliography, tuple(diags),
                   tuple(lib_states), reference_docx, label_files, AudienceFiles(root, config, papers),
                   load_images(root, texts), csl_styles)


class AudienceFiles(Mapping):
    """The audiences files the project and its papers name, each read when first asked for.

    A plain build of a paper without `.when` conditions never consults them, and the example's
    166 audiences cost a tenth of a second to parse: a writer's most common build should not pay
    for them. Reading is still this stage's job (the file is read once, under a lock, and the
    result kept); nothing downstream opens the file itself.
    """

    def __init__(self, root: Path, config: Config, papers: dict):
        self._root = root
        rels = [config.audiences] + [p.meta.get("audiences") for p in papers.values()]
        self._rels = tuple(dict.fromkeys(r for r in rels if isinstance(r, str) and r))
        self._read: dict = {}
        self._lock = threading.Lock()

    def __getitem__(self, rel: str):
        if rel not in self._rels:
            raise KeyError(rel)
        with self._lock:
            if rel not in self._read:
                aset, diags = load_audiences(self._root, rel)
                self._read[rel] = (aset, tuple(diags))
            return self._read[rel]

    def __iter__(self):
        return iter(self._rels)

    def __len__(self) -> int:
        return len(self._rels)


def _translation_names(listings: dict[Path, list[str]], section: Path) -> list[str]:
    """The names of the files beside ``section`` that could be its translations (``stem.*.md``,
    as a glob would match them), in name order. Each folder is listed once per load: a glob per
    section made loading quadratic in the number of sections (1.2 s for a 1,600-file paper)."""
    folder = section.parent
    if folder not in listings:
        try:
            listings[folder] = sorted(e.name for e in os.scandir(folder))
        except OSError:
            listings[folder] = []
    start = section.stem + "."
    return [n for n in listings[folder] if n.startswith(start) and n.endswith(".md") and len(n) >= len(start) + 3]


def _line_naming(root: Path, paper: Paper, rel: str) -> int | None:
    name = rel[len(paper.dir) + 1:]
    text, _ = read_text(root, paper.yaml_path)
    for i, ln in enumerate((text or "").split("\n"), 1):
        if name in ln and ln.strip().startswith("-"):
            return i
    return paper.meta_lines.get("sections")


def _closest_file(root: Path, rel: str) -> str | None:
    folder = (root / rel).parent
    try:
        if not folder.is_dir():
            return None
    except OSError:  # a name the OS refuses
        return None
    return did_you_mean(Path(rel).name, [p.name for p in folder.glob("*.md")])
