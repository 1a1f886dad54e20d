"""The benchmark: the task of PyTorch's ``time_sequence_prediction`` example, in our own code.

Task (as in that example): 100 series ``sin((n + shift) / period)``, ``n = 0 .. 999``,
integer ``shift`` uniform in ``[-80, 80)``; 97 train, 3 test. A model sees the first
999 values ``n = 0 .. 998`` of each test series (its last output predicts ``n = 999``),
then generates free-running; the score is the MSE of the generated ``n = 1000 ..
1000 + horizon - 1`` against the true continuation.

Run ``python -m sine_lab.bench --periods 5,10,20,50,100 --seeds 0-4 --json sweep.json`` for
the sweep over sampling rates (``--help`` for the options). The models are trained with the
standard forecasting recipe (:class:`~sine_lab.forecasting.ForecastSettings`); this package
holds only the task, its scoring, the sweep and its table, figure and JSON. The command line is
:mod:`sine_lab.bench.cli` (``python -m sine_lab.bench`` runs it), so chapters import the task
from here without the command line.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn
from torch import Tensor

from .. import forecasting, plots
from ..arguments import check_choice, check_float, check_int
from ..attention import WindowModel
from ..forecasting import ForecastSettings, estimate_period, one_step_mse
from ..models import MODEL_KINDS, SequenceModel

__all__ = [
    "DEFAULT_CELLS",
    "FREE_RUN_TARGETS",
    "HORIZONS",
    "RESIDUAL_ONLY",
    "Task",
    "TARGETS",
    "WINDOW_SECONDS",
    "cycle_steps",
    "format_sweep",
    "free_run_mse",
    "make_task",
    "plot_sweep",
    "run_misses",
    "time_targets",
    "run_sweep",
    "score",
    "summarize",
]

PERIOD_RANGE = (5.0, 100.0)
MAX_HORIZON = 5000
MAX_CYCLES = 20  # free runs scored over whole cycles: 20 cycles at period 100 are 12,566 steps
# The fixed part of the recipe's output, 2 x[n] - x[n-1] (linear extrapolation), as a model of its own:
# every sweep scores it beside the cells, so a row shows what the cell adds to it.
RESIDUAL_ONLY = "residual only"
OBSERVED = 999  # values of a test series the model sees, n = 0 .. 998
# The kinds benchmarked by default; --cells may name any registered kind whose builder
# takes the recipe's model settings (hidden_size, delta_scale).
DEFAULT_CELLS = ("rnn", "lstm", "gru", "linear")
# The targets at every period: per run, and for the median over seeds of the training time;
# free-running MSE by horizon. A window model (attention, Transformer) attends over a window
# at every step, so its time budget, per run and median, is WINDOW_SECONDS instead.
TARGETS = {"train_seconds": 10.0, "median_train_seconds": 5.0, "one_step_mse": 1e-6}
WINDOW_SECONDS = 30.0
FREE_RUN_TARGETS = {1000: 1e-4, 2000: 1e-3}
HORIZONS = (1000, 2000)


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
    horizon = check_int("horizon", horizon, minimum=1, maximum=cycle_steps(MAX_CYCLES, PERIOD_RANGE[1]))
    return forecasting.free_run_mse(model, task.test[:, :OBSERVED], task.continuation(horizon), lead=1)


def cycle_steps(cycles: int, period: float) -> int:
    """Steps in ``cycles`` whole cycles of a wave of ``period`` samples per radian (``2π · period`` each)."""
    return round(cycles * 2 * math.pi * period)


def score(model: nn.Module, task: Task, *, warmup: int, horizons: Sequence[int] = HORIZONS,
          cycles: Sequence[int] = (), period: float | None = None) -> dict:
    """One-step MSE on the test series and free-running MSE at each horizon, in steps and in cycles.

    One free run to the longest horizon is scored over its first ``h`` steps for each
    ``h`` in ``horizons``, and over its first ``cycle_steps(c, period)`` steps for each ``c`` in
    ``cycles`` (so that sampling rates compare on equal cycles, not equal steps); a forecast that is
    not finite scores infinity.

    Args:
        period: samples per radian the cycles are counted in (the sweep measures it from the
            training data, as the recipe does); needed when ``cycles`` is given.

    Returns:
        ``{"one_step_mse": float, "free_run_mse": {"<h>": float, ...}}``, and with ``cycles``
        also ``"free_run_cycles": {"<c>": float}`` and ``"cycle_steps": {"<c>": int}``.
    """
    horizons = _check_horizons(horizons)
    cycles = _check_cycles(cycles)
    if cycles:
        period = check_float("period", period, minimum=PERIOD_RANGE[0] / 2, maximum=PERIOD_RANGE[1] * 2)
    lengths = {str(c): cycle_steps(c, period) for c in cycles}
    longest = max([*horizons, *lengths.values()])
    try:
        _, generated = free_run_mse(model, task, longest)
    except ValueError as error:
        # The model refuses a non-finite input: the forecast overflowed before the horizon.
        if "must be finite" not in str(error):
            raise
        generated = torch.full((task.test.shape[0], longest), math.inf)
    squared = (generated.double() - task.continuation(longest).double()) ** 2

    def over(steps: int) -> float:
        value = float(squared[:, :steps].mean())
        return value if math.isfinite(value) else math.inf

    one_step = one_step_mse(model, task.test, warmup)
    scores = {"one_step_mse": one_step if math.isfinite(one_step) else math.inf,
              "free_run_mse": {str(h): over(h) for h in horizons}}
    if cycles:
        scores["free_run_cycles"] = {c: over(steps) for c, steps in lengths.items()}
        scores["cycle_steps"] = lengths
    return scores


def run_sweep(
    *,
    periods: Sequence[float] = (20.0,),
    seeds: Sequence[int] = (0,),
    cells: Sequence[str] = DEFAULT_CELLS,
    horizons: Sequence[int] = HORIZONS,
    cycles: Sequence[int] = (),
    threads: int = 1,
    recipe: ForecastSettings | None = None,
    report: Callable[[dict], None] | None = None,
) -> dict:
    """Train and score every cell at every period with every seed; return the JSON-ready result.

    Each run draws the task ``make_task(period, seed=seed)`` and fits its training series
    with ``recipe`` and ``seed`` (:func:`~sine_lab.forecasting.fit`).
    Training time is taken twice: wall-clock (``train_seconds``, what the targets are
    about, meaningful on an idle machine) and CPU time of this process (``cpu_seconds``,
    comparable while other processes share the cores).

    Args:
        periods: samples per radian, each in ``PERIOD_RANGE``.
        seeds: seeds >= 0 (task draw, initialisation and training).
        cells: registered model kinds (:data:`~sine_lab.models.MODEL_KINDS`) whose builder
            takes the recipe's model settings.
        horizons: free-running horizons scored, each in ``1 .. MAX_HORIZON``.
        cycles: free runs also scored over these numbers of whole cycles (each ``1 .. MAX_CYCLES``),
            counted with the period measured in the training data before the recipe's cut.
        threads: torch threads while training and scoring.
        recipe: the forecasting recipe's settings (default :class:`~sine_lab.forecasting.ForecastSettings`);
            it measures the period in each task's training series and adapts to it.
        report: called with each run's row as soon as it is done (e.g. to show progress).

    Returns:
        ``{"periods", "seeds", "cells", "horizons", "cycles", "delta_order", "threads", "load_average":
        [before, after], "runs": [row, ...], "summary": [...]}`` (``load_average``: the machine's 1-minute
        load average before and after the sweep); a row is ``{"cell", "period", "seed", "train_seconds",
        "cpu_seconds", "one_step_mse", "free_run_mse": {"<h>": mse}}`` (with ``cycles`` also
        ``"free_run_cycles"`` and ``"cycle_steps"``), runs ordered by period, then seed, then cell, each
        task's :data:`RESIDUAL_ONLY` row (the recipe's fixed part alone, no training) last;
        ``summary`` is :func:`summarize` of the runs.
    """
    periods = _check_list("periods", periods, lambda name, p: check_float(
        name, p, minimum=PERIOD_RANGE[0], maximum=PERIOD_RANGE[1]))
    seeds = _check_list("seeds", seeds, lambda name, s: check_int(name, s, minimum=0))
    cells = _check_list("cells", cells, lambda name, c: check_choice(name, c, tuple(MODEL_KINDS)))
    recipe = recipe if recipe is not None else ForecastSettings()
    if not isinstance(recipe, ForecastSettings):
        raise TypeError(f"recipe must be a ForecastSettings, got {type(recipe).__name__}")
    horizons = _check_horizons(horizons)
    cycles = _check_cycles(cycles)
    threads = check_int("threads", threads, minimum=1)
    if report is not None and not callable(report):
        raise TypeError(f"report must be callable as report(row), got {type(report).__name__}")
    previous_threads = torch.get_num_threads()
    # Small recurrent models step through time one sample at a time; extra threads
    # mostly add synchronisation, and they fight other processes for the cores.
    torch.set_num_threads(threads)
    # The first optimizer built in a process imports torch._dynamo (seconds); do it
    # before the clock starts, so that the first run is not charged for it.
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    runs = []
    # The machine's 1-minute load average before and after: timings mean little on a busy machine.
    load_before = os.getloadavg()[0]
    try:
        for period in periods:
            for seed in seeds:
                task = make_task(period, seed=seed)
                measured = estimate_period(task.train[:, : recipe.validation_start])
                for cell in [*cells, RESIDUAL_ONLY]:
                    wall, cpu = time.perf_counter(), time.process_time()
                    if cell == RESIDUAL_ONLY:
                        model = SequenceModel.linear_predictor(torch.tensor([2.0, -1.0])).eval()
                    else:
                        model, _ = forecasting.fit(cell, task.train, recipe, seed=seed)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    row = {"cell": cell, "period": period, "seed": seed,
                           "train_seconds": round(wall, 3), "cpu_seconds": round(cpu, 3)}
                    row.update(score(model, task, warmup=recipe.for_period(period).warmup, horizons=horizons,
                                     cycles=cycles, period=measured))
                    runs.append(row)
                    if report is not None:
                        report(row)
    finally:
        torch.set_num_threads(previous_threads)
    result = {"periods": periods, "seeds": seeds, "cells": [*cells, RESIDUAL_ONLY], "horizons": horizons,
              "cycles": cycles, "delta_order": recipe.delta_order, "threads": threads,
              "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)], "runs": runs}
    result["summary"] = summarize(result)
    return result


def time_targets(cell: str) -> tuple[float, float]:
    """The training-time targets of ``cell``, per run and for the median over seeds, in seconds."""
    kind = MODEL_KINDS.get(cell)
    if kind is not None and isinstance(kind.build, type) and issubclass(kind.build, WindowModel):
        return WINDOW_SECONDS, WINDOW_SECONDS
    return TARGETS["train_seconds"], TARGETS["median_train_seconds"]


def run_misses(row: dict) -> list[str]:
    """The targets one run misses (empty if it meets all that apply to it). An error that is not a number
    misses its target: ``not value <= target`` holds for NaN, where ``value > target`` would not."""
    missed = []
    if row["train_seconds"] > time_targets(row.get("cell", ""))[0]:
        missed.append("time")
    if not row["one_step_mse"] <= TARGETS["one_step_mse"]:
        missed.append("one-step")
    for h, value in row["free_run_mse"].items():
        target = FREE_RUN_TARGETS.get(int(h))
        if target is not None and not value <= target:
            missed.append(f"free-run {h}")
    return missed


def summarize(result: dict) -> list[dict]:
    """Per cell and period, over the seeds: worst and median of each measure, and the targets missed.

    Returns:
        one dict per (cell, period), in the order of ``result["cells"]`` then
        ``result["periods"]``: ``{"cell", "period", "seeds", "met_runs", "one_step_mse":
        {"worst", "median"}, "free_run_mse": {"<h>": {"worst", "median"}}, "train_seconds":
        {"worst", "median"}, "cpu_seconds": {"worst", "median"}, "missed": [...]}``. ``missed``
        names each target the worst seed misses, and ``median time`` if the median
        training time exceeds the cell's (:func:`time_targets`).
    """
    needed = {"periods", "cells", "horizons", "runs"}
    if not isinstance(result, dict) or not needed <= set(result):
        got = f"a dict with keys {sorted(result)}" if isinstance(result, dict) else type(result).__name__
        raise TypeError(f"result must be the dict run_sweep returns (keys {sorted(needed)}), got {got}")
    summary = []
    for cell in result["cells"]:
        for period in result["periods"]:
            rows = [r for r in result["runs"] if r["cell"] == cell and r["period"] == period]
            if not rows:
                continue
            entry = {"cell": cell, "period": period, "seeds": len(rows),
                     "met_runs": sum(not run_misses(r) for r in rows)}
            for key in ("one_step_mse", "train_seconds", "cpu_seconds"):
                entry[key] = _worst_median([r[key] for r in rows])
            entry["free_run_mse"] = {
                str(h): _worst_median([r["free_run_mse"][str(h)] for r in rows]) for h in result["horizons"]
            }
            if result.get("cycles"):
                entry["free_run_cycles"] = {
                    str(c): _worst_median([r["free_run_cycles"][str(c)] for r in rows]) for c in result["cycles"]
                }
            worst = {"cell": cell, "train_seconds": entry["train_seconds"]["worst"],
                     "one_step_mse": entry["one_step_mse"]["worst"],
                     "free_run_mse": {h: v["worst"] for h, v in entry["free_run_mse"].items()}}
            entry["missed"] = run_misses(worst)
            if entry["train_seconds"]["median"] > time_targets(cell)[1]:
                entry["missed"].append("median time")
            summary.append(entry)
    return summary


MEASURES = {"one_step_mse": "one-step MSE", "free_run_mse": "free-running MSE", "train_seconds": "training time (s)"}


def plot_sweep(result: dict, measure: str = "free_run_mse", *, horizon: int = 1000, title: str,
               ax: Any = None) -> Any:
    """Plot a sweep's ``measure`` against the period: per cell the median over seeds
    (line) and the worst seed (crosses), with the target as a dotted line.

    Args:
        result: the dict :func:`run_sweep` returns (or its JSON, read back).
        measure: ``"one_step_mse"``, ``"free_run_mse"`` (at ``horizon``) or ``"train_seconds"``.
        horizon: which of the sweep's horizons, for ``"free_run_mse"``.
        title: the figure's title; state the finding.
        ax: matplotlib axes to draw on; a new figure when ``None``.

    Returns:
        the axes.
    """
    # Imported here: the command line and the tests of the table need no plotting library.
    import matplotlib.pyplot as plt

    measure = check_choice("measure", measure, tuple(MEASURES))
    summary = summarize(result)
    if measure == "free_run_mse":
        if horizon not in [int(h) for h in result["horizons"]]:
            raise ValueError(f"horizon must be one of the sweep's horizons {result['horizons']}, got {horizon!r}")
        pick, target = (lambda e: e["free_run_mse"][str(horizon)]), FREE_RUN_TARGETS.get(horizon)
        label = f"{MEASURES[measure]} over {horizon} steps"
    else:
        pick, target, label = (lambda e: e[measure]), TARGETS[measure], MEASURES[measure]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    for cell in result["cells"]:
        entries = [e for e in summary if e["cell"] == cell]
        periods = [e["period"] for e in entries]
        colour = plots.colour(cell)
        ax.plot(periods, [pick(e)["median"] for e in entries], "o-", color=colour, label=f"{cell}, median")
        ax.plot(periods, [pick(e)["worst"] for e in entries], "x", color=colour, markersize=9,
                label=f"{cell}, worst of {entries[0]['seeds']} seeds")
    if target is not None:
        ax.axhline(target, color=plots.colour("reference"), linestyle=":", label=f"target {target:g}")
    ax.set(xscale="log", yscale="log", xlabel="period (samples per radian)", ylabel=label, title=title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def _worst_median(values: list[float]) -> dict:
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return {"worst": ordered[-1], "median": median}


def format_sweep(result: dict) -> str:
    """The sweep as a fixed-width text table: one line per cell and period, worst and
    median over the seeds, and which targets the worst seed misses."""
    summary = summarize(result)
    horizons = [str(h) for h in result["horizons"]]
    cycles = [str(c) for c in result.get("cycles", [])]
    width = max(7, *(len(e["cell"]) + 1 for e in summary))
    lines = [
        f"periods {', '.join(f'{p:g}' for p in result['periods'])} samples/radian; "
        f"seeds {', '.join(str(s) for s in result['seeds'])}; threads {result.get('threads', '?')}; "
        + (f"load average {result['load_average'][0]:g} before, {result['load_average'][1]:g} after; "
           if "load_average" in result else "")
        + "each cell: worst / median over seeds",
        f"{'cell':<{width}}{'period':>7}{'met':>6}{'one-step MSE':>20}"
        + "".join(f"{'free-run ' + h:>20}" for h in horizons)
        + "".join(f"{'free-run ' + c + ' cyc':>20}" for c in cycles)
        + f"{'train s':>14}{'CPU s':>14}  targets",
    ]
    for entry in summary:
        pair = lambda d, spec: f"{_number(d['worst'], spec)} / {_number(d['median'], spec)}"  # noqa: E731
        verdict = "met" if not entry["missed"] else "missed: " + ", ".join(entry["missed"])
        lines.append(
            f"{entry['cell']:<{width}}{entry['period']:>7g}{str(entry['met_runs']) + '/' + str(entry['seeds']):>6}"
            f"{pair(entry['one_step_mse'], '.1e'):>20}"
            + "".join(f"{pair(entry['free_run_mse'][h], '.1e'):>20}" for h in horizons)
            + "".join(f"{pair(entry['free_run_cycles'][c], '.1e'):>20}" for c in cycles)
            + f"{pair(entry['train_seconds'], '.1f'):>14}{pair(entry['cpu_seconds'], '.1f'):>14}  {verdict}"
        )
    free = "; ".join(f"free-run MSE at {h} steps <= {t:g}" for h, t in FREE_RUN_TARGETS.items() if str(h) in horizons)
    lines.append(
        f"targets per run: train <= {TARGETS['train_seconds']:g} s (median over seeds <= "
        f"{TARGETS['median_train_seconds']:g} s; attention and Transformer <= {WINDOW_SECONDS:g} s), "
        f"one-step MSE <= {TARGETS['one_step_mse']:g}"
        + (f"; {free}" if free else "") + "; met = runs meeting every target"
    )
    return "\n".join(lines)


def _number(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "inf"


def _check_list(name: str, values: Sequence, check: Callable) -> list:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list, got {type(values).__name__} {values!r}")
    if not values:
        raise ValueError(f"{name} must hold at least one value")
    checked = [check(f"{name}[{i}]", v) for i, v in enumerate(values)]
    if len(set(checked)) != len(checked):
        raise ValueError(f"{name} must not repeat a value, got {list(values)}")
    return checked


def _check_cycles(cycles: Sequence[int]) -> list[int]:
    # No cycles is allowed (the default): the free runs are then scored in steps only.
    return _check_list("cycles", cycles, lambda name, c: check_int(name, c, minimum=1, maximum=MAX_CYCLES)) \
        if cycles else []


def _check_horizons(horizons: Sequence[int]) -> list[int]:
    return _check_list("horizons", horizons, lambda name, h: check_int(name, h, minimum=1, maximum=MAX_HORIZON))
