"""Chapter 06's runs over more seeds than the chapter can afford live.

Usage (from the repository root, after ``./dev test`` or ``./dev lab`` has created .venv; one process,
about five CPU minutes)::

    .venv/bin/python scripts/gradients_seeds.py

1. The article's Examples 1 and 2 (:func:`sine_lab.studies.gradients.article_run`): the gradient's decay
   per step before and after training with the article's loop, and the loss training reaches.
2. The clipping study (:func:`sine_lab.studies.gradients.clipping_study`): a tanh RNN started in the
   exploding regime, trained with plain gradient descent and with Adam, each without and with clipping
   (:data:`~sine_lab.studies.gradients.CLIPPING_SETTINGS`), on the chapter's window task.

Writes ``sine_lab/studies/results/gradients_seeds.json`` (the command, the task and every run) after each
part, so an interrupted run keeps what it finished; chapter 06 reads it with
:func:`~sine_lab.studies.gradients.load_seeds`.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import time

import torch

from sine_lab.studies.gradients import (
    CLIPPING_SETTINGS,
    EXAMPLES,
    SEEDS_PATH,
    article_run,
    clipping_study,
    save_seeds,
    window_task,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article-seeds", type=int, nargs="+", default=list(range(5)))
    parser.add_argument("--clipping-seeds", type=int, nargs="+", default=list(range(20)))
    parser.add_argument("--out", default=str(SEEDS_PATH), help="the JSON file to write")
    args = parser.parse_args()

    torch.set_num_threads(1)
    command = shlex.join(["python", "scripts/gradients_seeds.py", *sys.argv[1:]])
    task = window_task()
    article, clipping = [], []
    for example in EXAMPLES:
        for seed in args.article_seeds:
            start = time.process_time()
            run = article_run(example, seed)
            article.append(run)
            print(f"{example:<5} seed {seed}: ×{run.factor_before:.2f} per step before training, "
                  f"×{run.factor_after:.2f} after; final loss − var(y) = {run.final_loss - run.var_y:+.1e} "
                  f"({time.process_time() - start:.1f} CPU s)", flush=True)
    save_seeds(args.out, command=command, task=task, article=article, clipping=clipping)
    for setting in CLIPPING_SETTINGS:
        start = time.process_time()
        runs = list(clipping_study(task, args.clipping_seeds, [setting]))
        clipping += runs
        save_seeds(args.out, command=command, task=task, article=article, clipping=clipping)
        scores = [r.test_mse for r in runs if not math.isnan(r.test_mse)]
        print(f"{setting.label}: blew up {sum(r.blew_up for r in runs)} of {len(runs)}; test MSE "
              + (f"{min(scores):.1e} to {max(scores):.1e}" if scores else "none")
              + f" ({time.process_time() - start:.0f} CPU s)", flush=True)


if __name__ == "__main__":
    main()
