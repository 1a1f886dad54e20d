"""Chapter 09's long-memory sweep: every configuration, lag and seed, scored after 50 and 200 epochs.

Usage (from the repository root, after ``./dev test`` has created .venv)::

    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python scripts/memory_sweep.py        # the stored sweep
    .venv/bin/python scripts/memory_sweep.py --from-json sine_lab/studies/results/memory_sweep.json

Writes ``sine_lab/studies/results/memory_sweep.json`` (the command, the settings and one record
per run and budget), which chapter 09 reads and asserts, then prints the table of seeds that
succeed at each budget. All logic is :func:`sine_lab.studies.delayed_recall.run_memory_sweep`,
the function chapter 09 calls for its live spot check. About 40 CPU minutes on one thread.
"""

from __future__ import annotations

import argparse
import inspect
import json
import shlex
import sys
import time
from pathlib import Path

import torch

from sine_lab.studies.delayed_recall import (
    BUDGETS,
    MEMORY_CONFIGS,
    RESULTS_FILE,
    at_budget,
    constant_nmse,
    format_success_table,
    load_sweep,
    run_memory_sweep,
    run_memory_trial,
    train_memory_model,
)

# The settings the command line does not change (sizes, batch, learning rate): the functions' defaults.
TRIAL_DEFAULTS = {
    name: p.default
    for function in (run_memory_trial, train_memory_model)
    for name, p in inspect.signature(function).parameters.items()
    if p.kind is p.KEYWORD_ONLY and name not in ("budgets", "epochs", "callbacks")
}


def print_tables(results: list, seeds: list[int]) -> None:
    constant = {seed: constant_nmse(seed)["training mean"] for seed in seeds}
    for budget in sorted({r.budget for r in results}):
        print(f"\nat most {budget} epochs")
        print(format_success_table(at_budget(results, budget), constant=constant))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per (configuration, lag): 0 .. seeds-1")
    parser.add_argument("--lags", type=int, nargs="+", default=[5, 20, 50, 100, 200])
    parser.add_argument("--budgets", type=int, nargs="+", default=list(BUDGETS), help="training budgets in epochs")
    parser.add_argument("--configs", nargs="+", default=list(MEMORY_CONFIGS), choices=list(MEMORY_CONFIGS))
    parser.add_argument("--out", type=Path, default=RESULTS_FILE)
    parser.add_argument("--from-json", type=Path, help="print the tables of a stored sweep instead of training")
    args = parser.parse_args()

    if args.from_json is not None:
        sweep = load_sweep(args.from_json)
        print(sweep.command)
        print_tables(sweep.results, sorted({r.seed for r in sweep.results}))
        return
    if args.out.exists():
        # A stored sweep is evidence a chapter asserts; replacing it must be a decision.
        answer = input(f"{args.out} exists; overwrite it? [y/N] ") if sys.stdin.isatty() else ""
        if answer.strip().lower() != "y":
            sys.exit(f"{args.out} exists; remove it or pass another --out")
    torch.set_num_threads(1)  # these models are tiny: one thread is fastest and repeatable
    start = time.process_time()
    results = run_memory_sweep(
        [MEMORY_CONFIGS[name] for name in args.configs], args.lags, range(args.seeds), budgets=args.budgets,
        progress=lambda r: print(f"{r.config:24s} lag {r.lag:4d} seed {r.seed} budget {r.budget:4d}: "
                                 f"NMSE {r.test_nmse:.3f} ({'ok' if r.success else 'fail'}), "
                                 f"{time.process_time() - start:.0f} CPU s", flush=True),
    )
    command = "python " + " ".join(shlex.quote(a) for a in [Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    stored = {
        "command": command,
        "settings": {
            "seeds": list(range(args.seeds)), "lags": args.lags, "budgets": sorted(args.budgets),
            "configs": args.configs, **TRIAL_DEFAULTS, "torch": torch.__version__,
            "cpu_seconds": round(time.process_time() - start),
        },
    }
    # One run per line: a diff of two sweeps reads run by run.
    head = json.dumps(stored, indent=1)[:-2]
    lines = ",\n".join("  " + json.dumps(r.as_dict()) for r in results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(f'{head},\n "results": [\n{lines}\n ]\n}}\n', encoding="utf-8")
    print_tables(results, list(range(args.seeds)))
    print(f"wrote {args.out.name}")


if __name__ == "__main__":
    main()
