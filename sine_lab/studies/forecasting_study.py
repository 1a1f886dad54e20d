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
import shlex
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
from ..baselines import recurrence_run
from ..bench import RESIDUAL_ONLY, format_sweep, make_task, run_misses, score, summarize
from ..callbacks import Callback
from ..forecasting import ForecastSettings, Recipe, StableRollout, difference_spread, fit
from ..models import eval_mode
from ..objectives import PerStep, Rollout, ScaledMSE

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
    "control_summary",
    "describe_recipe",
    "difference_spread",  # the recipe's own scale (sine_lab.forecasting), re-exported for the chapter
    "error_misses",
    "format_by_period",
    "format_commands",
    "format_control",
    "format_control_summary",
    "cycles_table",
    "format_head_rows",
    "gradient_rms",
    "head_rows",
    "load_control",
    "load_sweep",
    "run_control",
    "recurrence_forecast",
    "save_control",
    "sine_fit_forecast",
    "sine_fit_forecast_free",
    "sweep_run",
    "teacher_forced_loss",
]

RESULTS = Path(__file__).with_name("results")
SWEEP_PATH = RESULTS / "sweep_periods.json"
# The same grid (periods 5, 20, 100; seeds 0-2) with free runs also scored over whole cycles: the recipe
# (its second-order head) and the bare cell (delta_order=0), each with the residual-only row.
CYCLES_PATH = RESULTS / "sweep_cycles.json"
BARE_PATH = RESULTS / "sweep_bare.json"
# The bare cells at period 100 with the warm-up and chunks stretched for the slow wave (--reference-period 20).
STRETCHED_PATH = RESULTS / "sweep_bare_stretched.json"
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
        head = {1: "change", 2: "curvature"}[self.delta_order]
        return f"{head} head, {'scaled' if self.scaled_loss else 'raw'} MSE"

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


_OPTIMIZERS = {"adam": "Adam", "lbfgs": "L-BFGS"}
_SCHEDULES = {"onecycle": "one-cycle", "cosine": "cosine"}
_OUTPUTS = {0: "scale · head(state), the next value itself",
            1: "x[n] + scale · head(state), the head predicting the change",
            2: "2x[n] − x[n−1] + scale · head(state), the head predicting the curvature"}


def _loss_words(loss_fn: Any) -> str:
    if loss_fn is None:
        return "MSE"
    if isinstance(loss_fn, ScaledMSE):
        return f"MSE / {loss_fn.scale:.3g}²"
    return repr(loss_fn)


def _pairs_words(objective: Any, x: Tensor | None, used: int | None) -> str:
    """What a stage trains or stops on, in words: its pairs (counted when ``x`` is given) and what is scored."""
    count = "" if x is None else (f"{used} of the {x.shape[0]} " if used is not None and used < x.shape[0]
                                  else f"{x.shape[0]} ")
    if isinstance(objective, StableRollout):
        start = "" if x is None else f" from each series' first {x.shape[1]} values"
        return (f"{count}free runs of {objective.steps} steps{start} (a run leaving ±{objective.bound:.3g} "
                f"within {objective.checked} steps scores infinity)")
    if isinstance(objective, Rollout):
        start = "" if x is None else f", each from {x.shape[1]} true values"
        return f"{count}free runs of {objective.steps} steps{start}"
    if isinstance(objective, PerStep):
        length = "" if x is None else f" of {x.shape[1]} values"
        return (f"{count}chunks{length}, each prediction from true values, scored after a "
                f"{objective.warmup}-step warm-up")
    return f"{count}pairs, {objective!r}"


