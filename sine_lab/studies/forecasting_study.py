"""Chapter 07's study: the forecasting recipe at every sampling rate, and the control
that separates the two changes that made it work on slow waves.

The benchmark's sweep (``python -m sine_lab.bench``) measures the recipe at every period;
its committed JSON (``results/sweep_periods.json``) is read with :func:`load_sweep`. The
control trains every combination of the residual's order (1: the head predicts the change;
2: the curvature) and the loss (raw MSE, or :class:`~sine_lab.objectives.ScaledMSE`) with
:func:`run_control`; ``scripts/residual_control.py`` runs the full grid and writes
``results/residual_control.json`` (read with :func:`load_control`), and the chapter re-runs a
corner of it live with the same function, so the stored numbers are checked each time.
"""

from __future__ import annotations

import copy
import json
import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
from torch import Tensor

from ..arguments import check_choice, check_float, check_int, check_tensor
from ..bench import RESIDUAL_ONLY, format_sweep, make_task, run_misses, score, summarize
from ..callbacks import Callback
from ..forecasting import ForecastSettings, Recipe, difference_spread, fit
from ..models import eval_mode

__all__ = [
    "CELLS",
    "CONTROL_PATH",
    "NEW",
    "OLD",
    "BARE_PATH",
    "CYCLES_PATH",
    "SWEEP_PATH",
    "VARIANTS",
    "AfterEachStage",
    "ControlRun",
    "Variant",
    "describe_recipe",
    "difference_spread",  # the recipe's own scale (sine_lab.forecasting), re-exported for the chapter
    "error_misses",
    "format_control",
    "cycles_table",
    "format_head_rows",
    "gradient_rms",
    "head_rows",
    "load_control",
    "load_sweep",
    "run_control",
    "save_control",
    "sweep_run",
    "teacher_forced_loss",
]

RESULTS = Path(__file__).with_name("results")
SWEEP_PATH = RESULTS / "sweep_periods.json"
# The same grid (periods 5, 20, 100; seeds 0-2) with free runs also scored over whole cycles: the recipe
# (its second-order head) and the bare cell (delta_order=0), each with the residual-only row.
CYCLES_PATH = RESULTS / "sweep_cycles.json"
BARE_PATH = RESULTS / "sweep_bare.json"
# The kinds beyond the article (attention, Transformer, LRU) with the recipe's head, on the same grid.
KINDS_PATH = RESULTS / "sweep_kinds.json"
# The bare cells beside a learned linear skip (sine_lab.skip), on the same grid.
SKIP_PATH = RESULTS / "sweep_skip.json"
CONTROL_PATH = RESULTS / "residual_control.json"
# The cells of the control: a recurrent layer plus the linear head that run_control zeroes.
CELLS = ("rnn", "lstm", "gru")


@dataclass(frozen=True)
class Variant:
    """One corner of the control: the order of the fixed residual and whether the loss is scaled."""

    delta_order: int
    scaled_loss: bool

    def __post_init__(self) -> None:
        check_int("delta_order", self.delta_order, minimum=1, maximum=2)
        if not isinstance(self.scaled_loss, bool):
            raise TypeError(f"scaled_loss must be a bool, got {type(self.scaled_loss).__name__} {self.scaled_loss!r}")

    @property
    def label(self) -> str:
        return f"order {self.delta_order}, {'scaled' if self.scaled_loss else 'raw'} MSE"

    def settings(self, base: ForecastSettings) -> ForecastSettings:
        """``base`` with this order and loss; everything else unchanged."""
        return replace(base, delta_order=self.delta_order, scaled_loss=self.scaled_loss)


# The recipe before the curvature head and the scaled loss (the head predicts the change, the loss is the raw
# MSE) and after them.
OLD, NEW = Variant(1, False), Variant(2, True)
VARIANTS = (OLD, Variant(1, True), Variant(2, False), NEW)


