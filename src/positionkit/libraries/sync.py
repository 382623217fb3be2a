"""sync, update, vendor: the only code that fetches libraries (through libgit) or writes the lock.

Each returns (lines for people, diagnostics) and leaves printing to the CLI.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from positionkit.libraries import git as libgit
from positionkit.libraries import lockfile
from positionkit.load import lock
from positionkit.load.config import CONFIG_NAME, Config, Library, load_config
from positionkit.diagnostics import Diagnostic, error, has_errors
from positionkit.load.libraries import (
    CACHE_DIR,
    VENDOR_DIR,
    cache_dir,
    check_pin,
    content_hash,
    declared_line,
    rel_to,
    short,
    used_files,
    vendor_dir)

LICENCE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "COPYING")


def _where(root: Path, alias: str) -> tuple[str, int | None]:
    return CONFIG_NAME, declared_line(root, alias)


def _select(root: Path, config: Config, aliases) -> tuple[list[Library], list[Diagnostic]]:
    known = {lib.alias: lib for lib in config.libraries}
    diags = [error("PK711", f"no library '{a}' is declared in {CONFIG_NAME}", CONFIG_NAME,
                   hint=f"declared: {', '.join(known) or 'none'}") for a in aliases if a not in known]
    return [known[a] for a in aliases if a in known] if aliases else list(known.values()), diags


def _ignore_cache(root: Path) -> None:
    """The cache ignores itself, whatever the project's .gitignore says."""
    marker = root / ".positionkit" / ".gitignore"
    if not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("# positionkit's cache: never commit it\n*\n", encoding="utf-8")


def _fetch(root: Path, lib: Library) -> tuple[Path | None, str | None, bool, list[Diagnostic]]:
    """Fetch into the cache -> (repo, commit the ref names now, ref moves, diagnostics)."""
    where = _where(root, lib.alias)
    if not libgit.available():
        return None, None, False, [error("PK708", f"git is not installed, so library '{lib.alias}' cannot "
                                         "be fetched", *where, hint="install git (https://git-scm.com), or "
                                         "commit a vendored copy: positionkit vendor")]
    if lib.git.startswith("-"):
        return None, None, False, [error("PK708", f"library '{lib.alias}' has an invalid git URL", *where)]
    repo = cache_dir(root, lib.alias)
    _ignore_cache(root)
    try:
        libgit.ensure_clone(repo, libgit.absolute_url(lib.git, root))
        libgit.fetch(repo, lib.ref)
    except libgit.GitError as exc:
        return None, None, False, [error("PK708", f"cannot fetch library '{lib.alias}' from {lib.git}: {exc}",
                                         *where, hint="check the URL, your network and your access rights")]
    tip, moving = libgit.resolve(repo, lib.ref)
    if tip is None:
        what = f"ref '{lib.ref}'" if lib.ref else "a default branch"
        return None, None, False, [error("PK709", f"library '{lib.alias}': {lib.git} has no {what}", *where,
                                         hint="set ref = \"<branch, tag or commit>\" in [libraries."
                                         f"{lib.alias}]")]
    return repo, tip, moving, []


def _vendor_copy(root: Path, alias: str, source: Path) -> None:
    """Copy the content (and any licence file) into vendor/<alias>/, replacing an older copy."""
    dest = vendor_dir(root, alias)
    tmp = dest.with_name(f".{alias}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    files, _ = used_files(source)
    for rel, path in files:
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, tmp / rel)
    tmp.mkdir(parents=True, exist_ok=True)
    for name in LICENCE_FILES:
        if (source / name).is_file() and not (source / name).is_symlink():
            shutil.copyfile(source / name, tmp / name)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)


def _pin_git(root: Path, lib: Library, pin: lock.Pin | None, pins: dict, follow: bool, dry_run: bool = False):
    """Bring the cache to the locked commit (follow=False) or the ref's newest (follow=True).
    -> (line, diagnostics); updates pins in place."""
    repo, tip, moving, diags = _fetch(root, lib)
    if repo is None:
        return None, diags
    same = pin is not None and pin.git == lib.git and pin.ref == lib.ref
    if same and not follow:
        gone = not libgit.has_commit(repo, pin.commit)
        if gone or (moving and not libgit.is_ancestor(repo, pin.commit, tip)):
            return None, [error("PK710", f"library '{lib.alias}': the locked commit {pin.commit} is no longer "
                                f"in the history of {lib.ref or 'the default branch'} at {lib.git}, which "
                                f"is now at {tip} (upstream history was rewritten)", *_where(root, lib.alias),
                                hint=f"ask the library's maintainers why; to accept the new history, review "
                                f"it and run positionkit update {lib.alias}")]
        target = pin.commit
    else:
        target = tip
    try:
        libgit.checkout(repo, target)
    except libgit.GitError as exc:
        return None, [error("PK708", f"cannot check out library '{lib.alias}' at {target}: {exc}",
                            *_where(root, lib.alias))]
    content = content_hash(repo)
    vendored = vendor_dir(root, lib.alias).is_dir()
    if same and not follow:
        if content != pin.content:
            return None, [error("PK705", f"library '{lib.alias}' at commit {pin.commit} has content {content}, "
                                f"but {lock.LOCK_NAME} says {pin.content}", *_where(root, lib.alias),
                                hint=f"someone edited {lock.LOCK_NAME}, or the library was tampered with; "
                                f"check, then run positionkit update {lib.alias}")]
        return f"{lib.alias}: {short(target)} as locked, content verified", []
    pins[lib.alias] = lock.Pin(lib.alias, git=lib.git, ref=lib.ref, commit=target, content=content)
    if vendored and not dry_run:
        _vendor_copy(root, lib.alias, repo)
    what = "locked at" if not same else "moved to"
    return f"{lib.alias}: {what} {short(target)} ({lib.ref or 'default branch'})" + \
        (f", {VENDOR_DIR}/{lib.alias}/ refreshed" if vendored and not dry_run else ""), []


