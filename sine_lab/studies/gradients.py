"""Chapter 06's measurements of gradients through time, beyond what :mod:`sine_lab.diagnostics` gives.

- :func:`draw_unrolled_rnn`: the picture of an unrolled RNN and the Jacobian product that a
  gradient crosses on its way back.
- :func:`article_run`: the article's Example 1 or 2, its gradient ``‖∂L/∂h_t‖`` against the lag
  before and after training with the article's optimiser, and the loss training reaches.
- :func:`input_scale_control`: that gradient's decay on the raw time input against the same input
  standardised, with the tanh slope each gives — the control that separates "the recurrent weights
  set the decay" from "unscaled inputs push tanh towards saturation".
- :func:`radius_sweep`: a tanh RNN whose ``W_hh`` is rescaled to several spectral radii: the decay
  per step, Pascanu et al.'s bound and the tanh slope at each.
- :func:`window_task` and :func:`train_on_windows`: the framed task (past values predict the next
  one) with its trivial baselines, and a cell trained on it with its Jacobians before and after.
- :func:`clipping_trial` and :func:`clipping_study`: training runs of a tanh RNN whose recurrent
  weights were scaled into the exploding regime, with and without gradient-norm clipping;
  ``scripts/gradients_seeds.py`` stores the runs of many seeds (:func:`save_seeds`,
  :func:`load_seeds`); :func:`paired_count` compares two arms seed by seed and :func:`chance_of_at_least`
  says how often chance gives a count of wins.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn as nn
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch
from torch import Tensor

from ..arguments import check_choice, check_float, check_int, check_tensor
from ..baselines import Judgement, judge, one_step
from ..callbacks import ClipGradNorm, RecordGradNorms
from ..data import article_data, make_windows, sine_series
from ..diagnostics import (
    fit_decay_rate,
    hidden_state_grad_norms,
    jacobian_norms_vs_lag,
    largest_singular_value,
    scale_recurrent_weights,
    spectral_radius,
    tanh_rnn_jacobian_bound,
)
from ..models import ArticleLSTM, ArticleSimpleRNN, SequenceModel, eval_mode
from ..plots import colour
from ..training import History, seed_everything, train

__all__ = [
    "ARTICLE_LR",
    "CLIPPING_SETTINGS",
    "EXAMPLES",
    "FLOAT32_TINY",
    "SEEDS_PATH",
    "ArticleRun",
    "CellRun",
    "ClippingResult",
    "ClippingRun",
    "ClippingSetting",
    "InputScaleResult",
    "PairedCount",
    "RadiusRow",
    "StoredSeeds",
    "WindowTask",
    "article_run",
    "chance_of_at_least",
    "clipping_study",
    "clipping_trial",
    "draw_unrolled_rnn",
    "input_scale_control",
    "load_seeds",
    "paired_count",
    "radius_sweep",
    "save_seeds",
        "train_on_windows",
    "window_mse",
    "window_task",
]

SEEDS_PATH = Path(__file__).with_name("results") / "gradients_seeds.json"
# The smallest positive float32 with full precision: ‖∂L/∂h_t‖ below it is rounded coarsely, then to 0,
# in the float32 arithmetic training uses, so figures mark that region instead of drawing it as data.
FLOAT32_TINY = float(torch.finfo(torch.float32).tiny)
# The article's models by name, and its optimiser's learning rate (Adam).
EXAMPLES: dict[str, Callable[[], nn.Module]] = {
    "rnn": lambda: ArticleSimpleRNN(1, 10, 1),
    "lstm": lambda: ArticleLSTM(1, 10, 1),
}
ARTICLE_LR = 0.01
# The lags over which a decay per step is fitted: long enough to average over, short enough that a
# fast decay has not yet left float32's range.
FIT_LAGS = 60


def draw_unrolled_rnn(ax: Axes, steps: int = 5) -> Axes:
    """Draw an RNN unrolled over ``steps`` time steps on ``ax``: inputs below, states in a row,
    the loss at the end, and the backward path labelled with the step Jacobians whose product
    ``∂h_T/∂h_{T-k}`` every gradient to an early state is multiplied by."""
    steps = check_int("steps", steps, minimum=2, maximum=8)
    ax.set_xlim(-0.7, steps + 0.9)
    ax.set_ylim(-1.45, 1.6)
    ax.axis("off")
    labels = [f"h$_{{T-{steps - 1 - i}}}$" if i < steps - 1 else "h$_T$" for i in range(steps)]
    for i, label in enumerate(labels):
        ax.add_patch(_box(i, 0.0, colour("state")))
        ax.text(i, 0.0, label, ha="center", va="center", fontsize=11)
        ax.add_patch(_box(i, -1.05, colour("input"), height=0.45))
        xlabel = "x$_T$" if i == steps - 1 else f"x$_{{T-{steps - 1 - i}}}$"
        ax.text(i, -1.05, xlabel, ha="center", va="center", fontsize=10)
        ax.annotate("", xy=(i, -0.3), xytext=(i, -0.82), arrowprops={"arrowstyle": "->"})
        if i:
            ax.annotate("", xy=(i - 0.33, 0.0), xytext=(i - 0.67, 0.0), arrowprops={"arrowstyle": "->"})
            # The backward path: one step Jacobian per arrow.
            ax.annotate("", xy=(i - 0.6, 0.62), xytext=(i - 0.4, 0.62),
                        arrowprops={"arrowstyle": "->", "color": colour("gradient")})
            ax.text(i - 0.5, 0.86, "diag(1−h²)W$_{hh}$", ha="center", fontsize=7.5, color=colour("gradient"))
    ax.add_patch(_box(steps, 0.0, colour("loss"), width=0.55))
    ax.text(steps, 0.0, "loss", ha="center", va="center", fontsize=10)
    ax.annotate("", xy=(steps - 0.28, 0.0), xytext=(steps - 0.67, 0.0), arrowprops={"arrowstyle": "->"})
    ax.text((steps - 1) / 2, 1.35,
            "∂h$_T$/∂h$_{T-k}$ = product of k step Jacobians: its norm shrinks (or grows) geometrically in k",
            ha="center", fontsize=9, color=colour("gradient"))
    return ax


def _box(x: float, y: float, fill: str, width: float = 0.62, height: float = 0.55) -> FancyBboxPatch:
    return FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.03",
                          facecolor=fill, edgecolor=colour("outline"))


# ------------------------------------------------------------------ the article's models


def _decay(norms: Tensor) -> float:
    """The fitted factor per step of ``norms[k]`` over lags 0 .. :data:`FIT_LAGS`."""
    return fit_decay_rate(norms, min_lag=0, max_lag=min(FIT_LAGS, norms.numel() - 1)).factor_per_step


@dataclass(frozen=True)
class ArticleRun:
    """One of the article's models (Example 1 or 2) before and after training.

    Attributes:
        example: ``"rnn"`` (Example 1, ``nn.RNN``) or ``"lstm"`` (Example 2, ``nn.LSTM``), 10 units.
        seed: seeds the initialisation.
        epochs: full-batch epochs of the article's loop (Adam, lr 0.01).
        before: ``(lags,)`` float64, ``‖∂L/∂h_{T−k}‖`` for ``k = 0 .. lags − 1`` at initialisation
            (lag 0 is the last step); computed in float32 like training, so values below
            :data:`FLOAT32_TINY` are imprecise and exact zeros are underflow.
        after: the same after training.
        final_loss: the last epoch's loss.
        var_y: ``var(y)``, the lowest loss a model with one output for all 1000 targets can reach.
    """

    example: str
    seed: int
    epochs: int
    before: Tensor
    after: Tensor
    final_loss: float
    var_y: float

    @property
    def factor_before(self) -> float:
        """The gradient's fitted factor per step back at initialisation (lags 0-60)."""
        return _decay(self.before)

    @property
    def factor_after(self) -> float:
        """The same after training."""
        return _decay(self.after)

    def summary(self) -> dict[str, float | int | str]:
        """The scalars a script stores: everything but the curves."""
        return {"example": self.example, "seed": self.seed, "epochs": self.epochs,
                "factor_before": self.factor_before, "factor_after": self.factor_after,
                "final_loss": self.final_loss, "var_y": self.var_y}


