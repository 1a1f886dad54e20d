"""The series' table of contents: one source for every chapter's number, file and title.

The README's chapter table and chapter 00's map are both rendered from :data:`CHAPTERS`
(``python scripts/render_contents.py`` rewrites the README's block; chapter 00 renders it in a
cell), and ``tests/test_series.py`` checks that each notebook's title, file name and solutions
notebook follow it, so the names cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CHAPTERS", "GLOSSARY", "GLOSSARY_PAGE", "Chapter", "chapter", "chapter_table", "glossary_link",
           "navigation", "unlinked_first_uses"]


@dataclass(frozen=True)
class Chapter:
    """One chapter: ``notebooks/{stem}.ipynb`` titled ``# {number} · {title}``; its exercises'
    solutions (if any) in ``notebooks/solutions/{stem}.ipynb``, titled ``# {number} · Solutions: {title}``."""

    number: str
    slug: str
    title: str
    finds: str
    exercises: bool = True

    @property
    def stem(self) -> str:
        return f"{self.number}_{self.slug}"

    @property
    def heading(self) -> str:
        return f"{self.number} · {self.title}"

    @property
    def solutions_heading(self) -> str:
        return f"{self.number} · Solutions: {self.title}"


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("00", "overview", "Overview: why can't a PyTorch RNN learn a sine?",
            "a primer, the answer in plain words, the ledger of the article's claims; the glossary has its own page",
            exercises=False),
    Chapter("01", "example1_simple_rnn", "Example 1: the simple RNN, run as written",
            "it learns `mean(y)`; fed time it fails after t = 10 (3 of 3 seeds) and fills a held-out radian "
            "better than a straight line across the gap (6 of 6 runs: 3 seeds, raw and standardised time) but "
            "not as well as a cubic (0 of 6); fed "
            "the previous value it beats copying it in 2 of 3 seeds, stays over 100x above linear extrapolation "
            "and does not generate the wave"),
    Chapter("02", "example2_lstm", "Example 2: the LSTM, run as written",
            "as written, gates change nothing: the same bug, the same mean; with one output per step, fed time it "
            "fails after t = 10 (3 of 3 seeds), fed the previous value it beats copying it in 3 of 3 seeds but stays "
            "over 100x above linear extrapolation and, fed its own outputs, leaves the wave (3 of 3)"),
    Chapter("03", "example3_deep_lstm", "Example 3: the deep LSTM, run as written",
            "it raises `IndexError`; made to run one way, 51,451 parameters learn `mean(y)` too (3 of 3 seeds); the "
            "other way it fits t in [0, 10] and is worse than predicting 0 after t = 10 (3 of 3 seeds)"),
    Chapter("04", "framing_the_problem", "Framing the problem: past values, not time",
            "past values instead of time: at 63 samples per cycle both LSTMs beat a straight line in 3 of 3 "
            "seeds, none beats quadratic extrapolation (no training either); windows are the change that matters; "
            "at 880 steps the rest of the mini-batch recipe hurt the RNN (3 seeds; the two ablation tables "
            "disagree for the RNN); a 2-coefficient regression is exact up to float32 rounding (MSE 2.28e-15)"),
    Chapter("05", "the_articles_advice", "The article's advice, measured",
            "the article's knobs one at a time: wider layers help, the lower rate and dropout hurt (inside the "
            "880-step recipe), batch size and depth unresolved, the article's own Example 3 training beats a "
            "straight line (3 of 3); whether a network beats the straight line follows the sampling rate, mostly "
            "because the line's "
            "error does (off-grid and equal-cycle controls change no verdict); the 'long period' warning holds in "
            "part: 20 values lower the median 19.1x to 464x at every rate, and short windows fail the test only "
            "at 63 per period; at a fixed share of a period, slow waves lose to the straight line, mostly because "
            "the line gets better; chapter 04's noise-free test cannot show "
            "overfitting, with noise it shows"),
    Chapter("06", "gradients_through_time", "Gradients through time",
            "gradients vanish, yet that is not why the examples fail; a sine needs two past values; "
            "clipping stops blow-ups"),
    Chapter("07", "forecasting_far_ahead", "Forecasting far ahead",
            "teacher forcing against free running; what the rollout stage adds; times never seen; noise"),
    Chapter("08", "sampling_rate_and_the_head", "The sampling rate and the head",
            "on equal cycles the bare cell loses slow waves (0 of 9 at P = 100); the recipe's cells mostly hold "
            "(7 of 9), though their errors grow x700 or more; the fixed part as a control"),
    Chapter("09", "when_memory_matters", "When memory matters",
            "delayed recall over k steps: where a plain RNN stops, budget and size controls, the article's remedies"),
    Chapter("10", "beyond_the_article", "Beyond the article: attention, Transformers and the LRU",
            "the article's closing advice measured on forecasting and on long memory"),
    Chapter("11", "playground", "The playground",
            "change a setting, press Train, watch the loss, forecasts and gradients"),
)


def chapter(number: str) -> Chapter:
    """The chapter numbered ``number`` (e.g. ``"04"``)."""
    for entry in CHAPTERS:
        if entry.number == number:
            return entry
    raise KeyError(f"no chapter {number!r}; chapters are {', '.join(c.number for c in CHAPTERS)}")


def chapter_table(folder: str = "") -> str:
    """The chapters as a Markdown table, each linked as ``{folder}{stem}.ipynb``
    (``"notebooks/"`` from the README, ``""`` from chapter 00)."""
    rows = ["| chapter | what it finds |", "|---|---|"]
    rows += [f"| [{c.heading}]({folder}{c.stem}.ipynb) | {c.finds} |" for c in CHAPTERS]
    return "\n".join(rows)


