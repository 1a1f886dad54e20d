"""Does an LSTM need scaled data at moderate scale (values 100-600)? Measure it.

The doctor's ``unscaled_input`` and ``unscaled_target`` findings need severities backed by
evidence. A published tutorial (machinelearningmastery.com/lstm-for-time-series-prediction-in-pytorch/)
trains an LSTM on the raw airline-passenger counts (about 100 to 600) and it works, slowly.
This script re-types that recipe on a synthetic airline-like series (no download:
exponential trend times a yearly multiplicative season, plus noise, 144 months) and trains
the same model per seed in four variants: raw, only the input standardised, only the
target standardised, both (with the training split's mean and standard deviation;
predictions are mapped back to passengers). The two single-sided variants are the control
that says whether the input's scale or the target's scale is what costs. It prints the
test RMSE in passengers after each epoch budget.

The recipe, as in the tutorial: lookback 4, windows (N, 4, 1) with per-step targets (the
next value at each step), nn.LSTM(1, 50, batch_first=True) + nn.Linear(50, 1), Adam
(lr 1e-3), mini-batches of 8 shuffled, the first 67% of the series for training.

``--peak`` rescales the series so that its largest value is ``peak`` (the target scale the doctor's
``unscaled_target`` threshold is about), ``--variants`` runs only some variants, and ``--json`` stores
every RMSE with the command that made them.

Run:  PYTHONPATH=. .venv/bin/python scripts/doctor_scaling.py [--seeds 3] [--epochs 25 50 100 200 400 800]
      [--peak 7] [--variants "input scaled" "both scaled"] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

LOOKBACK = 4
MONTHS = 144


def airline_like_series(months: int = MONTHS, peak: float | None = None) -> np.ndarray:
    """Monthly values from about 100 to 600 (or rescaled to reach ``peak``): an exponential trend times a
    yearly season."""
    rng = np.random.default_rng(1949)
    t = np.arange(months)
    trend = 118.0 * np.exp(0.0105 * t)
    season = 1.0 + 0.16 * np.sin(2 * np.pi * (t - 3) / 12) + 0.06 * np.sin(4 * np.pi * t / 12)
    series = trend * season * (1.0 + 0.02 * rng.standard_normal(months))
    if peak is not None:
        series = series * (peak / series.max())
    return series.astype(np.float32)


def windows(series: np.ndarray, lookback: int = LOOKBACK) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (N, lookback, 1) and per-step targets (N, lookback, 1), the next value at each step."""
    xs = np.stack([series[i : i + lookback] for i in range(len(series) - lookback)])
    ys = np.stack([series[i + 1 : i + lookback + 1] for i in range(len(series) - lookback)])
    return torch.from_numpy(xs).unsqueeze(-1), torch.from_numpy(ys).unsqueeze(-1)


class AirModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, 50, batch_first=True)
        self.linear = nn.Linear(50, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.linear(out)


VARIANTS = {  # name: (standardise the input, standardise the target)
    "raw": (False, False),
    "input scaled": (True, False),
    "target scaled": (False, True),
    "both scaled": (True, True),
}


def run(seed: int, scale_input: bool, scale_target: bool, budgets: list[int], peak: float | None = None) -> list[float]:
    """Test RMSE (in the series' units, last step of each test window) after each epoch budget."""
    series = airline_like_series(peak=peak)
    cut = int(len(series) * 0.67)
    mean, std = float(series[:cut].mean()), float(series[:cut].std())
    in_mean, in_std = (mean, std) if scale_input else (0.0, 1.0)
    out_mean, out_std = (mean, std) if scale_target else (0.0, 1.0)
    x_train, _ = windows((series[:cut] - in_mean) / in_std)
    _, y_train = windows((series[:cut] - out_mean) / out_std)
    x_test, _ = windows((series[cut - LOOKBACK - 1 :] - in_mean) / in_std)
    _, y_test = windows(series[cut - LOOKBACK - 1 :])
    torch.manual_seed(seed)
    model = AirModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    rmses = []
    for epoch in range(1, max(budgets) + 1):
        model.train()
        for batch in torch.randperm(len(x_train), generator=generator).split(8):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        if epoch in budgets:
            model.eval()
            with torch.no_grad():
                prediction = model(x_test)[:, -1, 0] * out_std + out_mean
            rmses.append(math.sqrt(float(((prediction - y_test[:, -1, 0]) ** 2).mean())))
    return rmses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..n-1 (default 3)")
    parser.add_argument("--epochs", type=int, nargs="+", default=[25, 50, 100, 200, 400, 800],
                        help="epoch budgets at which the test RMSE is read (default 25 50 100 200 400 800)")
    parser.add_argument("--peak", type=float, help="rescale the series so that its largest value is this")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--json", type=Path, help="store every RMSE here, with the command")
    args = parser.parse_args()
    if args.json is not None and not args.json.parent.is_dir():
        parser.error(f"cannot store the results in {args.json}: its folder does not exist")
    torch.set_num_threads(1)
    budgets = sorted(args.epochs)
    series = airline_like_series(peak=args.peak)
    cut = int(len(series) * 0.67)
    naive = math.sqrt(float(((series[cut:] - series[cut - 1 : -1]) ** 2).mean()))
    print(f"series: {len(series)} months, values {series.min():.3g}-{series.max():.3g}; "
          f"train {cut} months, test {len(series) - cut}; persistence RMSE on test {naive:.3g}")
    results = {name: [run(seed, *VARIANTS[name], budgets, args.peak) for seed in range(args.seeds)]
               for name in args.variants}
    print(f"test RMSE in the series' units, seeds 0-{args.seeds - 1} in each cell")
    print(f"{'epochs':>6}  " + "  ".join(f"{name:<{8 * args.seeds}}" for name in results))
    for i, epochs in enumerate(budgets):
        cells = ["".join(f"{per_seed[i]:8.3g}" for per_seed in results[name]) for name in results]
        print(f"{epochs:>6}  " + "  ".join(f"{cell:<{8 * args.seeds}}" for cell in cells))
    if args.json is not None:
        record = {"command": "python scripts/doctor_scaling.py " + shlex.join(sys.argv[1:]),
                  "peak": float(series.max()), "persistence_rmse": naive, "epochs": budgets, "rmse": results}
        args.json.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    if not {"raw", "both scaled"} <= set(results):
        return
    slowest = max(budgets)
    raw_last = [per_seed[-1] for per_seed in results["raw"]]
    scaled_first = [per_seed[0] for per_seed in results["both scaled"]]
    raw_always_worse = sum(
        all(r > s for r, s in zip(raw, both, strict=True))
        for raw, both in zip(results["raw"], results["both scaled"], strict=True)
    )
    print(f"raw after {slowest} epochs: {min(raw_last):.1f}-{max(raw_last):.1f}; both scaled after {budgets[0]} "
          f"epochs: {min(scaled_first):.1f}-{max(scaled_first):.1f}; raw worse than both scaled at every budget "
          f"for {raw_always_worse} of {args.seeds} seeds")


if __name__ == "__main__":
    main()