def article_run(example: str, seed: int, *, x: Tensor | None = None, epochs: int = 60, lags: int = 100) -> ArticleRun:
    """Build the article's Example 1 (``"rnn"``) or 2 (``"lstm"``) with ``seed``, measure ``‖∂L/∂h_t‖``
    over the last ``lags`` steps, train it with the article's loop and loss, and measure again.

    Args:
        example: ``"rnn"`` or ``"lstm"``.
        seed: seeds the initialisation.
        x: the input ``(1000, 1)`` (default the article's time values ``t``); the target is
            always the article's ``y = sin(t)``, compared by its broadcasting loss.
        epochs: epochs of full-batch Adam with the article's learning rate, 0.01.
        lags: how many of the last steps to measure, >= 2.
    """
    example = check_choice("example", example, tuple(EXAMPLES))
    seed = check_int("seed", seed, minimum=0)
    epochs = check_int("epochs", epochs, minimum=1)
    t, y = article_data()
    x = t if x is None else check_tensor("x", x, ndim=2, last_dim=1, layout="(1000, 1)")
    if x.shape != t.shape:
        raise ValueError(f"x must have the article's shape {tuple(t.shape)}, got {tuple(x.shape)}")
    lags = check_int("lags", lags, minimum=2, maximum=x.shape[0])
    seed_everything(seed)
    model = EXAMPLES[example]()
    with warnings.catch_warnings():
        # The article's loss broadcasts one prediction against 1000 targets; chapter 01 shows PyTorch's
        # warning about it. Here it is kept on purpose, so the warning would only repeat.
        warnings.filterwarnings("ignore", message="Using a target size")
        before = hidden_state_grad_norms(model, x, y, steps=lags)[-1].flip(0)
        history: History = train(model, x, y, epochs=epochs, lr=ARTICLE_LR)
        after = hidden_state_grad_norms(model, x, y, steps=lags)[-1].flip(0)
    return ArticleRun(example, seed, epochs, before, after, history.final_loss, float(y.var(unbiased=False)))


