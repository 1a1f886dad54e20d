"""The long-memory experiment of chapter 09: a task that needs memory over a lag ``k``
(:func:`~sine_lab.data.delayed_recall`), trained with each cell and each remedy, over a
sweep of lags, seeds and training budgets.

Chapter 09 and ``scripts/memory_sweep.py`` both call :func:`run_memory_sweep`: the
script runs the full sweep and stores it (``results/memory_sweep.json``), the chapter
reads it and re-runs a few of its runs live.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from torch import Tensor

from ..arguments import check_float, check_int
from ..callbacks import Callback, OnEpochEnd
from ..data import delayed_recall
from ..diagnostics import jacobian_norms_vs_lag
from ..forecasting import Stage
from ..models import build_model as _build_model
from ..models import eval_mode, init_forget_gate_bias, init_orthogonal_recurrent, recurrent_layer
from ..objectives import LastStep, TruncatedBPTT
from ..plots import colour
from ..training import TrainingState, seed_everything

__all__ = [
    "BUDGETS",
    "FAMILIES",
    "MEMORY_CONFIGS",
    "RESULTS_FILE",
    "SUCCESS_NMSE",
    "MemoryConfig",
    "MemoryResult",
    "MemorySweep",
    "at_budget",
    "constant_nmse",
    "format_success_table",
    "load_sweep",
    "memory_nmse",
    "plot_gradient_and_outcome",
    "plot_initial_gradients",
    "plot_memory_outcomes",
    "plot_start_by_lag",
    "run_memory_sweep",
    "run_memory_trial",
    "success_counts",
    "success_rates",
    "train_memory_model",
]

# A run "succeeds" if it explains at least 90 % of the amplitude's variance on held-out
# sequences. No constant does better than NMSE (n-1)/n (the test set's own mean), so a
# success is at least 10x below every constant prediction.
SUCCESS_NMSE = 0.1
# Training budgets in epochs: the chapter's default and four times it, the control that
# separates "ran out of steps" from "could not learn".
BUDGETS = (50, 200)
RESULTS_FILE = Path(__file__).parent / "results" / "memory_sweep.json"


@dataclass(frozen=True)
class MemoryConfig:
    """One way to build and train a model for the delayed-recall task.

    Attributes:
        name: label used in tables and legends.
        kind: the registered kind of model (:data:`~sine_lab.models.MODEL_KINDS`).
        init: re-initialises the fresh model in place (e.g.
            :func:`~sine_lab.models.init_orthogonal_recurrent`), if set.
        clip_grad_norm: the gradient-norm clip (:class:`~sine_lab.callbacks.ClipGradNorm`), if any.
        truncate_bptt: back-propagate through only this many last steps
            (:class:`~sine_lab.objectives.TruncatedBPTT`), if set.
        description: one line for the chapter's table.
        colour_key: the :data:`~sine_lab.plots.COLOURS` key of the cell it is a variant of
            (default: ``kind``); variants of one cell differ by ``linestyle`` and ``marker``.
        linestyle, marker: how its lines and points are drawn.
    """

    name: str
    kind: str
    init: Callable[[nn.Module], None] | None = None
    clip_grad_norm: float | None = None
    truncate_bptt: int | None = None
    description: str = ""
    colour_key: str = ""
    linestyle: str = "-"
    marker: str = "o"

    def build(self, hidden_size: int) -> nn.Module:
        """A fresh model of :attr:`kind` with ``hidden_size`` units, re-initialised by :attr:`init`
        (call it after seeding)."""
        model = _build_model(self.kind, hidden_size=hidden_size)
        if self.init is not None:
            self.init(model)
        return model

    def stage(self, *, lr: float, epochs: int, batch_size: int) -> Stage:
        """How this configuration trains: Adam on mini-batches, with its clipping and truncation."""
        objective = LastStep() if self.truncate_bptt is None else TruncatedBPTT(self.truncate_bptt)
        return Stage(lr, epochs=epochs, batch_size=batch_size, clip=self.clip_grad_norm, objective=objective)

    def style(self) -> dict[str, object]:
        """Matplotlib keywords for this configuration's lines: colour, line style, marker."""
        return {"color": colour(self.colour_key or self.kind), "linestyle": self.linestyle, "marker": self.marker}