def describe_recipe(recipe: Recipe, series: Tensor | None = None) -> str:
    """A recipe in plain words, one line for the model and one per stage: optimizer, steps, learning rate,
    clipping, what it trains on and its loss, and where it stops early. With the training ``series``
    ``(n_series, T)``, the stages' pairs are counted too."""
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a Recipe, got {type(recipe).__name__}")
    cut = recipe.validation_start
    if series is not None:
        check_tensor("series", series, ndim=2, layout="(n_series, T)")
    model = recipe.model
    output = _OUTPUTS.get(model.get("delta_order"), f"delta_order={model.get('delta_order')}")
    if model.get("delta_scale") is not None:
        output = output.replace("scale", f"{model['delta_scale']:.3g}", 1)
    lines = [f"model: a {model.get('hidden_size')}-unit cell, output {output}; "
             f"training fits n < {cut}, early stopping scores n >= {cut}"]
    for number, stage in enumerate(recipe.stages, 1):
        x = None if series is None or stage.data is None else stage.data(series[:, :cut])[0]
        stops = stage.validation is not None and stage.validation.patience is not None
        length = f"{stage.steps} steps" if stage.steps is not None else f"{stage.epochs} epochs"
        parts = [f"{_OPTIMIZERS.get(stage.optimizer, stage.optimizer)}, {'at most ' if stops else ''}{length}",
                 f"lr up to {stage.lr:g} ({_SCHEDULES.get(stage.schedule, stage.schedule)})" if stage.schedule
                 else f"lr {stage.lr:g}"]
        if stage.clip is not None:
            parts.append(f"gradient norm clipped at {stage.clip:g}")
        pairs = _pairs_words(stage.objective, x, stage.sample)
        parts.append(f"batches of {stage.batch_size} from {pairs}" if stage.batch_size else f"all at once: {pairs}")
        parts.append(f"loss {_loss_words(stage.loss_fn)}")
        if stage.validation is not None:
            scored_by = stage.validation.objective or stage.objective
            x_val = None if series is None else stage.validation.data(series)[0]
            patience = stage.validation.patience
            parts.append(("stops early" if patience is not None else "keeps the best weights")
                         + (f" (patience {patience})" if patience is not None else "")
                         + f" on {_pairs_words(scored_by, x_val, None)}")
        lines.append(f"stage {number}: " + "; ".join(parts))
    if recipe.closed_form:
        lines.append(f"no stages, solved by least squares: {', '.join(recipe.closed_form)}")
    return "\n".join(lines)


def recurrence_forecast(context: Tensor, coefficients: Sequence[float] | Tensor, steps: int, *,
                        dtype: torch.dtype = torch.float64) -> Tensor:
    """Free-run ``s[n+1] = a s[n] + b s[n-1]`` from the last two values of each row of ``context``
    ``(n_series, W)`` for ``steps`` values ``(n_series, steps)``, in ``dtype`` arithmetic (default float64,
    to separate the coefficients' precision from the arithmetic's). ``coefficients``: the pair ``(a, b)``
    (newest first) for every row, or one pair per row ``(n_series, 2)``."""
    check_tensor("context", context, ndim=2, layout="(n_series, W)", floating=True, finite=True)
    steps = check_int("steps", steps, minimum=1)
    pairs = torch.as_tensor(coefficients, dtype=dtype)
    if pairs.shape not in ((2,), (context.shape[0], 2)):
        raise ValueError(f"coefficients must be the pair (a, b) or one pair per series ({context.shape[0]}, 2), "
                         f"got shape {tuple(pairs.shape)}")
    if context.shape[1] < 2:
        raise ValueError(f"context must hold at least 2 values per series, got {context.shape[1]}")
    return recurrence_run(context.to(dtype), pairs, steps)


def sine_fit_forecast(context: Tensor, period: float, steps: int) -> Tensor:
    """Fit ``A sin(n/period) + B cos(n/period)`` by least squares to each row of ``context`` ``(n_series, W)``
    (``n = 0 .. W-1``; the wave's rate, in samples per radian, given) and continue it for ``steps`` values
    ``(n_series, steps)``: a forecaster that uses every observed value, not only the last two. Solved in
    float64, returned in ``context``'s dtype."""
    check_tensor("context", context, ndim=2, layout="(n_series, W)", floating=True, finite=True)
    period = check_float("period", period, minimum=0.0, exclusive_minimum=True)
    steps = check_int("steps", steps, minimum=1)
    width = context.shape[1]
    if width < 2:
        raise ValueError(f"context must hold at least 2 values per series to fit a sine, got {width}")
    n = torch.arange(width + steps, dtype=torch.float64) / period
    basis = torch.stack([torch.sin(n), torch.cos(n)], dim=1)
    coefficients = torch.linalg.lstsq(basis[:width], context.double().T).solution  # (2, n_series)
    return (basis[width:] @ coefficients).T.to(context.dtype)