@dataclass(frozen=True)
class InputScaleResult:
    """The article's model at initialisation, fed one input.

    Attributes:
        input_name: e.g. ``"raw t"`` or ``"standardised t"``.
        factor_per_step: fitted decay factor of ``‖∂L/∂h_t‖`` per step back (lags 0-60).
        mean_tanh_slope: mean of ``1 - h²`` over all units and the fitted steps (the last 61, which the
            gradient crosses; 1: linear regime, 0: saturated); for an ``nn.RNN`` the slope of its tanh,
            the only way the input enters its step Jacobian ``diag(1 - h²) W_hh``.
        spectral_radius: ``ρ(W_hh)`` of the (shared) initial weights (``nan`` for an LSTM, whose
            ``W_hh`` stacks four gates).
    """

    input_name: str
    factor_per_step: float
    mean_tanh_slope: float
    spectral_radius: float


def input_scale_control(
    build: Callable[[], nn.Module], inputs: dict[str, Tensor], y: Tensor, seed: int
) -> list[InputScaleResult]:
    """Measure the initial gradient decay of the same model (same seed, same weights) on each input.

    Args:
        build: makes an article-style model with one ``nn.RNN``/``nn.LSTM`` attribute (``.rnn`` or
            ``.lstm``) that reads a 2-D ``(seq, 1)`` input as one unbatched sequence.
        inputs: ``{name: x}``, each ``(seq, 1)`` with ``seq`` > 60.
        y: the target ``(seq, 1)`` of the article's loss.
        seed: seeds the initialisation, identical for every input.
    """
    seed = check_int("seed", seed, minimum=0)
    if not isinstance(inputs, dict) or not inputs:
        raise TypeError("inputs must be a non-empty dict {name: (seq, 1) tensor}")
    results = []
    for name, x in inputs.items():
        check_tensor(f"inputs[{name!r}]", x, ndim=2, last_dim=1, layout="(seq, 1)")
        if x.shape[0] <= FIT_LAGS:
            raise ValueError(f"inputs[{name!r}] must have more than {FIT_LAGS} steps to fit a decay over, "
                             f"got {x.shape[0]}")
        seed_everything(seed)
        model = build()
        layer = getattr(model, "rnn", None) or getattr(model, "lstm", None)
        if not isinstance(layer, nn.RNNBase):
            raise TypeError(f"build() must return a model with an nn.RNN/nn.LSTM attribute .rnn or .lstm, "
                            f"got {type(model).__name__}")
        with warnings.catch_warnings():
            # The article's loss broadcasts one prediction against every target, on purpose (see article_run).
            warnings.filterwarnings("ignore", message="Using a target size")
            norms = hidden_state_grad_norms(model, x, y, steps=FIT_LAGS + 1)[-1].flip(0)
        with torch.no_grad():
            hidden, _ = layer(x)
        results.append(InputScaleResult(
            name,
            _decay(norms),
            float((1 - hidden[-(FIT_LAGS + 1):].double() ** 2).mean()),
            spectral_radius(layer.weight_hh_l0) if isinstance(layer, nn.RNN) else math.nan,
        ))
    return results