class AfterEachStage(Callback):
    """Record ``measure(model)`` at the end of every stage :func:`~sine_lab.forecasting.fit`
    runs (pass it in ``fit``'s ``callbacks``), after :class:`~sine_lab.callbacks.Validate`
    has put back the best weights; e.g. ``copy.deepcopy`` keeps each stage's model.
    ``seconds`` is the CPU time spent measuring, so that a caller can leave it out of a timing."""

    order = 90  # after Validate (50)

    def __init__(self, measure: Callable[[nn.Module], Any]) -> None:
        if not callable(measure):
            raise TypeError(f"measure must be callable as measure(model), got {type(measure).__name__}")
        self.measure = measure
        self.values: list[Any] = []
        self.seconds = 0.0

    def on_train_end(self, state) -> None:
        start = time.process_time()
        with eval_mode(state.model):
            self.values.append(self.measure(state.model))
        self.seconds += time.process_time() - start


def teacher_forced_loss(model: nn.Module, recipe: Recipe, series: Tensor, *, pairs: int | None = 1024) -> float:
    """The raw MSE (whatever the recipe trains with) of ``recipe``'s first stage's
    objective over its teacher-forced pairs from ``series`` ``(n_series, T)`` before the
    cut: the loss the teacher-forcing stages lower. ``pairs`` evenly spaced pairs of all
    of them are scored (``None``: every pair), the same ones for every model."""
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a Recipe (call ForecastSettings on the series), got {type(recipe).__name__}")
    check_tensor("series", series, ndim=2, layout="(n_series, T)")
    stage = recipe.stages[0]
    x, y = stage.data(series[:, : recipe.validation_start])
    if pairs is not None and check_int("pairs", pairs, minimum=1) < x.shape[0]:
        chosen = torch.linspace(0, x.shape[0] - 1, pairs).round().long()
        x, y = x[chosen], y[chosen]
    with torch.no_grad(), eval_mode(model):
        return float(stage.objective(model, x, y))


def _with_zero_head(model: nn.Module) -> nn.Module:
    # What the fixed residual alone predicts: order 1, the last value; order 2, 2 x[n] - x[n-1].
    if not isinstance(getattr(model, "head", None), nn.Linear):
        raise TypeError(f"the control zeroes a model's linear head; {type(model).__name__} has none")
    zero = copy.deepcopy(model)
    with torch.no_grad():
        for parameter in zero.head.parameters():
            parameter.zero_()
    return zero


@dataclass(frozen=True)
class ControlRun:
    """One cell trained with one :class:`Variant` on the benchmark task at one period.

    Attributes:
        cell, period, seed: the model kind, samples per radian, and the seed (task draw and training).
        delta_order, scaled_loss: the variant.
        delta_scale: the spread of the ``delta_order``-th differences of the training series.
        stage_losses: the raw teacher-forced MSE (:func:`teacher_forced_loss`) after each stage.
        zero_head_loss: the same loss with the head fixed at zero (the residual alone).
        one_step_mse, free_run_mse: the benchmark's test scores (:func:`~sine_lab.bench.score`;
            free run by horizon, keys ``"1000"``, ``"2000"``).
        cpu_seconds: CPU time of the training alone (measuring the stages left out).
    """

    cell: str
    period: float
    seed: int
    delta_order: int
    scaled_loss: bool
    delta_scale: float
    stage_losses: tuple[float, ...]
    zero_head_loss: float
    one_step_mse: float
    free_run_mse: dict[str, float] = field(default_factory=dict)
    cpu_seconds: float = 0.0

    @property
    def variant(self) -> Variant:
        return Variant(self.delta_order, self.scaled_loss)

    @property
    def teacher_forced(self) -> float:
        """The raw teacher-forced loss after the teacher-forcing stages (before any rollout stage)."""
        return self.stage_losses[min(1, len(self.stage_losses) - 1)]

    @property
    def misses(self) -> list[str]:
        """The error targets this run misses (:func:`error_misses`)."""
        return error_misses(asdict(self))

    @property
    def met(self) -> bool:
        return not self.misses


