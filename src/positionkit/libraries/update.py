"""`update`: move libraries to the newest commit of their ref and explain what that changes.

Per library: the upstream commits in between (subjects), each changed block with a word diff of
its text and the papers, languages and audiences that print it, bibliography entries added,
changed or removed (and who cites them), and translations that went stale (project paths). With
dry_run nothing the project keeps is changed: not positionkit.lock, not vendor/; the cache is put
back at the locked commits.
"""
from __future__ import annotations

from pathlib import Path

from positionkit.diagnostics import Diagnostic, has_errors
from positionkit.libraries import git as libgit, lockfile, report as libreport, snapshot
from positionkit.libraries.reach import Reach, reach
from positionkit.libraries.sync import _pin, _select
from positionkit.load import lock
from positionkit.load.config import load_config
from positionkit.load.libraries import cache_dir, short, source_folder
from positionkit.load.library_translations import FOLDER
from positionkit.load.project import load_project


def _before(root: Path, lib, pin) -> snapshot.Snapshot | None:
    """The library as the project uses it now, if that is what the lock pins."""
    if pin is None:
        return None
    folder, _ = source_folder(root, lib)
    return snapshot.read(folder, lib.alias, pin.content)


def _uses_and_reach(root: Path) -> tuple[dict, Reach, dict]:
    """(paper -> block ids it prints, reach, block id -> {lang: the project's own translation})."""
    project = load_project(root)
    found = reach(project)
    uses: dict = {}
    for paper, _lang, _aud, ids, _keys in found.docs:
        uses.setdefault(paper, set()).update(ids)
    own = {bid: {lang: tr for lang, tr in project.translations.get(b.source.path, {}).items()
                 if tr.path.startswith(f"{FOLDER}/")}
           for bid, b in project.blocks.items() if b.library}
    return uses, found, own


def update(root: Path, aliases=(), dry_run: bool = False) -> tuple[list[str], list[Diagnostic], list[dict]]:
    """-> (lines for people, diagnostics, one report dict per library)."""
    config, diags = load_config(root)
    pins, more = lock.read(root)
    diags += more
    libs, more = _select(root, config, aliases)
    diags += more
    if has_errors(diags):
        return [], diags, []
    before = {}
    for lib in libs:
        pin = pins.get(lib.alias)
        before[lib.alias] = _before(root, lib, pin)
        if before[lib.alias] is None and pin is not None and lib.git:
            # not synced here yet: fetch the locked commit first, so there is something to compare
            _pin(root, lib, pin, dict(pins), follow=False)
            before[lib.alias] = _before(root, lib, pin)
    uses, found, own = _uses_and_reach(root)
    new_pins = dict(pins)
    moved = []
    for lib in libs:
        line, more = _pin(root, lib, pins.get(lib.alias), new_pins, follow=True, dry_run=dry_run)
        diags += more
        if line is not None:
            moved.append(lib)
    if new_pins != pins and not dry_run:
        lockfile.write(root, new_pins)
        after_uses, after_found, _ = _uses_and_reach(root)
        for slug, ids in after_uses.items():
            uses[slug] = uses.get(slug, set()) | ids
        found = found.merge(after_found)
    reports = [_report(root, lib, pins.get(lib.alias), new_pins[lib.alias], before[lib.alias], uses, found, own)
               for lib in moved]
    if dry_run:
        _restore(root, moved, pins)
    lines = [line for r in reports for line in libreport.render(r, short)]
    if dry_run:
        lines.append(f"dry run: {lock.LOCK_NAME} and vendor/ were left as they were; "
                     f"positionkit update{''.join(' ' + a for a in aliases)} applies it")
    elif new_pins != pins:
        lines.append(f"wrote {lock.LOCK_NAME}; review the changes, run positionkit check, then commit it")
    return lines, diags, [r.to_dict() for r in reports]


def _report(root, lib, old, new, before, uses, found, own) -> libreport.Report:
    ref = lib.ref or ("default branch" if lib.git else None)
    if lib.path is not None:
        note = (f"{lib.path} content {short(old.content if old else None)} -> {short(new.content)} "
                "recorded (a path library is read in place: there is no earlier copy to compare)")
        return libreport.Report(lib.alias, None, None, note=note if not old or old.content != new.content
                                else f"{lib.path} unchanged, content {short(new.content)}")
    if before is None:
        return libreport.Report(lib.alias, None, new.commit, ref, note=f"locked at {short(new.commit)} ({ref}); "
                                "no earlier synced copy to compare with")
    repo = cache_dir(root, lib.alias)
    after = snapshot.read(repo, lib.alias) or snapshot.Snapshot()
    commits = libgit.subjects(repo, old.commit, new.commit) if old.commit != new.commit else []
    return libreport.compare(lib.alias, before, after, uses, old.commit, new.commit, ref, reach=found,
                             overrides=own, commits=commits)


def _restore(root: Path, moved, pins) -> None:
    """Dry run: the cache back at the locked commits, so builds read what the lock says."""
    for lib in moved:
        pin = pins.get(lib.alias)
        if lib.git and pin is not None and pin.commit:
            try:
                libgit.checkout(cache_dir(root, lib.alias), pin.commit)
            except libgit.GitError:
                pass  # the next sync says what is wrong
