"""Chapters 04 and 05's experiments with more seeds than CI affords, stored for the chapters to read.

Usage (from the repository root, after ``./dev test`` has created .venv)::

    .venv/bin/python scripts/framing_ablation.py --seeds 5 --parts ladder without knobs windows overfitting

Every row is trained once per seed (0 .. seeds-1) and scored on the last 15 % of its
series; see :mod:`sine_lab.studies.framing`. The tables are printed and stored with the command line:
chapter 04's parts (ladder, without) in ``sine_lab/studies/results/framing_ablation.json``, chapter 05's
(knobs, windows, overfitting, example3, offgrid) in ``framing_advice.json`` beside it, the controls both read
(deep, cycles, draws) in ``framing_controls.json``; ``--json`` puts every table in one file of your choice
instead.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import sys
import time
from pathlib import Path

import torch

from sine_lab.studies.framing import (
    ABLATION_PATH,
    ADVICE_PATH,
    ARCHITECTURES,
    ARTICLE,
    CONTROLS_PATH,
    EQUAL_CYCLES,
    EXAMPLE3,
    KNOBS,
    NOISY,
    OFF_GRID,
    RECIPE,
    equal_cycles,
    format_table,
    grid,
    ladder,
    leave_one_out,
    run_setups,
    save_tables,
    summarize,
    variants,
)

# Which file each part's tables go to by default.
FILES = {"ladder": ABLATION_PATH, "without": ABLATION_PATH, "knobs": ADVICE_PATH, "windows": ADVICE_PATH,
         "overfitting": ADVICE_PATH, "example3": ADVICE_PATH, "offgrid": ADVICE_PATH, "deep": CONTROLS_PATH,
         "cycles": CONTROLS_PATH, "draws": CONTROLS_PATH}
PARTS = tuple(FILES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="training seeds per row")
    parser.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS)
    parser.add_argument("--cells", nargs="+", default=["rnn", "lstm"], choices=["rnn", "lstm", "gru"],
                        help="cells of the ladder and leave-one-out tables")
    parser.add_argument("--json", help="one file for every table (default: each chapter's own file)")
    args = parser.parse_args()
    for path in {Path(args.json) if args.json else FILES[part] for part in args.parts}:
        # Fail before hours of training, not after.
        if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
            parser.error(f"cannot write the tables to {path}: its folder is missing or not writable")
    tables: dict[str, dict[str, list]] = {}  # part -> {title: rows}
    torch.set_num_threads(1)  # these models are small: one thread each is fastest
    seeds = range(args.seeds)
    start = time.process_time()

    def table(part: str, title: str, rows, *, train: bool = False) -> None:
        print(f"\n## {title} ({args.seeds} seeds)", flush=True)
        tables.setdefault(part, {})[title] = summarize(run_setups(rows, seeds))
        print(format_table(tables[part][title], train=train), flush=True)

    for cell in args.cells:
        if "ladder" in args.parts:
            print(f"\nstart: {ARTICLE.changed(cell=cell).describe()}")
            table("ladder", f"{cell}: from the article's training, one change at a time",
                  ladder(ARTICLE.changed(cell=cell)), train=True)
        if "without" in args.parts:
            print(f"\nrecipe: {RECIPE.changed(cell=cell).describe()}")
            table("without", f"{cell}: the recipe without one change", leave_one_out(RECIPE.changed(cell=cell),
                                                                          ARTICLE.changed(cell=cell)))
    if "knobs" in args.parts:
        base = RECIPE.changed(cell="lstm")
        print(f"\nbase: {base.describe()}")
        table("knobs", "the article's tuning knobs, one at a time", variants(base, KNOBS))
    if "windows" in args.parts:
        base = RECIPE.changed(cell="lstm")
        print(f"\nbase: {base.describe()}")
        table("windows", "window length x period, one-step error",
              grid(base, samples_per_period=[10, 20, 63, 200], window=[2, 5, 20, 50]))
    if "overfitting" in args.parts:
        print(f"\nnoisy: {NOISY.describe()}, noise {NOISY.noise}, {NOISY.length} samples")
        table("overfitting", "noisy series: capacity against train and test error",
              grid(NOISY, hidden_size=[2, 8, 32, 128]), train=True)
        table("overfitting", "the same without noise", grid(NOISY.changed(noise=0.0), hidden_size=[2, 8, 32, 128]),
              train=True)
    if "example3" in args.parts:
        print(f"\nexample 3: {EXAMPLE3.describe()}")
        table("example3", "the article's Example 3 with its own training, framed", [("3x50, lr 0.001, full batch, "
              "constant rate, 1000 steps", EXAMPLE3)], train=True)
    if "offgrid" in args.parts:
        base = RECIPE.changed(cell="lstm")
        print(f"\nbase: {base.describe()}")
        table("offgrid", "periods that are not a whole number of samples",
              grid(base, samples_per_period=list(OFF_GRID), window=[2, 20]))
    if "deep" in args.parts:
        base = RECIPE.changed(cell="lstm")
        print(f"\nbase: {base.describe()}")
        table("deep", "the recipe with the article's three architectures", variants(base, ARCHITECTURES))
    if "cycles" in args.parts:
        base = RECIPE.changed(cell="lstm")
        print(f"\nbase: {base.describe()}, length {EQUAL_CYCLES} cycles")
        table("cycles", f"period at equal cycles ({EQUAL_CYCLES:.1f} per series), window 20",
              [(f"samples_per_period={spp:.0f}", base.changed(samples_per_period=spp, length=equal_cycles(spp)))
               for spp in (10, 20, 2 * math.pi / 0.1, 200, 200 * math.pi)], train=True)
    if "draws" in args.parts:
        print(f"\nnoisy: {NOISY.describe()}, noise {NOISY.noise}, {NOISY.length} samples, other noise draws")
        table("draws", "noisy series, other noise draws", grid(NOISY, data_seed=[1, 2, 3], hidden_size=[2, 32]),
              train=True)
    print(f"\ntotal training CPU time {time.process_time() - start:.0f} s")
    command = "python scripts/framing_ablation.py " + shlex.join(sys.argv[1:])
    destinations = {part: Path(args.json) if args.json else FILES[part] for part in tables}
    for path in dict.fromkeys(destinations.values()):
        chosen = {title: rows for part in tables if destinations[part] == path for title, rows in tables[part].items()}
        save_tables(chosen, path, command=command)
        print(f"stored in {path}")


if __name__ == "__main__":
    main()