def error_misses(row: dict) -> list[str]:
    """The benchmark's error targets a run misses (one-step, free run at each horizon).
    Its time target is left out: timings on a shared machine say little."""
    return [m for m in run_misses({**row, "train_seconds": 0.0}) if m != "time"]


def run_control(cell: str, period: float, seed: int, variant: Variant, *,
                base: ForecastSettings | None = None) -> tuple[nn.Module, ControlRun]:
    """Train ``cell`` on the benchmark task at ``period`` with ``seed``, by the recipe
    ``base`` (default :class:`~sine_lab.forecasting.ForecastSettings`) with ``variant``'s
    order and loss, and score it; also measures the teacher-forced loss after each stage
    and that of the head fixed at zero. ``run_control(cell, period, seed, NEW)`` is the
    benchmark's run of the same cell, period and seed.

    Returns:
        the trained model and its :class:`ControlRun`.
    """
    cell = check_choice("cell", cell, CELLS)
    period = check_float("period", period)
    seed = check_int("seed", seed, minimum=0)
    if not isinstance(variant, Variant):
        raise TypeError(f"variant must be a Variant (e.g. NEW or OLD), got {type(variant).__name__}")
    base = ForecastSettings() if base is None else base
    if not isinstance(base, ForecastSettings):
        raise TypeError(f"base must be a ForecastSettings, got {type(base).__name__}")
    task = make_task(period, seed=seed)
    settings = variant.settings(base)
    recipe = settings(task.train)
    probe = AfterEachStage(lambda model: teacher_forced_loss(model, recipe, task.train))
    start = time.process_time()
    model, _ = fit(cell, task.train, recipe, seed=seed, callbacks=[probe])
    cpu = time.process_time() - start - probe.seconds
    scores = score(model, task, warmup=settings.warmup)
    run = ControlRun(cell, period, seed, variant.delta_order, variant.scaled_loss, recipe.model["delta_scale"],
                     tuple(probe.values), teacher_forced_loss(_with_zero_head(model), recipe, task.train),
                     scores["one_step_mse"], scores["free_run_mse"], round(cpu, 3))
    return model, run


# ------------------------------------------------------------------ stored results


def save_control(runs: Iterable[ControlRun], path: Path | str = CONTROL_PATH, *, command: str = "") -> None:
    """Write ``runs`` as JSON (``{"command", "runs": [...]}``) to ``path``."""
    rows = [asdict(r) for r in runs]
    Path(path).write_text(json.dumps({"command": command, "runs": rows}, indent=1) + "\n", encoding="utf-8")


def load_control(path: Path | str = CONTROL_PATH) -> tuple[str, list[ControlRun]]:
    """The command and the runs :func:`save_control` wrote to ``path``."""
    stored = json.loads(Path(path).read_text(encoding="utf-8"))
    return stored["command"], [ControlRun(**{**row, "stage_losses": tuple(row["stage_losses"])})
                               for row in stored["runs"]]


def load_sweep(path: Path | str = SWEEP_PATH) -> dict:
    """The benchmark sweep's JSON (``python -m sine_lab.bench ... --json PATH``), checked."""
    result = json.loads(Path(path).read_text(encoding="utf-8"))
    summarize(result)  # raises a clear error if this is not a sweep's result
    return result


def sweep_run(result: dict, cell: str, period: float, seed: int) -> dict:
    """The run of ``cell`` at ``period`` with ``seed`` in a sweep's result."""
    for row in result["runs"]:
        if row["cell"] == cell and row["period"] == period and row["seed"] == seed:
            return row
    raise ValueError(f"the sweep has no run of cell {cell!r} at period {period:g} with seed {seed}; it has cells "
                     f"{result['cells']}, periods {result['periods']}, seeds {result['seeds']}")


# ------------------------------------------------------------------ tables


