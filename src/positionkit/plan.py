"""Which documents a command works on: papers x languages (x audiences)."""
from __future__ import annotations

from .diagnostics import Diagnostic, did_you_mean, error, warning
from .languages import get_language
from .project import Project
from .resolve import Target


def plan(project: Project, papers=(), langs=()) -> tuple[list[Target], list[Diagnostic]]:
    diags: list[Diagnostic] = []
    slugs = list(papers) or list(project.papers)
    for slug in slugs:
        if slug not in project.papers:
            diags.append(error("PK020", f"no paper named '{slug}'", None,
                               hint=did_you_mean(slug, project.papers) or "positionkit list shows the papers"))
    targets = []
    for slug in (s for s in slugs if s in project.papers):
        paper = project.papers[slug]
        languages = list(paper.languages) or [project.config.source_lang]
        for code in languages:
            if get_language(code) is None:
                diags.append(error("PK404", f"unknown language '{code}'", paper.yaml_path,
                                   paper.meta_lines.get("languages"),
                                   hint="use a BCP 47 tag such as en, fr, es, ar, ru, zh-Hans, pt-BR"))
        for code in langs:
            if code not in languages:
                diags.append(warning("PK021", f"paper '{slug}' is not written in '{code}'", paper.yaml_path,
                                     paper.meta_lines.get("languages"),
                                     hint=f"its languages: {', '.join(languages)}"))
        for code in languages:
            if get_language(code) is not None and (not langs or code in langs):
                targets.append(Target(slug, code))
    return targets, diags
