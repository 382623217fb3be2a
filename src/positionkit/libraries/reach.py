"""Who a library change reaches: which papers, in which languages, for which audiences print a
block or cite a bibliography entry. Resolves every paper x language (and every audience of the
paper, since `.when`/`.unless` decide per audience which blocks print); renders nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from positionkit.load import audiences as aud
from positionkit.languages import get_language
from positionkit.resolve.document import Target, resolve


@dataclass
class Reach:
    docs: list = field(default_factory=list)
    """(paper, lang, audience id or None, block ids, citation keys) per resolved document."""
    audiences: dict = field(default_factory=dict)
    """paper -> number of audiences it has."""

    def merge(self, other: "Reach") -> "Reach":
        return Reach(self.docs + other.docs, {**other.audiences, **self.audiences})

    def of_block(self, block_id: str) -> str | None:
        return self._describe([d for d in self.docs if block_id in d[3]])

    def languages_of(self, block_id: str) -> set[str]:
        return {d[1] for d in self.docs if block_id in d[3]}

    def of_key(self, key: str) -> str | None:
        return self._describe([d for d in self.docs if key in d[4]])

    def _describe(self, docs: list) -> str | None:
        """'note [en, fr]; audiences: kenya, chile' for each paper, joined by ' | '."""
        out = []
        for paper in sorted({d[0] for d in docs}):
            mine = [d for d in docs if d[0] == paper]
            langs = ", ".join(sorted({d[1] for d in mine}))
            ids = sorted({d[2] for d in mine if d[2]})
            total = self.audiences.get(paper, 0)
            text = f"{paper} [{langs}]"
            if total and len(ids) == total:
                text += f"; all {total} audiences"
            elif ids:
                shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
                text += f"; audiences: {shown} ({len(ids)} of {total})"
            elif total:
                text += "; no audience (plain handouts only)"
            out.append(text)
        return " | ".join(out) or None


_CITE = re.compile(r"@\{?([\w:.#$%&+?<>~/-]+)")


def reach(project) -> Reach:
    found = Reach()
    for slug, paper in project.papers.items():
        langs = [code for code in (paper.languages or (project.config.source_lang,)) if get_language(code)]
        for lang in langs:
            found.docs.append(_row(project, Target(slug, lang), None))
        people, _ = project.audiences(aud.audiences_path(project, slug))
        members = people.audiences if people is not None else ()
        found.audiences[slug] = len(members)
        for person in members:
            for lang in aud.languages_for(person, langs, project.config.source_lang):
                found.docs.append(_row(project, Target(slug, lang, person.id), person.mapping()))
    return found


def _row(project, target, mapping) -> tuple:
    doc = resolve(project, target, mapping)
    keys = frozenset(m.rstrip(".,;:") for m in _CITE.findall(doc.markdown))
    return target.paper, target.lang, target.audience, frozenset(b.id for b in doc.blocks), keys
