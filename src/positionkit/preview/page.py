"""HTML of the preview pages: the paper (one column per language), the paper list, the print
view. Every text that comes from the project is escaped here; the paper's own HTML comes from
pandoc's writer (raw HTML in sections is off unless the project allows raw blocks)."""
from __future__ import annotations

import re
from html import escape
from urllib.parse import urlencode

from positionkit.diagnostics import Diagnostic, Severity
from positionkit.preview import webfonts
from positionkit.preview.align import align
from positionkit.preview.column import Column, Piece
from positionkit.preview.view import Request, View
from positionkit.style import Style

_STATUS_TEXT = {"missing": "no translation yet", "stale": "translation out of date",
                "changed": "changed since translated"}


def query(request: Request, **changes) -> str:
    """The query string of a page like ``request`` with some settings changed."""
    values = {"lang": ",".join(request.langs), "audience": request.audience or "",
              "internal": "1" if request.internal else ""}
    values.update(changes)
    text = urlencode({k: v for k, v in values.items() if v}, safe=",")
    return f"?{text}" if text else ""


def shell(title: str, body: str, style: Style, langs, generation: int, extra_class: str = "") -> str:
    accent = escape(style.accent_color)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · positionkit preview</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/-/asset/preview.css">
<style>
{webfonts.css(style, langs)}
:root {{ --pk-accent: {accent}; --pk-size: {style.font_size:.2f}pt;
  --pk-body: {webfonts.families(style, "en")}; --pk-heading: {webfonts.families(style, "en", "heading")}; }}
