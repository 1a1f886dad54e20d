"""Chapter 10's full sweep: delayed recall and forecasting, every kind, several seeds.

Delayed recall at several lags and the benchmark's forecasting task at several periods.
Usage (from the repository root, after ``./dev test`` has created .venv)::

    .venv/bin/python scripts/beyond_sweep.py --periods --name beyond_recall
    .venv/bin/python scripts/beyond_sweep.py --lags --recipe teacher --name beyond_forecast_teacher

Prints one line per run, appending each as it finishes to
``sine_lab/studies/results/<name>.log`` (headed by the command), which chapter 10 reads
with :func:`sine_lab.studies.beyond.load_sweep`; then prints the summary tables. All
logic is :mod:`sine_lab.studies.beyond`, the same code the chapter runs live for its
spot checks. Times are CPU seconds of this process (one torch thread), so they are
comparable while other jobs run.
"""

from __future__ import annotations

import argparse
import shlex
import sys

import torch

from sine_lab.studies.beyond import (
    FORECAST_RECIPE,
    KINDS,
    RECIPES,
    RESULTS,
    format_forecast,
    format_recall,
    load_sweep,
    run_forecast_trial,
    run_recall_trial,
    solved_counts,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="the seeds of each point")
    parser.add_argument("--lags", type=int, nargs="*", default=[20, 50, 100, 200],
                        help="delayed-recall lags (none: skip delayed recall)")
    parser.add_argument("--long-lags", type=int, nargs="*", default=[500, 1000],
                        help="extra lags run only for --long-kinds (the cheap linear recurrence)")
    parser.add_argument("--long-kinds", nargs="*", default=["lru"], choices=KINDS)
    parser.add_argument("--periods", type=float, nargs="*", default=[20.0, 100.0],
                        help="benchmark periods (none: skip forecasting)")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default=FORECAST_RECIPE,
                        help=f"forecasting recipe (default {FORECAST_RECIPE!r}, the chapter's)")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--name", required=True, help="write sine_lab/studies/results/<name>.log")
    args = parser.parse_args()

    torch.set_num_threads(1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / f"{args.name}.log"
    log.write_text("# " + shlex.join(["python", "scripts/beyond_sweep.py", *sys.argv[1:]]) + "\n")

    def report(line: str) -> None:
        print(line, flush=True)
        with log.open("a") as file:
            file.write(line + "\n")

    seeds = args.seeds
    for kind in args.kinds:
        lags = args.lags + (args.long_lags if kind in args.long_kinds and args.lags else [])
        for lag in lags:
            for seed in seeds:
                report(format_recall(run_recall_trial(kind, lag, seed)[1]))
    for period in args.periods:
        for kind in args.kinds:
            for seed in seeds:
                report(format_forecast(run_forecast_trial(kind, period, seed, args.recipe)[1]))

    sweep = load_sweep(args.name)
    if sweep.recall:
        print("\nDelayed recall: seeds solved (held-out NMSE < 0.1) of seeds run")
        counts = solved_counts(sweep.recall)
        all_lags = sorted({r.lag for r in sweep.recall})
        print(f"{'kind':12s}" + "".join(f"{'k=' + str(lag):>9s}" for lag in all_lags))
        for kind, by_lag in counts.items():
            cells = (f"{by_lag[lag][0]:d}/{by_lag[lag][1]:d}" if lag in by_lag else "-" for lag in all_lags)
            print(f"{kind:12s}" + "".join(f"{cell:>9s}" for cell in cells))
    if sweep.forecast:
        print(f"\nForecasting, recipe {args.recipe!r}: median over seeds")
        print(f"{'kind':12s}{'period':>7s}{'params':>8s}{'one-step':>11s}{'free run':>11s}{'CPU s':>8s}{'ms/step':>9s}")
        for period in sorted({f.period for f in sweep.forecast}):
            for kind in dict.fromkeys(f.kind for f in sweep.forecast):
                rows = [f for f in sweep.forecast if f.kind == kind and f.period == period]
                med = {k: float(torch.tensor([getattr(f, k) for f in rows]).median())
                       for k in ("one_step_mse", "free_run_mse", "cpu_seconds", "step_ms")}
                print(f"{kind:12s}{period:7g}{rows[0].parameters:8d}{med['one_step_mse']:11.2e}"
                      f"{med['free_run_mse']:11.2e}{med['cpu_seconds']:8.1f}{med['step_ms']:9.3f}")
    print(f"wrote {log.relative_to(RESULTS.parents[2])}")


if __name__ == "__main__":
    main()
