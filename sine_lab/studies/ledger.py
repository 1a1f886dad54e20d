"""The ledger of the article's claims: each quoted, with the series' verdict and the section that asserts it.

One source for chapter 00's table and the README's (``python scripts/render_contents.py`` rewrites the
README's block). ``tests/test_series.py`` checks that every quote is the article's own words, and that every
entry points to a section of a chapter that exists and holds an ``assert``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .contents import chapter

__all__ = ["LEDGER", "Claim", "anchor", "ledger_table"]


@dataclass(frozen=True)
class Claim:
    """One claim of the article.

    Attributes:
        quote: the article's words, verbatim (a sentence or a phrase of one).
        verdict: the series' verdict, in a few words.
        evidence: what was measured, with n of N where seeds matter.
        chapter: the number of the chapter that tests it (``"06"``).
        section: the heading of the section whose cells assert it, without the ``#`` marks.
    """

    quote: str
    verdict: str
    evidence: str
    chapter: str
    section: str


def anchor(heading: str) -> str:
    """The link anchor of a Markdown heading, as GitHub and the site spell it (lowercase, words joined by
    hyphens, punctuation dropped)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


LEDGER: tuple[Claim, ...] = ()


def ledger_table(folder: str = "") -> str:
    """The ledger as a Markdown table, sections linked as ``{folder}{chapter stem}.ipynb#anchor``
    (``"notebooks/"`` from the README, ``""`` from chapter 00)."""
    rows = ["| the article says | verdict | evidence | tested in |", "|---|---|---|---|"]
    for claim in LEDGER:
        where = chapter(claim.chapter)
        link = f"[{claim.chapter}: {claim.section}]({folder}{where.stem}.ipynb#{anchor(claim.section)})"
        rows.append(f"| “{claim.quote}” | {claim.verdict} | {claim.evidence} | {link} |")
    return "\n".join(rows)
