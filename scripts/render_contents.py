"""Rewrite the README's generated blocks (the answer in plain words, the chapter table, the ledger of the
article's claims, the benchmark's sweep over sampling rates, its table on equal cycles and its table of the kinds
beyond the article)
from their one source: ``sine_lab.studies.contents``, ``sine_lab.studies.ledger`` and the stored sweeps.

Usage: ``.venv/bin/python scripts/render_contents.py`` (``--check`` only reports whether the README
is current, exit 1 if not). Each block sits between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``
comments; ``tests/test_series.py`` fails when a block differs from its rendering.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sine_lab.bench import format_sweep
from sine_lab.studies.contents import chapter_table
from sine_lab.studies.forecasting_study import SWEEP_PATH, cycles_table, kinds_table, load_sweep
from sine_lab.studies.ledger import answer_list, ledger_table

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = {
    "answer": lambda: answer_list("notebooks/"),
    "chapters": lambda: chapter_table("notebooks/"),
    "ledger": lambda: ledger_table("notebooks/"),
    "periods": lambda: "```\n" + format_sweep(load_sweep(SWEEP_PATH)) + "\n```",
    "cycles": lambda: cycles_table(),
    "kinds": lambda: kinds_table(),
}


def rendered(text: str) -> str:
    """``text`` with every generated block replaced by its current rendering."""
    for name, render in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"README.md has no <!-- {name}:start --> ... <!-- {name}:end --> block")
        body = render()
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = rendered(text)
    if "--check" in argv:
        print("README.md is current" if new == text else "README.md is out of date: run scripts/render_contents.py")
        return int(new != text)
    README.write_text(new, encoding="utf-8")
    print("README.md rewritten" if new != text else "README.md was current")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