# The IRNN (kind "irnn") draws W_ih, sets W_hh = I and zeroes the biases. The three configurations
# below start from that same model and change one thing at a time, so that the activation and the
# identity start are separated with everything else equal: W_hh redrawn as nn.RNN draws it, and/or
# tanh instead of ReLU. Seeded alike, the two "default W_hh" variants draw the same W_hh.
def _redraw_recurrent_weights(model: nn.Module) -> None:
    layer = recurrent_layer(model, "the default-W_hh configurations")
    bound = 1.0 / math.sqrt(layer.hidden_size)
    with torch.no_grad():
        layer.weight_hh_l0.uniform_(-bound, bound)


def _tanh_instead_of_relu(model: nn.Module) -> None:
    layer = recurrent_layer(model, "the tanh configurations")
    tanh = nn.RNN(layer.input_size, layer.hidden_size, nonlinearity="tanh", batch_first=True)
    tanh.load_state_dict(layer.state_dict())
    model.rnn = tanh


def _tanh_with_default_recurrent_weights(model: nn.Module) -> None:
    _redraw_recurrent_weights(model)
    _tanh_instead_of_relu(model)


MEMORY_CONFIGS: dict[str, MemoryConfig] = {
    c.name: c
    for c in [
        MemoryConfig("rnn", "rnn", description="tanh RNN, PyTorch's default initialisation"),
        MemoryConfig("rnn + clipping", "rnn", clip_grad_norm=1.0, linestyle=":", marker="^",
                     description="tanh RNN, gradient norm clipped to 1"),
        MemoryConfig("rnn + orthogonal", "rnn", init_orthogonal_recurrent, linestyle="--", marker="s",
                     description="tanh RNN, W_hh initialised orthogonal (all singular values 1)"),
        MemoryConfig("rnn + tbptt 10", "rnn", truncate_bptt=10, linestyle="-.", marker="v",
                     description="tanh RNN, back-propagation truncated to the last 10 steps"),
        MemoryConfig("irnn: relu, W_hh = I", "irnn", marker="D",
                     description="ReLU RNN, W_hh = I, biases 0 (the IRNN of Le et al. 2015)"),
        MemoryConfig("relu, W_hh default", "irnn", _redraw_recurrent_weights, linestyle="--", marker="d",
                     description="the same model with W_hh drawn as PyTorch draws it"),
        MemoryConfig("tanh, W_hh = I", "irnn", _tanh_instead_of_relu, colour_key="rnn", linestyle="--", marker="D",
                     description="the same model with tanh instead of ReLU"),
        MemoryConfig("tanh, W_hh default", "irnn", _tanh_with_default_recurrent_weights, colour_key="rnn",
                     linestyle=":", marker="d", description="both changes: tanh, and W_hh drawn as PyTorch does"),
        MemoryConfig("lstm", "lstm", description="LSTM, PyTorch's default initialisation"),
        MemoryConfig("lstm + forget bias 1", "lstm", init_forget_gate_bias, linestyle="--", marker="s",
                     description="LSTM, forget-gate bias initialised to 1"),
        MemoryConfig("gru", "gru", description="GRU, PyTorch's default initialisation"),
    ]
}
# The configurations drawn together, each family against the cell it modifies.
FAMILIES: dict[str, tuple[str, ...]] = {
    "tanh RNN and its remedies": ("rnn", "rnn + clipping", "rnn + orthogonal", "rnn + tbptt 10"),
    "activation × identity start (same W_ih, biases 0)": (
        "irnn: relu, W_hh = I", "relu, W_hh default", "tanh, W_hh = I", "tanh, W_hh default"),
    "gated cells": ("lstm", "lstm + forget bias 1", "gru"),
}


@dataclass(frozen=True)
class MemoryResult:
    """One model trained on one lag with one budget.

    Attributes:
        config: the :class:`MemoryConfig` name.
        lag: silent steps between the burst and the answer.
        seed: seeds the initialisation, the data and the shuffling.
        budget: the most epochs the run was allowed.
        test_nmse: mean squared error on held-out sequences divided by their
            variance (0 perfect; a constant scores about 1, see :func:`constant_nmse`).
        jacobian_norm: ``‖∂h_T/∂h_{T-lag}‖`` at initialisation, batch mean
            (from :func:`~sine_lab.diagnostics.jacobian_norms_vs_lag`): how much
            gradient the burst's last step could receive before training.
        final_jacobian_norm: the same after training.
        epochs: epochs run (training stops early once the training loss is tiny).
        stop_reason: :attr:`~sine_lab.training.History.stop_reason`.
    """

    config: str
    lag: int
    seed: int
    budget: int
    test_nmse: float
    jacobian_norm: float
    final_jacobian_norm: float
    epochs: int
    stop_reason: str

    @property
    def success(self) -> bool:
        """Whether the run explains >= 90 % of the held-out variance (and did not diverge)."""
        return self.stop_reason != "diverged" and self.test_nmse < SUCCESS_NMSE

    def as_dict(self) -> dict[str, object]:
        """The fields and ``success``, for JSON."""
        return {**asdict(self), "success": self.success}


