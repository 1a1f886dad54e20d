"""Chapters 04 and 05's experiments with more seeds than CI affords, stored for the chapters to read.

Usage (from the repository root, after ``./dev test`` has created .venv)::

    .venv/bin/python scripts/framing_ablation.py --seeds 5 --parts ladder without knobs windows overfitting

Every row is trained once per seed (0 .. seeds-1) and scored on the last 15 % of its
series; see :mod:`sine_lab.studies.framing`. The tables are printed and stored in
``sine_lab/studies/results/framing_ablation.json`` (``--json`` to choose) with the command line.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time

import torch

from sine_lab.studies.framing import (
    ABLATION_PATH,
    ARTICLE,
    KNOBS,
    NOISY,
    RECIPE,
    format_table,
    grid,
    ladder,
    leave_one_out,
    run_setups,
    save_tables,
    summarize,
    variants,
)

PARTS = ("ladder", "without", "knobs", "windows", "overfitting")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="training seeds per row")
    parser.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS)
    parser.add_argument("--cells", nargs="+", default=["rnn", "lstm"], choices=["rnn", "lstm", "gru"],
                        help="cells of the ladder and leave-one-out tables")
    parser.add_argument("--json", default=str(ABLATION_PATH), help="where to store the tables")
    args = parser.parse_args()
    tables = {}
    torch.set_num_threads(1)  # these models are small: one thread each is fastest
    seeds = range(args.seeds)
    start = time.process_time()

    def table(title: str, rows, *, train: bool = False) -> None:
        print(f"\n## {title} ({args.seeds} seeds)", flush=True)
        tables[title] = summarize(run_setups(rows, seeds))
        print(format_table(tables[title], train=train), flush=True)

    for cell in args.cells:
        if "ladder" in args.parts:
            print(f"\nstart: {ARTICLE.changed(cell=cell).describe()}")
            table(f"{cell}: from the article's training, one change at a time",
                  ladder(ARTICLE.changed(cell=cell)), train=True)
        if "without" in args.parts:
            print(f"\nrecipe: {RECIPE.changed(cell=cell).describe()}")
            table(f"{cell}: the recipe without one change", leave_one_out(RECIPE.changed(cell=cell),
                                                                          ARTICLE.changed(cell=cell)))
    if "knobs" in args.parts:
        base = RECIPE.changed(cell="lstm")
        print(f"\nbase: {base.describe()}")
        table("the article's tuning knobs, one at a time", variants(base, KNOBS))
    if "windows" in args.parts:
        base = RECIPE.changed(cell="lstm")
        print(f"\nbase: {base.describe()}")
        table("window length x period, one-step error",
              grid(base, samples_per_period=[10, 20, 63, 200], window=[2, 5, 20, 50]))
    if "overfitting" in args.parts:
        print(f"\nnoisy: {NOISY.describe()}, noise {NOISY.noise}, {NOISY.length} samples")
        table("noisy series: capacity against train and test error",
              grid(NOISY, hidden_size=[2, 8, 32, 128]), train=True)
        table("the same without noise", grid(NOISY.changed(noise=0.0), hidden_size=[2, 8, 32, 128]), train=True)
    print(f"\ntotal training CPU time {time.process_time() - start:.0f} s")
    save_tables(tables, args.json, command="python scripts/framing_ablation.py " + shlex.join(sys.argv[1:]))


if __name__ == "__main__":
    main()