# ------------------------------------------------------------------ the scale of W_hh


@dataclass(frozen=True)
class RadiusRow:
    """A tanh RNN with ``W_hh`` rescaled to one spectral radius, measured on one input.

    Attributes:
        seed: seeds the initialisation.
        rho: ``ρ(W_hh)`` after rescaling.
        sigma: ``σ_max(W_hh)``, its largest singular value.
        factor: fitted factor per step of ``‖∂h_T/∂h_{T−k}‖`` (lags 1 .. seq − 1).
        mean_slope: mean of tanh's slope ``1 − h²`` over units, steps and sequences.
        norms: ``(seq,)`` the norms at each lag.
        bound: ``(seq,)`` Pascanu et al.'s bound ``σ_max^k``.
    """

    seed: int
    rho: float
    sigma: float
    factor: float
    mean_slope: float
    norms: Tensor
    bound: Tensor


def radius_sweep(x: Tensor, radii: Iterable[float], seeds: Iterable[int], *, hidden_size: int = 32) -> list[RadiusRow]:
    """For each seed and each radius: a tanh ``SequenceModel`` (``hidden_size`` units) with its initial
    ``W_hh`` rescaled to that spectral radius, its ``‖∂h_T/∂h_{T−k}‖`` on ``x`` ``(batch, seq, 1)``,
    the fitted factor per step, the bound and the mean tanh slope. Rows seed by seed, radii in order."""
    x = check_tensor("x", x, ndim=3, last_dim=1, layout="(batch, seq, 1)")
    rows = []
    for seed in seeds:
        for radius in radii:
            radius = check_float("radius", radius, minimum=0.0, exclusive_minimum=True)
            seed_everything(check_int("seed", seed, minimum=0))
            model = SequenceModel("rnn", hidden_size=hidden_size)
            scale_recurrent_weights(model, radius / spectral_radius(model.rnn.weight_hh_l0))
            weight = model.rnn.weight_hh_l0
            norms = jacobian_norms_vs_lag(model, x)
            with torch.no_grad():
                hidden, _ = model.rnn(x)
            rows.append(RadiusRow(seed, spectral_radius(weight), largest_singular_value(weight),
                                  fit_decay_rate(norms).factor_per_step, float((1 - hidden.double() ** 2).mean()),
                                  norms, tanh_rnn_jacobian_bound(weight, len(norms) - 1)))
    return rows


# ------------------------------------------------------------------ the framed task


@dataclass(frozen=True)
class WindowTask:
    """Past values predict the next one: windows of a sine ``sin(t)`` sampled every ``step``.

    The first ``values`` samples give the training windows, the next ``values`` the test windows
    (a later stretch of the same wave).

    Attributes:
        step: ``Δt``; the sampling rate is ``1 / step`` samples per radian.
        window: past values per input.
        values: samples in each stretch.
        x_train, y_train: ``(N, window, 1)`` windows and ``(N, 1)`` next values.
        x_test, y_test: the same on the later stretch.
        baselines: the one-step test MSE of each trivial baseline (:func:`sine_lab.baselines.one_step`;
            the recurrence fitted on the training stretch).
    """

    step: float
    window: int
    values: int
    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    baselines: dict[str, float]

    @property
    def samples_per_radian(self) -> float:
        return 1.0 / self.step


