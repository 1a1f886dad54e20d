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


# Verdicts say only what the named section asserts; n of N is given where seeds matter. Kept in the
# article's order.
LEDGER: tuple[Claim, ...] = (
    Claim("the vanishing gradient problem",
          "Gradients do vanish in Examples 1 and 2, but that is not why they fail",
          "the gradient falls tenfold within 30 steps in 5 of 5 seeds of each, yet both reach var(y), the best "
          "loss a one-number output allows", "06", '1. "The vanishing gradient problem": is it why the article\'s examples fail?'),
    Claim("the current value is significantly influenced by values many steps in the past",
          "False for a sampled sine: two past values determine the next",
          "a 2-unit linear recurrence generates it; RNN, LSTM and GRU learn the next value in 9 of 9 runs",
          "06", '3. "Influenced by values many steps in the past": how many does a sine need?'),
    Claim("If the absolute value of these Jacobians is consistently less than 1",
          "Right about the mechanism: the decay per step is the recurrent weights' spectral radius times the mean tanh slope",
          "within 13 % in 15 rows; a non-normal W_hh amplifies for dozens of steps with radius below 1",
          "06", '2. "If the absolute value of these Jacobians is consistently less than 1": what sets the decay'),
    Claim("the unbounded nature of the sine function's derivatives",
          "False: the n-th derivative of sin(ωt) is bounded by ω^n",
          "checked on the sampled series the examples use", "06", '4. "The unbounded nature of the sine function\'s derivatives"'),
    Claim("LSTMs mitigate the vanishing gradient problem to some extent through their gating mechanisms",
          "Not by default: on delayed recall PyTorch's LSTM did worse than the tanh RNN; a forget-gate bias of 1 helps",
          "k = 20: LSTM 0 of 5 (1 of 5 with 4x the epochs), tanh RNN 2 of 5; forget bias 1: 5 of 5 at k = 20, "
          "0 of 5 at k = 50", "09", "7. The article's remedies, measured"),
    Claim("I recommend studying the seminal papers on LSTMs and GRUs",
          "The GRU holds a value for 20 steps, not 50",
          "delayed recall: 5 of 5 at k = 20; 0 of 5 at k = 50 (1 of 5 with 4x the epochs)", "09", "7. The article's remedies, measured"),
    Claim("solutions, such as gradient clipping",
          "Clipping stops exploding gradients; it does not fix vanishing ones",
          "SGD: blow-ups 10 of 20 seeds unclipped, 0 of 20 clipped; Adam: not beyond chance (14 of 20, chance 0.06); "
          "delayed recall from k = 50: 0 of 5 clipped", "06", '5. "Gradient clipping": where it helps'),
    Claim("different activation functions",
          "ReLU alone did not help; the identity start did",
          "delayed recall k = 20: ReLU with PyTorch's start 0 of 5, tanh 2 of 5; identity start 5 of 5 with either",
          "09", "7. The article's remedies, measured"),
)


def ledger_table(folder: str = "") -> str:
    """The ledger as a Markdown table, sections linked as ``{folder}{chapter stem}.ipynb#anchor``
    (``"notebooks/"`` from the README, ``""`` from chapter 00)."""
    rows = ["| the article says | verdict | evidence | tested in |", "|---|---|---|---|"]
    for claim in LEDGER:
        where = chapter(claim.chapter)
        link = f"[{claim.chapter}: {claim.section}]({folder}{where.stem}.ipynb#{anchor(claim.section)})"
        rows.append(f"| “{claim.quote}” | {claim.verdict} | {claim.evidence} | {link} |")
    return "\n".join(rows)