def navigation(number: str) -> str:
    """The line that ends chapter ``number``: links to the previous and the next chapter, titled as here."""
    index = [c.number for c in CHAPTERS].index(number)
    links = []
    if index > 0:
        before = CHAPTERS[index - 1]
        links.append(f"**Previous:** [{before.heading}]({before.stem}.ipynb)")
    if index + 1 < len(CHAPTERS):
        after = CHAPTERS[index + 1]
        links.append(f"**Next:** [{after.heading}]({after.stem}.ipynb)")
    return " · ".join(links)


# The glossary page (notebooks/glossary.ipynb, not a chapter: a reference read by links, in alphabetical order; its
# "### term" headings) and how prose writes each term. Chapters link a term
# to the glossary at its first use. Left out: words the prose also uses in their everyday sense
# ("learned", "attention"), where a link at the first use would point at the wrong meaning.
GLOSSARY_PAGE = "glossary"

GLOSSARY: dict[str, str] = {
    "hidden state": r"hidden states?",
    "head": r"heads?",
    "gates": r"gates?",
    "seed": r"seeds?",
    "mse": r"(?-i:MSE)",
    "nmse": r"(?-i:NMSE)",
    "sign test": r"sign test",
    "zero predictor": r"zero predictor",
    "persistence": r"persistence",
    "linear extrapolation": r"linear extrapolation",
    "least-squares recurrence": r"least-squares recurrence",
    "window": r"windows?",
    "one-step prediction": r"one-step prediction",
    "teacher forcing": r"teacher[- ]forc(?:ing|ed)",
    "free running": r"free[- ]runn?(?:ing|s)?",
    "autoregressive": r"autoregressive",
    "rollout": r"rollouts?",
    "horizon": r"horizons?",
    "sampling rate": r"sampling rates?",
    "noise floor": r"noise floor",
    "standardisation": r"standardis(?:ation|ed|e|ing)",
    "saturation": r"saturat(?:ion|es?|ed|ing)",
    "vanishing and exploding gradients": r"(?:vanishing|exploding) gradients?",
    "bptt": r"backpropagation through time|(?-i:BPTT)",
    "jacobian": r"Jacobians?",
    "spectral radius": r"spectral radi(?:us|i)",
    "norm": r"norms?",
    "gradient clipping": r"gradient clipping|clipping",
    "dropout": r"dropout",
    "overfitting": r"overfit(?:ting|s)?",
    "adam": r"(?-i:Adam)",
    "l-bfgs": r"(?-i:L-BFGS)",
    "one-cycle": r"one-cycle",
    "early stopping": r"early stopping",
    "fixed residual": r"fixed residual",
    "scaled loss": r"scaled loss",
    "floquet multiplier": r"Floquet multipliers?",
    "delayed recall": r"delayed recall",
    "irnn": r"(?-i:IRNN)",
    "orthogonal initialisation": r"orthogonal initiali[sz]ation",
    "lru": r"(?-i:LRU)|linear recurrent unit",
    "curvature": r"curvature",
    "fisher exact test": r"Fisher(?:'s)? exact test|Fisher test",
}


def glossary_link(term: str) -> str:
    """The target of a link to ``term`` on the glossary page, from a chapter in the same folder."""
    return f"{GLOSSARY_PAGE}.ipynb#{term.replace(' ', '-')}"


def unlinked_first_uses(markdown: list[str]) -> list[tuple[str, str]]:
    """``(term, the words around it)`` for each glossary term whose first use in a chapter's prose
    (``markdown``, its markdown cells in order) is not a link to the glossary, with no such link before it.

    Prose here leaves out what is not the chapter's own running text: headings, quotations of the article
    (lines starting with ``>``), code spans and the text of other links.
    """
    import re

    text = "\n".join(markdown)
    found = []
    for term, pattern in GLOSSARY.items():
        link = glossary_link(term)
        for match in re.finditer(rf"(?<![\w`-])(?:{pattern})(?![\w`-])", text, re.I):
            line_start = text.rfind("\n", 0, match.start()) + 1
            line = text[line_start : text.find("\n", match.end()) % (len(text) + 1)]
            before = text[line_start : match.start()]
            if (line.startswith("#") or line.startswith(">") or before.count("`") % 2
                    or _inside_link(text, match.start(), match.end())):
                if _inside_link(text, match.start(), match.end(), target=link):
                    break  # the first use is the link itself
                continue
            if link not in text[: match.start()]:
                found.append((term, text[max(0, match.start() - 40) : match.end() + 30].replace("\n", " ")))
            break
    return found


def _inside_link(text: str, start: int, end: int, *, target: str | None = None) -> bool:
    """Whether ``text[start:end]`` lies inside a Markdown link, its text or its address (to ``target``, if
    given)."""
    address = text.rfind("](", 0, start)
    if address != -1 and text.find(")", address, start) == -1 and "\n" not in text[address:start]:
        return target is None or text.startswith(target, address + 2)
    opening = text.rfind("[", 0, start)
    if opening == -1 or text.rfind("]", opening, start) != -1:
        return False
    closing = text.find("](", end)
    if closing == -1 or text.find("[", end, closing) != -1 or "\n\n" in text[opening:closing]:
        return False
    return target is None or text.startswith(target, closing + 2)
