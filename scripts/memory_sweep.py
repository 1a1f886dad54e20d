"""Chapter 07's long-memory sweep with more seeds and lags, for the figures.

Usage (from the repository root, after ``./dev test`` has created .venv)::

    .venv/bin/python scripts/memory_sweep.py --seeds 5 --lags 5 10 20 50 100 200 300 --out figures/memory

Writes ``<out>.json`` (one record per run) and ``<out>.png`` (success rate, error and
gradient norm against the lag). All logic is :func:`sine_lab.studies.delayed_recall.run_memory_sweep`,
the same code chapter 07 runs with fewer seeds.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from sine_lab.studies.delayed_recall import MEMORY_CONFIGS, longest_solved_lag, run_memory_sweep  # noqa: E402
from sine_lab.studies.delayed_recall import plot_memory_sweep  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per (configuration, lag)")
    parser.add_argument("--lags", type=int, nargs="+", default=[5, 10, 20, 50, 100, 200, 300])
    parser.add_argument("--configs", nargs="+", default=list(MEMORY_CONFIGS), choices=list(MEMORY_CONFIGS))
    parser.add_argument("--epochs", type=int, default=50, help="maximum epochs per run")
    parser.add_argument("--out", type=Path, default=Path("figures/memory_sweep"))
    args = parser.parse_args()

    torch.set_num_threads(1)  # faster for these tiny models, and leaves cores for parallel runs
    start = time.time()
    results = run_memory_sweep(
        [MEMORY_CONFIGS[name] for name in args.configs], args.lags, range(args.seeds), epochs=args.epochs,
        progress=lambda r: print(f"{r.config:24s} lag {r.lag:4d} seed {r.seed}: NMSE {r.test_nmse:.3f} "
                                 f"({'ok' if r.success else 'fail'}), {time.time() - start:.0f} s", flush=True),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps([r.as_dict() for r in results], indent=1))
    figure = plot_memory_sweep(results, title=f"Delayed recall, {args.seeds} seeds per point")
    figure.savefig(args.out.with_suffix(".png"), dpi=120)
    for name in args.configs:
        print(f"{name:24s} longest solved lag: {longest_solved_lag(results, name)}")
    print(f"wrote {args.out.with_suffix('.json')} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