def describe_recipe(recipe: Recipe) -> str:
    """A recipe in plain lines: the model's settings, then one line per stage (optimizer,
    steps, learning rate and schedule, batch, clipping, objective, criterion, validation)."""
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a Recipe, got {type(recipe).__name__}")
    model = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in recipe.model.items())
    lines = [f"model: {model}; fitting uses n < {recipe.validation_start}, validation may score n >= it"]
    for number, stage in enumerate(recipe.stages, 1):
        length = f"{stage.steps} steps" if stage.steps is not None else f"{stage.epochs} epochs"
        parts = [f"{stage.optimizer} {length}", f"lr {stage.lr:g}" + (f" {stage.schedule}" if stage.schedule else ""),
                 f"batch {stage.batch_size}" if stage.batch_size else "full batch",
                 f"on {stage.sample} sampled pairs" if stage.sample else "on every pair"]
        if stage.clip is not None:
            parts.append(f"clip {stage.clip:g}")
        parts.append(f"{stage.objective!r}, loss {stage.loss_fn!r}" if stage.loss_fn else f"{stage.objective!r}, MSE")
        if stage.validation is not None:
            scored_by = stage.validation.objective or stage.objective
            parts.append(f"validated by {scored_by!r}, patience {stage.validation.patience}")
        lines.append(f"stage {number}: " + "; ".join(parts))
    if recipe.closed_form:
        lines.append(f"closed form (no stages) for: {', '.join(recipe.closed_form)}")
    return "\n".join(lines)


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def format_control(runs: Sequence[ControlRun]) -> str:
    """One line per period, cell and variant: runs meeting every error target, the worst
    and median one-step and 1000-step free-run MSE, the median raw teacher-forced loss
    after the teacher-forcing stages as a fraction of that of the head fixed at zero,
    and the median CPU seconds of training."""
    keys = sorted({(r.period, r.cell, VARIANTS.index(r.variant)) for r in runs},
                  key=lambda k: (k[0], CELLS.index(k[1]), k[2]))
    lines = [f"{'period':>6} {'cell':<5} {'variant':<21}{'met':>5}{'one-step worst/median':>24}"
             f"{'free-run 1000 worst/median':>29}{'taught / zero head':>22}{'CPU s':>8}"]
    for period, cell, index in keys:
        group = [r for r in runs if (r.period, r.cell, r.variant) == (period, cell, VARIANTS[index])]
        one = sorted(r.one_step_mse for r in group)
        free = sorted(r.free_run_mse["1000"] for r in group)
        ratio = _median([r.teacher_forced / r.zero_head_loss for r in group])
        lines.append(f"{period:>6g} {cell:<5} {VARIANTS[index].label:<21}{sum(r.met for r in group):>3}/{len(group)}"
                     f"{one[-1]:>15.1e} /{_median(one):>8.1e}{free[-1]:>20.1e} /{_median(free):>8.1e}"
                     f"{ratio:>22.2g}{_median([r.cpu_seconds for r in group]):>8.1f}")
    return "\n".join(lines)


# ------------------------------------------------------------------ the mechanism


def gradient_rms(model: nn.Module, recipe: Recipe, series: Tensor, *, pairs: int = 32) -> float:
    """The root mean square of the gradient entries of ``recipe``'s first stage's loss (its
    objective under its criterion) on the first ``pairs`` teacher-forced pairs of ``series``
    ``(n_series, T)``, at ``model``'s current weights: the size Adam compares with its ``eps``."""
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a Recipe (call ForecastSettings on the series), got {type(recipe).__name__}")
    check_tensor("series", series, ndim=2, layout="(n_series, T)")
    pairs = check_int("pairs", pairs, minimum=1)
    stage = recipe.stages[0]
    x, y = stage.data(series[:, : recipe.validation_start])
    model.zero_grad()
    stage.objective(model, x[:pairs], y[:pairs], stage.loss_fn).backward()
    grads = torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])
    model.zero_grad()
    return float(grads.pow(2).mean().sqrt())