def window_task(step: float = 0.5, window: int = 20, values: int = 300) -> WindowTask:
    """The framed task: ``sin(t)`` every ``step`` radians, windows of ``window`` values; ``values``
    samples to train on and the next ``values`` to test on."""
    step = check_float("step", step, minimum=0.0, exclusive_minimum=True)
    window = check_int("window", window, minimum=2)
    values = check_int("values", values, minimum=window + 2)
    _, series = sine_series(2 * values, step=step)
    fitted, later = series[:values], series[values:]
    x_train, y_train = make_windows(fitted, window)
    x_test, y_test = make_windows(later, window)
    baselines = one_step(x_test, y_test, fitted_on=fitted)
    return WindowTask(step, window, values, x_train, y_train, x_test, y_test, baselines)


def window_mse(model: nn.Module, task: WindowTask) -> float:
    """The model's one-step MSE on the task's test windows (in eval mode, no gradient)."""
    with eval_mode(model), torch.no_grad():
        return float(((model(task.x_test) - task.y_test) ** 2).mean())


@dataclass(frozen=True)
class CellRun:
    """A cell trained on a :class:`WindowTask`.

    Attributes:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        seed: seeds the initialisation.
        test_mse: one-step MSE on the test windows.
        baselines: the task's baselines' MSE on the same windows.
        initial: ``(window,)`` ``‖∂h_T/∂h_{T−k}‖`` at initialisation on every tenth test window.
        trained: the same after training.
    """

    cell: str
    seed: int
    test_mse: float
    baselines: dict[str, float]
    initial: Tensor
    trained: Tensor

    @property
    def judgement(self) -> Judgement:
        return judge(self.test_mse, self.baselines)

    @property
    def factor_trained(self) -> float:
        """The trained Jacobian's fitted factor per step (lags 1 .. window − 1)."""
        return fit_decay_rate(self.trained).factor_per_step


def train_on_windows(task: WindowTask, cell: str, seed: int, *, hidden_size: int = 16, epochs: int = 60,
                     lr: float = 0.01) -> CellRun:
    """Train a ``SequenceModel(cell, hidden_size)`` on the task's training windows (full batch, Adam)
    and measure its Jacobians against the lag before and after, and its test error."""
    cell = check_choice("cell", cell, ("rnn", "lstm", "gru"))
    seed_everything(check_int("seed", seed, minimum=0))
    model = SequenceModel(cell, hidden_size=hidden_size)
    probe = task.x_test[::10]
    initial = jacobian_norms_vs_lag(model, probe)
    train(model, task.x_train, task.y_train, epochs=epochs, lr=lr)
    return CellRun(cell, seed, window_mse(model, task), dict(task.baselines), initial,
                   jacobian_norms_vs_lag(model, probe))


# ------------------------------------------------------------------ clipping


OPTIMIZERS = ("sgd", "adam")


@dataclass(frozen=True)
class ClippingResult:
    """One training run of :func:`clipping_trial`.

    Attributes:
        final_loss: the last epoch's training loss (``nan`` if training blew up).
        blew_up: the loss became NaN/inf or exploded (training stopped early).
        max_grad_norm: the largest total gradient norm seen, before clipping.
        epochs: epochs that ran.
        test_mse: one-step MSE on the test windows given as ``test`` (``nan`` if none or blown up).
    """

    final_loss: float
    blew_up: bool
    max_grad_norm: float
    epochs: int
    test_mse: float = math.nan


