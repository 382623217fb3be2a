"""What an update changed in a library, and what that means for this project. Pure: it compares
two snapshots already in memory and never reads a file."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from positionkit.libraries.snapshot import Snapshot
from positionkit.libraries.worddiff import word_diff
from positionkit.load import stamps as i18n
from positionkit.load.library_translations import override_path


@dataclass(frozen=True)
class Change:
    id: str
    notes: tuple[str, ...]
    """What changed, in words: "rev 2 -> 3", "summary: '…' -> '…'", "text"."""
    diff: str = ""
    """Word diff of the text ([-old-]{+new+})."""
    reach: str | None = None
    """Papers [languages]; audiences that print the block."""


@dataclass(frozen=True)
class BibChange:
    key: str
    kind: str
    """added | changed | removed"""
    fields: tuple[str, ...] = ()
    """For a changed entry: the fields that differ."""
    reach: str | None = None
    """Papers [languages]; audiences that cite it."""


@dataclass(frozen=True)
class Report:
    alias: str
    old: str | None
    """Previous commit (or content hash for a path library)."""
    new: str | None
    ref: str | None = None
    added: tuple[str, ...] = ()
    removed: tuple[Change, ...] = ()
    changed: tuple[Change, ...] = ()
    params: tuple[str, ...] = ()
    licences: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    """'slug (block, block)' for each of the project's papers that includes a changed or removed block."""
    stale: tuple[str, ...] = ()
    """Translations that were current before and are stale now: project paths, or a library's own
    translation named by block id and language."""
    note: str | None = None
    commits: tuple[str, ...] = ()
    """Upstream 'abc1234 subject' lines between the old and the new commit, oldest first."""
    bib: tuple[BibChange, ...] = ()

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


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


def _stale(bid: str, ob, nb, otr: dict, ntr: dict, own: dict, langs: set | None) -> list[str]:
    """Translations current against the old text and stale against the new one. The library's own
    ones only in languages this project prints the block in (langs; None: all)."""
    out = []
    for lang, tr in sorted(own.items()):  # the project's own, in translations/
        if i18n.freshness(ob.source, tr).status == i18n.CURRENT and \
                i18n.freshness(nb.source, tr).status == i18n.STALE:
            out.append(f"{tr.path} (update it, then: positionkit i18n stamp {tr.path})")
    for lang, tr in sorted(ntr.items()):  # the library's own: the project cannot edit them
        if lang in own or (langs is not None and lang not in langs):
            continue
        was = otr.get(lang)
        if i18n.freshness(nb.source, tr).status == i18n.STALE and \
                (was is None or i18n.freshness(ob.source, was).status == i18n.CURRENT):
            out.append(f"{bid} [{lang}], the library's own translation: {lang} prints the source text until "
                       f"its translators catch up, or translate it here: positionkit i18n new {bid} --lang "
                       f"{lang} (creates {override_path(bid, lang)})")
    return out


def _bib_changes(old: dict, new: dict, reach) -> list[BibChange]:
    out = []
    for key in sorted(set(old) | set(new)):
        where = reach.of_key(key) if reach is not None else None
        if key not in old:
            out.append(BibChange(key, "added", reach=where))
        elif key not in new:
            out.append(BibChange(key, "removed", reach=where))
        elif old[key].fields != new[key].fields or old[key].type != new[key].type:
            fields = sorted(k for k in set(old[key].fields) | set(new[key].fields)
                            if old[key].fields.get(k) != new[key].fields.get(k))
            out.append(BibChange(key, "changed", tuple(fields or ["type"]), where))
    return out


def compare(alias: str, old: Snapshot, new: Snapshot, uses: dict, old_commit=None, new_commit=None,
            ref=None, reach=None, overrides: dict | None = None, commits=()) -> Report:
    """uses: paper slug -> block ids it includes (before or after the update); reach: libraries.reach.Reach;
    overrides: block id -> {lang: the project's own translation}."""
    ob_all, nb_all = old.blocks, new.blocks
    added = sorted(set(nb_all) - set(ob_all))
    removed = [Change(bid, (), reach=reach.of_block(bid) if reach else None)
               for bid in sorted(set(ob_all) - set(nb_all))]
    changed, params, licences, stale = [], [], [], []
    for bid in sorted(set(ob_all) & set(nb_all)):
        (ob, otr), (nb, ntr) = ob_all[bid], nb_all[bid]
        if ob.source.text == nb.source.text:
            continue
        om, nm = ob.meta, nb.meta
        notes = [f"{key} {_q(om.get(key))} -> {_q(nm.get(key))}" for key in ("rev", "status", "title", "summary")
                 if om.get(key) != nm.get(key)]
        if ob.source.body != nb.source.body:
            notes.append("text")
        changed.append(Change(bid, tuple(notes), word_diff(ob.source.body, nb.source.body),
                              reach.of_block(bid) if reach else None))
        params += _param_notes(bid, ob.params, nb.params)
        if om.get("license") != nm.get("license"):
            licences.append(f"{bid}: {om.get('license') or '(none)'} -> {nm.get('license') or '(none)'}")
        stale += _stale(bid, ob, nb, otr, ntr, (overrides or {}).get(bid, {}),
                        reach.languages_of(bid) if reach else None)
    for bid in added:
        if nb_all[bid][0].meta.get("license"):
            licences.append(f"{bid}: new block under {nb_all[bid][0].meta['license']}")
    touched = {c.id for c in changed} | {c.id for c in removed}
    papers = [f"{slug} ({', '.join(sorted(ids & touched))})" for slug, ids in sorted(uses.items())
              if ids & touched]
    return Report(alias, old_commit, new_commit, ref, tuple(added), tuple(removed), tuple(changed),
                  tuple(params), tuple(licences), tuple(papers), tuple(stale), commits=tuple(commits),
                  bib=tuple(_bib_changes(old.bib, new.bib, reach)))


def render(report: Report, short) -> list[str]:
    """Lines for people; short abbreviates a commit or hash."""
    ref = f" ({report.ref})" if report.ref else ""
    if report.note:
        return [f"{report.alias}: {report.note}"]
    if report.old == report.new:
        return [f"{report.alias}: already at the newest commit {short(report.new)}{ref}"]
    out = [f"{report.alias}: {short(report.old)} -> {short(report.new)}{ref}"]
    if report.commits:
        out.append(f"  upstream commits ({len(report.commits)}):")
        out += [f"    {line}" for line in report.commits]
    if not (report.added or report.removed or report.changed or report.bib):
        out.append("  no block changed")
    out += [f"  added:   {bid}" for bid in report.added]
    for c in report.removed:
        out.append(f"  removed: {c.id}")
        out += [f"      was printed by: {c.reach}"] if c.reach else []
    for c in report.changed:
        out.append(f"  changed: {c.id}" + (f" ({'; '.join(c.notes)})" if c.notes else ""))
        out += [f"      text: {c.diff}"] if c.diff else []
        out += [f"      reaches: {c.reach}"] if c.reach else []
    out += [f"  parameters: {p}" for p in report.params]
    out += [f"  licence: {lic}" for lic in report.licences]
    for b in report.bib:
        what = f" ({', '.join(b.fields)})" if b.fields else ""
        cited = f"; cited by {b.reach}" if b.reach else ""
        out.append(f"  bibliography: {b.kind} {b.key}{what}{cited}")
    out += [f"  affects paper: {p}" for p in report.papers]
    out += [f"  translation now stale: {t}" for t in report.stale]
    return out
