"""Chapter 01's input controls over more seeds than the chapter can train in a test run.

Usage: ``.venv/bin/python scripts/article_controls.py [--cell rnn] [--seeds 0 1 2]``

Fits the article's per-step set-up (10 units, Adam lr=0.01, 1000 full-batch epochs on
t in [0, 10], t in [4, 5] held out of the loss) fed time, standardised time, a constant or the
previous value; prints one row per fit and how many seeds of each feed beat each baseline, and
stores every score and every seed's curves in ``sine_lab/studies/results/article_controls.json``
with this command, which chapter 01 reads.
"""

from __future__ import annotations

import argparse
import shlex
import sys

import torch

from sine_lab.studies.article import (
    CONTROLS_PATH,
    EXAMPLES,
    FEEDS,
    fit_per_step,
    format_controls,
    save_controls,
    summarise_controls,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", default="rnn", choices=("rnn", "lstm", "gru"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=EXAMPLES[1].epochs)
    parser.add_argument("--json", default=str(CONTROLS_PATH), help="where to store the scores")
    args = parser.parse_args()
    torch.set_num_threads(1)
    fits = []
    for feed in FEEDS:
        for seed in args.seeds:
            fits.append(fit_per_step(args.cell, feed=feed, hidden_size=10, lr=EXAMPLES[1].lr,
                                     epochs=args.epochs, seed=seed, held_out=(4.0, 5.0)))
            print(format_controls(fits).splitlines()[-1], flush=True)
    save_controls(fits, args.json, command="python scripts/article_controls.py " + shlex.join(sys.argv[1:]),
                  series_of_seed=None)
    print()
    print(format_controls(fits))
    print()
    print(summarise_controls(fits))


if __name__ == "__main__":
    main()