class _ScoreAtBudgets(Callback):
    """Measure ``‖∂h_T/∂h_{T-lag}‖`` before training, and score the model on held-out data
    after each budget's last epoch, so that one run with the largest budget also gives the
    result of every smaller one (the learning rate is constant and the data order seeded, so
    the first ``b`` epochs are those a ``b``-epoch run takes)."""

    # Last, so that a budget ending on the epoch that stops training is scored as stopped.
    order = 90

    def __init__(self, budgets: Sequence[int], lag: int, x_test: Tensor, y_test: Tensor) -> None:
        self.budgets, self.lag, self.x_test, self.y_test = sorted(budgets), lag, x_test, y_test
        self.initial = math.nan
        self.scores: dict[int, tuple[float, float, int, str]] = {}

    def _gradient_at_lag(self, state: TrainingState) -> float:
        # The burst's last step, the last one carrying information, lies `lag` steps before the answer.
        return float(jacobian_norms_vs_lag(state.model, state.x[:4])[self.lag])

    def _score(self, state: TrainingState) -> tuple[float, float]:
        return _nmse(state.model, self.x_test, self.y_test), self._gradient_at_lag(state)

    def on_train_begin(self, state: TrainingState) -> None:
        self.initial = self._gradient_at_lag(state)

    def on_epoch_end(self, state: TrainingState) -> None:
        if state.epoch in self.budgets and state.epoch < self.budgets[-1]:
            self.scores[state.epoch] = (*self._score(state), state.epoch, "completed")

    def on_train_end(self, state: TrainingState) -> None:
        final = (*self._score(state), state.epoch, state.history.stop_reason)
        for budget in self.budgets:
            self.scores.setdefault(budget, final)


def _nmse(model: nn.Module, x: Tensor, y: Tensor) -> float:
    with torch.no_grad(), eval_mode(model):
        nmse = float(((model(x) - y) ** 2).mean() / y.var())
    return nmse if math.isfinite(nmse) else math.inf


def _test_set(lag: int, seed: int, test_sequences: int) -> tuple[Tensor, Tensor]:
    return delayed_recall(check_int("test_sequences", test_sequences, minimum=2), lag, seed=seed + 10_000)


