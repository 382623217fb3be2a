"""A small bilingual project for the preview tests: a translated section (aligned paragraph by
paragraph), one without translation (falls back), an internal note, a block, many paragraphs to
scroll through."""
from __future__ import annotations

from positionkit.load import stamps

INTRO = ("## Introduction\n\nData flows matter for development [@unctad2021der].\n\n"
         "Privacy law is a legitimate objective [@gdpr2016].\n\n"
         "::: internal\nCheck the 2021 figures before MC14 [@oecd2019note].\n:::\n")
INTRO_FR = ("## Introduction\n\nLes flux de données comptent pour le développement [@unctad2021der].\n\n"
            "La protection de la vie privée est un objectif légitime [@gdpr2016].\n\n"
            "::: internal\nVérifier les chiffres de 2021.\n:::\n")
ASKS = "## Asks\n\n" + "\n\n".join(
    f"Ask number {i}: delegations keep room for domestic privacy rules." for i in range(1, 41)) + "\n\n" \
    "::: {.block ref=\"privacy/objective\"}\n:::\n"
BLOCK = ("---\nid: privacy/objective\ntitle: Privacy is an objective\nstatus: approved\n---\n"
         "A block paragraph on privacy as a legitimate objective.\n")


def translation(source: str, body: str) -> str:
    stamp = stamps.stamp_data(source)
    paras = ", ".join(f'"{p}"' for p in stamp["paragraphs"])
    return (f"---\ntranslation:\n  source_hash: \"{stamp['source_hash']}\"\n  paragraphs: [{paras}]\n"
            f"  state: translated\n---\n{body}")


BIB = """@techreport{unctad2021der,
  author = {{UNCTAD}},
  title = {Digital Economy Report 2021},
  institution = {{United Nations Conference on Trade and Development}},
  year = {2021},
}

@misc{gdpr2016,
  author = {{European Parliament and Council of the European Union}},
  title = {Regulation (EU) 2016/679 (General Data Protection Regulation)},
  year = {2016},
}

@techreport{oecd2019note,
  author = {{OECD}},
  title = {Trade and Cross-Border Data Flows},
  institution = {{OECD}},
  year = {2019},
}
"""

FILES = {
    "references.bib": BIB,
    "papers/note/paper.yaml": "title: Test note\ndate: 2026-11-20\norganisations: [Test Coalition]\n"
                              "audience: For WTO delegations\nlanguages: [en, fr]\npages: 1\n"
                              "sections:\n  - 01-intro.md\n  - 02-asks.md\n",
    "papers/note/paper.fr.yaml": "title: Note de test\n",
    "papers/note/01-intro.md": INTRO,
    "papers/note/01-intro.fr.md": translation(INTRO, INTRO_FR),
    "papers/note/02-asks.md": ASKS,
    "blocks/privacy/objective.md": BLOCK,
}