def head_rows(recipe: dict, bare: dict, *, others: Sequence[dict] = (), cycles: int = 10,
              target: float = 1e-4) -> list[dict]:
    """What the cell adds to the fixed residual: per period, each cell bare and with the recipe's head, the
    residual alone and the 2-tap recurrence, from two sweeps of the same grid
    (:data:`CYCLES_PATH`, :data:`BARE_PATH`); with ``others`` (further sweeps of the same periods, e.g.
    :data:`KINDS_PATH`, :data:`SKIP_PATH`), a row for each of their kinds too, named ``"{kind}, recipe"``
    or ``"{kind}, bare cell"`` by the sweep's head.

    Returns:
        one dict per (period, row): ``{"row", "kind", "period", "seeds", "one_step" (median MSE),
        "free_run" (median MSE over ``cycles`` whole cycles), "steps" (steps in those cycles, median),
        "met" (runs whose free run over those cycles is at most ``target``)}``.
    """
    if any(cycles not in sweep.get("cycles", []) for sweep in [recipe, bare, *others]):
        raise ValueError(f"every sweep must score free runs over {cycles} cycles (run them with --cycles {cycles})")
    if bare.get("delta_order") != 0 or recipe.get("delta_order") == 0:
        raise ValueError("bare must be a sweep with --delta-order 0, recipe one with the recipe's head")
    if any(other["periods"] != recipe["periods"] for other in others):
        raise ValueError(f"others must be sweeps over the periods {recipe['periods']}, got "
                         f"{[other['periods'] for other in others]}")
    extra = [(f"{k}, {'bare cell' if other.get('delta_order') == 0 else 'recipe'}", k, other)
             for other in others for k in other["cells"] if k != RESIDUAL_ONLY]  # the residual has its own row
    sources = ([(f"{c}, bare cell", c, bare) for c in CELLS] + [(f"{c}, recipe", c, recipe) for c in CELLS]
               + extra + [("residual only", "residual only", recipe), ("2-tap recurrence", "linear", recipe)])
    rows = []
    for period in recipe["periods"]:
        for label, cell, source in sources:
            runs = [r for r in source["runs"] if r["cell"] == cell and r["period"] == period]
            free = [r["free_run_cycles"][str(cycles)] for r in runs]
            rows.append({"row": label, "kind": cell, "period": period, "seeds": len(runs),
                         "one_step": _median([r["one_step_mse"] for r in runs]), "free_run": _median(free),
                         "steps": _median([r["cycle_steps"][str(cycles)] for r in runs]),
                         "met": sum(value <= target for value in free)})
    return rows


def format_head_rows(rows: Sequence[dict], *, cycles: int = 10, target: float = 1e-4) -> str:
    """:func:`head_rows` as a text table, one block per period."""
    lines = [f"{'period':>6}  {'row':<22}{'one-step MSE':>14}{f'{cycles}-cycle MSE':>16}"
             f"{f'runs <= {target:g}':>15}   (medians over seeds)"]
    for row in rows:
        lines.append(f"{row['period']:>6g}  {row['row']:<22}{row['one_step']:>14.1e}{row['free_run']:>16.1e}"
                     f"{str(row['met']) + ' of ' + str(row['seeds']):>15}")
    return "\n".join(lines)


def kinds_table() -> str:
    """The README's rendering of the kinds beyond the article (:data:`KINDS_PATH`): the benchmark's own
    table (:func:`~sine_lab.bench.format_sweep`, with times and the targets met) in a fenced block."""
    return "```\n" + format_sweep(load_sweep(KINDS_PATH)) + "\n```"


def cycles_table() -> str:
    """The README's rendering of the stored sweeps (:data:`CYCLES_PATH`, :data:`BARE_PATH`,
    :data:`KINDS_PATH`, :data:`SKIP_PATH`) on equal cycles: :func:`format_head_rows` in a fenced block."""
    rows = head_rows(load_sweep(CYCLES_PATH), load_sweep(BARE_PATH),
                     others=[load_sweep(KINDS_PATH), load_sweep(SKIP_PATH)])
    return "```\n" + format_head_rows(rows) + "\n```"