def train_memory_model(
    config: MemoryConfig,
    lag: int,
    seed: int,
    *,
    epochs: int = 50,
    hidden_size: int = 16,
    train_sequences: int = 256,
    batch_size: int = 64,
    lr: float = 5e-3,
    callbacks: Sequence[Callback] = (),
) -> nn.Module:
    """Build one model and train it on :func:`~sine_lab.data.delayed_recall` at one lag, as the sweep does.

    Adam at a constant ``lr`` on mini-batches of the training sequences ``(train_sequences, 5 + lag, 1)``
    (targets ``(train_sequences, 1)``); training stops early once the training loss falls below 1 % of
    the variance of the targets (a success needs no more epochs; a failure runs them all).

    Args:
        config: how to build and train the model.
        lag: silent steps, >= 1.
        seed: seeds the data, the initial weights and the batch order.
        epochs: the most epochs to train.
        hidden_size: units of the recurrent layer.
        train_sequences: training set size.
        batch_size: mini-batch size.
        lr: Adam's learning rate.
        callbacks: added to the training's own (e.g. to score it along the way).

    Returns:
        the trained model.
    """
    if not isinstance(config, MemoryConfig):
        raise TypeError(f"config must be a MemoryConfig (e.g. MEMORY_CONFIGS['rnn']), got {type(config).__name__}")
    lag = check_int("lag", lag, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    x, y = delayed_recall(check_int("train_sequences", train_sequences, minimum=2), lag, seed=seed)
    seed_everything(seed)
    model = config.build(check_int("hidden_size", hidden_size, minimum=1))
    target_loss = 0.01 * float(y.var())
    stage = config.stage(lr=lr, epochs=check_int("epochs", epochs, minimum=1), batch_size=batch_size)
    stage.train(model, x, y, callbacks=[OnEpochEnd(lambda epoch, loss: loss > target_loss), *callbacks], seed=seed)
    return model


def memory_nmse(model: nn.Module, lag: int, seed: int, *, test_sequences: int = 256) -> float:
    """A model's NMSE (MSE over the variance of the targets) on the held-out sequences the sweep scores
    for ``seed`` (drawn with ``seed + 10_000``) at ``lag``; ``inf`` if its output is not finite."""
    return _nmse(model, *_test_set(check_int("lag", lag, minimum=1), check_int("seed", seed, minimum=0),
                                   test_sequences))


def run_memory_trial(
    config: MemoryConfig,
    lag: int,
    seed: int,
    *,
    budgets: Sequence[int] = (50,),
    test_sequences: int = 256,
    **training: object,
) -> tuple[MemoryResult, ...]:
    """Train one model with :func:`train_memory_model` and score it after each budget.

    One run with the largest budget gives every budget's result: the model is scored on
    held-out sequences (:func:`memory_nmse`) after each budget's last epoch, and
    ``‖∂h_T/∂h_{T-lag}‖`` is measured before training and at each score.

    Args:
        config: how to build and train the model.
        lag: silent steps, >= 1.
        seed: seeds everything; the test set uses ``seed + 10_000``.
        budgets: the training budgets in epochs, each >= 1.
        test_sequences: held-out set size.
        training: passed to :func:`train_memory_model` (``hidden_size``, ``train_sequences``,
            ``batch_size``, ``lr``).

    Returns:
        one :class:`MemoryResult` per budget, in ascending order of budget.
    """
    budgets = sorted({check_int("budget", b, minimum=1) for b in budgets})
    if not budgets:
        raise ValueError("budgets must hold at least one number of epochs, e.g. (50,)")
    lag = check_int("lag", lag, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    scorer = _ScoreAtBudgets(budgets, lag, *_test_set(lag, seed, test_sequences))
    train_memory_model(config, lag, seed, epochs=budgets[-1], callbacks=[scorer], **training)
    return tuple(
        MemoryResult(config.name, lag, seed, budget, nmse, scorer.initial, final, epochs, reason)
        for budget, (nmse, final, epochs, reason) in sorted(scorer.scores.items())
    )


def run_memory_sweep(
    configs: Iterable[MemoryConfig],
    lags: Sequence[int],
    seeds: Sequence[int],
    *,
    budgets: Sequence[int] = (50,),
    progress: Callable[[MemoryResult], None] | None = None,
    **trial_options: object,
) -> list[MemoryResult]:
    """:func:`run_memory_trial` for every config, lag and seed (in that nesting order).

    Args:
        configs: the configurations (e.g. ``MEMORY_CONFIGS.values()``).
        lags: the lags to sweep.
        seeds: the seeds per (config, lag).
        budgets: the training budgets in epochs; each run gives one result per budget.
        progress: called with each result as it arrives (e.g. to print it).
        trial_options: passed to :func:`run_memory_trial` (``hidden_size``, ``lr``, ...).
    """
    results = []
    for config in configs:
        for lag in lags:
            for seed in seeds:
                for result in run_memory_trial(config, lag, seed, budgets=budgets, **trial_options):
                    results.append(result)
                    if progress is not None:
                        progress(result)
    return results


def at_budget(results: Iterable[MemoryResult], budget: int) -> list[MemoryResult]:
    """The results of the runs allowed ``budget`` epochs."""
    chosen = [r for r in results if r.budget == budget]
    if not chosen:
        raise ValueError(f"no result has budget {budget} epochs")
    return chosen


def _one_budget(results: Iterable[MemoryResult]) -> list[MemoryResult]:
    results = list(results)
    budgets = sorted({r.budget for r in results})
    if len(budgets) > 1:
        raise ValueError(f"the results mix budgets {budgets} epochs; choose one with at_budget(results, budget)")
    return results


def success_counts(results: Iterable[MemoryResult]) -> dict[tuple[str, int], tuple[int, int]]:
    """``{(config, lag): (seeds that succeed, seeds run)}``, configurations in the order first seen.

    Raises:
        ValueError: the results mix training budgets (count one with :func:`at_budget`).
    """
    counts: dict[tuple[str, int], tuple[int, int]] = {}
    for r in _one_budget(results):
        solved, runs = counts.get((r.config, r.lag), (0, 0))
        counts[r.config, r.lag] = (solved + bool(r.success), runs + 1)
    return counts


def success_rates(results: Iterable[MemoryResult]) -> dict[str, dict[int, float]]:
    """Fraction of successful seeds, as ``{config: {lag: rate}}`` (lags in ascending order)."""
    rates: dict[str, dict[int, float]] = {}
    for (config, lag), (solved, runs) in sorted(success_counts(results).items(), key=lambda item: item[0][1]):
        rates.setdefault(config, {})[lag] = solved / runs
    return rates


def constant_nmse(seed: int, *, train_sequences: int = 256, test_sequences: int = 256) -> dict[str, float]:
    """The held-out NMSE of constant predictions, on the data :func:`run_memory_trial` uses for ``seed``.

    The amplitudes do not depend on the lag, so neither do these. Returns ``{"zero": ...,
    "training mean": ..., "test mean": ...}``; the test set's own mean is the best any constant
    can do, ``(n - 1) / n`` for ``n`` test sequences.
    """
    seed = check_int("seed", seed, minimum=0)
    _, y = delayed_recall(check_int("train_sequences", train_sequences, minimum=2), 1, seed=seed)
    _, y_test = delayed_recall(check_int("test_sequences", test_sequences, minimum=2), 1, seed=seed + 10_000)
    scores = {}
    for name, value in (("zero", 0.0), ("training mean", float(y.mean())), ("test mean", float(y_test.mean()))):
        scores[name] = float(((y_test - value) ** 2).mean() / y_test.var())
    return scores


def format_success_table(results: Iterable[MemoryResult], *, constant: Mapping[int, float] | None = None) -> str:
    """A table of the seeds that succeed, ``successes/seeds``, one row per configuration and one
    column per lag (in the order first seen), for results of one budget. ``constant``
    (``{seed: NMSE}``, e.g. the training mean's from :func:`constant_nmse`) adds the row of a
    constant prediction, judged by the same rule."""
    results = _one_budget(results)
    if not results:
        raise ValueError("results must hold at least one MemoryResult")
    counts = success_counts(results)
    configs = list(dict.fromkeys(config for config, _ in counts))
    lags = sorted({lag for _, lag in counts})
    width = max(26, *(len(c) + 2 for c in configs))
    lines = [f"{'seeds that succeed':{width}s}" + "".join(f"{f'k={lag}':>8s}" for lag in lags)]
    for config in configs:
        cells = [f"{counts[config, lag][0]}/{counts[config, lag][1]}" if (config, lag) in counts else "-"
                 for lag in lags]
        lines.append(f"{config:{width}s}" + "".join(f"{cell:>8s}" for cell in cells))
    if constant is not None:
        seeds = sorted({r.seed for r in results})
        missing = [s for s in seeds if s not in constant]
        if missing:
            raise ValueError(f"constant has no NMSE for seeds {missing}")
        solved = sum(constant[s] < SUCCESS_NMSE for s in seeds)
        cell = f"{solved}/{len(seeds)}"
        lines.append(f"{'constant (training mean)':{width}s}" + "".join(f"{cell:>8s}" for _ in lags))
    return "\n".join(lines)


@dataclass(frozen=True)
class MemorySweep:
    """A stored sweep: the command that made it, its settings and its results."""

    command: str
    settings: dict[str, object]
    results: list[MemoryResult] = field(repr=False)


def load_sweep(path: str | Path = RESULTS_FILE) -> MemorySweep:
    """The sweep written by ``scripts/memory_sweep.py`` (JSON with ``command``, ``settings`` and
    ``results``, a list of :meth:`MemoryResult.as_dict`)."""
    try:
        stored = json.loads(Path(path).read_text(encoding="utf-8"))
        # "success" is derived (as_dict adds it), not a field.
        results = [MemoryResult(**{k: v for k, v in record.items() if k != "success"})
                   for record in stored["results"]]
        return MemorySweep(str(stored["command"]), dict(stored["settings"]), results)
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise ValueError(
            f"{Path(path).name} is not a memory-sweep JSON file written by scripts/memory_sweep.py: {error!r}"
        ) from error


def _config(name: str) -> MemoryConfig:
    if name not in MEMORY_CONFIGS:
        raise KeyError(f"no memory configuration {name!r}; known: {', '.join(MEMORY_CONFIGS)}")
    return MEMORY_CONFIGS[name]


def plot_initial_gradients(curves: Mapping[str, Tensor], *, title: str) -> Figure:
    """``‖∂h_T/∂h_{T-k}‖`` at initialisation against the lag, one panel per family of
    :data:`FAMILIES`; exact zeros are not drawn (a log axis has no 0). Curves of one panel that stay
    within a factor 2 of each other at every lag would hide each other on a log axis of many decades,
    so the panel names them with their values at the last lag.

    Args:
        curves: ``{config name: (seq,) norms}`` from :func:`~sine_lab.diagnostics.jacobian_norms_vs_lag`.
        title: the figure's title; state the finding.
    """
    families = [(family, [n for n in names if n in curves]) for family, names in FAMILIES.items()]
    families = [(family, names) for family, names in families if names]
    if not families:
        raise ValueError(f"curves names none of the configurations {list(MEMORY_CONFIGS)}")
    fig, axes = plt.subplots(1, len(families), figsize=(5.2 * len(families), 4.2), sharey=True, squeeze=False)
    for ax, (family, names) in zip(axes[0], families, strict=True):
        for i, name in enumerate(names):
            norms = curves[name].double()
            shown = torch.where(norms > 0, norms, torch.nan)
            ax.semilogy(shown, label=name, markevery=(4 * i, 20), markersize=6, linewidth=1.5,
                        **_config(name).style())
        ax.axhline(1.0, color=colour("reference"), linewidth=0.8)
        close = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
                 if bool((curves[a].double() / curves[b].double()).log10().abs().max() < math.log10(2))]
        notes = [f"{a} ({float(curves[a][-1]):.2f}) and {b} ({float(curves[b][-1]):.2f}) overlap;\n"
                 f"values at lag {len(curves[a]) - 1}" for a, b in close]
        if notes:
            ax.text(0.97, 0.9, "\n".join(notes), transform=ax.transAxes, ha="right", va="top", fontsize=8)
        ax.set(title=family, xlabel="lag k (steps back from the answer)")
        ax.legend(fontsize=8, loc="lower left")
    axes[0][0].set_ylabel("‖∂h_T/∂h_(T−k)‖ at initialisation")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_memory_outcomes(results: Iterable[MemoryResult], *, title: str, constant: float | None = None,
                         configs: Sequence[str] | None = None) -> Figure:
    """Every run's held-out NMSE against the lag, one panel per configuration: hollow markers
    after the smallest budget, dots after the largest (a dot inside a ring: the extra epochs
    changed nothing). The success line (NMSE 0.1) and, if given, a constant's NMSE are drawn.

    Args:
        results: from :func:`run_memory_sweep` (one or two budgets).
        title: the figure's title; state the finding.
        constant: the NMSE of a constant prediction, drawn as a reference line.
        configs: which configurations, in panel order (default: all, as found).
    """
    results = list(results)
    if not results:
        raise ValueError("results must hold at least one MemoryResult")
    names = list(configs) if configs is not None else list(dict.fromkeys(r.config for r in results))
    budgets = sorted({r.budget for r in results})
    low, high = budgets[0], budgets[-1]
    columns = 4
    rows = math.ceil(len(names) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.9 * rows), sharex=True, sharey=True,
                             squeeze=False)
    lags = sorted({r.lag for r in results})
    for ax, name in zip(axes.flat, names, strict=False):
        mine = [r for r in results if r.config == name]
        style = _config(name).style() if name in MEMORY_CONFIGS else {"color": colour("reference")}
        first = [r for r in mine if r.budget == low]
        ax.scatter([r.lag for r in first], [r.test_nmse for r in first], s=60,
                   facecolors="none", edgecolors=style["color"], linewidths=1.2, label=f"{low} epochs")
        if high != low:
            last = [r for r in mine if r.budget == high]
            ax.scatter([r.lag for r in last], [r.test_nmse for r in last], s=12,
                       color=style["color"], label=f"{high} epochs")
        ax.axhline(SUCCESS_NMSE, linestyle="--", color=colour("reference"), linewidth=1)
        if constant is not None:
            ax.axhline(constant, color=colour("zero"), linewidth=2, zorder=0)
        ax.set_title(name, fontsize=10, color=style["color"])
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax in axes.flat:
        ax.set(xscale="log", yscale="log", xticks=lags, xticklabels=[str(lag) for lag in lags])
        ax.minorticks_off()
    for ax in axes[-1]:
        ax.set_xlabel("lag k (steps)")
    for ax in axes[:, 0]:
        ax.set_ylabel("held-out NMSE")
    # The budgets' markers in the neutral reference grey: a panel's colour means its cell, not the budget.
    handles = [plt.Line2D([], [], linestyle="", marker="o", markersize=8, markerfacecolor="none",
                          markeredgecolor=colour("reference"))]
    labels = [f"{low} epochs"]
    if high != low:
        handles.append(plt.Line2D([], [], linestyle="", marker="o", markersize=4, color=colour("reference")))
        labels.append(f"{high} epochs")
    handles += [plt.Line2D([], [], linestyle="--", color=colour("reference")),
                *([plt.Line2D([], [], color=colour("zero"), linewidth=2)] if constant is not None else [])]
    labels += [f"success: NMSE < {SUCCESS_NMSE:g}",
               *([f"a constant: NMSE {constant:.2f}"] if constant is not None else [])]
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9)
    return fig


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h")


