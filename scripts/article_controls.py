"""Chapter 01's section 7 controls over more seeds than the chapter can afford in CI.

Usage: ``.venv/bin/python scripts/article_controls.py [--cell rnn] [--seeds 0 1 2]``

Fits the article's per-step set-up (10 units, Adam lr=0.01, 1000 full-batch epochs on
t in [0, 10], t in [4, 5] held out of the loss) fed time, standardised time or the
previous value, and prints one row per fit, then how many seeds of each feed beat
predicting 0 or repeating the previous value after t = 10. Chapter 01 quotes this output.
"""

from __future__ import annotations

import argparse

import torch

from sine_lab.studies.article import EXAMPLES, FEEDS, fit_per_step, format_controls, summarise_controls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", default="rnn", choices=("rnn", "lstm", "gru"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=EXAMPLES[1].epochs)
    args = parser.parse_args()
    torch.set_num_threads(1)
    fits = []
    for feed in FEEDS:
        for seed in args.seeds:
            fits.append(fit_per_step(args.cell, feed=feed, hidden_size=10, lr=EXAMPLES[1].lr,
                                     epochs=args.epochs, seed=seed, held_out=(4.0, 5.0)))
            print(format_controls(fits).splitlines()[-1], flush=True)
    print()
    print(format_controls(fits))
    print()
    print(summarise_controls(fits))


if __name__ == "__main__":
    main()
