"""The benchmark: the task of PyTorch's ``time_sequence_prediction`` example, in our own code.

Task (as in that example): 100 series ``sin((n + shift) / period)``, ``n = 0 .. 999``,
integer ``shift`` uniform in ``[-80, 80)``; 97 train, 3 test. A model sees the first
999 values ``n = 0 .. 998`` of each test series (its last output predicts ``n = 999``),
then generates free-running; the score is the MSE of the generated ``n = 1000 ..
1000 + horizon - 1`` against the true continuation.

Run ``python -m sine_lab.bench --help``. Everything here is importable, so tests and
chapters use the same task, recipe and scoring as the command line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import torch
import torch.nn as nn
from torch import Tensor

from .callbacks import ClipGradNorm, Validate
from .data import make_windows
from .models import CELLS, MODEL_KINDS, SequenceModel, build_model, forecast
from .objectives import PerStep, Rollout
from .training import History, fit_autoregressive, seed_everything, train
from .arguments import check_choice, check_float, check_int, check_tensor

__all__ = [
    "Recipe",
    "Task",
    "TARGETS",
    "format_table",
    "free_run_mse",
    "main",
    "make_task",
    "one_step_mse",
    "run_benchmark",
    "train_model",
]

PERIOD_RANGE = (5.0, 100.0)
MAX_HORIZON = 5000
OBSERVED = 999  # values of a test series the model sees, n = 0 .. 998
# A validated model's free run must stay bounded up to this time index (the end of
# the default test horizon); later blow-ups cost more validation time than they are worth.
STABLE_UNTIL = 2000
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


@dataclass(frozen=True)
class Recipe:
    """How :func:`train_model` trains. The defaults are what the benchmark runs.

    Attributes:
        hidden_size: units of the rnn/lstm/gru cell (the linear cell always has 2).
        warmup: steps of each training chunk that only set up the state and are
            not scored; predictions are also scored from this step on in tests.
        chunk: time steps per training chunk.
        batch_size: chunks per Adam step.
        adam_steps: Adam steps (one-cycle schedule up to ``lr``, gradient clipping at 1).
        lr: Adam's peak learning rate.
        lbfgs_steps: full-batch L-BFGS steps (of up to 20 iterations each) after Adam,
            on ``batch_size`` fixed chunks; validated after each step, the best is kept.
        validation_start: training series are cut in time here: chunks for fitting
            end before it, validation scores only later values.
        rollout: if > 0, a last stage fits free-running forecasts of this many steps
            (a multi-step loss) with ``rollout_steps`` L-BFGS steps.
        rollout_steps: L-BFGS steps of that stage; it is validated by free-running each
            training series from all its values before ``validation_start`` to its end.
        rollout_warmup: past values that set up the state before each training rollout.
            Long, as at test time: from a short warm-up the state is still settling and
            that transient, not the drift over many steps, dominates the rollout loss.
        rollout_patience: stop that stage after this many validation scores without
            improvement (``None``: run all ``rollout_steps``).
        reference_period: the period ``warmup`` is meant for (see :meth:`for_period`);
            ``None`` uses the lengths as given at every period.
    """

    hidden_size: int = 32
    warmup: int = 40
    chunk: int = 120
    batch_size: int = 32
    adam_steps: int = 150
    lr: float = 5e-3
    lbfgs_steps: int = 8
    validation_start: int = 800
    rollout: int = 200
    rollout_steps: int = 6
    rollout_patience: int | None = 2
    rollout_warmup: int = 200
    reference_period: float | None = 20.0

    def for_period(self, period: float) -> "Recipe":
        """The recipe for a task of ``period`` samples per radian.

        With ``reference_period`` set, ``warmup`` counts samples at that period and is
        stretched for slower waves (``chunk`` keeps its scored length): a state set up
        from a fixed number of samples sees less of a slow wave, too little of its
        slope to forecast it. Faster waves keep the given lengths.
        """
        period = check_float("period", period, minimum=0.0, exclusive_minimum=True)
        if self.reference_period is None or period <= self.reference_period:
            return self
        warmup = round(self.warmup * period / self.reference_period)
        return replace(self, warmup=warmup, chunk=self.chunk + warmup - self.warmup, reference_period=None)


def _teacher_forcing_pairs(series: Tensor, recipe: Recipe, stride: int) -> tuple[Tensor, Tensor]:
    """Chunks ``(N, chunk, 1)`` and their next values after the warm-up ``(N, chunk - warmup)``."""
    inputs, following = make_windows(series, recipe.chunk, stride=stride)
    return inputs, torch.cat([inputs[:, recipe.warmup + 1 :, 0], following], dim=1)


class _StableRollout(Rollout):
    """The scored forecast, or infinity if the model's free run leaves ``bound`` within
    ``checked`` steps: a run can stay close over the validation stretch and still
    blow up later, and the test scores far beyond that stretch. Needs no true values."""

    def __init__(self, steps: int, bound: float, checked: int) -> None:
        super().__init__(steps)
        self.bound, self.checked = bound, checked

    def predict(self, model: nn.Module, x: Tensor) -> Tensor:
        generated = forecast(model, x, max(self.steps, self.checked))
        scored = generated[:, : self.steps]
        if not bool(generated.abs().max() <= self.bound):
            return torch.full_like(scored, math.inf)
        return scored


def train_model(cell: str, task: Task, recipe: Recipe = Recipe(), *, seed: int = 0) -> tuple[SequenceModel, list[History]]:
    """Train one model on ``task.train`` with ``recipe``.

    ``"linear"`` is the 2-unit linear recurrence with least-squares coefficients
    (:func:`~sine_lab.training.fit_autoregressive`; no stages, no histories). Any other
    cell predicts the change per step (``delta_scale`` = spread of the training
    differences). Stage 1: mini-batch Adam on chunks, per-step (teacher-forced) loss
    after the warm-up. Stage 2: full-batch L-BFGS on fixed chunks, same loss. Optional
    stage 3: L-BFGS on a rollout loss (free-running forecasts from ``rollout_warmup``
    values). Both are validated on the later stretch of the training series (``n >=
    validation_start``): stage 2 with its own loss, stage 3 by free-running from all
    earlier values, as the test does (a forecast that leaves twice the data's amplitude
    before ``n = STABLE_UNTIL`` scores infinity); the weights with the best score are
    kept, the stage's starting weights included, and stage 3 stops after
    ``rollout_patience`` scores without improvement. Lengths are stretched for slow
    waves (:meth:`Recipe.for_period`). The test series are never touched.

    Returns:
        the trained model and the :class:`History` of each stage.
    """
    cell = check_choice("cell", cell, tuple(MODEL_KINDS))
    seed = check_int("seed", seed, minimum=0)
    recipe = recipe.for_period(task.period)
    if not recipe.warmup + 1 < recipe.chunk <= recipe.validation_start:
        raise ValueError(f"recipe needs warmup + 1 < chunk <= validation_start, got {recipe}")
    seed_everything(seed)
    fit_part = task.train[:, : recipe.validation_start]
    if cell == "linear":
        # A linear model's least-squares fit is a closed-form solve, not a descent.
        return SequenceModel.linear_predictor(fit_autoregressive(fit_part, 2)).eval(), []
    model = build_model(cell, hidden_size=recipe.hidden_size, delta_scale=float(fit_part.diff(dim=1).std()))
    # A chunk's first scored target is warmup + 1 steps after its start: starting the
    # validation chunks that far before the cut scores only values from the cut on.
    val_part = task.train[:, recipe.validation_start - recipe.warmup - 1 :]
    x_fit, y_fit = _teacher_forcing_pairs(fit_part, recipe, stride=5)
    x_val, y_val = _teacher_forcing_pairs(val_part, recipe, stride=recipe.chunk)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(x_fit.shape[0], generator=generator)
    x_val, y_val = x_val[: 2 * recipe.batch_size], y_val[: 2 * recipe.batch_size]
    per_step = PerStep(recipe.warmup)
    histories = []

    adam_index = order[torch.arange(recipe.adam_steps * recipe.batch_size) % order.numel()]
    histories.append(train(
        model, x_fit[adam_index], y_fit[adam_index], epochs=1, lr=recipe.lr, batch_size=recipe.batch_size,
        schedule="onecycle", objective=per_step, callbacks=[ClipGradNorm(1.0)], seed=seed,
    ))
    if recipe.lbfgs_steps:
        fixed = order[: recipe.batch_size]
        histories.append(train(
            model, x_fit[fixed], y_fit[fixed], epochs=recipe.lbfgs_steps, lr=1.0, optimizer="lbfgs",
            objective=per_step, callbacks=[Validate(x_val, y_val)],
        ))
    if recipe.rollout:
        # Each window: `rollout_warmup` past values, `rollout` future values.
        x_roll, y_roll = make_windows(fit_part, recipe.rollout_warmup, recipe.rollout, stride=recipe.rollout)
        chosen = torch.randperm(x_roll.shape[0], generator=generator)[: recipe.batch_size]
        # Validate as the test scores: each training series free-runs from everything
        # before the cut to its end (and must stay bounded until STABLE_UNTIL).
        validate = Validate(
            task.train[:, : recipe.validation_start, None], task.train[:, recipe.validation_start :],
            patience=recipe.rollout_patience,
            objective=_StableRollout(
                task.train.shape[1] - recipe.validation_start, 2 * float(task.train.abs().max()),
                checked=STABLE_UNTIL - recipe.validation_start,
            ),
        )
        histories.append(train(
            model, x_roll[chosen], y_roll[chosen], epochs=recipe.rollout_steps, lr=1.0, optimizer="lbfgs",
            objective=Rollout(recipe.rollout), callbacks=[validate],
        ))
    model.eval()
    return model, histories


def one_step_mse(model: SequenceModel, series: Tensor, warmup: int = Recipe.warmup) -> float:
    """Teacher-forced one-step MSE: run over ``series`` ``(n, T)`` and score the
    predictions of ``n = warmup + 1 .. T - 1`` (each made from all earlier true values)."""
    check_tensor("series", series, ndim=2, layout="(n_series, T)")
    warmup = check_int("warmup", warmup, minimum=0, maximum=series.shape[1] - 2)
    with torch.no_grad():
        outputs, _ = model.run(series[:, :-1, None])
    return float(((outputs[:, warmup:, 0] - series[:, warmup + 1 :]) ** 2).mean())


def free_run_mse(model: SequenceModel, task: Task, horizon: int = 1000) -> tuple[float, Tensor]:
    """Free-running MSE on the test series and the forecast ``(3, horizon)`` it scores.

    The model sees ``n = 0 .. 998``; its forecast of ``n = 999`` is fed back like
    every later one, and ``n = 1000 .. 999 + horizon`` are compared with the truth.
    """
    horizon = check_int("horizon", horizon, minimum=1, maximum=MAX_HORIZON)
    with torch.no_grad():
        generated = forecast(model, task.test[:, :OBSERVED, None], horizon + 1)[:, 1:]
    return float(((generated - task.continuation(horizon)) ** 2).mean()), generated


def run_benchmark(
    *,
    period: float = 20.0,
    horizon: int = 1000,
    cells: Sequence[str] = tuple(CELLS),
    seed: int = 0,
    threads: int = 1,
    recipe: Recipe = Recipe(),
) -> dict:
    """Train and score each cell; return the JSON-ready result.

    Returns:
        ``{"period", "horizon", "threads", "seed", "rows": [{"cell", "train_seconds",
        "one_step_mse", "free_run_mse"}, ...]}``, rows in the order of ``cells``.
    """
    horizon = check_int("horizon", horizon, minimum=1, maximum=MAX_HORIZON)
    threads = check_int("threads", threads, minimum=1)
    cells = [check_choice("cell", c, tuple(MODEL_KINDS)) for c in cells]
    if not cells:
        raise ValueError("cells must name at least one of " + ", ".join(CELLS))
    task = make_task(period, seed=seed)
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
            model, _ = train_model(cell, task, recipe, seed=seed)
            seconds = time.perf_counter() - start
            free, _ = free_run_mse(model, task, horizon)
            rows.append({
                "cell": cell,
                "train_seconds": round(seconds, 3),
                "one_step_mse": one_step_mse(model, task.test, recipe.for_period(task.period).warmup),
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
        description="Train RNN/LSTM/GRU/linear on the time_sequence_prediction task; "
        "report training time, one-step and free-running test MSE.",
    )
    parser.add_argument("--period", type=_bounded(float, *PERIOD_RANGE), default=20.0,
                        help="samples per radian, 5 to 100 (default 20)")
    parser.add_argument("--horizon", type=_bounded(int, 1, MAX_HORIZON), default=1000,
                        help="free-running steps scored, 1 to 5000 (default 1000)")
    parser.add_argument("--cells", type=_cells, default=list(CELLS),
                        help="comma-separated subset of " + ",".join(MODEL_KINDS) + " (default " + ",".join(CELLS) + ")")
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