def _distinct_markers(names: list[str]) -> dict[str, str]:
    """A marker per configuration, no two alike (red and pink are easily confused, so shapes must tell the
    configurations apart): each keeps its own marker unless an earlier one has that shape ("d" counts as
    "D"), and then takes the first free one of ``_MARKERS``."""
    taken: set[str] = set()
    chosen = {}
    for name in names:
        marker = str(_config(name).style()["marker"] or "o")
        if _shape(marker) in taken:
            marker = next(m for m in _MARKERS if _shape(m) not in taken)
        taken.add(_shape(marker))
        chosen[name] = marker
    return chosen


def _shape(marker: str) -> str:
    return "D" if marker == "d" else marker


def _distinct_shades(names: list[str]) -> dict[str, tuple[float, float, float]]:
    """A colour per configuration: its kind's colour from the series' palette, in a shade of its own for
    each configuration that shares it, so that one colour family still marks one kind of cell. The first
    configuration of a family (in order of ``names``) keeps the colour itself; the others alternate
    darker and lighter, by up to half the way to black or to white."""
    families: dict[str, list[str]] = {}
    for name in names:
        families.setdefault(str(_config(name).style()["color"]), []).append(name)
    shades = {}
    for base, members in families.items():
        rgb, others = to_rgb(base), len(members) - 1
        for i, name in enumerate(members):
            mix = 0.0 if i == 0 else (-1) ** i * 0.5 * ((i + 1) // 2) / math.ceil(others / 2)
            target = 1.0 if mix > 0 else 0.0
            shades[name] = tuple(c + abs(mix) * (target - c) for c in rgb)
    return shades


def plot_gradient_and_outcome(results: Iterable[MemoryResult], *, title: str, vanished: float | None = 1e-6,
                              floor: float = 1e-20) -> Figure:
    """Each run's held-out NMSE against ``‖∂h_T/∂h_{T-lag}‖`` at initialisation (left) and after
    training (right), marked by configuration (a shape each, and a shade of its kind's colour); the success
    line at NMSE 0.1. Runs whose norm is exactly 0 cannot sit on a log axis and are left out (each panel says
    how many); norms below ``floor`` are drawn at it, with their count, so that the axis spends its width
    where outcomes differ.

    Args:
        results: runs of one budget (truncated-BPTT runs are usually left out: their gradient is cut by design).
        title: the figure's title; state the finding.
        vanished: a norm drawn as a dotted vertical line on the left (the chapter's "vanished"), or ``None``.
        floor: the smallest norm the axes show.
    """
    results = _one_budget(results)
    if not results:
        raise ValueError("results must hold at least one MemoryResult")
    names = list(dict.fromkeys(r.config for r in results))
    markers, shades = _distinct_markers(names), _distinct_shades(names)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6), sharey=True)
    for ax, field_name, label in ((axes[0], "jacobian_norm", "at initialisation"),
                                  (axes[1], "final_jacobian_norm", "after training")):
        for name in names:
            mine = [r for r in results if r.config == name and getattr(r, field_name) > 0]
            ax.scatter([max(getattr(r, field_name), floor) for r in mine], [r.test_nmse for r in mine], label=name,
                       marker=markers[name], s=48, facecolors="none", edgecolors=[shades[name]], linewidths=1.3,
                       alpha=0.8)
        below = [r for r in results if 0 < getattr(r, field_name) < floor]
        zero = [r for r in results if getattr(r, field_name) == 0]
        notes = [f"{len(group)} runs {where} ({sum(r.success for r in group)} succeeded)"
                 for group, where in ((below, f"below {floor:g}, drawn at it"), (zero, "at exactly 0, not drawn"))
                 if group]
        if notes:
            ax.annotate("\n".join(notes), (floor, SUCCESS_NMSE), xytext=(4, -32), textcoords="offset points",
                        fontsize=8)
        # To at least 10, and 3x past the largest norm: no point (identity starts sit near 1) on the edge.
        ax.set_xlim(floor / 10, max([10.0, *(3 * getattr(r, field_name) for r in results)]))
        ax.axhline(SUCCESS_NMSE, linestyle="--", color=colour("reference"), linewidth=1)
        ax.set(xscale="log", yscale="log", xlabel=f"‖∂h_T/∂h_(T−k)‖ {label} (k = the run's lag)")
    if vanished is not None:
        axes[0].axvline(vanished, linestyle=":", color=colour("reference"), linewidth=1)
        axes[0].annotate(f" {vanished:g}", (vanished, SUCCESS_NMSE), color=colour("reference"), fontsize=8,
                         xytext=(2, -12), textcoords="offset points")
    axes[0].set_ylabel("held-out NMSE (success below the dashed line)")
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 0.86, 1))
    fig.legend(*axes[0].get_legend_handles_labels(), loc="center left", bbox_to_anchor=(0.86, 0.5), fontsize=8,
               markerscale=1.2)
    return fig


