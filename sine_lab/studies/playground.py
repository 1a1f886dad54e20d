"""Experiments as data: the settings a reader can change, and what one run of them gives.

The playground (:mod:`sine_lab.studies.widgets`) only reads its controls into a
:class:`Settings`, calls :func:`run_experiment`, :func:`evaluate` and
:func:`gradient_flow`, and draws what they return; everything here is plain
functions on tensors, so tests and notebooks can check it without a browser.

Both framings use the article's data, ``t = linspace(0, 10, 1000)`` and
``sin t``, so that switching the framing is the only change:

- ``"article"``: the article's setup. The whole of ``t`` is one sequence of
  1000 steps, the model answers one number (from the last step) and
  ``MSELoss`` broadcasts it against all 1000 targets, exactly as
  ``ArticleSimpleRNN``/``ArticleLSTM`` do (with the same weights for the same seed).
- ``"windows"``: the model sees ``window`` past values of ``sin t`` and
  predicts the next one, for every position along the series.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from ..data import article_data, make_windows
from ..diagnostics import jacobian_norms_vs_lag, scale_recurrent_weights, spectral_radius
from ..models import SequenceModel, forecast, identity_relu_rnn, init_orthogonal_recurrent
from ..callbacks import ClipGradNorm, OnEpochEnd
from ..training import History, seed_everything, train
from ..arguments import check_choice, check_float, check_int

__all__ = [
    "FRAMINGS",
    "PLAYGROUND_CELLS",
    "RECURRENT_INITS",
    "Settings",
    "Experiment",
    "Run",
    "Evaluation",
    "GradientFlow",
    "prepare",
    "run_experiment",
    "evaluate",
    "gradient_flow",
    "gradient_regime",
]

FRAMINGS = ("article", "windows")
PLAYGROUND_CELLS = ("rnn", "lstm", "gru")
# "default": PyTorch's uniform initialisation; "orthogonal": every gate's W_hh block
# orthogonal; "irnn": a ReLU RNN with W_hh = I (Le et al. 2015), for the rnn cell only.
RECURRENT_INITS = ("default", "orthogonal", "irnn")
# How far past t = 10 the free-running forecast goes, in samples (about 3 radians).
FORECAST_STEPS = 300
# Sequences the gradient diagnostics average over (windows framing).
LAG_BATCH = 16
# Below / above these ratios ‖∂h_T/∂h_{T-k}‖ / ‖∂h_T/∂h_{T-1}‖ at the largest lag
# the gradient counts as vanished / exploded.
VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3


@dataclass(frozen=True)
class Settings:
    """Everything one playground run depends on; invalid values raise on creation.

    Attributes:
        framing: ``"article"`` or ``"windows"`` (see the module docstring).
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        hidden_size: units per layer, 1..512.
        num_layers: stacked layers, 1..4.
        lr: Adam's learning rate, in (0, 10].
        window: past values per input (windows framing only), 2..200.
        epochs: full-batch training epochs, 1..10000.
        clip_grad_norm: the gradient-norm clip, or ``None`` for no clipping.
        init: recurrent initialisation, one of :data:`RECURRENT_INITS`; ``"irnn"``
            needs ``cell="rnn"``.
        seed: seeds the weights and training.
    """

    framing: str = "windows"
    cell: str = "rnn"
    hidden_size: int = 16
    num_layers: int = 1
    lr: float = 0.01
    window: int = 20
    epochs: int = 150
    clip_grad_norm: float | None = None
    init: str = "default"
    seed: int = 0

    def __post_init__(self) -> None:
        check_choice("framing", self.framing, FRAMINGS)
        check_choice("cell", self.cell, PLAYGROUND_CELLS)
        check_int("hidden_size", self.hidden_size, minimum=1, maximum=512)
        check_int("num_layers", self.num_layers, minimum=1, maximum=4)
        check_float("lr", self.lr, minimum=0.0, maximum=10.0, exclusive_minimum=True)
        check_int("window", self.window, minimum=2, maximum=200)
        check_int("epochs", self.epochs, minimum=1, maximum=10_000)
        if self.clip_grad_norm is not None:
            check_float("clip_grad_norm", self.clip_grad_norm, minimum=0.0, exclusive_minimum=True)
        check_choice("init", self.init, RECURRENT_INITS)
        check_int("seed", self.seed, minimum=0)
        if self.init == "irnn" and self.cell != "rnn":
            raise ValueError(
                f"the irnn initialisation is a ReLU RNN with W_hh = I, so it needs cell 'rnn'; got "
                f"cell={self.cell!r}: choose init 'orthogonal' or 'default' for gated cells"
            )

    @property
    def label(self) -> str:
        """A short legend entry naming the settings, e.g. ``"windows W=20 rnn 16x1 lr=0.01 seed=0"``."""
        framing = f"windows W={self.window}" if self.framing == "windows" else "article t→sin t"
        parts = [framing, f"{self.cell} {self.hidden_size}x{self.num_layers}", f"lr={self.lr:.3g}"]
        if self.clip_grad_norm is not None:
            parts.append(f"clip={self.clip_grad_norm:g}")
        if self.init != "default":
            parts.append(f"init={self.init}")
        parts.append(f"seed={self.seed}")
        return " ".join(parts)


@dataclass
class Experiment:
    """A model and the data it trains on, as :func:`prepare` builds them.

    Attributes:
        settings: what was asked for.
        model: the :class:`~sine_lab.models.SequenceModel` (fresh from :func:`prepare`,
            trained in place by :func:`run_experiment`).
        inputs: article: ``t`` as ``(1, 1000, 1)``; windows: ``(N, window, 1)``.
        targets: article: ``sin t`` as ``(1000, 1)`` (the prediction ``(1, 1)`` is
            broadcast against it, as in the article); windows: ``(N, 1)``.
        t: the times of the targets, ``(1000,)`` or ``(N,)``.
        series: ``sin t`` at all 1000 times, ``(1000,)``.
        times: all 1000 times, ``(1000,)``.
    """

    settings: Settings
    model: SequenceModel
    inputs: Tensor
    targets: Tensor
    t: Tensor
    series: Tensor
    times: Tensor

    @property
    def constant_floor(self) -> float:
        """The lowest loss any constant prediction can reach: the variance of the targets."""
        return float(self.targets.var(unbiased=False))


@dataclass
class Run:
    """One trained experiment: its :class:`Experiment` (model now trained) and :class:`History`."""

    experiment: Experiment
    history: History

    @property
    def settings(self) -> Settings:
        return self.experiment.settings


@dataclass
class Evaluation:
    """What a trained model predicts, and how its gradients reach back in time.

    Attributes:
        t: times of the one-step predictions, ``(n,)``.
        truth: ``sin t`` there, ``(n,)``.
        one_step: each prediction made from true inputs, ``(n,)`` (article
            framing: the model's single number repeated).
        forecast_t: times after ``t = 10`` for the free-running forecast,
            ``(FORECAST_STEPS,)``, or ``None`` in the article framing, whose model
            answers one number and cannot be run forward on its own outputs.
        forecast_truth: ``sin`` at those times, or ``None``.
        forecast: the model fed its own predictions from the last true window, or ``None``.
        lag_norms: ``‖∂h_T/∂h_{T-k}‖`` for ``k = 0 .. seq-1``, mean over sequences, ``(seq,)``.
    """

    t: Tensor
    truth: Tensor
    one_step: Tensor
    forecast_t: Tensor | None
    forecast_truth: Tensor | None
    forecast: Tensor | None
    lag_norms: Tensor

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
    def regime(self) -> str:
        """:func:`gradient_regime` of :attr:`lag_norms`."""
        return gradient_regime(self.lag_norms)


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


def prepare(settings: Settings) -> Experiment:
    """Seed, build the data of ``settings.framing`` and a fresh model (see the module docstring)."""
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a Settings, got {type(settings).__name__}")
    seed_everything(settings.seed)
    times_2d, values_2d = article_data()
    times, series = times_2d.reshape(-1), values_2d.reshape(-1)
    if settings.framing == "article":
        inputs, targets, t = times_2d.reshape(1, -1, 1), values_2d, times
    else:
        inputs, targets = make_windows(series, settings.window, horizon=1)
        t = times[settings.window :]
    if settings.init == "irnn":
        model = identity_relu_rnn(settings.hidden_size, num_layers=settings.num_layers)
    else:
        model = SequenceModel(settings.cell, 1, settings.hidden_size, 1, settings.num_layers)
        if settings.init == "orthogonal":
            init_orthogonal_recurrent(model)
    return Experiment(settings, model, inputs, targets, t, series, times)


def run_experiment(settings: Settings, *, callback: Callable[[int, float], bool | None] | None = None) -> Run:
    """Prepare ``settings`` and train it full-batch with :func:`~sine_lab.training.train`.

    Args:
        settings: what to run.
        callback: ``callback(epoch, loss)`` after every epoch
            (:class:`~sine_lab.callbacks.OnEpochEnd`); returning ``False`` stops
            training (the playground's Stop button).
    """
    experiment = prepare(settings)
    history = train(
        experiment.model,
        experiment.inputs,
        experiment.targets,
        epochs=settings.epochs,
        lr=settings.lr,
        seed=settings.seed,
        callbacks=[
            *([ClipGradNorm(settings.clip_grad_norm)] if settings.clip_grad_norm is not None else []),
            *([OnEpochEnd(callback)] if callback is not None else []),
        ],
    )
    return Run(experiment, history)


def evaluate(run: Run) -> Evaluation:
    """One-step predictions on ``[0, 10]``, a free-running forecast past ``t = 10``
    (windows framing) and the trained model's gradient norm against lag."""
    if not isinstance(run, Run):
        raise TypeError(f"run must be a Run, got {type(run).__name__}")
    experiment = run.experiment
    model = experiment.model
    with torch.no_grad():
        prediction = model(experiment.inputs).reshape(-1)
    if experiment.settings.framing == "article":
        one_step = prediction.expand(experiment.t.numel())
        return Evaluation(
            experiment.t, experiment.targets.reshape(-1), one_step, None, None, None,
            jacobian_norms_vs_lag(model, experiment.inputs),
        )
    window = experiment.settings.window
    step = float(experiment.times[1] - experiment.times[0])
    forecast_t = experiment.times[-1] + step * torch.arange(1, FORECAST_STEPS + 1, dtype=torch.float32)
    context = experiment.series[-window:].reshape(1, window, 1)
    with torch.no_grad():
        free_running = forecast(model, context, FORECAST_STEPS).reshape(-1)
    # Evenly spaced windows along the series, so the mean covers every phase of the wave.
    sample = experiment.inputs[:: max(1, experiment.inputs.shape[0] // LAG_BATCH)][:LAG_BATCH]
    return Evaluation(
        experiment.t, experiment.targets.reshape(-1), prediction, forecast_t, torch.sin(forecast_t),
        free_running, jacobian_norms_vs_lag(model, sample),
    )


def gradient_regime(lag_norms: Tensor) -> str:
    """Name the regime of a ``‖∂h_T/∂h_{T-k}‖``-against-``k`` curve, ``(seq,)`` with ``seq >= 2``.

    Compares the largest lag with lag 1: below :data:`VANISHING_RATIO` it is
    ``"vanishing"``, above :data:`EXPLODING_RATIO` ``"exploding"``, else ``"stable"``.
    """
    if not isinstance(lag_norms, Tensor) or lag_norms.dim() != 1 or lag_norms.numel() < 2:
        raise ValueError(f"lag_norms must be a 1-D tensor with at least 2 lags, got {lag_norms!r}")
    first, last = float(lag_norms[1]), float(lag_norms[-1])
    if not math.isfinite(last) or last > EXPLODING_RATIO * first:
        return "exploding"
    if last < VANISHING_RATIO * first:
        return "vanishing"
    return "stable"


def gradient_flow(
    cell: str, hidden_size: int, factor: float, *, seq_len: int = 100, seed: int = 0
) -> GradientFlow:
    """Scale a fresh model's recurrent weights by ``factor`` and measure the gradient against lag.

    The input is ``seq_len`` samples of the article's ``sin t``, ``(1, seq_len, 1)``.

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        hidden_size: units, 1..512.
        factor: multiplies every ``weight_hh_l*``, > 0.
        seq_len: steps to look back over, >= 2.
        seed: seeds the model's initial weights.
    """
    check_choice("cell", cell, PLAYGROUND_CELLS)
    check_int("hidden_size", hidden_size, minimum=1, maximum=512)
    check_float("factor", factor, minimum=0.0, exclusive_minimum=True)
    seq_len = check_int("seq_len", seq_len, minimum=2, maximum=1000)
    seed_everything(check_int("seed", seed, minimum=0))
    model = SequenceModel(cell, 1, hidden_size, 1, 1)
    scale_recurrent_weights(model, factor)
    x = article_data()[1][:seq_len].reshape(1, seq_len, 1)
    norms = jacobian_norms_vs_lag(model, x)
    # LSTM and GRU stack one (hidden, hidden) block per gate; report the largest block's radius.
    radius = max(spectral_radius(block) for block in model.rnn.weight_hh_l0.split(hidden_size))
    return GradientFlow(norms, radius, gradient_regime(norms))
