"""`init-ci`: a CI configuration (GitHub Actions or GitLab CI) that installs the positionkit this
project was built with, checks, builds what ships in shards side by side, and gathers the parts.

positionkit is not on PyPI, so "the version it was built with" is pinned the way pip itself
recorded the installation (PEP 610 direct_url.json): a git URL at the exact commit when it was
installed from git, the git remote and commit of the source folder for an editable or local
install, `positionkit==X.Y.Z` when it came from a package index. When none of these is usable
the caller gets a placeholder and a diagnostic asking for --install.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import unquote, urlparse

from positionkit.diagnostics import error, warning
from positionkit.libraries import git as libgit
from positionkit.load import audiences as aud
from positionkit.load.project import load_project
from positionkit.pipeline.write import replace_file
from positionkit.version import __version__

SERVICES = {"github": ".github/workflows/positionkit.yml", "gitlab": ".gitlab-ci.yml"}
CJK = ("zh", "ja", "ko")
PLACEHOLDER = f"positionkit @ git+https://REPLACE-WITH-THE-POSITIONKIT-REPOSITORY.git@v{__version__}"


@dataclass(frozen=True)
class Pin:
    requirement: str
    """What `pip install` gets: 'positionkit @ git+URL@COMMIT' or 'positionkit==X.Y.Z'."""
    source: str
    """How it was found, in words."""
    known: bool = True
    """False for the placeholder: someone must fill in the repository."""


@dataclass(frozen=True)
class Plan:
    """What the CI runs: the build commands (each with $FINAL and $SHARD), in how many parts."""

    shards: int
    builds: tuple[str, ...]
    output_dir: str
    cjk: bool = False
    check_args: str = ""


def pin_from_direct_url(direct: dict | None, git_origin=None) -> Pin:
    """direct: the parsed direct_url.json (None: installed from an index). git_origin(folder) ->
    (remote URL, commit) of a local source folder, or None."""
    if direct is None:
        return Pin(f"positionkit=={__version__}", "installed from a package index")
    url = str(direct.get("url", ""))
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
        return Pin(f"positionkit @ git+{url}@{vcs['commit_id']}",
                   f"installed from git, commit {vcs['commit_id']}")
    if url.startswith("file://") and git_origin is not None:
        found = git_origin(Path(unquote(urlparse(url).path)))
        if found and found[0] and not found[0].startswith(("/", "file:", ".")):
            remote, commit = found
            return Pin(f"positionkit @ git+{remote}@{commit}", f"the source folder's git remote, commit {commit}")
    return Pin(PLACEHOLDER, f"installed from {url or 'an unknown place'}, which CI cannot reach", known=False)


def installed_pin(git_origin=None) -> Pin:
    try:
        text = metadata.distribution("positionkit").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        text = None
    try:
        direct = json.loads(text) if text else None
    except ValueError:
        direct = None
    return pin_from_direct_url(direct, git_origin)


def render(service: str, plan: Plan, pin: Pin) -> str:
    """The configuration file's text."""
    template = resources.files("positionkit").joinpath("data", "ci", f"{service}.yml").read_text("utf-8")
    github = service == "github"
    step = ("      - name: Build {name}\n        run: {cmd}\n" if github else "    - {cmd}\n")
    builds = "".join(step.format(name=_name(cmd), cmd=cmd) for cmd in plan.builds)
    fonts = ""
    if plan.cjk:
        fonts = ("      - name: CJK fonts\n        run: sudo apt-get update && sudo apt-get install -y fonts-noto-cjk\n"
                 if github else "    - apt-get update && apt-get install -y fonts-noto-cjk\n")
    values = {
        "VERSION": __version__, "INSTALL": pin.requirement, "SHARDS": str(plan.shards),
        "SHARD_LIST": ", ".join(str(i) for i in range(1, plan.shards + 1)),
        "PARALLEL": f"  parallel: {plan.shards}\n" if plan.shards > 1 else "",
        "BUILD_STEPS": builds, "FONTS": fonts, "OUTPUT_DIR": plan.output_dir, "CHECK_ARGS": plan.check_args,
        "WHAT": " and ".join(_name(cmd) for cmd in plan.builds),
    }
    for key, value in values.items():
        template = template.replace(f"@@{key}@@", value)
    return template


def _name(cmd: str) -> str:
    return "the audience batch" if "--audience" in cmd else "the handouts"


def build_commands(has_audiences: bool) -> tuple[str, ...]:
    plain = 'positionkit build $FINAL --shard "$SHARD"'
    batch = 'positionkit build --audience all $FINAL --shard "$SHARD"'
    return (plain, batch) if has_audiences else (plain,)


def project_plan(root: Path, shards: int) -> tuple[Plan, list]:
    """What ships: the plain handouts, plus `--audience all` when any paper has audiences."""
    project = load_project(root)
    files = {aud.audiences_path(project, slug) for slug in project.papers} or {project.config.audiences}
    has_audiences = any((found := project.audiences(rel)[0]) is not None and found.audiences for rel in files)
    langs = {code for paper in project.papers.values() for code in paper.languages}
    cjk = any(code.split("-")[0] in CJK for code in langs)
    errors = [d for d in project.diagnostics if d.severity.value == "error"]
    return Plan(shards, build_commands(has_audiences), project.config.output_dir, cjk), errors


def init_ci(root: Path, service: str, shards: int = 1, requirement: str | None = None):
    """Write the CI file for service unless it exists -> (lines for people, diagnostics)."""
    rel = SERVICES[service]
    dest = root / rel
    if dest.exists():
        return [], [error("PK712", f"{rel} already exists; not overwriting it", rel,
                          hint="delete or rename it first to get a fresh one")]
    plan, diags = project_plan(root, shards)
    pin = Pin(requirement, "given with --install") if requirement else installed_pin(libgit.origin)
    if not pin.known:
        diags.append(warning("PK730", f"cannot tell where CI should install positionkit {__version__} from "
                             f"({pin.source}); {rel} installs a placeholder", rel,
                             hint="edit POSITIONKIT_INSTALL in it, or run init-ci again with --install "
                             "'positionkit @ git+https://<host>/<org>/positionkit.git@<tag or commit>'"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    replace_file(dest, render(service, plan, pin).encode("utf-8"))
    what = " and ".join(_name(cmd) for cmd in plan.builds)
    lines = [f"wrote {rel}: installs {pin.requirement} ({pin.source}), checks, builds {what} in "
             f"{plan.shards} part(s) and gathers them into one artifact",
             "commit it, then push a tag (git tag v1 && git push --tags) for a final build"]
    return lines, diags
