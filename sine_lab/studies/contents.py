"""The series' table of contents: one source for every chapter's number, file and title.

The README's chapter table and chapter 00's map are both rendered from :data:`CHAPTERS`
(``python scripts/render_contents.py`` rewrites the README's block; chapter 00 renders it in a
cell), and ``tests/test_series.py`` checks that each notebook's title, file name and solutions
notebook follow it, so the names cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CHAPTERS", "Chapter", "chapter", "chapter_table", "navigation"]


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
            "the answer in plain words, a primer and glossary, the ledger of the article's claims",
            exercises=False),
    Chapter("01", "example1_simple_rnn", "Example 1: the simple RNN, run as written",
            "it learns `mean(y)`; fed time it fails after t = 10, and controls show why"),
    Chapter("02", "example2_lstm", "Example 2: the LSTM, run as written",
            "gates change nothing: the same bug, the same mean"),
    Chapter("03", "example3_deep_lstm", "Example 3: the deep LSTM, run as written",
            "it raises `IndexError`; made to run, 51,451 parameters learn `mean(y)` too"),
    Chapter("04", "framing_the_problem", "Framing the problem: past values, not time",
            "past values instead of time: every architecture learns the next value"),
    Chapter("05", "the_articles_advice", "The article's advice, measured",
            "learning rate, batch size, depth and dropout one at a time; long periods; overfitting needs noise"),
    Chapter("06", "gradients_through_time", "Gradients through time",
            "gradients vanish, yet that is not why the examples fail; a sine needs two past values; "
            "clipping stops blow-ups"),
    Chapter("07", "forecasting_far_ahead", "Forecasting far ahead",
            "teacher forcing against free running; times, frequencies and amplitudes never seen; noise"),
    Chapter("08", "sampling_rate_and_the_head", "The sampling rate and the head",
            "on equal cycles slow waves defeat the bare cell, not the recipe's; the fixed part as a control"),
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