def sine_fit_forecast_free(context: Tensor, steps: int, *, rounds: int = 6) -> tuple[Tensor, Tensor]:
    """Like :func:`sine_fit_forecast`, but the frequency is estimated too: fit
    ``A sin(ωn) + B cos(ωn) + C`` by least squares to each row of ``context`` ``(n_series, W)`` with ``ω``
    free, and continue it for ``steps`` values. ``ω`` starts at the peak of the row's zero-padded spectrum
    and is refined by ``rounds`` grid searches, each 10 times finer, of the least-squares residual (``A``,
    ``B``, ``C`` solved exactly at every ``ω``). Solved in float64.

    Returns:
        the forecast ``(n_series, steps)`` in ``context``'s dtype, and the estimated samples per radian
        ``1/ω`` of each row ``(n_series,)``.
    """
    check_tensor("context", context, ndim=2, layout="(n_series, W)", floating=True, finite=True)
    steps = check_int("steps", steps, minimum=1)
    rounds = check_int("rounds", rounds, minimum=1)
    width = context.shape[1]
    if width < 4:
        raise ValueError(f"context must hold at least 4 values per series to fit a sine and its frequency, got {width}")
    values = context.double()
    n = torch.arange(width, dtype=torch.float64)
    padded = 8 * width
    spectrum = torch.fft.rfft(values - values.mean(dim=1, keepdim=True), n=padded).abs()
    spectrum[:, 0] = 0.0
    omega = spectrum.argmax(dim=1).double() * 2 * math.pi / padded  # (n_series,)
    half_width = 2 * math.pi / padded

    def basis(w: Tensor, at: Tensor) -> Tensor:  # w (..., 1) -> (..., len(at), 3)
        phase = w[..., None] * at
        return torch.stack([torch.sin(phase), torch.cos(phase), torch.ones_like(phase)], dim=-1)

    for _ in range(rounds):
        grid = omega[:, None] + torch.linspace(-half_width, half_width, 41, dtype=torch.float64)  # (S, 41)
        grid = grid.clamp(min=1e-6, max=math.pi)
        design = basis(grid, n)  # (S, 41, W, 3)
        target = values[:, None, :, None].expand(-1, grid.shape[1], -1, -1)
        solution = torch.linalg.lstsq(design, target).solution
        residual = ((design @ solution - target) ** 2).sum(dim=(-1, -2))  # (S, 41)
        omega = grid.gather(1, residual.argmin(dim=1, keepdim=True))[:, 0]
        half_width /= 10
    design = basis(omega[:, None], n)[:, 0]  # (S, W, 3)
    coefficients = torch.linalg.lstsq(design, values[..., None]).solution  # (S, 3, 1)
    ahead = basis(omega[:, None], torch.arange(width, width + steps, dtype=torch.float64))[:, 0]
    return (ahead @ coefficients)[..., 0].to(context.dtype), 1 / omega


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def format_control(runs: Sequence[ControlRun]) -> str:
    """One line per period, cell and variant: runs meeting every error target, the worst
    and median one-step and 1000-step free-run MSE, the median raw teacher-forced loss
    after the teacher-forcing stages as a fraction of that of the head fixed at zero,
    and the median CPU seconds of training."""
    keys = sorted({(r.period, r.cell, VARIANTS.index(r.variant)) for r in runs},
                  key=lambda k: (k[0], CELLS.index(k[1]), k[2]))
    lines = [f"{'period':>6} {'cell':<5} {'variant':<27}{'met':>5}{'one-step worst/median':>24}"
             f"{'free-run 1000 worst/median':>29}{'taught / zero head':>22}{'CPU s':>8}"]
    for period, cell, index in keys:
        group = [r for r in runs if (r.period, r.cell, r.variant) == (period, cell, VARIANTS[index])]
        one = sorted(r.one_step_mse for r in group)
        free = sorted(r.free_run_mse["1000"] for r in group)
        ratio = _median([r.teacher_forced / r.zero_head_loss for r in group])
        lines.append(f"{period:>6g} {cell:<5} {VARIANTS[index].label:<27}{sum(r.met for r in group):>3}/{len(group)}"
                     f"{one[-1]:>15.1e} /{_median(one):>8.1e}{free[-1]:>20.1e} /{_median(free):>8.1e}"
                     f"{ratio:>22.2g}{_median([r.cpu_seconds for r in group]):>8.1f}")
    return "\n".join(lines)