</style>
<script src="/-/asset/preview.js" defer></script>
</head>
<body class="{extra_class}" data-generation="{generation}">
<div id="pk-live">
{body}
</div>
</body>
</html>
"""


def bar(view_title: str, nav: str) -> str:
    return (f'<header class="pk-bar"><a class="pk-brand" href="/">positionkit <span>preview</span></a>'
            f'<span class="pk-bar-title">{escape(view_title)}</span>{nav}'
            f'<span class="pk-live-state" id="pk-live-state" title="updates when a file is saved">live</span>'
            f'</header>')


def controls(view: View, print_view: bool = False) -> str:
    req = view.request
    links = []
    shown = [c.lang.code for c in view.columns] or list(req.langs)
    for code in view.languages:
        chosen = code in shown
        others = [c for c in shown if c != code] if chosen else [*shown, code]
        target = query(req, lang=",".join(c for c in view.languages if c in others))
        links.append(f'<a class="pk-chip{" on" if chosen else ""}" href="/{escape(req.paper)}{escape(target)}" '
                     f'data-lang="{escape(code)}">{escape(code)}</a>')
    auds = "".join(f'<option value="{escape(a)}"{" selected" if a == req.audience else ""}>{escape(a)}</option>'
                   for a in view.audiences)
    audience = (f'<label class="pk-ctl">audience <select id="pk-audience" data-base="{escape(query(req, audience=""))}">'
                f'<option value="">general</option>{auds}</select></label>') if view.audiences else ""
    internal = (f'<a class="pk-chip pk-internal-toggle{" on" if req.internal else ""}" '
                f'href="/{escape(req.paper)}{escape(query(req, internal="" if req.internal else "1"))}" '
                f'title="internal notes are never printed">internal notes</a>')
    printed = (f'<a class="pk-chip" href="/{escape(req.paper)}{escape(query(req))}">text view</a>' if print_view else
               f'<a class="pk-chip" href="/{escape(req.paper)}/print{escape(query(req))}">print view</a>')
    return (f'<nav class="pk-ctls"><span class="pk-ctl">languages {"".join(links)}</span>{audience}'
            f'{"" if print_view else internal}{printed}</nav>')


def diagnostics_panel(diags) -> str:
    if not diags:
        return ""
    errors = sum(1 for d in diags if d.severity is Severity.ERROR)
    warnings = sum(1 for d in diags if d.severity is Severity.WARNING)
    head = ", ".join(x for x in [f"{errors} error{'s' * (errors != 1)}" if errors else "",
                                 f"{warnings} warning{'s' * (warnings != 1)}" if warnings else ""] if x) \
        or f"{len(diags)} note{'s' * (len(diags) != 1)}"
    items = "".join(f'<li class="pk-diag {d.severity.value}">{_diag(d)}</li>' for d in diags)
    return (f'<details class="pk-diags{" has-errors" if errors else ""}" {"open" if errors else ""}>'
            f'<summary>{head}</summary><ul>{items}</ul></details>')


def _diag(d: Diagnostic) -> str:
    """The diagnostic exactly as the command line prints it, its path:line:col set apart."""
    text = d.format()
    where = ""
    if d.path:
        where = d.path + (f":{d.line}" if d.line else "") + (f":{d.col}" if d.line and d.col else "")
    rest = text[len(where) + 2:] if where else text
    head = f'<code class="pk-where">{escape(where)}:</code> ' if where else ""
    return f'{head}{escape(rest)}'


def paper_page(view: View, generation: int) -> str:
    style = view.project.config.style
    body = [bar(view.title, controls(view) if view.languages else ""), diagnostics_panel(view.diagnostics)]
    if not view.columns:
        if any(d.severity is Severity.ERROR for d in view.diagnostics):
            note = "Nothing to show until the problems above are fixed: the page updates by itself " \
                   "when a file is saved."
        elif view.audience_langs:
            note = f"A build makes the {escape(view.request.audience or '')} version in " \
                   f"{escape(', '.join(view.audience_langs))} only: choose one of those languages."
        else:
            note = "This paper has no version in these languages."
        body.append(f'<main class="pk-empty"><p>{note}</p></main>')
        return shell(view.title, "\n".join(body), style, [], generation, "pk-broken")
    body.append(_document(view))
    langs = [c.lang.code for c in view.columns]
    return shell(view.title, "\n".join(body), style, langs, generation)


def _document(view: View) -> str:
    cols = view.columns
    n = len(cols)
    rows = [f'<div class="pk-row pk-head">{"".join(_title_cell(c) for c in cols)}</div>']
    for row in align([c.pieces for c in cols]):
        rows.append('<div class="pk-row">' + "".join(
            _cell(cols[i], piece, view.diagnostics) for i, piece in enumerate(row)) + "</div>")
    for part in ("references", "footnotes"):
        if any(getattr(c, part) for c in cols):
            rows.append(f'<div class="pk-row pk-{part}">' + "".join(
                f'<div class="pk-cell" {_lang_attrs(c)}>{getattr(c, part)}</div>' for c in cols) + "</div>")
    many = " pk-many" if n > 2 else ""
    return f'<main class="pk-doc{many}" style="--pk-cols: {n}">{"".join(rows)}</main>'


def _lang_attrs(col: Column) -> str:
    style = col.handout.style
    fonts = f"--pk-body: {webfonts.families(style, col.lang.code)}; " \
            f"--pk-heading: {webfonts.families(style, col.lang.code, 'heading')}"
    return f'lang="{escape(col.lang.code)}" dir="{"rtl" if col.lang.rtl else "ltr"}" style="{escape(fonts)}"'


def _title_cell(col: Column) -> str:
    h = col.handout
    orgs = "   ·   ".join(h.organisations)
    meta = "   ·   ".join(x for x in (h.date, h.audience) if x)
    contact = f'<span>{escape(h.labels.get("contact", "Contact"))}: {escape(h.contact)}</span>' if h.contact else ""
    draft = escape(h.labels.get("draft", "Draft"))
    return (f'<div class="pk-cell pk-titleblock" {_lang_attrs(col)}>'
            f'<div class="pk-langtag">{escape(col.lang.code)} · {escape(col.lang.name)}<b>{draft}</b></div>'
            f'{f"<p class=pk-orgs>{escape(orgs)}</p>" if orgs else ""}'
            f'<h1 class="pk-title">{_whole_words(h.title)}</h1>'
            f'{f"<p class=pk-subtitle>{_whole_words(h.subtitle)}</p>" if h.subtitle else ""}'
            f'<p class="pk-meta"><span>{escape(meta)}</span>{contact}</p></div>')


def _whole_words(text: str) -> str:
    """Escaped text whose hyphenated words never break at the hyphen ("e-commerce" split over two
    lines of a title reads as a typo; the PDF keeps them whole too)."""
    return _HYPHENATED.sub(lambda m: f'<span class="pk-whole">{m.group(0)}</span>', escape(text))


_HYPHENATED = re.compile(r"\w+(?:-\w+)+")


def _cell(col: Column, piece: Piece | None, diags) -> str:
    if piece is None:
        return f'<div class="pk-cell pk-missing-cell" {_lang_attrs(col)}></div>'
    a = piece.anchor
    status = f" pk-{piece.status}" if piece.status else ""
    label, inline = "", ""
    if a is not None:
        where = f"{a.path}:{a.line}"
        short = f"{a.path.rsplit('/', 1)[-1]}:{a.line}"
        text = f"<span>block</span>{escape(a.block)}" if a.block else escape(short)
        label = (f'<a class="pk-src" dir="ltr" id="p-{escape(col.lang.code)}-{a.n}" '
                 f'href="#p-{escape(col.lang.code)}-{a.n}" data-src="{escape(where)}" '
                 f'title="{escape(where)}{escape(f" (block {a.block})") if a.block else ""}: click to copy">{text}</a>')
        mine = [d for d in diags if d.path == a.path and d.line and a.line <= d.line <= a.end]
        inline = "".join(f'<p class="pk-inline-diag {d.severity.value}">{_diag(d)}</p>' for d in mine)
    flag = f'<span class="pk-flag">{_STATUS_TEXT[piece.status]}</span>' if piece.status else ""
    return (f'<div class="pk-cell pk-piece{status}" {_lang_attrs(col)} data-key="{escape(a.key if a else "")}">'
            f'{label}{flag}{piece.html}{inline}</div>')


def index_page(project, generation: int) -> str:
    items = []
    for slug, paper in project.papers.items():
        langs = " ".join(f'<a class="pk-chip" href="/{escape(slug)}?lang={escape(c)}">{escape(c)}</a>'
                         for c in (paper.languages or (project.config.source_lang,)))
        pages = f" · {paper.pages} page budget" if paper.pages else ""
        items.append(f'<li><a class="pk-paper" href="/{escape(slug)}">{escape(str(paper.meta.get("title") or slug))}</a>'
                     f'<span class="pk-slug">{escape(slug)}{pages}</span><span class="pk-langs">{langs}</span></li>')
    diags = diagnostics_panel([d for d in project.diagnostics])
    body = (f'{bar(project.config.name, "")}{diags}'
            f'<main class="pk-index"><h1>Papers</h1><ul>{"".join(items) or "<li>No papers yet.</li>"}</ul></main>')
    return shell("Papers", body, project.config.style, [], generation)


def print_page(view: View, pages: dict, budget: int | None, generation: int) -> str:
    """``pages``: language -> number of pages (or a Diagnostic when the PDF failed)."""
    req = view.request
    body = [bar(view.title, controls(view, print_view=True)), diagnostics_panel(view.diagnostics)]
    sheets = []
    for code, count in pages.items():
        if isinstance(count, Diagnostic):
            sheets.append(f'<section class="pk-print"><h2>{escape(code)}</h2>'
                          f'<p class="pk-diag error">{_diag(count)}</p></section>')
            continue
        over = budget is not None and count > budget
        state = f'{count} page{"s" * (count != 1)}' + (f" · budget {budget}" if budget else "")
        imgs = "".join(f'<img class="pk-page" loading="lazy" alt="page {i} of the {escape(code)} PDF" '
                       f'src="/{escape(req.paper)}/print/{escape(code)}/{i}.png{escape(query(req, v=str(generation)))}">'
                       for i in range(1, count + 1))
        sheets.append(f'<section class="pk-print"><h2>{escape(code)} <span class="pk-budget{" over" if over else ""}">'
                      f'{state}</span></h2><div class="pk-pages">{imgs}</div></section>')
    body.append(f'<main class="pk-print-view">{"".join(sheets)}</main>')
    return shell(view.title, "\n".join(body), view.project.config.style, [], generation)


def not_found(generation: int, style: Style) -> str:
    return shell("Not found", bar("Not found", "") + '<main class="pk-index"><h1>Not found</h1>'
                 '<p><a href="/">All papers</a></p></main>', style, [], generation)
