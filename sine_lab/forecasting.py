"""Forecasting recipes as data: model settings plus stages of training, and their scores.

A :class:`Stage` is one call of :func:`~sine_lab.training.train` written down: the
optimizer, the number of steps, the learning rate or schedule, the objective, the
batch size, clipping, and what it trains and validates on. A :class:`Recipe` is the
model's settings plus a sequence of stages; :func:`fit` seeds, builds the model and
runs the stages. A recipe may also be a function of the training series that
returns a :class:`Recipe` (:class:`ForecastSettings` is one), so lengths and scales
can follow the data.

Series are ``(n_series, T)``. Training data come from the values before
``Recipe.validation_start`` only; validation may score the later ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_float, check_int, check_tensor
from .callbacks import Callback, ClipGradNorm, Validate
from .data import make_windows
from .models import MODEL_KINDS, SequenceModel, build_model, forecast
from .objectives import Criterion, LastStep, Objective, PerStep, Rollout, ScaledMSE
from .training import History, fit_autoregressive, seed_everything, train

__all__ = [
    "ClosedForm",
    "ForecastSettings",
    "PairBuilder",
    "Recipe",
    "Stage",
    "StableRollout",
    "Validation",
    "difference_spread",
    "estimate_period",
    "fit",
    "free_run_mse",
    "least_squares_predictor",
    "one_step_mse",
    "rollout_pairs",
    "teacher_forcing_pairs",
]

# series (n_series, T) -> inputs and targets for train
PairBuilder = Callable[[Tensor], "tuple[Tensor, Tensor]"]
# the series before the cut (n_series, T) -> a fitted model
ClosedForm = Callable[[Tensor], nn.Module]


# ------------------------------------------------------------------ pairs to train on


def teacher_forcing_pairs(series: Tensor, chunk: int, warmup: int, stride: int) -> tuple[Tensor, Tensor]:
    """Chunks ``(N, chunk, 1)`` of ``series`` ``(n, T)`` and, for each step after the
    first ``warmup``, the value that follows it ``(N, chunk - warmup)``: the targets
    of :class:`~sine_lab.objectives.PerStep` ``(warmup)``."""
    warmup = check_int("warmup", warmup, minimum=0)
    check_int("chunk", chunk, minimum=warmup + 2)
    inputs, following = make_windows(series, chunk, stride=stride)
    return inputs, torch.cat([inputs[:, warmup + 1 :, 0], following], dim=1)


def rollout_pairs(series: Tensor, context: int, steps: int, stride: int) -> tuple[Tensor, Tensor]:
    """Contexts ``(N, context, 1)`` and the ``steps`` values after each ``(N, steps)``:
    the targets of :class:`~sine_lab.objectives.Rollout` ``(steps)``."""
    return make_windows(series, context, steps, stride=stride)


# ------------------------------------------------------------------ scores


def one_step_mse(model: nn.Module, series: Tensor, warmup: int) -> float:
    """Teacher-forced one-step MSE: run over ``series`` ``(n, T)`` and score the
    predictions of ``n = warmup + 1 .. T - 1`` (each made from all earlier true values)."""
    check_tensor("series", series, ndim=2, layout="(n_series, T)")
    warmup = check_int("warmup", warmup, minimum=0, maximum=series.shape[1] - 2)
    with torch.no_grad():
        outputs, _ = model.run(series[:, :-1, None])
    return float(((outputs[:, warmup:, 0] - series[:, warmup + 1 :]) ** 2).mean())


def free_run_mse(model: nn.Module, context: Tensor, future: Tensor, *, lead: int = 0) -> tuple[float, Tensor]:
    """Free-running MSE: the model sees ``context`` ``(n, W)``, generates ``lead``
    values that are not scored and then ``future.shape[1]`` values scored against
    ``future`` ``(n, H)``; returns the MSE and that forecast ``(n, H)``."""
    check_tensor("context", context, ndim=2, layout="(n_series, W)")
    check_tensor("future", future, ndim=2, layout="(n_series, H)")
    lead = check_int("lead", lead, minimum=0)
    with torch.no_grad():
        generated = forecast(model, context[..., None], lead + future.shape[1])[:, lead:]
    return float(((generated - future) ** 2).mean()), generated


class StableRollout(Rollout):
    """A free-running forecast of ``steps`` values that scores infinity if the run
    leaves ``[-bound, bound]`` within ``checked`` steps: a run can stay close over the
    scored stretch and still blow up later. Needs no true values beyond ``steps``."""

    def __init__(self, steps: int, bound: float, checked: int) -> None:
        super().__init__(steps)
        self.bound = check_float("bound", bound, minimum=0.0, exclusive_minimum=True)
        self.checked = check_int("checked", checked, minimum=1)

    def predict(self, model: nn.Module, x: Tensor) -> Tensor:
        generated = forecast(model, x, max(self.steps, self.checked))
        scored = generated[:, : self.steps]
        if not bool(generated.abs().max() <= self.bound):
            return torch.full_like(scored, math.inf)
        return scored


# ------------------------------------------------------------------ stages and recipes


@dataclass(frozen=True)
class Validation:
    """How a stage is validated: pairs built from the *whole* training series (they may
    score values after the cut), the objective that scores them (default: the stage's)
    and the patience (``None``: never stop early). The best weights are kept."""

    data: PairBuilder
    objective: Objective | None = None
    patience: int | None = None


@dataclass(frozen=True)
class Stage:
    """One stage of training: a call of :func:`~sine_lab.training.train` written down.

    Attributes:
        lr: learning rate (peak of ``schedule``); for L-BFGS the initial step length.
        steps: optimizer steps; or give ``epochs`` (passes over the data) instead.
        data: builds the training pairs from the series before the cut (used by
            :func:`fit`; ``None`` when the caller passes ``x`` and ``y`` to :meth:`train`).
        objective: what is predicted and scored (:mod:`sine_lab.objectives`).
        optimizer: ``"adam"`` or ``"lbfgs"``.
        schedule: ``None``, ``"onecycle"`` or ``"cosine"``.
        batch_size: mini-batch size (``None``: full batch).
        sample: train on the first this many pairs of the data's seeded random order
            (:func:`fit` keeps one order per ``data`` function, so stages that share
            ``data`` train on nested subsets, e.g. L-BFGS on a batch Adam has seen).
        clip: gradient-norm clip, or ``None``.
        validation: a :class:`Validation` (used by :func:`fit`), or ``None``.
        epochs: passes over the data, instead of ``steps``.
        loss_fn: the criterion (default: the MSE), e.g. :class:`~sine_lab.objectives.ScaledMSE`.
    """

    lr: float
    steps: int | None = None
    data: PairBuilder | None = None
    objective: Objective = field(default_factory=LastStep)
    optimizer: str = "adam"
    schedule: str | None = None
    batch_size: int | None = None
    sample: int | None = None
    clip: float | None = None
    validation: Validation | None = None
    epochs: int | None = None
    loss_fn: Criterion | None = None

    def train(self, model: nn.Module, x: Tensor, y: Tensor, *, callbacks: Sequence[Callback] = (),
              seed: int | None = None) -> History:
        """Train ``model`` on ``(x, y)`` as this stage says; ``callbacks`` are added to its own."""
        own = [] if self.clip is None else [ClipGradNorm(self.clip)]
        return train(model, x, y, steps=self.steps, epochs=self.epochs, lr=self.lr, optimizer=self.optimizer,
                     objective=self.objective, loss_fn=self.loss_fn, batch_size=self.batch_size,
                     schedule=self.schedule, callbacks=[*own, *callbacks], seed=seed)

    def run(self, model: nn.Module, series: Tensor, cut: int, *, orders: dict[PairBuilder, Tensor],
            generator: torch.Generator, seed: int | None = None, callbacks: Sequence[Callback] = ()) -> History:
        """Build this stage's pairs from ``series`` ``(n, T)`` (fitting sees ``n < cut``
        only; validation the whole series) and train ``model`` on them. ``orders``
        holds the random order of each data function's pairs, drawn from ``generator``
        the first time a stage samples from it; ``callbacks`` are added to the stage's own."""
        if self.data is None:
            raise ValueError("a stage run by fit needs data: a function from the series before the cut to (x, y)")
        x, y = self.data(series[:, :cut])
        if self.sample is not None:
            if self.data not in orders:
                orders[self.data] = torch.randperm(x.shape[0], generator=generator)
            chosen = orders[self.data][: self.sample]
            x, y = x[chosen], y[chosen]
        callbacks = list(callbacks)
        if self.validation is not None:
            x_val, y_val = self.validation.data(series)
            callbacks.append(Validate(x_val, y_val, patience=self.validation.patience,
                                      objective=self.validation.objective))
        return self.train(model, x, y, callbacks=callbacks, seed=seed)


