"""What an update changed in a library, and what that means for this project. Pure: it compares
two snapshots already in memory and never reads a file."""
from __future__ import annotations

from dataclasses import dataclass

from positionkit.load import stamps as i18n

Snapshot = dict
"""block id -> (Block, {lang: translation Source}) for one library at one commit."""


@dataclass(frozen=True)
class Change:
    id: str
    notes: tuple[str, ...]
    """What changed, in words: "rev 2 -> 3", "summary: '…' -> '…'", "text"."""


@dataclass(frozen=True)
class Report:
    alias: str
    old: str | None
    """Previous commit (or content hash for a path library)."""
    new: str | None
    ref: str | None = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[Change, ...] = ()
    params: tuple[str, ...] = ()
    licences: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    """'slug (block, block)' for each of the project's papers that includes a changed or removed block."""
    stale: tuple[str, ...] = ()
    """Translations that were current before and are stale now."""
    note: str | None = None


def _q(value) -> str:
    return "(none)" if value is None else repr(str(value))


def _param_notes(bid: str, old: dict, new: dict) -> list[str]:
    def default(decl):
        return decl.get("default") if isinstance(decl, dict) else decl

    out = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            out.append(f"{bid}: parameter '{name}' added (default {_q(default(new[name]))})")
        elif name not in new:
            out.append(f"{bid}: parameter '{name}' removed")
        elif default(old[name]) != default(new[name]):
            out.append(f"{bid}: parameter '{name}' default {_q(default(old[name]))} -> {_q(default(new[name]))}")
    return out


def compare(alias: str, old: Snapshot, new: Snapshot, uses: dict, old_commit=None, new_commit=None,
            ref=None) -> Report:
    """uses: paper slug -> block ids it includes (before or after the update)."""
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed, params, licences, stale = [], [], [], []
    for bid in sorted(set(old) & set(new)):
        (ob, otr), (nb, ntr) = old[bid], new[bid]
        if ob.source.text == nb.source.text:
            continue
        om, nm = ob.meta, nb.meta
        notes = [f"{key} {_q(om.get(key))} -> {_q(nm.get(key))}" for key in ("rev", "status", "title", "summary")
                 if om.get(key) != nm.get(key)]
        if ob.source.body != nb.source.body:
            notes.append("text")
        changed.append(Change(bid, tuple(notes)))
        params += _param_notes(bid, ob.params, nb.params)
        if om.get("license") != nm.get("license"):
            licences.append(f"{bid}: {om.get('license') or '(none)'} -> {nm.get('license') or '(none)'}")
        for lang, tr in sorted(ntr.items()):
            was = otr.get(lang)
            if i18n.freshness(nb.source, tr).status == i18n.STALE and \
                    (was is None or i18n.freshness(ob.source, was).status == i18n.CURRENT):
                stale.append(tr.path)
    for bid in added:
        if new[bid][0].meta.get("license"):
            licences.append(f"{bid}: new block under {new[bid][0].meta['license']}")
    touched = {c.id for c in changed} | set(removed)
    papers = [f"{slug} ({', '.join(sorted(ids & touched))})" for slug, ids in sorted(uses.items())
              if ids & touched]
    return Report(alias, old_commit, new_commit, ref, tuple(added), tuple(removed), tuple(changed),
                  tuple(params), tuple(licences), tuple(papers), tuple(stale))


def render(report: Report, short) -> list[str]:
    """Lines for people; short abbreviates a commit or hash."""
    ref = f" ({report.ref})" if report.ref else ""
    if report.note:
        return [f"{report.alias}: {report.note}"]
    if report.old == report.new:
        return [f"{report.alias}: already at the newest commit {short(report.new)}{ref}"]
    out = [f"{report.alias}: {short(report.old)} -> {short(report.new)}{ref}"]
    if not (report.added or report.removed or report.changed):
        out.append("  no block changed")
    out += [f"  added:   {bid}" for bid in report.added]
    out += [f"  removed: {bid}" for bid in report.removed]
    out += [f"  changed: {c.id}" + (f" ({'; '.join(c.notes)})" if c.notes else "") for c in report.changed]
    out += [f"  parameters: {p}" for p in report.params]
    out += [f"  licence: {lic}" for lic in report.licences]
    out += [f"  affects paper: {p}" for p in report.papers]
    out += [f"  translation now stale: {t}" for t in report.stale]
    return out
