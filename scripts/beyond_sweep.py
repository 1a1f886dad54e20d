"""Chapter 08's full sweep: delayed recall and forecasting, every kind, several seeds.

Delayed recall at several lags and the benchmark's forecasting task at several periods.

Usage (from the repository root, after ``./dev test`` has created .venv)::

    .venv/bin/python scripts/beyond_sweep.py --periods --name beyond_recall
    .venv/bin/python scripts/beyond_sweep.py --lags --name beyond_forecast

Prints one line per run and the summary tables, and writes every run to the JSON that
chapter 08 reads. All logic is :mod:`sine_lab.studies.beyond`, the same code the
chapter runs live for its spot checks. Times are CPU seconds of this process (one
torch thread), so they are comparable while other jobs run.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

import torch

from sine_lab.studies.beyond import (KINDS, RESULTS, ForecastResult, RecallResult, run_forecast_trial,
                                     run_recall_trial, solved_counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 per point")
    parser.add_argument("--lags", type=int, nargs="*", default=[20, 50, 100, 200],
                        help="delayed-recall lags (none: skip delayed recall)")
    parser.add_argument("--long-lags", type=int, nargs="*", default=[500, 1000],
                        help="extra lags run only for --long-kinds (the cheap linear recurrence)")
    parser.add_argument("--long-kinds", nargs="*", default=["lru"], choices=KINDS)
    parser.add_argument("--periods", type=float, nargs="*", default=[20.0, 100.0],
                        help="benchmark periods (none: skip forecasting)")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--name", required=True, help="write sine_lab/studies/results/<name>.json")
    args = parser.parse_args()

    torch.set_num_threads(1)
    seeds = range(args.seeds)
    recall, forecasting = [], []
    for kind in args.kinds:
        lags = args.lags + (args.long_lags if kind in args.long_kinds and args.lags else [])
        for lag in lags:
            for seed in seeds:
                _, r = run_recall_trial(kind, lag, seed)
                recall.append(r)
                evidence = ", ".join(f"{k} {v:.3g}" for k, v in r.evidence.items())
                print(f"recall {kind:12s} lag {lag:4d} seed {seed}: NMSE {r.test_nmse:.4f} "
                      f"({'ok' if r.success else 'fail'}), {r.epochs} epochs, {r.cpu_seconds:.1f} CPU s; {evidence}",
                      flush=True)
    for period in args.periods:
        for kind in args.kinds:
            for seed in seeds:
                _, f = run_forecast_trial(kind, period, seed)
                forecasting.append(f)
                print(f"forecast {kind:12s} period {period:g} seed {seed}: one-step {f.one_step_mse:.3g}, "
                      f"free run {f.free_run_mse:.3g}, {f.cpu_seconds:.1f} CPU s, {f.step_ms:.3f} ms/step", flush=True)

    if recall:
        print_recall_table(recall)
    if forecasting:
        print_forecast_table(forecasting)
    out = RESULTS / f"{args.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "command": " ".join(["python", *sys.argv]),
        "torch": torch.__version__, "machine": platform.machine(), "written": time.strftime("%Y-%m-%d"),
        "recall": [r.as_dict() for r in recall], "forecast": [f.as_dict() for f in forecasting],
    }, indent=1))
    print(f"wrote {out.relative_to(RESULTS.parents[2])}")


def print_recall_table(recall: list[RecallResult]) -> None:
    print("\nDelayed recall: seeds solved (held-out NMSE < 0.1) of seeds run")
    counts = solved_counts(recall)
    all_lags = sorted({r.lag for r in recall})
    print(f"{'kind':12s}" + "".join(f"{'k=' + str(lag):>9s}" for lag in all_lags))
    for kind, by_lag in counts.items():
        print(f"{kind:12s}" + "".join(f"{'%d/%d' % by_lag[lag] if lag in by_lag else '-':>9s}" for lag in all_lags))


def print_forecast_table(forecasting: list[ForecastResult]) -> None:
    print("\nForecasting (benchmark recipe): median over seeds")
    print(f"{'kind':12s}{'period':>7s}{'params':>8s}{'one-step':>11s}{'free run':>11s}{'CPU s':>8s}{'ms/step':>9s}")
    for period in sorted({f.period for f in forecasting}):
        for kind in dict.fromkeys(f.kind for f in forecasting):
            rows = [f for f in forecasting if f.kind == kind and f.period == period]
            med = {k: float(torch.tensor([getattr(f, k) for f in rows]).median())
                   for k in ("one_step_mse", "free_run_mse", "cpu_seconds", "step_ms")}
            print(f"{kind:12s}{period:7g}{rows[0].parameters:8d}{med['one_step_mse']:11.2e}{med['free_run_mse']:11.2e}"
                  f"{med['cpu_seconds']:8.1f}{med['step_ms']:9.3f}")



if __name__ == "__main__":
    main()
