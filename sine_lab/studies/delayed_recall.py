"""The long-memory experiment of chapter 09: a sine task that needs memory over a
lag ``k``, trained with each cell and each remedy, over a sweep of lags and seeds.

The notebook and ``scripts/memory_sweep.py`` both call :func:`run_memory_sweep`,
so the figures from the script (more seeds) and the CI-sized notebook run the
same code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from matplotlib.figure import Figure

from ..arguments import check_float, check_int
from ..callbacks import OnEpochEnd
from ..data import delayed_recall
from ..diagnostics import jacobian_norms_vs_lag
from ..forecasting import Stage
from ..models import build_model, init_forget_gate_bias, init_orthogonal_recurrent, recurrent_layer
from ..objectives import LastStep, TruncatedBPTT
from ..training import seed_everything

__all__ = [
    "MemoryConfig",
    "MemoryResult",
    "MEMORY_CONFIGS",
    "SUCCESS_NMSE",
    "run_memory_trial",
    "run_memory_sweep",
    "success_counts",
    "success_rates",
    "format_success_table",
    "load_results",
    "config_colour",
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
        kind: the registered kind of model (:data:`~sine_lab.models.MODEL_KINDS`).
        init: re-initialises the fresh model in place (e.g.
            :func:`~sine_lab.models.init_orthogonal_recurrent`), if set.
        clip_grad_norm: the gradient-norm clip (:class:`~sine_lab.callbacks.ClipGradNorm`), if any.
        truncate_bptt: back-propagate through only this many last steps
            (:class:`~sine_lab.objectives.TruncatedBPTT`), if set.
        description: one line for the chapter's table.
    """

    name: str
    kind: str
    init: Callable[[nn.Module], None] | None = None
    clip_grad_norm: float | None = None
    truncate_bptt: int | None = None
    description: str = ""

    def build(self, hidden_size: int) -> nn.Module:
        """A fresh model of :attr:`kind` with ``hidden_size`` units, re-initialised by :attr:`init`
        (call it after seeding)."""
        model = build_model(self.kind, hidden_size=hidden_size)
        if self.init is not None:
            self.init(model)
        return model

    def stage(self, *, lr: float, epochs: int, batch_size: int) -> Stage:
        """How this configuration trains: Adam on mini-batches, with its clipping and truncation."""
        objective = LastStep() if self.truncate_bptt is None else TruncatedBPTT(self.truncate_bptt)
        return Stage(lr, epochs=epochs, batch_size=batch_size, clip=self.clip_grad_norm, objective=objective)


def _default_recurrent_init(model: nn.Module) -> None:
    # The IRNN's ReLU without its identity start: separates the activation from the initialisation.
    recurrent_layer(model, "the relu rnn configuration").reset_parameters()


