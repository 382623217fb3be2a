"""Which documents a command works on: papers x languages (x audiences)."""
from __future__ import annotations

from positionkit.diagnostics import Diagnostic, did_you_mean, error, warning
from positionkit.languages import get_language
from positionkit.load import audiences as aud
from positionkit.load.project import Project
from positionkit.resolve.document import Target


def _languages(project: Project, slug: str) -> list[str]:
    return list(project.papers[slug].languages) or [project.config.source_lang]


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
                # an error when no chosen paper has the language: nothing would be built for it
                report = error if not any(code in _languages(project, p) for p in slugs
                                          if p in project.papers) else warning
                diags.append(report("PK021", f"paper '{slug}' is not written in '{code}'", paper.yaml_path,
                                    paper.meta_lines.get("languages"),
                                    hint=f"its languages: {', '.join(languages)}"))
        for code in languages:
            if get_language(code) is not None and (not langs or code in langs):
                targets.append(Target(slug, code))
    return targets, diags


def plan_audiences(project: Project, papers=(), langs=(), selectors=()
                   ) -> tuple[list[Target], dict, dict, list[Diagnostic]]:
    """Targets for tailored handouts: each selected audience in each of its languages the paper has
    (the source language when none match). -> (targets, {(paper, id): Audience}, {path: AudienceSet},
    diagnostics)."""
    base, diags = plan(project, papers, langs)
    slugs = list(dict.fromkeys(t.paper for t in base))
    sets: dict = {}
    people: dict = {}
    targets: list[Target] = []
    for slug in slugs:
        rel = aud.audiences_path(project, slug)
        if rel not in sets:
            sets[rel], more = project.audiences(rel)
            diags += more
        chosen, more = aud.select(sets[rel], selectors, rel)
        diags += more
        have = [t.lang for t in plan(project, [slug])[0]]
        for person in chosen:
            people[(slug, person.id)] = person
            for code in aud.languages_for(person, have, project.config.source_lang):
                if not langs or code in langs:
                    targets.append(Target(slug, code, person.id))
    return targets, people, sets, ordered_unique(diags)


def ordered_unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    return list(dict.fromkeys(diags))
