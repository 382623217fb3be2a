"""The preview's stylesheet and script: a fixed table, served by name (nothing else is served
as a file). Colours, fonts and sizes come from the project's [style] through CSS variables
that each page sets, so the page looks like the handouts."""
from __future__ import annotations

CSS = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #e9ecf0; color: #1d2430;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--pk-accent); }
.pk-bar { position: sticky; top: 0; z-index: 10; display: flex; align-items: center; gap: 18px;
  padding: 0 20px; height: 50px; background: #fff; border-bottom: 1px solid #d5dae1;
  box-shadow: 0 1px 3px rgba(20, 30, 50, .06); }
.pk-brand { font-weight: 700; text-decoration: none; color: var(--pk-accent); white-space: nowrap; letter-spacing: .01em; }
.pk-brand span { font-weight: 400; color: #6b7480; }
.pk-bar-title { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  color: #3a4250; font-weight: 500; }
.pk-ctls { display: flex; align-items: center; gap: 14px; flex-wrap: nowrap; }
.pk-ctl { display: inline-flex; align-items: center; gap: 5px; color: #6b7480; font-size: 12px;
  text-transform: uppercase; letter-spacing: .04em; }
.pk-ctl select { font: inherit; text-transform: none; letter-spacing: 0; padding: 3px 6px; border-radius: 6px;
  border: 1px solid #c9d0d9; background: #fff; color: #1d2430; max-width: 180px; }
.pk-chip { display: inline-block; padding: 3px 10px; border-radius: 999px; border: 1px solid #c9d0d9;
  color: #3a4250; text-decoration: none; font-size: 12px; text-transform: none; letter-spacing: 0;
  background: #fff; white-space: nowrap; }
.pk-chip:hover { border-color: var(--pk-accent); color: var(--pk-accent); }
.pk-chip.on { background: var(--pk-accent); border-color: var(--pk-accent); color: #fff; }
.pk-internal-toggle.on { background: #6b4fc8; border-color: #6b4fc8; }
.pk-live-state { font-size: 12px; color: #2f7d4f; white-space: nowrap; }
.pk-live-state::before { content: ""; display: inline-block; width: 8px; height: 8px; margin-right: 6px;
  border-radius: 50%; background: #35a768; vertical-align: 0; }
.pk-live-state.updating { color: #9a6700; } .pk-live-state.updating::before { background: #e3a008; }
.pk-live-state.offline { color: #6b7480; } .pk-live-state.offline::before { background: #a0a7b1; }

.pk-diags { max-width: 1100px; margin: 18px auto 0; background: #fff; border: 1px solid #e3c46a;
  border-left: 4px solid #e3a008; border-radius: 6px; font-size: 13px; }
.pk-diags.has-errors { border-color: #e6a3a3; border-left-color: #c62828; }
.pk-diags summary { cursor: pointer; padding: 8px 14px; font-weight: 600; }
.pk-diags ul { margin: 0; padding: 0 14px 10px; list-style: none; }
.pk-diag { padding: 3px 0; }
.pk-diag.error { color: #a01818; } .pk-diag.warning { color: #7a5200; } .pk-diag.info { color: #3a4250; }
.pk-where { font: 12px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; color: #3a4250; }

.pk-doc { --pk-gap: 28px; max-width: calc(var(--pk-cols) * 800px + (var(--pk-cols) - 1) * 28px);
  margin: 22px auto 60px; padding: 0 20px; }
.pk-row { display: grid; grid-template-columns: repeat(var(--pk-cols), minmax(0, 1fr)); column-gap: var(--pk-gap); }
.pk-cell { position: relative; background: #fff; padding: 0 72px; min-width: 0;
  box-shadow: 1px 0 0 #d5dae1, -1px 0 0 #d5dae1;
  font-family: var(--pk-body); font-size: calc(var(--pk-size) * 1.12); line-height: 1.55; color: #16191f;
  text-align: start; hyphens: auto; overflow-wrap: break-word; }
.pk-cell[dir="rtl"] { line-height: 1.8; }
.pk-cell[dir="rtl"] .pk-src { inset-inline-start: auto; right: 6px; text-align: left; }
.pk-head .pk-cell { padding-top: 44px; border-radius: 3px 3px 0 0; box-shadow: 1px 0 0 #d5dae1, -1px 0 0 #d5dae1, 0 -1px 0 #d5dae1; }
.pk-row:last-child .pk-cell { padding-bottom: 56px; box-shadow: 1px 0 0 #d5dae1, -1px 0 0 #d5dae1, 0 1px 0 #d5dae1;
  border-radius: 0 0 3px 3px; }
.pk-langtag { position: absolute; top: 14px; left: 72px; right: 72px; display: flex; justify-content: space-between;
  font: 600 11px/1 system-ui, sans-serif; letter-spacing: .06em; text-transform: uppercase; color: #8a93a0; }
.pk-langtag b { color: #a4262c; border: 1px solid #a4262c; padding: 3px 6px; border-radius: 2px; font-weight: 700; }
.pk-orgs { margin: 0; padding-bottom: 8px; border-bottom: 2.5px solid var(--pk-accent); color: var(--pk-accent);
  font-weight: 600; font-size: .84em; letter-spacing: .03em; text-align: start; white-space: pre-wrap; }
.pk-cell .pk-title { font-family: var(--pk-heading); font-size: 1.75em; line-height: 1.2; margin: 18px 0 8px;
  color: #14171c; text-align: start; hyphens: manual; }
.pk-subtitle { font-family: var(--pk-heading); font-size: 1.18em; line-height: 1.35; color: #474e58; margin: 0 0 12px;
  text-align: start; hyphens: manual; }
.pk-whole { white-space: nowrap; }
.pk-meta span + span { white-space: nowrap; }
.pk-meta { display: flex; justify-content: space-between; gap: 16px; margin: 0 0 20px; padding-bottom: 10px;
  border-bottom: 1px solid #c8ccd2; font-size: .88em; color: #4a515b; white-space: pre-wrap; text-align: start; }
.pk-cell h1, .pk-cell h2, .pk-cell h3, .pk-cell h4 { font-family: var(--pk-heading); color: var(--pk-accent);
  text-align: start; hyphens: manual; }
.pk-cell h1 { font-size: 1.22em; margin: 1.3em 0 .6em; }
.pk-cell h2 { font-size: 1.05em; margin: 1.1em 0 .55em; }
.pk-cell h3 { font-size: 1em; font-style: italic; font-weight: 600; margin: 1em 0 .5em; }
.pk-cell p { margin: 0 0 .8em; }
.pk-cell ul, .pk-cell ol { margin: 0 0 .8em; padding-inline-start: 1.3em; }
.pk-cell li { margin-bottom: .45em; }
.pk-cell li::marker { color: var(--pk-accent); }
.pk-cell img { max-width: 100%; height: auto; }
.pk-cell table { border-collapse: collapse; margin: 0 0 1em; font-size: .92em; }
.pk-cell td, .pk-cell th { padding: 4px 8px; border-bottom: 1px solid #d8dce2; }
.pk-cell .citation { white-space: normal; }
.pk-cell[dir="rtl"] .csl-entry { unicode-bidi: plaintext; }
/* As in the PDF: a citation in a right-to-left text is one unbreakable run, in its own order. */
.pk-cell[dir="rtl"] .citation { unicode-bidi: isolate; display: inline-block; max-width: 100%; }
.key-messages { background: color-mix(in srgb, var(--pk-accent) 9%, white); border-inline-start: 3px solid var(--pk-accent);
  padding: 14px 20px 6px; margin: 4px 0 22px; text-align: start; }
.key-messages li::marker { content: "\\25A0  "; font-size: .7em; }
.pk-box-title { font-family: var(--pk-heading); font-weight: 700; color: var(--pk-accent); font-size: 1.06em; margin-bottom: .6em !important; }
.fallback { border-inline-start: 1px dashed #9aa1aa; padding-inline-start: 14px; }
.pk-fallback-notice { font-size: .8em; font-style: italic; color: #5d646e; margin-bottom: .4em !important; }
.pk-piece.pk-missing, .pk-piece.pk-stale { background: #fff8e1; }
.pk-piece.pk-changed { background: #ffecb3; }
.pk-flag { float: inline-end; margin: .15em 0 .2em 10px; padding: 1px 8px; border-radius: 999px; background: #f3c969;
  color: #5b4300; font: 600 11px/1.6 system-ui, sans-serif; }
.pk-src { position: absolute; inset-inline-start: 4px; width: 62px; top: .3em; font: 500 10px/1.3 system-ui, sans-serif;
  color: #a0a7b1; text-decoration: none; text-align: end; overflow-wrap: anywhere; unicode-bidi: isolate; }
.pk-src span { display: block; color: #c2c8cf; text-transform: uppercase; letter-spacing: .05em; font-size: 9px; }
.pk-src:hover, .pk-src.copied { color: var(--pk-accent); }
.pk-src.copied::after { content: " copied"; }
.pk-missing-cell { background: repeating-linear-gradient(135deg, #fff, #fff 8px, #f6f7f9 8px, #f6f7f9 16px); }
.pk-internal { background: #f4f1ff; border: 1px dashed #7c5cd6; border-radius: 4px; padding: 8px 14px 2px;
  margin: 0 0 .9em; font-size: .92em; }
.pk-internal-label { font: 700 11px/1.4 system-ui, sans-serif; letter-spacing: .06em; text-transform: uppercase;
  color: #6b4fc8; margin-bottom: .4em !important; }
.pk-inline-diag { font: 12px/1.4 system-ui, sans-serif; margin: -.3em 0 .9em !important; padding: 4px 8px;
  border-inline-start: 3px solid #e3a008; background: #fffaf0; text-align: start; }
.pk-inline-diag.error { border-color: #c62828; background: #fff5f5; color: #a01818; }
.pk-references .pk-cell { font-size: calc(var(--pk-size) * 1.12 * .86); text-align: start; }
.pk-references h1 { font-size: 1.2em; }
.csl-entry { padding-inline-start: 1.6em; text-indent: -1.6em; margin-bottom: .45em; }
.footnotes { font-size: .86em; text-align: start; }
.footnotes hr { border: 0; border-top: 1px solid #c8ccd2; width: 30%; margin: 1.2em 0 .8em; }

.pk-empty, .pk-index { max-width: 800px; margin: 30px auto; background: #fff; padding: 28px 36px; border-radius: 4px;
  border: 1px solid #d5dae1; }
.pk-index ul { list-style: none; padding: 0; margin: 0; }
.pk-index li { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 14px; padding: 12px 0; border-bottom: 1px solid #eceef1; }
.pk-paper { font-size: 16px; font-weight: 600; text-decoration: none; }
.pk-slug { color: #6b7480; font-size: 12px; }
.pk-langs { margin-inline-start: auto; display: flex; gap: 4px; }
.pk-print-view { display: flex; gap: 28px; justify-content: center; align-items: flex-start; margin: 22px 20px 60px; }
.pk-print { flex: 1 1 0; min-width: 0; max-width: 794px; }
.pk-print h2 { font-size: 14px; margin: 0 0 10px; color: #3a4250; text-transform: uppercase; letter-spacing: .05em; }
.pk-budget { text-transform: none; letter-spacing: 0; font-weight: 500; color: #2f7d4f; margin-inline-start: 8px; }
.pk-budget.over { color: #c62828; font-weight: 700; }
.pk-pages { display: flex; flex-direction: column; gap: 18px; }
.pk-page { display: block; width: 100%; background: #fff; box-shadow: 0 1px 4px rgba(20, 30, 50, .25); }
.pk-doc.pk-many { min-width: calc(var(--pk-cols) * 360px); max-width: none; --pk-gap: 14px; }
.pk-many .pk-cell { padding-inline: 52px 22px; font-size: calc(var(--pk-size) * 1.02); }
.pk-many .pk-langtag { left: 52px; right: 22px; }
.pk-many .pk-cell[dir="rtl"] .pk-langtag { left: 22px; right: 52px; }
.pk-many .pk-src { width: 44px; font-size: 9px; }
.pk-many .pk-title { font-size: 1.45em; }
@media (max-width: 900px) { .pk-cell { padding: 0 28px; } .pk-src { display: none; } .pk-ctls { display: none; } }
"""

JS = """
(() => {
  const live = () => document.getElementById("pk-live");
  const badge = (state, text) => {
    const el = document.getElementById("pk-live-state");
    if (el) { el.className = "pk-live-state " + state; el.textContent = text; }
  };
  document.addEventListener("click", (event) => {
    const a = event.target.closest(".pk-src");
    if (!a) return;
    event.preventDefault();
    if (navigator.clipboard) navigator.clipboard.writeText(a.dataset.src).catch(() => {});
    history.replaceState(null, "", a.getAttribute("href"));
    a.classList.add("copied");
    setTimeout(() => a.classList.remove("copied"), 1200);
  });
  document.addEventListener("change", (event) => {
    if (event.target.id !== "pk-audience") return;
    const base = new URLSearchParams(event.target.dataset.base);
    if (event.target.value) base.set("audience", event.target.value);
    const text = base.toString();
    location.search = text ? "?" + text : "";
  });
  // Where the reader is: the first row still on screen and how far down it starts.
  const position = () => {
    const rows = document.querySelectorAll(".pk-row, .pk-page");
    const top = (document.querySelector(".pk-bar") || {offsetHeight: 0}).offsetHeight;
    for (let i = 0; i < rows.length; i++) {
      const box = rows[i].getBoundingClientRect();
      if (box.bottom > top) return {index: i, offset: box.top, count: rows.length, y: window.scrollY};
    }
    return {index: -1, y: window.scrollY};
  };
  const restore = (pos) => {
    const rows = document.querySelectorAll(".pk-row, .pk-page");
    if (pos.index >= 0 && rows.length === pos.count) {
      window.scrollBy(0, rows[pos.index].getBoundingClientRect().top - pos.offset);
    } else {
      window.scrollTo(0, pos.y);
    }
  };
  let busy = false, again = false;
  const refresh = async () => {
    if (busy) { again = true; return; }
    busy = true;
    badge("updating", "updating…");
    try {
      const response = await fetch(location.href, {cache: "no-store"});
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = doc.getElementById("pk-live");
      if (fresh) {
        const pos = position();
        const style = document.querySelector("head style"), newStyle = doc.querySelector("head style");
        if (style && newStyle) style.textContent = newStyle.textContent;
        live().replaceWith(fresh);
        document.body.className = doc.body.className;
        document.body.dataset.generation = doc.body.dataset.generation;
        restore(pos);
      }
      badge("", "live");
    } catch (e) {
      badge("offline", "offline");
    }
    busy = false;
    if (again) { again = false; refresh(); }
  };
  const events = new EventSource("/-/events");
  events.addEventListener("change", (event) => {
    if (event.data !== document.body.dataset.generation) refresh();
  });
  events.onerror = () => badge("offline", "reconnecting…");
  events.onopen = () => badge("", "live");
})();
"""

ASSETS = {
    "preview.css": ("text/css; charset=utf-8", CSS),
    "preview.js": ("text/javascript; charset=utf-8", JS),
}
"""Name -> (content type, text): everything the server serves besides pages, images and fonts."""