MEMORY_CONFIGS: dict[str, MemoryConfig] = {
    c.name: c
    for c in [
        MemoryConfig("rnn", "rnn", description="tanh RNN, PyTorch's default initialisation"),
        MemoryConfig("lstm", "lstm", description="LSTM, PyTorch's default initialisation"),
        MemoryConfig("gru", "gru", description="GRU, PyTorch's default initialisation"),
        MemoryConfig("rnn + clipping", "rnn", clip_grad_norm=1.0,
                     description="tanh RNN, gradient norm clipped to 1"),
        MemoryConfig("rnn + orthogonal", "rnn", init_orthogonal_recurrent,
                     description="tanh RNN, recurrent weights initialised orthogonal (all singular values 1)"),
        MemoryConfig("relu rnn", "irnn", _default_recurrent_init,
                     description="ReLU RNN, PyTorch's default initialisation (the IRNN's activation alone)"),
        MemoryConfig("irnn (relu, identity)", "irnn",
                     description="ReLU RNN, recurrent weights initialised to the identity (Le et al. 2015)"),
        MemoryConfig("lstm + forget bias 1", "lstm", init_forget_gate_bias,
                     description="LSTM, forget-gate bias initialised to 1"),
        MemoryConfig("rnn + tbptt 10", "rnn", truncate_bptt=10,
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
    stage = config.stage(lr=lr, epochs=epochs, batch_size=batch_size)
    history = stage.train(model, x, y, callbacks=[OnEpochEnd(lambda epoch, loss: loss > target_loss)], seed=seed)
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
    rates: dict[str, dict[int, float]] = {}
    for (config, lag), (solved, runs) in sorted(success_counts(results).items(), key=lambda item: item[0][1]):
        rates.setdefault(config, {})[lag] = solved / runs
    return rates


def success_counts(results: Iterable[MemoryResult]) -> dict[tuple[str, int], tuple[int, int]]:
    """``{(config, lag): (seeds that succeed, seeds run)}``, configurations in the order first seen."""
    counts: dict[tuple[str, int], tuple[int, int]] = {}
    for r in results:
        solved, runs = counts.get((r.config, r.lag), (0, 0))
        counts[r.config, r.lag] = (solved + bool(r.success), runs + 1)
    return counts


def format_success_table(results: Iterable[MemoryResult]) -> str:
    """A table of the seeds that succeed, ``successes/seeds``, one row per configuration and
    one column per lag (in the order first seen), and a last line on the runs that started
    with a vanished gradient at their lag (``‖∂h_T/∂h_{T-lag}‖ < 1e-6``, truncated BPTT aside)."""
    results = list(results)
    if not results:
        raise ValueError("results must hold at least one MemoryResult")
    counts = success_counts(results)
    configs = list(dict.fromkeys(config for config, _ in counts))
    lags = sorted({lag for _, lag in counts})
    lines = [f"{'seeds that succeed':26s}" + "".join(f"{f'k={lag}':>8s}" for lag in lags)]
    for config in configs:
        cells = [f"{counts[config, lag][0]}/{counts[config, lag][1]}" if (config, lag) in counts else "-"
                 for lag in lags]
        lines.append(f"{config:26s}" + "".join(f"{cell:>8s}" for cell in cells))
    # Truncated BPTT cuts the gradient by design, so its runs say nothing about vanishing.
    tiny = [r for r in results if r.jacobian_norm < 1e-6 and not _truncated(r.config)]
    lines.append(f"runs starting with ‖∂h_T/∂h_(T−k)‖ < 1e-6: {len(tiny)}, of which "
                 f"{sum(r.success for r in tiny)} succeeded")
    return "\n".join(lines)


def _truncated(config: str) -> bool:
    known = MEMORY_CONFIGS.get(config)
    return known is not None and known.truncate_bptt is not None


def load_results(path: str | Path) -> list[MemoryResult]:
    """The results written by ``scripts/memory_sweep.py`` (a JSON list of :meth:`MemoryResult.as_dict`)."""
    try:
        records = json.loads(Path(path).read_text())
        # "success" is derived (as_dict adds it), not a field.
        return [MemoryResult(**{k: v for k, v in record.items() if k != "success"}) for record in records]
    except (OSError, ValueError, TypeError) as error:
        raise ValueError(
            f"{path} is not a memory-sweep JSON file written by scripts/memory_sweep.py: {error}"
        ) from error


def config_colour(name: str, others: Sequence[str] = ()) -> object:
    """The colour of a configuration in every figure of the memory chapter: its place in
    :data:`MEMORY_CONFIGS`; a name not there takes its place in ``others`` on a second
    palette (Dark2), so it clashes with none of them."""
    if name in MEMORY_CONFIGS:
        return f"C{list(MEMORY_CONFIGS).index(name)}"
    unknown = [n for n in others if n not in MEMORY_CONFIGS]
    return plt.get_cmap("Dark2")(unknown.index(name) % 8 if name in unknown else 0)


def plot_memory_sweep(results: Iterable[MemoryResult], *, title: str, configs: Iterable[str] | None = None) -> Figure:
    """Three panels against the lag, one line per configuration: success rate over seeds,
    median held-out NMSE, and median ``‖∂h_T/∂h_{T-lag}‖`` at initialisation.

    Configurations often share a value (several at success rate 0); each line is shifted
    sideways by a few percent of its lag, so no line hides another. The legend sits outside
    the panels.

    Args:
        results: from :func:`~sine_lab.studies.delayed_recall.run_memory_sweep`.
        title: the figure's title; state the finding.
        configs: which configurations to draw, in legend order (default: all, as found).
    """
    results = list(results)
    rates = success_rates(results)
    names = list(configs) if configs is not None else list(rates)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
    for i, name in enumerate(names):
        lags = list(rates[name])
        shifted = [lag * 1.04 ** (i - (len(names) - 1) / 2) for lag in lags]
        mine = [r for r in results if r.config == name]
        style = {"color": config_colour(name, names), "marker": "o", "markersize": 4}
        axes[0].plot(shifted, [rates[name][lag] for lag in lags], label=name, **style)
        axes[1].plot(shifted, [_median(mine, "test_nmse", lag) for lag in lags], **style)
        # Floor so that an underflowed norm (0) still shows on the log axis.
        axes[2].plot(shifted, [max(_median(mine, "jacobian_norm", lag), 1e-40) for lag in lags], **style)
    axes[0].set(ylabel="success rate (held-out NMSE < 0.1)", ylim=(-0.05, 1.05))
    axes[1].set(ylabel="median held-out NMSE (1 = knows nothing)", yscale="log")
    axes[1].axhline(0.1, linestyle="--", color="grey", linewidth=1)
    axes[2].set(ylabel="median ‖∂h_T/∂h_(T−lag)‖ at initialisation", yscale="log")
    for ax in axes:
        ax.set(xlabel="lag (silent steps)", xscale="log")
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 0.87, 1))
    fig.legend(*axes[0].get_legend_handles_labels(), loc="center right", fontsize=8)
    return fig


def _median(results: list[MemoryResult], field: str, lag: int) -> float:
    return float(torch.tensor([getattr(r, field) for r in results if r.lag == lag]).median())
