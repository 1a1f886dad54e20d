"""Chapter 09's long-memory sweep with more seeds and lags than CI affords.

Usage (from the repository root, after ``./dev test`` has created .venv)::

    .venv/bin/python scripts/memory_sweep.py --seeds 5 --lags 5 20 50 100 200 --out figures/memory
    .venv/bin/python scripts/memory_sweep.py --from-json figures/memory.json   # re-print a saved run

Writes ``<out>.json`` (one record per run) and ``<out>.png`` (success rate, error and gradient
norm against the lag), then prints the table of seeds that succeed. All logic is
:func:`sine_lab.studies.delayed_recall.run_memory_sweep`, the same code chapter 09 runs with
fewer seeds.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

from sine_lab.studies.delayed_recall import (  # noqa: E402
    MEMORY_CONFIGS,
    format_success_table,
    load_results,
    plot_memory_sweep,
    run_memory_sweep,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per (configuration, lag)")
    parser.add_argument("--lags", type=int, nargs="+", default=[5, 20, 50, 100, 200])
    parser.add_argument("--configs", nargs="+", default=list(MEMORY_CONFIGS), choices=list(MEMORY_CONFIGS))
    parser.add_argument("--epochs", type=int, default=50, help="maximum epochs per run")
    parser.add_argument("--out", type=Path, default=Path("figures/memory_sweep"))
    parser.add_argument("--from-json", type=Path, help="print the table of a saved run instead of training")
    args = parser.parse_args()

    if args.from_json is not None:
        print(format_success_table(load_results(args.from_json)))
        return
    torch.set_num_threads(1)  # these models are tiny: one thread is fastest and repeatable
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
    print(format_success_table(results))
    print(f"wrote {args.out.with_suffix('.json')} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
