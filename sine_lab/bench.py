"""The benchmark: the task of PyTorch's ``time_sequence_prediction`` example, in our own code.

Task (as in that example): 100 series ``sin((n + shift) / period)``, ``n = 0 .. 999``,
integer ``shift`` uniform in ``[-80, 80)``; 97 train, 3 test. A model sees the first
999 values ``n = 0 .. 998`` of each test series (its last output predicts ``n = 999``),
then generates free-running; the score is the MSE of the generated ``n = 1000 ..
1000 + horizon - 1`` against the true continuation.

Run ``python -m sine_lab.bench --help``. The models are trained with the standard
forecasting recipe (:class:`~sine_lab.forecasting.ForecastSettings`); this module holds
only the task, its scoring, the command line and its table and JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch import Tensor

from . import forecasting
from .arguments import check_choice, check_float, check_int
from .forecasting import ForecastSettings, one_step_mse
from .models import MODEL_KINDS

__all__ = [
    "DEFAULT_CELLS",
    "Task",
    "TARGETS",
    "format_table",
    "free_run_mse",
    "main",
    "make_task",
    "run_benchmark",
]

PERIOD_RANGE = (5.0, 100.0)
MAX_HORIZON = 5000
OBSERVED = 999  # values of a test series the model sees, n = 0 .. 998
# The kinds benchmarked by default; --cells may name any registered kind whose builder
# takes the recipe's model settings (hidden_size, delta_scale).
DEFAULT_CELLS = ("rnn", "lstm", "gru", "linear")
# The targets for RNN, LSTM and GRU at the default horizon of 1000.
TARGETS = {"train_seconds": 10.0, "one_step_mse": 1e-6, "free_run_mse": 1e-4}


@dataclass(frozen=True)
class Task:
    """One draw of the benchmark task.

    Attributes:
        period: samples per radian (the example's 20).
        train: ``(97, 1000)`` training series.
        test: ``(3, 1000)`` test series.
        test_shifts: ``(3,)`` integer shifts of the test series.
    """

    period: float
    train: Tensor
    test: Tensor
    test_shifts: Tensor

    def continuation(self, horizon: int) -> Tensor:
        """The true values ``n = 1000 .. 1000 + horizon - 1`` of the test series, ``(3, horizon)``."""
        horizon = check_int("horizon", horizon, minimum=1)
        return _sines(self.test_shifts, self.period, self.test.shape[1], horizon)


def _sines(shifts: Tensor, period: float, start: int, length: int) -> Tensor:
    # float64 phases: n + shift reaches 6000 at the longest horizon.
    n = torch.arange(start, start + length, dtype=torch.float64)
    return torch.sin((n[None, :] + shifts[:, None].double()) / period).float()


def make_task(period: float = 20.0, *, seed: int = 0, n_series: int = 100, n_test: int = 3) -> Task:
    """Draw the task: ``n_series`` series of 1000 samples, the last ``n_test`` held out."""
    period = check_float("period", period, minimum=PERIOD_RANGE[0], maximum=PERIOD_RANGE[1])
    seed = check_int("seed", seed, minimum=0)
    n_series = check_int("n_series", n_series, minimum=2)
    n_test = check_int("n_test", n_test, minimum=1, maximum=n_series - 1)
    generator = torch.Generator().manual_seed(seed)
    shifts = torch.randint(-80, 80, (n_series,), generator=generator)
    series = _sines(shifts, period, 0, 1000)
    return Task(period, series[:-n_test], series[-n_test:], shifts[-n_test:])


def free_run_mse(model: nn.Module, task: Task, horizon: int = 1000) -> tuple[float, Tensor]:
    """Free-running MSE on the test series and the forecast ``(3, horizon)`` it scores.

    The model sees ``n = 0 .. 998``; its forecast of ``n = 999`` is fed back like
    every later one, and ``n = 1000 .. 999 + horizon`` are compared with the truth.
    """
    horizon = check_int("horizon", horizon, minimum=1, maximum=MAX_HORIZON)
    return forecasting.free_run_mse(model, task.test[:, :OBSERVED], task.continuation(horizon), lead=1)


def run_benchmark(
    *,
    period: float = 20.0,
    horizon: int = 1000,
    cells: Sequence[str] = DEFAULT_CELLS,
    seed: int = 0,
    threads: int = 1,
    recipe: ForecastSettings | None = None,
) -> dict:
    """Train each cell with ``recipe`` (default :class:`~sine_lab.forecasting.ForecastSettings`,
    stretched for the period) and score it; return the JSON-ready result.

    Returns:
        ``{"period", "horizon", "threads", "seed", "rows": [{"cell", "train_seconds",
        "one_step_mse", "free_run_mse"}, ...]}``, rows in the order of ``cells``.
    """
    horizon = check_int("horizon", horizon, minimum=1, maximum=MAX_HORIZON)
    threads = check_int("threads", threads, minimum=1)
    cells = [check_choice("cell", c, tuple(MODEL_KINDS)) for c in cells]
    if not cells:
        raise ValueError("cells must name at least one of " + ", ".join(MODEL_KINDS))
    task = make_task(period, seed=seed)
    recipe = (recipe if recipe is not None else ForecastSettings()).for_period(task.period)
    previous_threads = torch.get_num_threads()
    # Small recurrent models step through time one sample at a time; extra threads
    # mostly add synchronisation, and they fight other processes for the cores.
    torch.set_num_threads(threads)
    # The first optimizer built in a process imports torch._dynamo (seconds); do it
    # before the clock starts, so that the first cell is not charged for it.
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    rows = []
    try:
        for cell in cells:
            start = time.perf_counter()
            model, _ = forecasting.fit(cell, task.train, recipe, seed=seed)
            seconds = time.perf_counter() - start
            free, _ = free_run_mse(model, task, horizon)
            rows.append({
                "cell": cell,
                "train_seconds": round(seconds, 3),
                "one_step_mse": one_step_mse(model, task.test, recipe.warmup),
                "free_run_mse": free,
            })
    finally:
        torch.set_num_threads(previous_threads)
    return {"period": task.period, "horizon": horizon, "threads": threads, "seed": seed, "rows": rows}


def format_table(result: dict) -> str:
    """The result as a fixed-width text table, with each target marked met or missed."""
    needed = {"period", "horizon", "threads", "seed", "rows"}
    if not isinstance(result, dict) or not needed <= set(result):
        got = f"a dict with keys {sorted(result)}" if isinstance(result, dict) else type(result).__name__
        raise TypeError(f"result must be the dict run_benchmark returns (keys {sorted(needed)}), got {got}")
    lines = [
        f"period {result['period']:g} samples/radian, horizon {result['horizon']}, "
        f"threads {result['threads']}, seed {result['seed']}",
        f"{'cell':<8}{'train s':>9}{'one-step MSE':>15}{'free-run MSE':>15}  targets",
    ]
    for row in result["rows"]:
        missed = [
            name for name, value in (
                ("time", row["train_seconds"] > TARGETS["train_seconds"]),
                ("one-step", row["one_step_mse"] > TARGETS["one_step_mse"]),
                ("free-run", row["free_run_mse"] > TARGETS["free_run_mse"]),
            ) if value
        ]
        verdict = "met" if not missed else "missed: " + ", ".join(missed)
        free = row["free_run_mse"]
        lines.append(
            f"{row['cell']:<8}{row['train_seconds']:>9.2f}{row['one_step_mse']:>15.2e}"
            f"{free if math.isfinite(free) else float('nan'):>15.2e}  {verdict}"
        )
    lines.append(
        f"targets: train < {TARGETS['train_seconds']:g} s, one-step MSE <= {TARGETS['one_step_mse']:g}, "
        f"free-run MSE <= {TARGETS['free_run_mse']:g}"
    )
    return "\n".join(lines)


def _bounded(kind, low, high):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, got {text}")
        return value

    return parse


def _cells(text: str) -> list[str]:
    cells = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in cells if c not in MODEL_KINDS]
    if unknown or not cells:
        raise argparse.ArgumentTypeError(
            f"unknown cell(s) {', '.join(unknown) or '(none given)'}; choose from {','.join(MODEL_KINDS)}"
        )
    return cells


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sine_lab.bench",
        description="Train models on the time_sequence_prediction task with the standard "
        "forecasting recipe; report training time, one-step and free-running test MSE.",
    )
    parser.add_argument("--period", type=_bounded(float, *PERIOD_RANGE), default=20.0,
                        help="samples per radian, 5 to 100 (default 20)")
    parser.add_argument("--horizon", type=_bounded(int, 1, MAX_HORIZON), default=1000,
                        help="free-running steps scored, 1 to 5000 (default 1000)")
    parser.add_argument("--cells", type=_cells, default=list(DEFAULT_CELLS),
                        help="comma-separated model kinds from " + ",".join(MODEL_KINDS)
                        + " (default " + ",".join(DEFAULT_CELLS) + ")")
    parser.add_argument("--seed", type=_bounded(int, 0, 2**31 - 1), default=0, help="seed (default 0)")
    parser.add_argument("--threads", type=_bounded(int, 1, 256), default=1, help="torch threads (default 1)")
    parser.add_argument("--json", metavar="PATH", help="also write the result as JSON to PATH")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code (2 for bad arguments)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exit_.code or 0)
    result = run_benchmark(period=args.period, horizon=args.horizon, cells=args.cells, seed=args.seed,
                           threads=args.threads)
    print(format_table(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
            handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
