"""Experiments as data: the settings a reader can change, and what one run of them gives.

The playground (:mod:`sine_lab.studies.widgets`) only reads its controls into a
:class:`Settings`, calls :func:`run_experiment`, :func:`evaluate` and
:func:`gradient_flow`, and draws what they return; everything here is plain
functions on tensors, so tests and notebooks can check it without a browser.

Three framings:

- ``"article"``: the article's setup. ``t = linspace(0, 10, 1000)`` is one sequence of
  1000 steps, the model answers one number (from the last step) and ``MSELoss``
  broadcasts it against all 1000 values of ``sin t``, exactly as
  ``ArticleSimpleRNN``/``ArticleLSTM`` do (with the same weights for the same seed).
  Period, noise, recipe and horizon do not apply: the data are the article's.
- ``"windows"``: one series ``sin(n / period)`` (+ noise), ``n = 0 .. 999``; the model
  sees ``window`` past values and predicts the next one, trained full batch with
  Adam for ``epochs`` epochs. At ``period = 99.9`` this is the article's data.
- ``"recipe"``: the forecasting recipe of :mod:`sine_lab.forecasting`
  (:class:`~sine_lab.forecasting.ForecastSettings`, sized down to train in seconds)
  on :data:`RECIPE_SERIES` series of the wave with random phases: Adam and L-BFGS on
  teacher-forced chunks, then (``recipe="rollout"``) L-BFGS on free runs. The model is
  the cell plus its head on a fixed residual of order ``delta_order``
  (:data:`HEADS`: 0, the head predicts the value itself (the bare cell); 1, the change; 2, the curvature).

The windows and recipe framings are scored on the noise-free wave: one step ahead
from true values, and a free-running forecast of ``horizon`` steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..arguments import check_choice, check_float, check_int
from ..baselines import BASELINES, PARAMETER_FREE, free_run
from ..callbacks import Callback
from ..data import article_data, make_windows
from ..diagnostics import (
    fit_decay_rate,
    jacobian_norms_vs_lag,
    recurrent_weights,
    scale_recurrent_weights,
    spectral_radius,
)
from ..forecasting import ForecastSettings, Stage, fit, least_squares_predictor
from ..models import (
    MODEL_KINDS,
    build_model,
    forecast,
    has_recurrent_layer,
    init_orthogonal_recurrent,
)
from ..objectives import Rollout
from ..training import History, seed_everything

__all__ = [
    "FRAMINGS",
    "HEADS",
    "PRESETS",
    "RECIPES",
    "RECURRENT_INITS",
    "Evaluation",
    "Experiment",
    "GradientFlow",
    "Run",
    "Settings",
    "StopRequested",
    "Watch",
    "baseline_forecasts",
    "cycle_horizon",
    "evaluate",
    "gradient_flow",
    "gradient_regime",
    "playground_kinds",
    "prepare",
    "recipe_settings",
    "run_experiment",
]

FRAMINGS = ("article", "windows", "recipe")
# "teacher_forcing": the recipe's Adam and L-BFGS stages on true past values only;
# "rollout": then L-BFGS on the model's own free runs (chapter 07's fix for drift).
RECIPES = ("teacher_forcing", "rollout")
# The recipe's head, by the order of its fixed residual (sine_lab.stepwise.Residual): what the
# head predicts on top of the last input (1) or of the line through the last two inputs (2).
HEADS = {2: "curvature", 1: "change", 0: "value (bare cell)"}
# "default": PyTorch's uniform initialisation; "orthogonal": every gate's W_hh block
# orthogonal; "irnn": a ReLU RNN with W_hh = I (Le et al. 2015), for the rnn cell only.
RECURRENT_INITS = ("default", "orthogonal", "irnn")
# Samples per radian the period control allows: the range the benchmark sweeps.
PERIOD_RANGE = (5.0, 100.0)
SERIES_LENGTH = 1000
# The recipe framing: training series, their length and the cut between fitting and
# validation; the test series free-runs from its first RECIPE_CONTEXT values.
RECIPE_SERIES = 24
RECIPE_LENGTH = 700
RECIPE_CUT = 560
RECIPE_CONTEXT = 600
# Sequences and steps the gradient-against-lag curve of a trained model averages over.
LAG_BATCH = 16
LAG_STEPS = 60
# Gradient regimes by the fitted change of ‖∂h_T/∂h_{T-k}‖ per step of lag (chapter 06's
# "×0.30 per step, tenfold every 1.9 steps"): shrinking faster than ×0.9 per step (tenfold
# in fewer than 22 steps) is vanishing, growing faster than ×1/0.9 exploding.
VANISHING_FACTOR = 0.9
EXPLODING_FACTOR = 1 / VANISHING_FACTOR


def playground_kinds() -> tuple[str, ...]:
    """The registered kinds of model the playground offers: those that take ``hidden_size``,
    which its size control sets (read from :data:`~sine_lab.models.MODEL_KINDS` when called,
    so a kind registered later is offered too)."""
    return tuple(name for name, kind in MODEL_KINDS.items() if "hidden_size" in kind.arguments)


@dataclass(frozen=True)
class Settings:
    """Everything one playground run depends on; invalid values raise on creation.

    Attributes:
        framing: one of :data:`FRAMINGS` (see the module docstring).
        cell: a kind of model from :func:`playground_kinds`; the recipe framing needs a
            kind with a residual head (``delta_scale``).
        hidden_size: units per layer, 1..512.
        num_layers: stacked layers, 1..4 (1 for a kind without ``num_layers``, and in the
            recipe framing, whose model has one layer).
        lr: Adam's learning rate (the recipe's one-cycle peak), in (0, 10].
        window: past values per input (windows framing only), 2..200.
        epochs: full-batch epochs (article, windows) or the recipe's Adam steps, 1..10000.
        clip_grad_norm: the gradient-norm clip (article, windows), or ``None``; the
            recipe clips its Adam stage at 1 always.
        init: recurrent initialisation (article, windows), one of :data:`RECURRENT_INITS`;
            ``"irnn"`` needs ``cell="rnn"``.
        seed: seeds the data's phases and noise, the weights and training.
        period: samples per radian of the wave (windows, recipe), in :data:`PERIOD_RANGE`
            (windows also allows the article's 99.9).
        noise: standard deviation of Gaussian noise on the training values, 0..0.5.
        recipe: one of :data:`RECIPES` (recipe framing).
        horizon: steps of the free-running forecast, 10..2000.
        delta_order: the recipe's head (recipe framing), a key of :data:`HEADS`: 2 (the
            default) predicts the curvature, output ``2 x[n] - x[n-1] + scale * head``;
            1 predicts the change, output ``x[n] + scale * head``; 0 is the bare cell, output
            ``scale * head`` (the value itself, nothing fixed added).
        scaled_loss: the recipe's losses in units of the head's scale
            (:class:`~sine_lab.objectives.ScaledMSE`), or the raw MSE (recipe framing).
    """

    framing: str = "recipe"
    cell: str = "rnn"
    hidden_size: int = 16
    num_layers: int = 1
    lr: float = 0.005
    window: int = 20
    epochs: int = 150
    clip_grad_norm: float | None = None
    init: str = "default"
    seed: int = 0
    period: float = 20.0
    noise: float = 0.0
    recipe: str = "rollout"
    horizon: int = 300
    delta_order: int = 2
    scaled_loss: bool = True

    def __post_init__(self) -> None:
        check_choice("framing", self.framing, FRAMINGS)
        check_choice("cell", self.cell, playground_kinds())
        check_int("hidden_size", self.hidden_size, minimum=1, maximum=512)
        check_int("num_layers", self.num_layers, minimum=1, maximum=4)
        arguments = MODEL_KINDS[self.cell].arguments
        if self.num_layers != 1 and "num_layers" not in arguments:
            raise ValueError(
                f"the kind {self.cell!r} has no num_layers (it takes {', '.join(arguments)}); "
                f"set layers to 1, got {self.num_layers}"
            )
        check_float("lr", self.lr, minimum=0.0, maximum=10.0, exclusive_minimum=True)
        check_int("window", self.window, minimum=2, maximum=200)
        check_int("epochs", self.epochs, minimum=1, maximum=10_000)
        if self.clip_grad_norm is not None:
            check_float("clip_grad_norm", self.clip_grad_norm, minimum=0.0, exclusive_minimum=True)
        check_choice("init", self.init, RECURRENT_INITS)
        check_int("seed", self.seed, minimum=0)
        check_float("period", self.period, minimum=PERIOD_RANGE[0], maximum=PERIOD_RANGE[1])
        check_float("noise", self.noise, minimum=0.0, maximum=0.5)
        check_choice("recipe", self.recipe, RECIPES)
        check_int("horizon", self.horizon, minimum=10, maximum=2000)
        check_int("delta_order", self.delta_order, minimum=min(HEADS), maximum=max(HEADS))
        if not isinstance(self.scaled_loss, bool):
            raise TypeError(f"scaled_loss must be True or False, got {type(self.scaled_loss).__name__} "
                            f"{self.scaled_loss!r}")
        if self.init == "irnn" and self.cell != "rnn":
            raise ValueError(
                f"the irnn initialisation is a ReLU RNN with W_hh = I, so it needs cell 'rnn'; got "
                f"cell={self.cell!r}: choose init 'orthogonal' or 'default' for gated cells"
            )
        if self.framing == "recipe":
            if "delta_scale" not in arguments or "delta_order" not in arguments:
                raise ValueError(
                    f"the recipe framing needs a kind with a residual head (delta_scale, delta_order); "
                    f"{self.cell!r} takes {', '.join(arguments)}: choose the windows framing for it"
                )
            if self.num_layers != 1 or self.init != "default":
                raise ValueError(
                    f"the recipe framing builds a one-layer model with PyTorch's initialisation; got "
                    f"num_layers={self.num_layers}, init={self.init!r}"
                )

    @property
    def stage(self) -> Stage:
        """How the article and windows framings train: full-batch Adam for ``epochs``, clipped if asked."""
        return Stage(self.lr, epochs=self.epochs, clip=self.clip_grad_norm)

    @property
    def label(self) -> str:
        """A short legend entry naming the settings, e.g.
        ``"recipe+rollout P=20 rnn 16x1 curvature head lr=0.005 seed=0"`` (the recipe's
        head always, its loss when it is the raw MSE)."""
        if self.framing == "article":
            parts = ["article t→sin t"]
        else:
            data = f"P={self.period:g}" + (f" noise={self.noise:g}" if self.noise else "")
            framing = f"windows W={self.window}" if self.framing == "windows" else f"recipe+{self.recipe}"
            parts = [framing, data]
        parts.append(f"{self.cell} {self.hidden_size}x{self.num_layers}")
        if self.framing == "recipe":
            parts.append(f"{HEADS[self.delta_order]} head" + ("" if self.scaled_loss else " raw MSE"))
        parts.append(f"lr={self.lr:.3g}")
        if self.clip_grad_norm is not None and self.framing != "recipe":
            parts.append(f"clip={self.clip_grad_norm:g}")
        if self.init != "default":
            parts.append(f"init={self.init}")
        parts.append(f"seed={self.seed}")
        return " ".join(parts)


# The series' key experiments, one click each (tests/test_experiments.py checks what each shows).
PRESETS: dict[str, Settings] = {
    "the fix: the forecasting recipe (default)": Settings(),
    "the article: t → sin t, one output": Settings(framing="article", cell="rnn", hidden_size=10, lr=0.01,
                                                    epochs=100),
    "the first fix: windows of the article's data": Settings(framing="windows", cell="rnn", hidden_size=16,
                                                             lr=0.01, epochs=150, window=20, period=99.9,
                                                             clip_grad_norm=None),
    "teacher forcing only: enough with the curvature head": Settings(recipe="teacher_forcing"),
    "a slow wave: 80 samples per radian": Settings(period=80.0),
    "the first-order head on a slow wave": Settings(period=80.0, delta_order=1),
    "the raw MSE on a slow wave (teacher forcing only)": Settings(period=80.0, scaled_loss=False,
                                                                  recipe="teacher_forcing"),
    "noisy training data": Settings(noise=0.05),
    "too large a learning rate": Settings(framing="windows", cell="rnn", hidden_size=16, lr=1.0, epochs=60,
                                          window=20),
}


def recipe_settings(settings: Settings) -> ForecastSettings:
    """The :class:`~sine_lab.forecasting.ForecastSettings` the recipe framing runs: the
    standard recipe sized down to train in seconds (16 chunks per batch, shorter
    rollouts), with the head (``delta_order``) and loss (``scaled_loss``) of ``settings``.

    The lengths are the same at every period, as in the standard recipe: its warm-up is
    not stretched for slow waves (``reference_period`` stays ``None``); unstretched, the
    standard recipe meets the error targets up to 100 samples per radian
    (``sine_lab/studies/results/sweep_periods.txt``), and stretching would lengthen every chunk,
    and with it the training time.
    """
    rollout = 100 if settings.recipe == "rollout" else 0
    return ForecastSettings(
        hidden_size=settings.hidden_size, adam_steps=settings.epochs, lr=settings.lr, batch_size=16,
        lbfgs_steps=6, validation_start=RECIPE_CUT, rollout=rollout, rollout_steps=4, rollout_warmup=100,
        stable_until=RECIPE_LENGTH, delta_order=settings.delta_order, scaled_loss=settings.scaled_loss,
    )


@dataclass
class Experiment:
    """A model and the data it trains on, as :func:`prepare` builds them.

    Attributes:
        settings: what was asked for.
        model: article, windows: a fresh model of the kind ``settings.cell`` (trained in
            place by :func:`run_experiment`); recipe: ``None`` until trained (the recipe builds it).
        inputs: article: ``t`` as ``(1, 1000, 1)``; windows: ``(N, window, 1)``;
            recipe: the training series ``(RECIPE_SERIES, RECIPE_LENGTH)``.
        targets: article: ``sin t`` as ``(1000, 1)`` (the prediction ``(1, 1)`` is broadcast
            against it, as in the article); windows: ``(N, 1)``; recipe: the same as ``inputs``.
        times: times in radians of the scored series, ``(T,)``.
        clean: the noise-free wave at ``times``, ``(T,)``: article and windows, the
            series trained on; recipe, the held-out test series.
        observed: how many values of ``clean`` the model sees before its free run.
    """

    settings: Settings
    model: nn.Module | None
    inputs: Tensor
    targets: Tensor
    times: Tensor
    clean: Tensor
    observed: int

    @property
    def constant_floor(self) -> float:
        """The lowest loss any constant prediction can reach: the variance of the targets."""
        return float(self.targets.var(unbiased=False))

    def future(self, steps: int) -> tuple[Tensor, Tensor]:
        """Times ``(steps,)`` and noise-free values ``(steps,)`` of the ``steps`` samples after the observed ones."""
        times = self.times.double()
        t = times[self.observed - 1] + (times[1] - times[0]) * torch.arange(1, steps + 1, dtype=torch.float64)
        return t, torch.sin(t).float()


@dataclass
class Run:
    """One trained experiment: its :class:`Experiment` (model now trained) and :class:`History`
    (the recipe's stages joined: each stage's epochs in turn).

    ``stages`` names each finished stage of a recipe run and counts its epochs, e.g.
    ``(("Adam on true values", 1), ("L-BFGS on true values", 5), ("L-BFGS on free runs", 3))``;
    the stages score different things (one-step against free-running errors), so their
    losses are not comparable across a boundary. Empty for the other framings and for a
    stopped run.
    """

    experiment: Experiment
    history: History
    stages: tuple[tuple[str, int], ...] = ()

    @property
    def settings(self) -> Settings:
        return self.experiment.settings


@dataclass
class Evaluation:
    """What a trained model predicts, and how its gradients reach back in time.

    Attributes:
        t: times of the one-step predictions, ``(n,)``.
        truth: the noise-free wave there, ``(n,)``.
        one_step: each prediction made from true inputs, ``(n,)`` (article framing: the
            model's single number repeated).
        forecast_t: times of the free-running forecast, ``(horizon,)``, or ``None`` in the
            article framing, whose model answers one number and cannot run on its own outputs.
        forecast_truth: the wave at those times, or ``None``.
        forecast: the model fed its own predictions after the observed values, or ``None``.
        lag_norms: ``‖∂h_T/∂h_{T-k}‖`` for ``k = 0 .. seq-1``, mean over sequences, ``(seq,)``;
            ``None`` for a kind without a recurrent layer (no ``h_t`` to differentiate).
    """

    t: Tensor
    truth: Tensor
    one_step: Tensor
    forecast_t: Tensor | None
    forecast_truth: Tensor | None
    forecast: Tensor | None
    lag_norms: Tensor | None

    @property
    def one_step_mse(self) -> float:
        """Mean squared error of the one-step predictions."""
        return float(((self.one_step - self.truth) ** 2).mean())

    @property
    def forecast_mse(self) -> float | None:
        """Mean squared error of the free-running forecast (``None`` without one)."""
        if self.forecast is None or self.forecast_truth is None:
            return None
        return float(((self.forecast - self.forecast_truth) ** 2).mean())

    @property
    def regime(self) -> str | None:
        """:func:`gradient_regime` of :attr:`lag_norms` (``None`` without them)."""
        return None if self.lag_norms is None else gradient_regime(self.lag_norms)


@dataclass
class GradientFlow:
    """How far back the gradient reaches in an untrained model with scaled recurrent weights.

    Attributes:
        lag_norms: ``‖∂h_T/∂h_{T-k}‖`` for ``k = 0 .. seq-1``, ``(seq,)``.
        spectral_radius: of the scaled ``weight_hh_l0`` (gated cells: the largest
            over its per-gate ``(hidden, hidden)`` blocks).
        regime: ``"vanishing"``, ``"exploding"`` or ``"stable"`` (:func:`gradient_regime`).
    """

    lag_norms: Tensor
    spectral_radius: float
    regime: str


def _wave(settings: Settings, n_series: int, length: int) -> tuple[Tensor, Tensor]:
    """``(n_series, length)`` phases ``(n + shift) / period`` in radians (float64), the
    first row unshifted, and the noise-free waves ``sin`` of them (float32)."""
    generator = torch.Generator().manual_seed(settings.seed)
    shifts = torch.randint(-80, 80, (n_series,), generator=generator).double()
    shifts[0] = 0
    phases = (torch.arange(length, dtype=torch.float64)[None, :] + shifts[:, None]) / settings.period
    return phases, torch.sin(phases).float()


def _noisy(settings: Settings, clean: Tensor) -> Tensor:
    generator = torch.Generator().manual_seed(settings.seed + 1)
    return clean + settings.noise * torch.randn(clean.shape, generator=generator)


def prepare(settings: Settings) -> Experiment:
    """Seed, build the data of ``settings.framing`` and (article, windows) a fresh model."""
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    seed_everything(settings.seed)
    if settings.framing == "recipe":
        phases, clean = _wave(settings, RECIPE_SERIES + 1, RECIPE_LENGTH)
        # The last series is held out: the test the reader sees, noise-free.
        train_series = _noisy(settings, clean[:-1])
        return Experiment(settings, None, train_series, train_series, phases[-1], clean[-1],
                          RECIPE_CONTEXT)
    if settings.framing == "article":
        times_2d, values_2d = article_data()
        times, series = times_2d.reshape(-1), values_2d.reshape(-1)
        inputs, targets, clean = times_2d.reshape(1, -1, 1), values_2d, series
    else:
        phases, waves = _wave(settings, 1, SERIES_LENGTH)
        times, clean = phases[0], waves[0]
        inputs, targets = make_windows(_noisy(settings, clean), settings.window, horizon=1)
    sizes = {"hidden_size": settings.hidden_size}
    if "num_layers" in MODEL_KINDS[settings.cell].arguments:
        sizes["num_layers"] = settings.num_layers
    model = build_model("irnn" if settings.init == "irnn" else settings.cell, **sizes)
    if settings.init == "orthogonal":
        init_orthogonal_recurrent(model)
    return Experiment(settings, model, inputs, targets, times, clean, times.numel())


class StopRequested(Exception):
    """Raised by :class:`Watch` inside a training step to end the run at once."""


class Watch(Callback):
    """Report progress after every optimizer step (counted across a recipe's stages) and
    each epoch's loss; stop within one step when ``report`` returns ``False``.

    ``report(step, loss)``: ``loss`` is ``None`` after a step and the epoch's loss at an
    epoch's end. Stopping raises :class:`StopRequested` from inside the step, since an
    epoch of the recipe's stages can last seconds (150 Adam steps, or one L-BFGS step of
    up to 20 evaluations).
    """

    order = 65

    def __init__(self, report: Callable[[int, float | None], bool | None]) -> None:
        if not callable(report):
            raise TypeError(f"report must be callable as report(step, loss), got {type(report).__name__}")
        self.report, self.steps, self._stage_step = report, 0, 0

    def on_train_begin(self, state) -> None:
        self._stage_step = 0

    def after_backward(self, state) -> None:
        # L-BFGS re-evaluates its closure within a step: count the step once, check every time.
        if state.step != self._stage_step:
            self._stage_step = state.step
            self.steps += 1
        if self.report(self.steps, None) is False:
            raise StopRequested(f"Stopped by the caller after step {self.steps}.")

    def on_epoch_end(self, state) -> None:
        if self.report(self.steps, state.history.final_loss) is False:
            raise StopRequested(f"Stopped by the caller after step {self.steps}.")


def _joined(histories: list[History]) -> History:
    """The stages' histories as one: losses in turn, warnings once each, the last stage's
    reason and every stage's message."""
    joined = History()
    for history in histories:
        joined.loss += history.loss
        joined.warnings += [w for w in history.warnings if w not in joined.warnings]
    if histories:
        joined.stop_reason = histories[-1].stop_reason
        joined.message = " ".join(f"Stage {i}: {h.message}" for i, h in enumerate(histories, start=1))
    else:
        joined.message = "Solved in closed form (least squares): no training steps."
    return joined


def run_experiment(settings: Settings, *,
                   callback: Callable[[int, float | None], bool | None] | None = None) -> Run:
    """Prepare ``settings`` and train: full-batch Adam (:attr:`Settings.stage`) in the
    article and windows framings, the forecasting recipe (:func:`recipe_settings`) in the
    recipe framing.

    Args:
        settings: what to run.
        callback: ``callback(step, loss)`` as :class:`Watch` calls it; returning ``False``
            stops training within a step (the playground's Stop button). A stopped run's
            history has ``stop_reason == "stopped"`` and the losses of its finished epochs.
    """
    experiment = prepare(settings)
    losses: list[float] = []
    stages: tuple[tuple[str, int], ...] = ()

    def report(step: int, loss: float | None) -> bool | None:
        if loss is not None:
            losses.append(loss)
        return None if callback is None else callback(step, loss)

    watch = Watch(report)
    try:
        if settings.framing == "recipe":
            recipe = recipe_settings(settings)(experiment.inputs)
            model, histories = fit(settings.cell, experiment.inputs, recipe, seed=settings.seed, callbacks=[watch])
            experiment.model, history = model, _joined(histories)
            # A kind solved in closed form (linear) runs no stage.
            stages = tuple((_stage_name(stage), h.epochs) for stage, h in zip(recipe.stages, histories, strict=True)
                           ) if histories else ()
        else:
            history = settings.stage.train(experiment.model, experiment.inputs, experiment.targets,
                                           seed=settings.seed, callbacks=[watch])
    except StopRequested as stop:
        if experiment.model is None:  # the recipe builds its model inside fit: rebuild it to show
            experiment.model = build_model(settings.cell, hidden_size=settings.hidden_size)
        history = History(loss=losses, stop_reason="stopped", message=str(stop))
    experiment.model.eval()
    return Run(experiment, history, stages)


def _stage_name(stage: Stage) -> str:
    optimizer = {"adam": "Adam", "lbfgs": "L-BFGS"}.get(stage.optimizer, stage.optimizer)
    return f"{optimizer} on {'free runs' if isinstance(stage.objective, Rollout) else 'true values'}"


def evaluate(run: Run, *, horizon: int | None = None) -> Evaluation:
    """One-step predictions over the scored series, a free-running forecast of
    ``horizon`` steps after it (windows, recipe; default ``settings.horizon``, else
    10..2000, as the control allows) and the trained model's gradient norm against lag."""
    if not isinstance(run, Run):
        raise TypeError(f"run must be a Run, got {type(run).__name__}")
    experiment, settings = run.experiment, run.settings
    horizon = settings.horizon if horizon is None else check_int("horizon", horizon, minimum=10, maximum=2000)
    model = experiment.model
    if settings.framing == "article":
        with torch.no_grad():
            prediction = model(experiment.inputs).reshape(-1)
        return Evaluation(experiment.times, experiment.clean, prediction.expand(experiment.times.numel()),
                          None, None, None, _lag_norms(model, experiment.inputs))
    if settings.framing == "windows":
        with torch.no_grad():
            one_step = model(experiment.inputs).reshape(-1)
        t, truth = experiment.times[settings.window :], experiment.clean[settings.window :]
        context = experiment.inputs[-1:]  # the last window ends one before the last value
        context = torch.cat([context[:, 1:], experiment.targets[-1:].reshape(1, 1, 1)], dim=1)
        sample = experiment.inputs[:: max(1, experiment.inputs.shape[0] // LAG_BATCH)][:LAG_BATCH]
    else:
        seen = experiment.clean[: experiment.observed]
        with torch.no_grad():
            outputs, _ = model.run(seen[None, :-1, None])
        # The first outputs come from a state that has seen few values: score after the recipe's warm-up.
        warmup = recipe_settings(settings).warmup
        one_step = outputs[0, warmup:, 0]
        t, truth = experiment.times[warmup + 1 : experiment.observed], seen[warmup + 1 :]
        context = seen.reshape(1, -1, 1)
        starts = torch.linspace(0, RECIPE_LENGTH - LAG_STEPS, LAG_BATCH).long()
        sample = torch.stack([experiment.inputs[i % RECIPE_SERIES, s : s + LAG_STEPS] for i, s in
                              enumerate(starts.tolist())])[..., None]
    forecast_t, forecast_truth = experiment.future(horizon)
    with torch.no_grad():
        free_running = forecast(model, context, horizon).reshape(-1)
    return Evaluation(t, truth, one_step, forecast_t, forecast_truth, free_running, _lag_norms(model, sample))


def cycle_horizon(cycles: float, period: float) -> int:
    """Steps in ``cycles`` cycles of a wave of ``period`` samples per radian (``2π · period`` each),
    rounded: free runs at different periods are compared over equal cycles, not equal steps."""
    check_float("cycles", cycles, minimum=0.0, exclusive_minimum=True)
    check_float("period", period, minimum=0.0, exclusive_minimum=True)
    return round(cycles * 2 * math.pi * period)


def baseline_forecasts(run: Run, *, horizon: int | None = None) -> dict[str, float]:
    """The free-running MSE of each baseline of :mod:`sine_lab.baselines` on the forecast that
    :func:`evaluate` scores: the same context, the same ``horizon`` steps, the same noise-free truth.

    The ``recurrence`` (the 2-tap ``a s[n] + b s[n-1]``) is fitted by least squares to the run's
    training values (recipe: each series before the recipe's cut; windows: the one series) and run
    as the benchmark runs it (:func:`~sine_lab.forecasting.least_squares_predictor`: a float32 model
    holding its small correction to ``2 s[n] - s[n-1]``), so it rounds as the trained models do.
    Windows and recipe framings only (the article's model cannot run free).
    """
    if not isinstance(run, Run):
        raise TypeError(f"run must be a Run, got {type(run).__name__}")
    experiment, settings = run.experiment, run.settings
    if settings.framing == "article":
        raise ValueError("the article framing has no free-running forecast to compare baselines with")
    horizon = settings.horizon if horizon is None else check_int("horizon", horizon, minimum=10, maximum=2000)
    if settings.framing == "windows":
        fitted_on = torch.cat([experiment.inputs[0, :, 0], experiment.targets[:, 0]])[None]
        context = torch.cat([experiment.inputs[-1, 1:, 0], experiment.targets[-1]])[None]
    else:
        fitted_on, context = experiment.inputs[:, :RECIPE_CUT], experiment.clean[None, : experiment.observed]
    _, truth = experiment.future(horizon)
    runs = free_run(context, horizon, names=PARAMETER_FREE)
    with torch.no_grad():
        runs["recurrence"] = forecast(least_squares_predictor(2)(fitted_on).eval(), context[..., None], horizon)
    return {name: float(((runs[name].reshape(-1) - truth) ** 2).mean()) for name in BASELINES}


def _lag_norms(model: nn.Module, x: Tensor) -> Tensor | None:
    # A kind without a recurrent layer (attention, an MLP on a window) has no h_t to differentiate.
    return jacobian_norms_vs_lag(model, x) if has_recurrent_layer(model) else None


def gradient_regime(lag_norms: Tensor) -> str:
    """Name the regime of a ``‖∂h_T/∂h_{T-k}‖``-against-``k`` curve, ``(seq,)`` with ``seq >= 2``.

    The curve's change per step of lag is fitted from lag 1 on
    (:func:`~sine_lab.diagnostics.fit_decay_rate`, a least-squares line through the
    log-norms): shrinking faster than :data:`VANISHING_FACTOR` per step is
    ``"vanishing"``, growing faster than :data:`EXPLODING_FACTOR` per step
    ``"exploding"``, anything between ``"stable"``. The rate per step does not depend
    on how many lags were measured. A norm that is infinite or NaN is exploding; a
    gradient that has reached exactly zero (every lag from 1, or the curve's end) has
    vanished.
    """
    if not isinstance(lag_norms, Tensor) or lag_norms.dim() != 1 or lag_norms.numel() < 2:
        raise ValueError(f"lag_norms must be a 1-D tensor with at least 2 lags, got {lag_norms!r}")
    later = lag_norms[1:].detach().double()
    if not bool(torch.isfinite(later).all()):
        return "exploding"
    if float(later[-1]) == 0.0:
        return "vanishing"
    if later.numel() < 2:  # one lag: its size against lag 0, the identity's norm
        factor = float(later[0] / lag_norms[0]) if float(lag_norms[0]) > 0 else math.inf
    else:
        factor = math.exp(-fit_decay_rate(lag_norms, floor=0.0).rate)
    if factor < VANISHING_FACTOR:
        return "vanishing"
    if factor > EXPLODING_FACTOR:
        return "exploding"
    return "stable"


def gradient_flow(
    cell: str, hidden_size: int, factor: float, *, seq_len: int = 100, seed: int = 0
) -> GradientFlow:
    """Scale a fresh model's recurrent weights by ``factor`` and measure the gradient against lag.

    The input is ``seq_len`` samples of the article's ``sin t``, ``(1, seq_len, 1)``.

    Args:
        cell: a kind from :func:`playground_kinds` with a recurrent layer (``"rnn"``,
            ``"lstm"``, ``"gru"``, ...); one without is a ``TypeError`` naming it.
        hidden_size: units, 1..512.
        factor: multiplies every ``weight_hh_l*``, > 0.
        seq_len: steps to look back over, >= 2.
        seed: seeds the model's initial weights.
    """
    check_choice("cell", cell, playground_kinds())
    check_int("hidden_size", hidden_size, minimum=1, maximum=512)
    check_float("factor", factor, minimum=0.0, exclusive_minimum=True)
    seq_len = check_int("seq_len", seq_len, minimum=2, maximum=1000)
    seed_everything(check_int("seed", seed, minimum=0))
    model = build_model(cell, hidden_size=hidden_size)
    scale_recurrent_weights(model, factor)  # a kind without a recurrent layer: a TypeError naming it
    x = article_data()[1][:seq_len].reshape(1, seq_len, 1)
    norms = jacobian_norms_vs_lag(model, x)
    # LSTM and GRU stack one (hidden, hidden) block per gate; report the largest block's radius.
    radius = max(spectral_radius(block) for block in recurrent_weights(model)["weight_hh_l0"].split(hidden_size))
    return GradientFlow(norms, radius, gradient_regime(norms))