@dataclass(frozen=True)
class Recipe:
    """A model's settings and the stages that train it.

    Attributes:
        model: keyword arguments of :func:`~sine_lab.models.build_model`.
        stages: run in order on the same model.
        validation_start: the time index that cuts each training series: stages fit
            values before it, validation may score values from it on.
        closed_form: kinds whose fit is solved, not descended: ``{kind: rule}``, where
            ``rule(series before the cut)`` returns the fitted model (no stages run).
    """

    model: Mapping[str, Any]
    stages: Sequence[Stage]
    validation_start: int
    closed_form: Mapping[str, ClosedForm] = field(default_factory=dict)


def least_squares_predictor(order: int = 2) -> ClosedForm:
    """The closed-form rule for a linear recurrence: least-squares autoregression of ``order`` >= 2
    (:func:`~sine_lab.training.fit_autoregressive`, in float64) as a model that holds its correction to linear
    extrapolation (:meth:`~sine_lab.models.SequenceModel.linear_correction`), so that float32 rounds the
    small corrections, as the trained models' heads do, not the coefficients themselves."""
    order = check_int("order", order, minimum=2)
    extrapolation = torch.zeros(order, dtype=torch.float64)
    extrapolation[:2] = torch.tensor([2.0, -1.0], dtype=torch.float64)
    return lambda series: SequenceModel.linear_correction(
        fit_autoregressive(series, order, dtype=torch.float64) - extrapolation)