def clipping_trial(
    x: Tensor,
    y: Tensor,
    *,
    radius: float,
    clip: float | None,
    optimizer: str,
    lr: float,
    seed: int,
    epochs: int = 150,
    hidden_size: int = 32,
    test: tuple[Tensor, Tensor] | None = None,
) -> ClippingResult:
    """Train a tanh RNN whose initial ``W_hh`` is rescaled to spectral radius ``radius``.

    Args:
        x: windows ``(batch, seq, 1)``.
        y: next values ``(batch, 1)``.
        radius: ``ρ(W_hh)`` after rescaling (above 1: the exploding side).
        clip: total gradient norm to clip to, or ``None`` for no clipping.
        optimizer: ``"sgd"`` or ``"adam"``.
        lr: the learning rate.
        seed: seeds the initialisation.
        epochs: full-batch epochs.
        hidden_size: RNN units.
        test: ``(x_test, y_test)`` windows to score the trained model on, shaped like ``x`` and ``y``.
    """
    radius = check_float("radius", radius, minimum=0.0, exclusive_minimum=True)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    if test is not None:
        if not isinstance(test, tuple) or len(test) != 2:
            raise TypeError(f"test must be a pair (x_test, y_test) of tensors, got {type(test).__name__}")
        check_tensor("test[0]", test[0], ndim=3, last_dim=1, layout="(batch, seq, 1)")
        check_tensor("test[1]", test[1], ndim=2, layout="(batch, 1)")
    seed_everything(check_int("seed", seed, minimum=0))
    model = SequenceModel("rnn", hidden_size=hidden_size)
    scale_recurrent_weights(model, radius / spectral_radius(model.rnn.weight_hh_l0))
    recorder = RecordGradNorms()
    callbacks = [recorder] + ([ClipGradNorm(clip)] if clip is not None else [])
    with warnings.catch_warnings():
        # A blow-up is an outcome this trial measures (``blew_up``), not a mistake to warn about.
        warnings.filterwarnings("ignore", message="Training diverged", category=RuntimeWarning)
        history = train(model, x, y, epochs=epochs, lr=lr, optimizer=optimizer, callbacks=callbacks)
    blew_up = history.stop_reason == "diverged"
    scored = math.nan
    if test is not None and not blew_up:
        with eval_mode(model), torch.no_grad():
            scored = float(((model(test[0]) - test[1]) ** 2).mean())
    return ClippingResult(math.nan if blew_up else history.final_loss, blew_up,
                          max(history.grad_norms, default=math.nan), history.epochs, scored)


@dataclass(frozen=True)
class ClippingSetting:
    """One arm of the clipping study: an optimiser, the radius ``W_hh`` starts at, a learning rate
    and a clipping threshold (``None``: no clipping)."""

    optimizer: str
    radius: float
    lr: float
    clip: float | None

    @property
    def label(self) -> str:
        return f"{self.optimizer.upper() if self.optimizer == 'sgd' else 'Adam'} at ρ = {self.radius:g}, " + (
            f"clipped to {self.clip:g}" if self.clip is not None else "no clipping")


# Plain gradient descent deep in the exploding regime, and Adam just past the boundary; each without and
# with clipping the total gradient norm to 1. For gradient descent also a looser threshold, 10: a clipped
# step is at most lr x threshold long, so the threshold decides how far 150 epochs can move the weights.
CLIPPING_SETTINGS: tuple[ClippingSetting, ...] = (
    ClippingSetting("sgd", 3.0, 0.05, None),
    ClippingSetting("sgd", 3.0, 0.05, 1.0),
    ClippingSetting("sgd", 3.0, 0.05, 10.0),
    ClippingSetting("adam", 1.5, 0.01, None),
    ClippingSetting("adam", 1.5, 0.01, 1.0),
)


@dataclass(frozen=True)
class ClippingRun:
    """One stored run of the clipping study: its setting, seed and :class:`ClippingResult`'s numbers."""

    optimizer: str
    radius: float
    lr: float
    clip: float | None
    seed: int
    blew_up: bool
    final_loss: float
    test_mse: float
    max_grad_norm: float
    epochs: int

    @property
    def setting(self) -> ClippingSetting:
        return ClippingSetting(self.optimizer, self.radius, self.lr, self.clip)