def control_summary(runs: Sequence[ControlRun]) -> list[dict]:
    """One dict per variant present in ``runs`` (in :data:`VARIANTS`' order), over all its cells and seeds:
    ``{"variant", "runs", "met", "taught" (min, max), "after_rollout" (min, max), "free_run_1000" (median)}``,
    where ``taught`` is the raw teacher-forced loss after the teacher-forcing stages as a fraction of the
    head-at-zero loss, and ``after_rollout`` the same fraction after the last stage."""
    summary = []
    for variant in VARIANTS:
        group = [r for r in runs if r.variant == variant]
        if not group:
            continue
        taught = [r.teacher_forced / r.zero_head_loss for r in group]
        after = [r.stage_losses[-1] / r.zero_head_loss for r in group]
        summary.append({"variant": variant, "runs": len(group), "met": sum(r.met for r in group),
                        "taught": (min(taught), max(taught)), "after_rollout": (min(after), max(after)),
                        "free_run_1000": _median([r.free_run_mse["1000"] for r in group])})
    return summary


def format_control_summary(runs: Sequence[ControlRun]) -> str:
    """:func:`control_summary` as a text table, one line per variant."""
    lines = [f"{'variant':<27}{'runs meeting':>14}{'after teacher forcing':>23}{'after free-run stage':>23}"
             f"{'1000-step MSE':>16}",
             f"{'':<27}{'every target':>14}{'(÷ zero head, range)':>23}{'(÷ zero head, range)':>23}"
             f"{'(median)':>16}"]
    for row in control_summary(runs):
        taught, after = row["taught"], row["after_rollout"]
        lines.append(f"{row['variant'].label:<27}{str(row['met']) + ' of ' + str(row['runs']):>14}"
                     f"{f'{taught[0]:.2g} to {taught[1]:.2g}':>23}{f'{after[0]:.2g} to {after[1]:.2g}':>23}"
                     f"{row['free_run_1000']:>16.1e}")
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


def format_by_period(rows: Sequence[dict], names: Sequence[str], *, value: str = "free_run",
                     target: float | None = 1e-4) -> str:
    """:func:`head_rows` pivoted: one line per row name in ``names``, one column per period (samples per
    radian ``P``), each cell the median ``value`` (``"one_step"`` or ``"free_run"``) and, for
    ``"free_run"`` with a ``target``, how many runs met it (``"3/3 1.2e-08"``)."""
    if value not in ("one_step", "free_run"):
        raise ValueError(f"value must be 'one_step' or 'free_run', got {value!r}")
    periods = sorted({r["period"] for r in rows})
    by_key = {(r["row"], r["period"]): r for r in rows}
    missing = [name for name in names if not any((name, p) in by_key for p in periods)]
    if missing:
        raise ValueError(f"no rows named {missing}; rows: {sorted({r['row'] for r in rows})}")
    counted = value == "free_run" and target is not None
    width = 16 if counted else 11
    header = f"{'':<22}" + "".join(f"{f'P = {p:g}':>{width}}" for p in periods)
    if counted:
        steps = "".join(f"{'(' + format(by_key[(names[0], p)]['steps'], '.0f') + ' steps)':>{width}}"
                        for p in periods)
        header += f"\n{'':<22}{steps}"
    lines = [header]
    for name in names:
        cells = []
        for period in periods:
            row = by_key.get((name, period))
            if row is None:
                cells.append(f"{'-':>{width}}")
            elif counted:
                cells.append(f"{str(row['met']) + '/' + str(row['seeds']):>6}{row[value]:>{width - 6}.1e}")
            else:
                cells.append(f"{row[value]:>{width}.1e}")
        lines.append(f"{name:<22}" + "".join(cells))
    return "\n".join(lines)


def format_commands(commands: Sequence[str]) -> str:
    """Several command lines that share most of their options, compactly: the shared part once, then
    what each adds (options given the same value in every command are shared)."""
    parsed = []
    for command in commands:
        words = shlex.split(command)
        start = next((i for i, w in enumerate(words) if w.startswith("--")), len(words))
        options, i = [], start
        while i < len(words):
            takes_value = i + 1 < len(words) and not words[i + 1].startswith("--")
            options.append((words[i], words[i + 1] if takes_value else None))
            i += 2 if takes_value else 1
        parsed.append((" ".join(words[:start]), options))
    programs = {program for program, _ in parsed}
    if len(programs) != 1:
        return "\n".join(commands)
    shared = [o for o in parsed[0][1] if all(o in options for _, options in parsed)]

    def text(options: Sequence[tuple[str, str | None]]) -> str:
        return " ".join(flag if value is None else f"{flag} {value}" for flag, value in options)

    lines = [f"{programs.pop()} {text(shared)}, and each sweep:"]
    lines += [f"  {text([o for o in options if o not in shared])}" for _, options in parsed]
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