def fit(kind: str, series: Tensor, recipe: Recipe | Callable[[Tensor], Recipe], *,
        seed: int = 0, callbacks: Sequence[Callback] = ()) -> tuple[nn.Module, list[History]]:
    """Seed, build a ``kind`` model and train it on ``series`` ``(n_series, T)`` with ``recipe``.

    Args:
        kind: a registered model kind (:data:`~sine_lab.models.MODEL_KINDS`).
        series: the training series; fitting uses values before ``validation_start``.
        recipe: a :class:`Recipe`, or a function of ``series`` returning one.
        seed: seeds initialisation, the pairs each stage samples and its shuffling.
        callbacks: added to every stage's own (e.g. progress, or a Stop button).

    Returns:
        the trained model (in eval mode) and each stage's :class:`History`.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, MODEL_KINDS))}; got {kind!r}")
    check_tensor("series", series, ndim=2, layout="(n_series, T)")
    seed = check_int("seed", seed, minimum=0)
    if not isinstance(recipe, Recipe):
        recipe = recipe(series)
    cut = check_int("validation_start", recipe.validation_start, minimum=2, maximum=series.shape[1])
    seed_everything(seed)
    if kind in recipe.closed_form:
        return recipe.closed_form[kind](series[:, :cut]).eval(), []
    model = build_model(kind, **recipe.model)
    generator, orders = torch.Generator().manual_seed(seed), {}
    histories = [stage.run(model, series, cut, orders=orders, generator=generator, seed=seed, callbacks=callbacks)
                 for stage in recipe.stages]
    return model.eval(), histories


# ------------------------------------------------------------------ settings derived from the data
def difference_spread(series: Tensor, order: int) -> float:
    """The standard deviation of the ``order``-th differences along time of ``series``
    ``(n_series, T)`` (order 0: of the values): the scale of what a head of that order predicts (the
    recipe's ``delta_scale``)."""
    check_tensor("series", series, ndim=2, layout="(n_series, T)")
    order = check_int("order", order, minimum=0, maximum=series.shape[1] - 2)
    return float((series.diff(n=order, dim=1) if order else series).std())


def estimate_period(series: Tensor) -> float:
    """The period of a sampled sine, in samples per radian, from the data alone.

    A sampled sine obeys ``s[n+k] + s[n-k] = 2 cos(k/P) s[n]`` for every lag ``k``;
    the least-squares fit of that relation over every series gives ``P``. A first fit
    at lag 1 gives a rough ``P``; the fit is then repeated at a lag of about one radian
    (``k ≈ P``, twice), where the wave bends far more from one sample to the next than
    noise does: with Gaussian noise of 1% of the amplitude at ``P = 20``, lag 1 alone is
    7% off, the refined estimate 0.015% (3% noise: 0.12% at ``P`` = 5, 20 and 100).
    Exact for a noiseless sine of any phase and amplitude; computed in float64.

    Args:
        series: ``(T,)`` or ``(n_series, T)``, ``T >= 3``, finite.

    Raises:
        ValueError: if the series does not oscillate (e.g. a constant, a ramp or an
            exponential) — there is no period to estimate.
    """
    check_tensor("series", series, ndim=(1, 2), layout="(T,) or (n_series, T)", floating=True, finite=True)
    rows = (series.unsqueeze(0) if series.dim() == 1 else series).double()
    if rows.shape[1] < 3:
        raise ValueError(f"series must have at least 3 time steps to estimate a period, got {rows.shape[1]}")
    if not bool(rows.any()):
        raise ValueError("series is all zeros: there is no wave to estimate a period from")
    period = _period_at_lag(rows, 1)
    for _ in range(2):
        period = _period_at_lag(rows, min(max(1, round(period)), (rows.shape[1] - 1) // 2))
    return period


def _period_at_lag(rows: Tensor, lag: int) -> float:
    middle = rows[:, lag:-lag]
    outer = rows[:, 2 * lag :] + rows[:, : -2 * lag]
    cosine = float((middle * outer).sum()) / float((middle**2).sum()) / 2
    if not -1.0 < cosine < 1.0:
        raise ValueError(
            f"series does not oscillate like a sampled sine (the fit s[n+{lag}] + s[n-{lag}] = 2c s[n] gives "
            f"c = {cosine:.6g}, outside (-1, 1)), so it has no period to estimate"
        )
    return lag / math.acos(cosine)


# ------------------------------------------------------------------ the standard recipe


@dataclass(frozen=True)
class ForecastSettings:
    """The standard forecasting recipe's settings; calling it on the training series
    gives the :class:`Recipe` (the benchmark's and chapter 07's).

    Model: ``hidden_size`` units whose head predicts the ``delta_order``-th difference of
    the series on top of the fixed residual (:class:`~sine_lab.stepwise.Residual`: order 0,
    the bare cell, output ``scale * head``, nothing fixed added; order 1,
    the change, output ``x[n] + scale * head``; order 2, the curvature, output
    ``2 x[n] - x[n-1] + scale * head``), scaled by the spread of that difference in the
    training data (``delta_scale``); a ``"linear"`` kind is instead the 2-unit
    least-squares recurrence. With ``scaled_loss`` every stage's loss is the MSE in
    units of ``delta_scale`` (:class:`~sine_lab.objectives.ScaledMSE`). Stages:

    1. Adam, ``adam_steps`` mini-batches of ``batch_size`` chunks (each chunk drawn at
       most once while there are enough), one-cycle schedule up to ``lr``, gradient
       clipping at 1, per-step (teacher-forced) loss after the warm-up.
    2. L-BFGS, ``lbfgs_steps`` steps on ``batch_size`` fixed chunks (the first of those
       Adam saw), the same loss, validated on chunks of the later stretch
       (``n >= validation_start``), stopping after ``lbfgs_patience`` scores without improvement.
    3. If ``rollout``: L-BFGS, ``rollout_steps`` steps on free runs of ``rollout``
       values from ``rollout_warmup`` past values, validated by free-running each
       training series from all its values before the cut to its end (a run leaving
       twice the data's amplitude before ``stable_until`` scores infinity), stopping
       after ``rollout_patience`` scores without improvement.

    Attributes:
        hidden_size: units of the recurrent cell.
        delta_order: 0, 1 or 2, the difference the head predicts (see above; 0: the value itself).
        scaled_loss: measure every stage's loss in units of ``delta_scale``.
        warmup: steps of each training chunk that only set up the state.
        chunk: time steps per training chunk.
        batch_size: chunks per Adam step, and the L-BFGS batch.
        adam_steps, lr: stage 1.
        lbfgs_steps, lbfgs_patience: stage 2 (``lbfgs_steps=0`` skips it).
        validation_start: the cut in time between fitting and validation.
        rollout, rollout_steps, rollout_patience, rollout_warmup: stage 3 (``rollout=0`` skips it).
        stable_until: the time index a validated free run must stay bounded to.
        reference_period: if set, the period ``warmup`` is meant for (see :meth:`for_period`);
            called on series, the settings are then stretched for the period
            :func:`estimate_period` measures in the values before the cut.
            ``None`` (the default) uses the lengths as given at every period.
    """

    hidden_size: int = 32
    delta_order: int = 2
    scaled_loss: bool = True
    warmup: int = 40
    chunk: int = 120
    batch_size: int = 32
    adam_steps: int = 150
    lr: float = 5e-3
    lbfgs_steps: int = 8
    lbfgs_patience: int | None = 2
    validation_start: int = 800
    rollout: int = 200
    rollout_steps: int = 6
    rollout_patience: int | None = 2
    rollout_warmup: int = 200
    stable_until: int = 2000
    reference_period: float | None = None

    def for_period(self, period: float) -> ForecastSettings:
        """The settings for series of ``period`` samples per radian.

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

    def __call__(self, series: Tensor) -> Recipe:
        check_tensor("series", series, ndim=2, layout="(n_series, T)")
        if not self.warmup + 1 < self.chunk <= self.validation_start:
            raise ValueError(f"the recipe needs warmup + 1 < chunk <= validation_start, got {self}")
        # Validation needs values after the cut.
        check_int("validation_start", self.validation_start, maximum=series.shape[1] - 1)
        if self.reference_period is not None:
            # The lengths follow the period measured in the data the recipe fits, not a label.
            measured = estimate_period(series[:, : self.validation_start])
            return replace(self.for_period(measured), reference_period=None)(series)
        cut, per_step = self.validation_start, PerStep(self.warmup)
        order = check_int("delta_order", self.delta_order, minimum=0, maximum=2)
        delta_scale = difference_spread(series[:, :cut], order)
        if not delta_scale > 0:
            raise ValueError(f"the training series must vary (their differences of order {order} are all zero)")
        loss = ScaledMSE(delta_scale) if self.scaled_loss else None

        def chunks(part: Tensor) -> tuple[Tensor, Tensor]:
            return teacher_forcing_pairs(part, self.chunk, self.warmup, stride=5)

        def later_chunks(whole: Tensor) -> tuple[Tensor, Tensor]:
            # A chunk's first scored target is warmup + 1 steps after its start: starting
            # the chunks that far before the cut scores only values from the cut on.
            later = whole[:, cut - self.warmup - 1 :]
            x, y = teacher_forcing_pairs(later, self.chunk, self.warmup, stride=self.chunk)
            return x[: 2 * self.batch_size], y[: 2 * self.batch_size]

        stages = [Stage(self.lr, self.adam_steps, chunks, per_step, schedule="onecycle",
                        batch_size=self.batch_size, sample=self.adam_steps * self.batch_size, clip=1.0, loss_fn=loss)]
        if self.lbfgs_steps:
            stages.append(Stage(1.0, self.lbfgs_steps, chunks, per_step, optimizer="lbfgs", sample=self.batch_size,
                                validation=Validation(later_chunks, patience=self.lbfgs_patience), loss_fn=loss))
        if self.rollout:
            def rollouts(part: Tensor) -> tuple[Tensor, Tensor]:
                return rollout_pairs(part, self.rollout_warmup, self.rollout, stride=self.rollout)

            # Validate as the test scores: each series free-runs from everything before the cut.
            free_run = StableRollout(series.shape[1] - cut, 2 * float(series.abs().max()),
                                     checked=self.stable_until - cut)
            stages.append(Stage(
                1.0, self.rollout_steps, rollouts, Rollout(self.rollout), optimizer="lbfgs", sample=self.batch_size,
                validation=Validation(lambda whole: (whole[:, :cut, None], whole[:, cut:]), free_run,
                                      self.rollout_patience),
                loss_fn=loss,
            ))
        model = {"hidden_size": self.hidden_size, "delta_scale": delta_scale, "delta_order": order}
        return Recipe(model, stages, cut,
                      closed_form={"linear": least_squares_predictor(2)})
