"""Figures used by several chapters: the series' colours, loss curves, prediction against truth,
gradient against lag.

Every figure of every chapter takes its colours from :data:`COLOURS` (through :func:`colour`), so a
model kind, a baseline or a region of the data has one colour throughout the series: an LSTM is blue in
chapter 02 and in chapter 10. Variants of one kind (a 3-layer LSTM, an LSTM trained another way) keep
the kind's colour and differ by line style or marker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from torch import Tensor

from .arguments import check_float, check_tensor
from .training import History

__all__ = ["COLOURS", "colour", "plot_lag_norms", "plot_loss", "plot_prediction"]

# One colour per model kind (the registry's names), per trivial baseline (sine_lab.baselines) and per
# role a figure gives a line or a region. Baselines are greys or muted, so models stand out against them.
COLOURS: dict[str, str] = {
    # model kinds
    "rnn": "tab:red",
    "lstm": "tab:blue",
    "gru": "tab:purple",
    "irnn": "tab:pink",
    "attention": "tab:orange",
    "transformer": "tab:brown",
    "lru": "tab:cyan",
    # the same kind trained without its recipe's free-running stage: a lighter shade of the kind's colour
    "lstm, teacher forcing only": "lightsteelblue",
    # the trivial baselines; "recurrence" is also the kind "linear" (the 2-tap least-squares recurrence)
    "zero": "0.75",
    "persistence": "0.5",
    "extrapolation": "tab:olive",
    "residual only": "tab:olive",  # the recipe's fixed part alone is linear extrapolation
    "recurrence": "tab:green",
    "linear": "tab:green",
    "quadratic": "teal",  # quadratic extrapolation (chapters 04-05), drawn next to linear extrapolation's olive
    "lookup": "saddlebrown",  # the lookup of the nearest training window (chapters 04-05), a memoriser
    # roles
    "truth": "black",
    "reference": "0.4",  # threshold and reference lines (targets, var(y), the unit circle)
    "noise floor": "darkviolet",  # the variance of the noise on the scored values
    "fit": "0.88",  # shaded regions of the data: fitted, validated, scored, never seen
    "validation": "wheat",
    "test": "#d8ecd0",
    "unseen": "#f6d5c8",
    "highlight": "gold",  # what a figure points at (a window, a burst)
    "prediction": "darkgoldenrod",  # a prediction whose label names no model kind
    "sine fit": "darkslategray",  # a sine fitted to the observed values and continued (a baseline)
    "status": "#333",  # the playground's status line, and when it reports an error
    "error": "#b00020",
    # diagrams: the unrolled RNN of chapter 06
    "state": "#dbe9f6",  # a hidden-state box
    "input": "0.93",  # an input box
    "loss": "#f6e0db",  # the loss box
    "gradient": "#c0392b",  # the backward path of a gradient, and what a figure marks about it
    "outline": "0.33",  # the edges of diagram boxes
    "underflow": "0.9",  # values below float32's precision, shaded instead of drawn as data
}


def colour(name: str) -> str:
    """The series' colour for a model kind, baseline or role (a key of :data:`COLOURS`).

    Raises:
        KeyError: naming the known keys, if ``name`` has no colour yet (add it to :data:`COLOURS`,
            never a colour literal in a chapter).
    """
    if name not in COLOURS:
        raise KeyError(f"no series colour for {name!r}; known: {', '.join(COLOURS)} (add it to sine_lab.plots.COLOURS)")
    return COLOURS[name]


def plot_loss(
    histories: History | Mapping[str, History],
    *,
    title: str,
    ax: Axes | None = None,
    log_scale: bool = True,
    reference: Mapping[str, float] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> Axes:
    """Plot training loss against epoch for one history or several (one line each).

    Each line takes its model kind's colour, as in :func:`plot_prediction`: the kind given for its
    label in ``kinds``, else the kind its label names, else the ``"prediction"`` colour; lines of
    the same colour differ by line style.

    Args:
        histories: a :class:`History`, or ``{label: History}`` to overlay several.
        title: the figure's title; state the finding, not just the topic.
        ax: axes to draw on; a new figure when ``None``.
        log_scale: use a logarithmic loss axis.
        reference: ``{label: value}`` horizontal lines, e.g. ``{"var(y)": 0.443}``.
        kinds: ``{label: palette name}`` for labels that do not name their kind.
    """
    if isinstance(histories, History):
        histories = {"training loss": histories}
    if not isinstance(histories, Mapping) or not all(isinstance(h, History) for h in histories.values()):
        raise TypeError(
            "histories must be a History or a mapping {label: History}, got "
            + (f"a mapping with {sorted({type(h).__name__ for h in histories.values()})} values"
               if isinstance(histories, Mapping) else type(histories).__name__)
        )
    _check_title(title)
    for label, value in (reference or {}).items():
        check_float(f"reference[{label!r}]", value)
    ax = ax if ax is not None else plt.subplots(figsize=(7, 3.5))[1]
    for label, (line_colour, style) in _line_styles(list(histories), kinds, ("-", "--", ":")).items():
        history = histories[label]
        ax.plot(range(1, history.epochs + 1), history.loss, linestyle=style, color=line_colour, label=label)
    for label, value in (reference or {}).items():
        # A wide pale band under the curves: a loss that settles on the reference stays visible on top of
        # it, and the reference stays visible around it; named in the legend, not written over the data.
        ax.axhline(value, color=colour("highlight"), linewidth=7, alpha=0.45, zorder=0, label=label)
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (MSE)")
    ax.set_title(title)
    ax.legend()
    ax.grid(True, alpha=0.3)
    return ax


def plot_prediction(
    t: Tensor,
    truth: Tensor,
    predictions: Tensor | Mapping[str, Tensor],
    *,
    title: str,
    ax: Axes | None = None,
    xlabel: str = "t (radians)",
    ylabel: str = "value",
    kinds: Mapping[str, str] | None = None,
) -> Axes:
    """Plot the true curve and one or more predictions against time.

    Each prediction takes its model kind's colour (:data:`COLOURS`): the kind given for its label in
    ``kinds``, else the kind its label names ("RNN fed time" → ``"rnn"``), else the ``"prediction"`` colour.
    Predictions of the same colour in one plot are told apart by their line style.

    Args:
        t: times, any shape with ``n`` elements (flattened).
        truth: true values, ``n`` elements.
        predictions: ``n`` elements, or one element (a constant, drawn as a flat
            line), or ``{label: tensor}`` for several.
        title: the figure's title; state the finding.
        ax: axes to draw on; a new figure when ``None``.
        kinds: ``{label: palette name}`` for labels that do not name their kind.
    """
    check_tensor("t", t, floating=False, finite=False)
    check_tensor("truth", truth, floating=False, finite=False)
    _check_title(title)
    t = t.detach().reshape(-1)
    truth = truth.detach().reshape(-1)
    if truth.numel() != t.numel():
        raise ValueError(f"truth must have as many elements as t ({t.numel()}), got {truth.numel()}")
    if isinstance(predictions, Tensor):
        predictions = {"prediction": predictions}
    if not isinstance(predictions, Mapping):
        raise TypeError(
            f"predictions must be a tensor or a mapping {{label: tensor}}, got {type(predictions).__name__}"
        )
    for label, pred in predictions.items():
        check_tensor(f"prediction {label!r}", pred, floating=False, finite=False)
    ax = ax if ax is not None else plt.subplots(figsize=(7, 3.5))[1]
    ax.plot(t, truth, color=colour("truth"), linewidth=2, label="truth: sin(t)")
    # The truth is the solid line: predictions are dashed or dotted.
    for label, (line_colour, style) in _line_styles(list(predictions), kinds, ("--", ":", "-.")).items():
        pred = predictions[label].detach().reshape(-1)
        if pred.numel() == 1:
            pred = pred.expand(t.numel())
        if pred.numel() != t.numel():
            raise ValueError(
                f"prediction {label!r} must have 1 or {t.numel()} elements, got {pred.numel()}"
            )
        ax.plot(t, pred, linestyle=style, color=line_colour, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(True, alpha=0.3)
    return ax


def plot_lag_norms(lag_norms: Tensor, *, title: str, ax: Axes | None = None, kind: str | None = None) -> Axes:
    """Plot ``‖∂h_T/∂h_{T-k}‖`` against the lag ``k`` on a log scale.

    Args:
        lag_norms: ``(seq,)``, the norm at lag ``k = 0 .. seq-1`` (e.g. from
            :func:`~sine_lab.diagnostics.jacobian_norms_vs_lag`).
        title: the figure's title; state the finding.
        ax: axes to draw on; a new figure when ``None``.
        kind: the model kind whose gradients these are, for its colour (:data:`COLOURS`).
    """
    check_tensor("lag_norms", lag_norms, ndim=1, layout="(seq,)", finite=False)
    _check_title(title)
    ax = ax if ax is not None else plt.subplots(figsize=(7, 3.5))[1]
    few = lag_norms.numel() <= 60  # markers only where they stay apart
    line_colour = colour(kind if kind in COLOURS else "prediction")
    ax.semilogy(range(lag_norms.numel()), lag_norms.detach().numpy(), marker="." if few else None, color=line_colour)
    ax.set_xlabel("lag k (steps back)")
    ax.set_ylabel("‖∂h_T/∂h_{T−k}‖")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    return ax


def _check_title(title: object) -> None:
    if not isinstance(title, str) or not title.strip():
        raise TypeError(f"title must be a non-empty str stating the finding, got {type(title).__name__} {title!r}")


def _kind_named(label: str) -> str | None:
    """The model kind with a colour that a label names as a word ("3-layer LSTM, 50 units" → ``"lstm"``),
    or None. The registry is read when called: a kind registered later is found too."""
    from .models import MODEL_KINDS  # here, not at the top: models need no plotting to be imported

    words = set(re.findall(r"[a-z]+", label.lower())) - _COMMON_WORDS
    return next((kind for kind in sorted(MODEL_KINDS, key=len, reverse=True) if kind in words and kind in COLOURS),
                None)


# Kind names that are also plain words of a label ("linear extrapolation", "a linear head"): a label
# names such a kind only through plot_prediction's or plot_loss's ``kinds``.
_COMMON_WORDS = {"linear"}


def _line_styles(labels: list[str], kinds: Mapping[str, str] | None,
                 styles: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """``{label: (colour, line style)}``: each line in its kind's colour (from ``kinds``, else the kind its
    label names, else the ``"prediction"`` colour); lines of one colour take the next of ``styles``."""
    drawn: dict[str, int] = {}
    chosen = {}
    for label in labels:
        name = (kinds or {}).get(label) or _kind_named(label) or "prediction"
        name = name if name in COLOURS else "prediction"  # a kind registered without a colour of its own
        chosen[label] = (colour(name), styles[drawn.get(name, 0) % len(styles)])
        drawn[name] = drawn.get(name, 0) + 1
    return chosen
