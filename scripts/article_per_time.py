"""Chapter 03's per-time reading (``x.unsqueeze(1)``) over more seeds than the chapter trains live.

Usage: ``.venv/bin/python scripts/article_per_time.py [--example 3] [--seeds 0 1 2]``

Trains the article's example with its own settings on 1000 one-step sequences, one per time in
[0, 10], scores it on the times from 10 to 20 against always predicting 0, and stores every score
in ``sine_lab/studies/results/article_per_time.json`` with this command, which chapter 03 reads.
"""

from __future__ import annotations

import argparse
import shlex
import sys

import torch

from sine_lab.studies.article import PER_TIME_PATH, fit_per_time, save_per_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", type=int, default=3, choices=(1, 2, 3))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", default=str(PER_TIME_PATH), help="where to store the scores")
    args = parser.parse_args()
    torch.set_num_threads(1)
    fits = []
    for seed in args.seeds:
        fit = fit_per_time(args.example, seed=seed)
        fits.append(fit)
        print(f"example {fit.number}, seed {seed}: final loss {fit.final_loss:.2e} (var(y) {fit.var_y:.4f}), "
              f"after t = 10 MSE {fit.unseen_mse:.3f} against predicting 0 {fit.zero_mse:.3f}", flush=True)
    save_per_time(fits, args.json, command="python scripts/article_per_time.py " + shlex.join(sys.argv[1:]))


if __name__ == "__main__":
    main()