def _pin_path(root: Path, lib: Library, pin: lock.Pin | None, pins: dict, follow: bool, dry_run: bool = False):
    folder = root / lib.path
    if not folder.is_dir():
        return None, [error("PK701", f"library '{lib.alias}' folder {lib.path} does not exist",
                            *_where(root, lib.alias))]
    content = content_hash(folder)
    if pin is not None and pin.path == lib.path and not follow:
        if pin.content != content:
            return None, check_pin(root, lib, pin, "path", rel_to(root, folder), content)
        return f"{lib.alias}: {lib.path} as locked, content verified", []
    pins[lib.alias] = lock.Pin(lib.alias, path=lib.path, content=content)
    return f"{lib.alias}: {lib.path} locked at content {short(content)}", []


def _pin(root, lib, pin, pins, follow, dry_run=False):
    """dry_run: the cache may move (it is only a cache), but vendor/ is left as it is."""
    vendored = vendor_dir(root, lib.alias)
    if not follow and vendored.is_dir() and pin is not None and pin.source == (lib.git or lib.path) \
            and pin.ref == lib.ref:
        # a vendored library is the archive: no network, just verify it
        diags = check_pin(root, lib, pin, "vendor", rel_to(root, vendored), content_hash(vendored))
        return (None if diags else f"{lib.alias}: vendored at {short(pin.commit or pin.content)}, "
                "content verified"), diags
    return (_pin_git if lib.git is not None else _pin_path)(root, lib, pin, pins, follow, dry_run)


def sync(root: Path, aliases=()) -> tuple[list[str], list[Diagnostic]]:
    """Every library at its locked commit; new ones locked at their ref's newest commit."""
    config, diags = load_config(root)
    pins, more = lock.read(root)
    diags += more
    if has_errors(diags):
        return [], diags
    libs, more = _select(root, config, aliases)
    diags += more
    new_pins = dict(pins)
    lines = []
    for lib in libs:
        line, more = _pin(root, lib, pins.get(lib.alias), new_pins, follow=False)
        diags += more
        lines += [line] if line else []
    declared = {lib.alias for lib in config.libraries}
    for alias in sorted(set(new_pins) - declared):
        del new_pins[alias]
        lines.append(f"{alias}: removed from {lock.LOCK_NAME} (no longer declared)")
    if new_pins != pins:
        lockfile.write(root, new_pins)
        lines.append(f"wrote {lock.LOCK_NAME}")
    if not config.libraries:
        lines.append(f"no libraries declared in {CONFIG_NAME}")
    return lines, diags


def vendor(root: Path, aliases=()) -> tuple[list[str], list[Diagnostic]]:
    """Copy each library's locked content into vendor/<alias>/ so builds need neither the network
    nor the upstream repository."""
    config, diags = load_config(root)
    pins, more = lock.read(root)
    diags += more
    libs, more = _select(root, config, aliases)
    diags += more
    lines = []
    for lib in libs if not has_errors(diags) else []:
        pin = pins.get(lib.alias)
        where = _where(root, lib.alias)
        if pin is None:
            diags.append(error("PK703", f"library '{lib.alias}' is not in {lock.LOCK_NAME}", *where,
                               hint="run positionkit sync first"))
            continue
        source = root / lib.path if lib.path is not None else cache_dir(root, lib.alias)
        vendored = vendor_dir(root, lib.alias)
        if source.is_dir() and content_hash(source) == pin.content:
            _vendor_copy(root, lib.alias, source)
            lines.append(f"{lib.alias}: copied {short(pin.commit or pin.content)} to {VENDOR_DIR}/{lib.alias}/")
        elif vendored.is_dir() and content_hash(vendored) == pin.content:
            lines.append(f"{lib.alias}: {VENDOR_DIR}/{lib.alias}/ already holds {short(pin.commit or pin.content)}")
        elif lib.path is not None and source.is_dir():
            diags += check_pin(root, lib, pin, "path", rel_to(root, source), content_hash(source))
        else:
            diags.append(error("PK701", f"library '{lib.alias}' is not synced (run positionkit sync)", *where,
                               hint=f"vendor copies the synced content from {CACHE_DIR}/{lib.alias}/"))
    if lines:
        lines.append(f"commit {VENDOR_DIR}/ and {lock.LOCK_NAME}: builds now read the vendored copies")
    return lines, diags
