"""The long-memory experiment of chapter 07: a sine task that needs memory over a
lag ``k``, trained with each cell and each remedy, over a sweep of lags and seeds.

The notebook and ``scripts/memory_sweep.py`` both call :func:`run_memory_sweep`,
so the figures from the script (more seeds) and the CI-sized notebook run the
same code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ..arguments import check_float, check_int
from ..data import delayed_recall
from ..diagnostics import jacobian_norms_vs_lag
from ..models import SequenceModel, identity_relu_rnn, init_forget_gate_bias, init_orthogonal_recurrent
from ..callbacks import ClipGradNorm, OnEpochEnd
from ..objectives import TruncatedBPTT
from ..training import seed_everything, train

__all__ = [
    "MemoryConfig",
    "MemoryResult",
    "MEMORY_CONFIGS",
    "SUCCESS_NMSE",
    "run_memory_trial",
    "run_memory_sweep",
    "success_rates",
    "longest_solved_lag",
    "plot_memory_sweep",
]

# A run "succeeds" if it explains at least 90 % of the amplitude's variance on
# held-out sequences; knowing nothing (predicting the mean) scores 1.0.
SUCCESS_NMSE = 0.1


@dataclass(frozen=True)
class MemoryConfig:
    """One way to build and train a model for the delayed-recall task.

    Attributes:
        name: label used in tables and legends.
        build: ``build(hidden_size) -> SequenceModel``, called after seeding.
        clip_grad_norm: the gradient-norm clip (:class:`~sine_lab.callbacks.ClipGradNorm`), if any.
        truncate_bptt: back-propagate through only this many last steps
            (:class:`~sine_lab.objectives.TruncatedBPTT`), if set.
        description: one line for the chapter's table.
    """

    name: str
    build: Callable[[int], SequenceModel]
    clip_grad_norm: float | None = None
    truncate_bptt: int | None = None
    description: str = ""


def _cell(cell: str) -> Callable[[int], SequenceModel]:
    return lambda hidden: SequenceModel(cell, hidden_size=hidden)


def _orthogonal_rnn(hidden: int) -> SequenceModel:
    model = SequenceModel("rnn", hidden_size=hidden)
    init_orthogonal_recurrent(model, gain=1.0)
    return model


def _lstm_forget_bias(hidden: int) -> SequenceModel:
    model = SequenceModel("lstm", hidden_size=hidden)
    init_forget_gate_bias(model, 1.0)
    return model


MEMORY_CONFIGS: dict[str, MemoryConfig] = {
    c.name: c
    for c in [
        MemoryConfig("rnn", _cell("rnn"), description="tanh RNN, PyTorch's default initialisation"),
        MemoryConfig("lstm", _cell("lstm"), description="LSTM, PyTorch's default initialisation"),
        MemoryConfig("gru", _cell("gru"), description="GRU, PyTorch's default initialisation"),
        MemoryConfig("rnn + clipping", _cell("rnn"), clip_grad_norm=1.0,
                     description="tanh RNN, gradient norm clipped to 1"),
        MemoryConfig("rnn + orthogonal", _orthogonal_rnn,
                     description="tanh RNN, recurrent weights initialised orthogonal (all singular values 1)"),
        MemoryConfig("irnn (relu, identity)", identity_relu_rnn,
                     description="ReLU RNN, recurrent weights initialised to the identity (Le et al. 2015)"),
        MemoryConfig("lstm + forget bias 1", _lstm_forget_bias,
                     description="LSTM, forget-gate bias initialised to 1"),
        MemoryConfig("rnn + tbptt 10", _cell("rnn"), truncate_bptt=10,
                     description="tanh RNN, back-propagation truncated to the last 10 steps"),
    ]
}


@dataclass(frozen=True)
class MemoryResult:
    """One trained model on one lag.

    Attributes:
        config: the :class:`MemoryConfig` name.
        lag: silent steps between the burst and the answer.
        seed: seeds the initialisation, the data and the shuffling.
        test_nmse: mean squared error on held-out sequences divided by their
            variance (0 perfect, 1 = knows nothing).
        jacobian_norm: ``‖∂h_T/∂h_{T-lag}‖`` at initialisation, batch mean
            (from :func:`~sine_lab.diagnostics.jacobian_norms_vs_lag`): how much
            gradient the burst's last step could receive before training.
        epochs: epochs run (training stops early once the training loss is tiny).
        stop_reason: :attr:`~sine_lab.training.History.stop_reason`.
    """

    config: str
    lag: int
    seed: int
    test_nmse: float
    jacobian_norm: float
    epochs: int
    stop_reason: str

    @property
    def success(self) -> bool:
        """Whether the run explains >= 90 % of the held-out variance (and did not diverge)."""
        return self.stop_reason != "diverged" and self.test_nmse < SUCCESS_NMSE

    def as_dict(self) -> dict[str, object]:
        """The fields and ``success``, for JSON."""
        return {**asdict(self), "success": self.success}


def run_memory_trial(
    config: MemoryConfig,
    lag: int,
    seed: int,
    *,
    hidden_size: int = 16,
    train_sequences: int = 256,
    test_sequences: int = 256,
    batch_size: int = 64,
    epochs: int = 50,
    lr: float = 5e-3,
) -> MemoryResult:
    """Train one model on :func:`~sine_lab.data.delayed_recall` at one lag and score it.

    Training stops early once the training loss falls below 1 % of the task's
    variance (a success does not need more epochs; a failure always runs them all).

    Args:
        config: how to build and train the model.
        lag: silent steps, >= 1.
        seed: seeds everything; the test set uses ``seed + 10_000``.
        hidden_size: units of the recurrent layer.
        train_sequences: training set size (input ``(train_sequences, 5 + lag, 1)``).
        test_sequences: held-out set size.
        batch_size: mini-batch size.
        epochs: maximum passes over the training set.
        lr: Adam's learning rate.

    Returns:
        a :class:`MemoryResult`.
    """
    lag = check_int("lag", lag, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    x, y = delayed_recall(check_int("train_sequences", train_sequences, minimum=2), lag, seed=seed)
    x_test, y_test = delayed_recall(check_int("test_sequences", test_sequences, minimum=2), lag, seed=seed + 10_000)
    seed_everything(seed)
    model = config.build(check_int("hidden_size", hidden_size, minimum=1))
    # The burst's last step, the last one carrying information, lies `lag` steps before the answer.
    jacobian_norm = float(jacobian_norms_vs_lag(model, x[:4])[lag])
    target_loss = 0.01 * float(y.var())
    callbacks = [OnEpochEnd(lambda epoch, loss: loss > target_loss)]
    if config.clip_grad_norm is not None:
        callbacks.append(ClipGradNorm(config.clip_grad_norm))
    objective = TruncatedBPTT(config.truncate_bptt) if config.truncate_bptt is not None else None
    history = train(model, x, y, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                    objective=objective, callbacks=callbacks)
    with torch.no_grad():
        model.eval()
        nmse = float(((model(x_test) - y_test) ** 2).mean() / y_test.var())
    return MemoryResult(config.name, lag, seed, nmse if math.isfinite(nmse) else math.inf,
                        jacobian_norm, history.epochs, history.stop_reason)


def run_memory_sweep(
    configs: Iterable[MemoryConfig],
    lags: Sequence[int],
    seeds: Sequence[int],
    *,
    progress: Callable[[MemoryResult], None] | None = None,
    **trial_options: object,
) -> list[MemoryResult]:
    """:func:`run_memory_trial` for every config, lag and seed (in that nesting order).

    Args:
        configs: the configurations (e.g. ``MEMORY_CONFIGS.values()``).
        lags: the lags to sweep.
        seeds: the seeds per (config, lag).
        progress: called with each result as it arrives (e.g. to print it).
        trial_options: passed to :func:`run_memory_trial` (``hidden_size``, ``epochs``, ...).
    """
    results = []
    for config in configs:
        for lag in lags:
            for seed in seeds:
                result = run_memory_trial(config, lag, seed, **trial_options)
                results.append(result)
                if progress is not None:
                    progress(result)
    return results


def success_rates(results: Iterable[MemoryResult]) -> dict[str, dict[int, float]]:
    """Fraction of successful seeds, as ``{config: {lag: rate}}`` (lags in ascending order)."""
    table: dict[str, dict[int, list[bool]]] = {}
    for r in results:
        table.setdefault(r.config, {}).setdefault(r.lag, []).append(r.success)
    return {c: {lag: sum(v) / len(v) for lag, v in sorted(by_lag.items())} for c, by_lag in table.items()}


def longest_solved_lag(results: Iterable[MemoryResult], config: str, *, min_rate: float = 0.5) -> int:
    """The largest lag at which at least ``min_rate`` of the seeds of ``config``
    succeed, with every shorter swept lag solved too (0 if even the shortest fails)."""
    rates = success_rates(results).get(config)
    if rates is None:
        raise ValueError(f"no results for config {config!r}")
    solved = 0
    for lag, rate in rates.items():
        if rate < min_rate:
            break
        solved = lag
    return solved


def plot_memory_sweep(results: Iterable[MemoryResult], *, title: str, configs: Iterable[str] | None = None) -> Figure:
    """Three panels against the lag, one line per configuration: success rate over seeds,
    median held-out NMSE, and median ``‖∂h_T/∂h_{T-lag}‖`` at initialisation.

    Args:
        results: from :func:`~sine_lab.studies.delayed_recall.run_memory_sweep`.
        title: the figure's title; state the finding.
        configs: which configurations to draw, in legend order (default: all, as found).
    """
    results = list(results)
    rates = success_rates(results)
    names = list(configs) if configs is not None else list(rates)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for name in names:
        lags = list(rates[name])
        mine = [r for r in results if r.config == name]
        line, = axes[0].plot(lags, [rates[name][lag] for lag in lags], "o-", label=name)
        axes[1].plot(lags, [_median(mine, "test_nmse", lag) for lag in lags], "o-", color=line.get_color())
        # Floor so that an underflowed norm (0) still shows on the log axis.
        axes[2].plot(lags, [max(_median(mine, "jacobian_norm", lag), 1e-40) for lag in lags], "o-",
                     color=line.get_color())
    axes[0].set(ylabel="success rate (held-out NMSE < 0.1)", ylim=(-0.05, 1.05))
    axes[1].set(ylabel="median held-out NMSE (1 = knows nothing)", yscale="log")
    axes[1].axhline(0.1, linestyle="--", color="grey", linewidth=1)
    axes[2].set(ylabel="median ‖∂h_T/∂h_(T−lag)‖ at initialisation", yscale="log")
    for ax in axes:
        ax.set(xlabel="lag (silent steps)", xscale="log")
    axes[0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _median(results: list[MemoryResult], field: str, lag: int) -> float:
    return float(torch.tensor([getattr(r, field) for r in results if r.lag == lag]).median())