def plot_start_by_lag(results: Iterable[MemoryResult], *, title: str, vanished: float = 1e-6,
                      floor: float = 1e-20) -> Figure:
    """Each run's held-out NMSE against its ``‖∂h_T/∂h_{T-lag}‖`` at initialisation, one panel per lag, so
    that a start is compared only with runs at the same lag. Each configuration has its own marker (a shape,
    and a shade of its kind's colour: tanh RNN, ReLU RNN, LSTM, GRU); each panel's title counts the successes
    among the runs that started below ``vanished`` (drawn as a dotted line) and among the others. Norms below
    ``floor``, exactly 0 included, are drawn at it, and each panel counts them.

    Args:
        results: runs of one budget (truncated-BPTT runs are usually left out: their gradient is cut by design).
        title: the figure's title; state the finding.
        vanished: the norm below which a start counts as vanished.
        floor: the smallest norm the axes show.
    """
    results = _one_budget(results)
    if not results:
        raise ValueError("results must hold at least one MemoryResult")
    vanished = check_float("vanished", vanished, minimum=0, exclusive_minimum=True)
    floor = check_float("floor", floor, minimum=0, exclusive_minimum=True)
    lags = sorted({r.lag for r in results})
    names = list(dict.fromkeys(r.config for r in results))
    markers, shades = _distinct_markers(names), _distinct_shades(names)
    fig, axes = plt.subplots(1, len(lags), figsize=(3.2 * len(lags) + 2.0, 3.9), sharey=True, squeeze=False)
    axes = axes[0]
    for ax, lag in zip(axes, lags, strict=True):
        mine = [r for r in results if r.lag == lag]
        for name in names:
            drawn = [r for r in mine if r.config == name]
            ax.scatter([max(r.jacobian_norm, floor) for r in drawn], [r.test_nmse for r in drawn], s=40,
                       marker=markers[name], facecolors="none", edgecolors=[shades[name]], linewidths=1.2,
                       alpha=0.8)
        low = [r for r in mine if r.jacobian_norm < vanished]
        high = [r for r in mine if r.jacobian_norm >= vanished]
        ax.set_title(f"k = {lag}\nvanished start: {sum(r.success for r in low)} of {len(low)} succeed\n"
                     f"open start: {sum(r.success for r in high)} of {len(high)} succeed", fontsize=9)
        zero = sum(r.jacobian_norm == 0 for r in mine)
        below = sum(0 < r.jacobian_norm < floor for r in mine)
        notes = [note for count, note in ((below, f"{below} runs below {floor:g}"), (zero, f"{zero} runs at exactly 0"))
                 if count]
        if notes:
            ax.annotate("\n".join(notes) + f"\n(drawn at {floor:g})", (0.02, 0.02), xycoords="axes fraction",
                        fontsize=7)
        ax.axvline(vanished, linestyle=":", color=colour("reference"), linewidth=1)
        ax.axhline(SUCCESS_NMSE, linestyle="--", color=colour("reference"), linewidth=1)
        ax.set_xlim(floor / 10, max([10.0, *(3 * r.jacobian_norm for r in results)]))
        ax.set(xscale="log", yscale="log", xlabel="‖∂h_T/∂h_(T−k)‖ at the start")
        ax.xaxis.set_major_locator(plt.LogLocator(numticks=4))
    axes[0].set_ylabel("held-out NMSE\n(success below the dashed line)")
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1 - 1.9 / fig.get_figwidth(), 1))
    handles = [plt.Line2D([], [], linestyle="", marker=markers[name], markerfacecolor="none",
                          markeredgecolor=shades[name]) for name in names]
    fig.legend(handles, names, loc="center right", fontsize=7)
    return fig