def clipping_study(task: WindowTask, seeds: Iterable[int], settings: Iterable[ClippingSetting] = CLIPPING_SETTINGS,
                   *, epochs: int = 150) -> Iterator[ClippingRun]:
    """Run :func:`clipping_trial` on the task's windows for every setting and seed, yielding each run."""
    for setting in settings:
        for seed in seeds:
            result = clipping_trial(task.x_train, task.y_train, radius=setting.radius, clip=setting.clip,
                                    optimizer=setting.optimizer, lr=setting.lr, seed=seed, epochs=epochs,
                                    test=(task.x_test, task.y_test))
            yield ClippingRun(setting.optimizer, setting.radius, setting.lr, setting.clip, seed, result.blew_up,
                              result.final_loss, result.test_mse, result.max_grad_norm, result.epochs)


@dataclass(frozen=True)
class PairedCount:
    """Paired runs (one per seed) compared on a yes/no outcome.

    Attributes:
        only_first: seeds where the outcome holds in the first arm only.
        only_second: seeds where it holds in the second arm only.
        chance: how often chance alone splits ``only_first + only_second`` seeds at least this unevenly,
            either way (the two-sided sign test: which side is larger is seen only after the runs; 1 when no
            seed differs).
    """

    only_first: int
    only_second: int
    chance: float


def paired_count(first: Iterable[bool], second: Iterable[bool]) -> PairedCount:
    """Compare two arms seed by seed: ``first[i]`` and ``second[i]`` are the outcomes of seed ``i``."""
    pairs = list(zip(first, second, strict=True))
    if not pairs or not all(isinstance(a, bool) and isinstance(b, bool) for a, b in pairs):
        raise TypeError("first and second must be equally long, non-empty sequences of bools (one per seed)")
    only_first = sum(a and not b for a, b in pairs)
    only_second = sum(b and not a for a, b in pairs)
    differing = only_first + only_second
    chance = min(1.0, 2 * chance_of_at_least(max(only_first, only_second), differing)) if differing else 1.0
    return PairedCount(only_first, only_second, chance)


def chance_of_at_least(wins: int, trials: int) -> float:
    """How often a fair coin gives at least ``wins`` heads in ``trials`` tosses: the one-sided sign
    test's p-value for "``wins`` of ``trials`` paired runs went one way" when neither way is favoured
    (e.g. 4 or more of 5: 6/32 ≈ 0.19)."""
    trials = check_int("trials", trials, minimum=1)
    wins = check_int("wins", wins, minimum=0, maximum=trials)
    return sum(math.comb(trials, k) for k in range(wins, trials + 1)) / 2**trials


# ------------------------------------------------------------------ stored seeds


@dataclass(frozen=True)
class StoredSeeds:
    """What ``scripts/gradients_seeds.py`` stored: the command, the task, the article runs' scalars
    (:meth:`ArticleRun.summary`) and the clipping runs."""

    command: str
    task: dict[str, float]
    article: list[dict]
    clipping: list[ClippingRun]

    def clipping_runs(self, setting: ClippingSetting) -> list[ClippingRun]:
        """The runs of one setting, in seed order."""
        runs = sorted((r for r in self.clipping if r.setting == setting), key=lambda r: r.seed)
        if not runs:
            raise ValueError(f"no stored runs for {setting.label}; stored: "
                             f"{sorted({r.setting.label for r in self.clipping})}")
        return runs


def save_seeds(path: Path | str, *, command: str, task: WindowTask, article: Iterable[ArticleRun],
               clipping: Iterable[ClippingRun]) -> None:
    """Write the runs as JSON ``{"command", "task", "article", "clipping"}`` to ``path``."""
    data = {
        "command": command,
        "task": {"step": task.step, "window": task.window, "values": task.values},
        "article": [run.summary() for run in article],
        "clipping": [asdict(run) for run in clipping],
    }
    Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def load_seeds(path: Path | str = SEEDS_PATH) -> StoredSeeds:
    """The runs :func:`save_seeds` wrote to ``path``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = {"command", "task", "article", "clipping"} - set(data)
    if missing:
        raise ValueError(f"{path} is not a file of scripts/gradients_seeds.py: it lacks {sorted(missing)}")
    return StoredSeeds(data["command"], data["task"], data["article"], [ClippingRun(**row) for row in data["clipping"]])
