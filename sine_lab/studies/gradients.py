"""Chapter 06's measurements of gradients through time, beyond what :mod:`sine_lab.diagnostics` gives.

- :func:`draw_unrolled_rnn`: the picture of an unrolled RNN and the Jacobian product that a
  gradient crosses on its way back.
- :func:`input_scale_control`: the decay of ``‖∂L/∂h_t‖`` in the article's models on the raw
  time input against the same input standardised, with the tanh saturation each causes — the
  control that separates "the recurrent weights set the decay" from "unscaled inputs saturate tanh".
- :func:`clipping_trial`: one training run of a tanh RNN whose recurrent weights were scaled into
  the exploding regime, with or without gradient-norm clipping — where clipping is meant to help.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn
from matplotlib.axes import Axes
from torch import Tensor

from ..arguments import check_choice, check_float, check_int, check_tensor
from ..callbacks import ClipGradNorm, RecordGradNorms
from ..diagnostics import fit_decay_rate, hidden_state_grad_norms, scale_recurrent_weights, spectral_radius
from ..models import SequenceModel
from ..training import seed_everything, train

__all__ = ["ClippingResult", "InputScaleResult", "clipping_trial", "draw_unrolled_rnn", "input_scale_control"]


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
        ax.add_patch(_box(i, 0.0, "#dbe9f6"))
        ax.text(i, 0.0, label, ha="center", va="center", fontsize=11)
        ax.add_patch(_box(i, -1.05, "#eeeeee", height=0.45))
        xlabel = "x$_T$" if i == steps - 1 else f"x$_{{T-{steps - 1 - i}}}$"
        ax.text(i, -1.05, xlabel, ha="center", va="center", fontsize=10)
        ax.annotate("", xy=(i, -0.3), xytext=(i, -0.82), arrowprops={"arrowstyle": "->"})
        if i:
            ax.annotate("", xy=(i - 0.33, 0.0), xytext=(i - 0.67, 0.0), arrowprops={"arrowstyle": "->"})
            # The backward path: one step Jacobian per arrow.
            ax.annotate("", xy=(i - 0.6, 0.62), xytext=(i - 0.4, 0.62),
                        arrowprops={"arrowstyle": "->", "color": "#c0392b"})
            ax.text(i - 0.5, 0.86, "diag(1−h²)W$_{hh}$", ha="center", fontsize=7.5, color="#c0392b")
    ax.add_patch(_box(steps, 0.0, "#f6e0db", width=0.55))
    ax.text(steps, 0.0, "loss", ha="center", va="center", fontsize=10)
    ax.annotate("", xy=(steps - 0.28, 0.0), xytext=(steps - 0.67, 0.0), arrowprops={"arrowstyle": "->"})
    ax.text((steps - 1) / 2, 1.35,
            "∂h$_T$/∂h$_{T-k}$ = product of k step Jacobians: its norm shrinks (or grows) geometrically in k",
            ha="center", fontsize=9, color="#c0392b")
    return ax


def _box(x: float, y: float, colour: str, width: float = 0.62, height: float = 0.55):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.03",
                          facecolor=colour, edgecolor="#555555")


@dataclass(frozen=True)
class InputScaleResult:
    """The article's model at initialisation, fed one input.

    Attributes:
        input_name: e.g. ``"raw t"`` or ``"standardised t"``.
        factor_per_step: fitted decay factor of ``‖∂L/∂h_t‖`` per step back (lags 0-60).
        mean_tanh_slope: mean of ``1 - h²`` over all units and steps (1: linear regime, 0: saturated).
        spectral_radius: ``ρ(W_hh)`` of the (shared) initial weights.
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
        inputs: ``{name: x}``, each ``(seq, 1)``.
        y: the target ``(seq, 1)`` of the article's loss.
        seed: seeds the initialisation, identical for every input.
    """
    seed = check_int("seed", seed, minimum=0)
    if not isinstance(inputs, dict) or not inputs:
        raise TypeError("inputs must be a non-empty dict {name: (seq, 1) tensor}")
    results = []
    for name, x in inputs.items():
        check_tensor(f"inputs[{name!r}]", x, ndim=2, last_dim=1, layout="(seq, 1)")
        seed_everything(seed)
        model = build()
        layer = getattr(model, "rnn", None) or getattr(model, "lstm", None)
        if not isinstance(layer, nn.RNNBase):
            raise TypeError(f"build() must return a model with an nn.RNN/nn.LSTM attribute .rnn or .lstm, "
                            f"got {type(model).__name__}")
        norms = hidden_state_grad_norms(model, x, y)[-1]
        with torch.no_grad():
            hidden, _ = layer(x)
        results.append(InputScaleResult(
            name,
            fit_decay_rate(norms.flip(0), min_lag=0, max_lag=60).factor_per_step,
            float((1 - hidden.double() ** 2).mean()),
            spectral_radius(layer.weight_hh_l0) if isinstance(layer, nn.RNN) else math.nan,
        ))
    return results


OPTIMIZERS = ("sgd", "adam")


@dataclass(frozen=True)
class ClippingResult:
    """One training run of :func:`clipping_trial`.

    Attributes:
        final_loss: the last epoch's training loss (``nan`` if training blew up).
        blew_up: the loss became NaN/inf or exploded (training stopped early).
        max_grad_norm: the largest total gradient norm seen, before clipping.
        epochs: epochs that ran.
    """

    final_loss: float
    blew_up: bool
    max_grad_norm: float
    epochs: int


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
    """
    radius = check_float("radius", radius, minimum=0.0, exclusive_minimum=True)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
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
    return ClippingResult(math.nan if blew_up else history.final_loss, blew_up,
                          max(history.grad_norms, default=math.nan), history.epochs)
