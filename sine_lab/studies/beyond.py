"""Chapter 10's study: the article's recommendation (attention, Transformers) next to
the recurrent cells and a linear recurrent unit, on the benchmark's forecasting task
and on chapter 09's delayed recall.

``scripts/beyond_sweep.py`` runs the full sweep (more seeds, lags and periods than CI
affords) and writes the logs the chapter reads (beside the benchmark's sweeps, JSON written by
``python -m sine_lab.bench``); the chapter re-runs a few of the same
trials live with the same functions, so the stored numbers are checked each time.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from matplotlib.figure import Figure
from torch import Tensor

from ..arguments import check_choice, check_float, check_int
from ..attention import WindowModel
from ..bench import OBSERVED, RESIDUAL_ONLY, Task, make_task, score
from ..callbacks import OnEpochEnd
from ..data import delayed_recall
from ..diagnostics import jacobian_norms_vs_lag
from ..forecasting import ForecastSettings, estimate_period, fit
from ..lru import LinearRecurrentUnit
from ..models import MODEL_KINDS, SequenceModel, build_model, forecast
from ..plots import colour
from ..training import seed_everything, train
from .delayed_recall import SUCCESS_NMSE

__all__ = [
    "BASELINE_ROWS",
    "RECALL_LOGS",
    "BURST",
    "CYCLES",
    "FORECAST_HIDDEN",
    "FORECAST_RECIPE",
    "KINDS",
    "RECIPES",
    "RESULTS",
    "RecallResult",
    "Sweep",
    "format_forecast",
    "format_recall",
    "bench_header",
    "load_bench",
    "load_sweep",
    "ForecastResult",
    "burst_attention",
    "forecast_step_seconds",
    "recall_model",
    "run_forecast_trial",
    "run_recall_trial",
    "solved_counts",
    "plot_recall",
    "training_step_seconds",
    "trivial_free_run_mse",
]

# The kinds compared: the article's recurrent cells, its recommendation, and the LRU.
KINDS = ("rnn", "lstm", "gru", "attention", "transformer", "lru")
# Samples in delayed recall's burst (sine_lab.data.delayed_recall's default).
BURST = 5
# Where scripts/beyond_sweep.py writes, and the chapter reads, the full sweep's logs.
RESULTS = Path(__file__).with_name("results")
# Units of the recurrent cells; the other kinds keep their defaults, sized to match
# (parameters: rnn 1,153; gru 3,393; lstm 4,513; lru 3,329; attention and
# transformer about 4,500 plus their position biases, which grow with the window).
CELL_HIDDEN = 32
# The forecasting recipes (sine_lab.forecasting.ForecastSettings; both with the
# second-order residual and the loss in units of its scale): "standard" is the
# benchmark's (teacher forcing, then a 200-step rollout stage); "teacher" stops after
# the teacher-forced stages. FORECAST_RECIPE names the one the chapter compares every
# kind with (the benchmark's, whose sweeps it reads); the chapter sets "teacher" beside
# it. run_forecast_trial builds the Transformer with d_model 16, its comparable size
# (the benchmark's sweeps build it 32 wide).
RECIPES = {"teacher": ForecastSettings(rollout=0), "standard": ForecastSettings()}
FORECAST_RECIPE = "standard"
FORECAST_HIDDEN = {"transformer": 16}
# Free runs are also scored over whole cycles (sine_lab.bench.score), so that sampling rates compare on
# equal cycles rather than equal steps: 1 and 10 cycles, as the benchmark's sweeps store them.
CYCLES = (1, 10)
# Rows of a benchmark sweep that are trivial baselines, not trained kinds: the least-squares 2-tap
# recurrence (the benchmark's closed-form "linear" kind; 2 fitted coefficients) and the recipe's fixed
# part alone, 2 x[n] - x[n-1] (no parameters). load_bench keeps them, with these parameter counts.
BASELINE_ROWS = {"linear": 2, RESIDUAL_ONLY: 0}
# The logs of scripts/beyond_sweep.py that together hold chapter 10's delayed-recall sweep (the first
# sweep of the cells and attention, attention's k = 200 seeds 1 and 2 run apart, the Transformer's sweep,
# stopped during its k = 200 seed 2, and the LRU's, with its longer lags).
RECALL_LOGS = ("beyond_recall_a", "beyond_recall_att200_s1", "beyond_recall_att200_s2", "beyond_recall_b",
               "beyond_recall_lru", "beyond_recall_lru_1000")


def recall_model(kind: str, lag: int) -> nn.Module:
    """The model compared on delayed recall at ``lag``: the recurrent cells with
    ``CELL_HIDDEN`` units, the LRU at its defaults, and the window models with a
    window of the whole sequence (``BURST + lag`` steps), so the burst is in view."""
    kind = check_choice("kind", kind, KINDS)
    lag = check_int("lag", lag, minimum=1)
    if kind in ("attention", "transformer"):
        return build_model(kind, context=BURST + lag)
    if kind == "lru":
        return build_model(kind)
    return build_model(kind, hidden_size=CELL_HIDDEN)


@dataclass(frozen=True)
class RecallResult:
    """One model trained on delayed recall at one lag.

    Attributes:
        kind: the model kind.
        lag: silent steps between the burst and the answer.
        seed: seeds the initialisation, the data and the shuffling.
        test_nmse: held-out MSE divided by the amplitude's variance (1 = knows nothing).
        epochs: epochs run (training stops once the training loss is below 1 % of the variance).
        cpu_seconds: process CPU time of the training.
        parameters: trainable parameters.
        evidence: why it solved the lag or not, by kind: ``gradient_at_lag``
            (rnn/lstm/gru: ``‖∂h_T/∂h_{T-lag}‖`` at initialisation, batch mean;
            lru: ``max |λ|^lag``, the same norm for its diagonal recurrence, at
            initialisation), ``memory_after`` (lru: ``max |λ|^lag`` after training),
            ``burst_attention`` (window models: the last step's attention on the
            burst, divided by the uniform share ``BURST / (BURST + lag)``; the largest
            over layers and heads, mean over held-out sequences, after training).
    """

    kind: str
    lag: int
    seed: int
    test_nmse: float
    epochs: int
    cpu_seconds: float
    parameters: int
    evidence: dict[str, float] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """Whether the run explains >= 90 % of the held-out variance (chapter 09's criterion)."""
        return self.test_nmse < SUCCESS_NMSE

    def as_dict(self) -> dict[str, object]:
        """The fields and ``success``, for JSON."""
        return {**asdict(self), "success": self.success}


def burst_attention(model: WindowModel, x: Tensor) -> float:
    """The last step's attention on the first ``BURST`` steps of ``x`` ``(batch, seq, 1)``,
    as a multiple of the uniform share ``BURST / seq``: the largest over layers and
    heads of the batch-mean weight. 1 means the burst gets no more than any step."""
    if not isinstance(model, WindowModel):
        raise TypeError(f"burst_attention needs a window model (attention, transformer), got {type(model).__name__}")
    with torch.no_grad():
        shares = [w[:, :, -1, :BURST].sum(-1).mean(0).max() for w in model.attention_weights(x)]
    return float(max(shares)) * x.shape[1] / BURST


def run_recall_trial(
    kind: str, lag: int, seed: int, *, sequences: int = 256, batch_size: int = 64, epochs: int = 50, lr: float = 5e-3,
) -> tuple[nn.Module, RecallResult]:
    """Train one model on :func:`~sine_lab.data.delayed_recall` at ``lag``; return it
    (in eval mode) and its score.

    Chapter 09's recipe: ``sequences`` training and as many held-out sequences (seed
    ``seed + 10_000``), Adam at ``lr`` in mini-batches of ``batch_size``, at most
    ``epochs`` epochs, stopping once the training loss is below 1 % of the variance.
    """
    lag = check_int("lag", lag, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    sequences = check_int("sequences", sequences, minimum=2)
    x, y = delayed_recall(sequences, lag, burst_length=BURST, seed=seed)
    x_test, y_test = delayed_recall(sequences, lag, burst_length=BURST, seed=seed + 10_000)
    seed_everything(seed)
    model = recall_model(kind, lag)
    evidence = {}
    if isinstance(model, SequenceModel):
        evidence["gradient_at_lag"] = float(jacobian_norms_vs_lag(model, x[:4])[lag])
    elif isinstance(model, LinearRecurrentUnit):
        evidence["gradient_at_lag"] = model.memory_at_lag(lag)
    target_loss = 0.01 * float(y.var())
    start = time.process_time()
    history = train(model, x, y, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                    callbacks=[OnEpochEnd(lambda epoch, loss: loss > target_loss)])
    seconds = time.process_time() - start
    model.eval()
    with torch.no_grad():
        nmse = float(((model(x_test) - y_test) ** 2).mean() / y_test.var())
    if isinstance(model, LinearRecurrentUnit):
        evidence["memory_after"] = model.memory_at_lag(lag)
    elif isinstance(model, WindowModel):
        evidence["burst_attention"] = burst_attention(model, x_test)
    return model, RecallResult(kind, lag, seed, nmse if math.isfinite(nmse) else math.inf, history.epochs,
                               round(seconds, 2), _parameters(model), evidence)


def solved_counts(results: Iterable[RecallResult]) -> dict[str, dict[int, tuple[int, int]]]:
    """``{kind: {lag: (successes, runs)}}``, lags ascending."""
    table: dict[str, dict[int, list[bool]]] = {}
    for r in results:
        table.setdefault(r.kind, {}).setdefault(r.lag, []).append(r.success)
    return {k: {lag: (sum(v), len(v)) for lag, v in sorted(by_lag.items())} for k, by_lag in table.items()}


@dataclass(frozen=True)
class ForecastResult:
    """One model trained on the benchmark task with a recipe of ``RECIPES``, scored as the benchmark scores.

    Attributes:
        kind, period, seed: what was trained on which task draw (for a benchmark sweep's baseline
            rows, the names of ``BASELINE_ROWS``).
        recipe: the name of the recipe in ``RECIPES``.
        one_step_mse: teacher-forced one-step MSE on the test series.
        free_run_mse: MSE of the 1000-step free run after 999 observed values.
        cpu_seconds: process CPU time of the training.
        step_ms: CPU milliseconds per generated value in that free run (batch of 3; nan if not timed).
        parameters: trainable parameters (a baseline row: its fitted coefficients).
        free_run_cycles: MSE of the same free run over its first ``c`` whole cycles, ``{"<c>": mse}``
            for ``c`` in ``CYCLES`` (empty where the run was scored in steps only).
    """

    kind: str
    period: float
    seed: int
    recipe: str
    one_step_mse: float
    free_run_mse: float
    cpu_seconds: float
    step_ms: float
    parameters: int
    free_run_cycles: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """The fields, for JSON."""
        return asdict(self)


def run_forecast_trial(
    kind: str, period: float, seed: int, recipe: str = FORECAST_RECIPE,
) -> tuple[nn.Module, ForecastResult]:
    """:func:`~sine_lab.forecasting.fit` on the benchmark task, scored as the benchmark
    does (over 1000 steps and over ``CYCLES`` whole cycles, the cycles counted with the
    period measured in the training series before the recipe's cut); returns the
    trained model and its scores.

    Args:
        recipe: a name in ``RECIPES``, built with the kind's comparable width
            (``FORECAST_HIDDEN``, else 32 units).
    """
    kind = check_choice("kind", kind, tuple(MODEL_KINDS))
    recipe = check_choice("recipe", recipe, tuple(RECIPES))
    settings = replace(RECIPES[recipe], hidden_size=FORECAST_HIDDEN.get(kind, RECIPES[recipe].hidden_size))
    task = make_task(period, seed=seed)
    measured = estimate_period(task.train[:, : settings.validation_start])
    start = time.process_time()
    model, _ = fit(kind, task.train, settings, seed=seed)
    seconds = time.process_time() - start
    scores = score(model, task, warmup=settings.for_period(task.period).warmup, horizons=(1000,), cycles=CYCLES,
                   period=measured)
    return model, ForecastResult(
        kind, task.period, seed, recipe, scores["one_step_mse"], scores["free_run_mse"]["1000"], round(seconds, 2),
        round(1e3 * forecast_step_seconds(model, task.test[:, :OBSERVED, None], 1000), 4), _parameters(model),
        dict(scores["free_run_cycles"]),
    )


def trivial_free_run_mse(task: Task, steps: int) -> dict[str, float]:
    """The free-running MSE of the two baselines that need neither fitting nor feedback, scored as
    :func:`~sine_lab.bench.score` scores a model over its first ``steps`` generated values
    (``n = 1000 ..``): ``zero`` (predicts 0) and ``persistence`` (repeats the last observed
    value, ``n = 998``). Their one-step and 2-tap cousins are rows of the benchmark's sweeps."""
    if not isinstance(task, Task):
        raise TypeError(f"task must be a sine_lab.bench.Task, got {type(task).__name__}")
    steps = check_int("steps", steps, minimum=1)
    truth = task.continuation(steps).double()
    last = task.test[:, OBSERVED - 1 : OBSERVED].double()
    return {"zero": float((truth**2).mean()), "persistence": float(((truth - last) ** 2).mean())}


def training_step_seconds(kind: str, lag: int, *, batch: int = 16, repeats: int = 5, warmup: int = 2,
                          seed: int = 0) -> float:
    """CPU seconds of one Adam step (forward, backward, update) of :func:`recall_model` on a
    batch of delayed-recall sequences of ``BURST + lag`` steps: the median of ``repeats``
    timed steps after ``warmup`` untimed ones, on one thread (restored afterwards), so that
    one slow step on a shared machine does not move it. One step, not an epoch, so the
    epochs a run takes to stop do not enter."""
    lag = check_int("lag", lag, minimum=1)
    batch = check_int("batch", batch, minimum=1)
    repeats = check_int("repeats", repeats, minimum=1)
    warmup = check_int("warmup", warmup, minimum=0)
    x, y = delayed_recall(batch, lag, burst_length=BURST, seed=seed)
    seed_everything(seed)
    model = recall_model(kind, lag)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    timed = []
    try:
        for attempt in range(warmup + repeats):
            start = time.process_time()
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
            if attempt >= warmup:
                timed.append(time.process_time() - start)
    finally:
        torch.set_num_threads(threads)
    return statistics.median(timed)


def forecast_step_seconds(model: nn.Module, context: Tensor, steps: int, *, repeats: int = 1) -> float:
    """CPU seconds per generated value of :func:`~sine_lab.models.forecast` from
    ``context`` ``(batch, W, 1)`` (the context's own pass excluded): the best of ``repeats``
    timings, so that other work on a shared machine inflates it less."""
    steps = check_int("steps", steps, minimum=2)
    repeats = check_int("repeats", repeats, minimum=1)
    best = math.inf
    with torch.no_grad():
        for _ in range(repeats):
            start = time.process_time()
            forecast(model, context, 1)
            one = time.process_time() - start
            start = time.process_time()
            forecast(model, context, steps)
            total = time.process_time() - start
            best = min(best, max(total - one, 0.0) / (steps - 1))
    return best


def format_recall(result: RecallResult) -> str:
    """One line of the sweep's log, as :func:`load_sweep` reads it back."""
    evidence = ", ".join(f"{k} {v:.3g}" for k, v in result.evidence.items())
    return (f"recall {result.kind:12s} lag {result.lag:4d} seed {result.seed}: NMSE {result.test_nmse:.4f} "
            f"({'ok' if result.success else 'fail'}), {result.epochs} epochs, {result.cpu_seconds:.1f} CPU s; "
            f"{evidence}")


def format_forecast(result: ForecastResult) -> str:
    """One line of the sweep's log, as :func:`load_sweep` reads it back."""
    cycles = "".join(f", {c} cycles {v:.3g}" for c, v in result.free_run_cycles.items())
    return (f"forecast {result.kind:12s} period {result.period:g} seed {result.seed} recipe {result.recipe}: "
            f"one-step {result.one_step_mse:.3g}, "
            f"free run {result.free_run_mse:.3g}, {result.cpu_seconds:.1f} CPU s, {result.step_ms:.3f} ms/step"
            f"{cycles}")


_NUMBER = r"[-+0-9.e]+|inf|nan"
_RECALL_LINE = re.compile(
    rf"recall (?P<kind>\S+) +lag +(?P<lag>\d+) seed (?P<seed>\d+): NMSE (?P<nmse>{_NUMBER}) \((?P<verdict>ok|fail)\), "
    rf"(?P<epochs>\d+) epochs, (?P<cpu>{_NUMBER}) CPU s;(?P<evidence>.*)")
_FORECAST_LINE = re.compile(
    rf"forecast (?P<kind>\S+) +period (?P<period>{_NUMBER}) seed (?P<seed>\d+) recipe (?P<recipe>\S+): "
    rf"one-step (?P<one>{_NUMBER}), "
    rf"free run (?P<free>{_NUMBER}), (?P<cpu>{_NUMBER}) CPU s, (?P<step_ms>{_NUMBER}) ms/step"
    rf"(?P<cycles>(?:, \d+ cycles (?:{_NUMBER}))*)")
_CYCLES = re.compile(rf", (\d+) cycles ({_NUMBER})")


@dataclass(frozen=True)
class Sweep:
    """What runs of ``scripts/beyond_sweep.py`` printed, read back from their logs.

    Attributes:
        commands: the command line at the head of each log.
        recall: the delayed-recall runs (numbers to the digits printed).
        forecast: the forecasting runs (numbers to the digits printed).
    """

    commands: list[str]
    recall: list[RecallResult]
    forecast: list[ForecastResult]


def load_sweep(*names: str) -> Sweep:
    """Read the logs ``RESULTS / f"{name}.log"`` that ``scripts/beyond_sweep.py --name``
    wrote: a ``# command`` line, then one line per run (:func:`format_recall`,
    :func:`format_forecast`). Parameter counts are recomputed from the kinds."""
    commands, recall, forecasting = [], [], []
    for name in names:
        path = RESULTS / f"{name}.log"
        if not path.is_file():
            available = sorted(p.stem for p in RESULTS.glob("*.log"))
            raise FileNotFoundError(f"no sweep log named {name!r}; run scripts/beyond_sweep.py, "
                                    f"or choose one of {available}")
        for line in path.read_text().splitlines():
            if line.startswith("# "):
                commands.append(line[2:])
            elif match := _RECALL_LINE.fullmatch(line):
                items = (item.split() for item in match["evidence"].split(",") if item.strip())
                evidence = dict((k, float(v)) for k, v in items)
                result = RecallResult(match["kind"], int(match["lag"]), int(match["seed"]), float(match["nmse"]),
                                      int(match["epochs"]), float(match["cpu"]),
                                      _parameters(recall_model(match["kind"], int(match["lag"]))), evidence)
                if result.success != (match["verdict"] == "ok"):
                    raise ValueError(f"{path.name}: the verdict disagrees with the NMSE in {line!r}")
                recall.append(result)
            elif match := _FORECAST_LINE.fullmatch(line):
                kind = match["kind"]
                if match["recipe"] not in RECIPES:
                    raise ValueError(f"{path.name}: unknown recipe {match['recipe']!r} in {line!r}; "
                                     f"expected one of {sorted(RECIPES)}")
                forecasting.append(ForecastResult(
                    kind, float(match["period"]), int(match["seed"]), match["recipe"], float(match["one"]),
                    float(match["free"]),
                    float(match["cpu"]), float(match["step_ms"]),
                    _parameters(build_model(kind, hidden_size=FORECAST_HIDDEN.get(kind, 32))),
                    {c: float(v) for c, v in _CYCLES.findall(match["cycles"])}))
            elif line.strip():
                raise ValueError(f"{path.name}: not a line the sweep writes: {line!r}")
    return Sweep(commands, recall, forecasting)


def _bench_json(name: str) -> dict:
    path = RESULTS / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no benchmark JSON named {name!r} in {RESULTS.name}; run python -m sine_lab.bench "
                                f"--json, or choose one of {sorted(p.stem for p in RESULTS.glob('*.json'))}")
    result = json.loads(path.read_text())
    if not isinstance(result, dict) or "runs" not in result:
        raise ValueError(f"{path.name} is not a benchmark sweep's JSON (no 'runs')")
    return result


def load_bench(name: str) -> list[ForecastResult]:
    """The runs of a benchmark sweep, ``RESULTS / f"{name}.json"`` as written by
    ``python -m sine_lab.bench --json``, as results of the ``"standard"`` recipe (the
    benchmark's), with their free runs over whole cycles where the sweep scored them.

    The benchmark builds every kind with the recipe's 32 units (so its Transformer has
    ``d_model`` 32, not this chapter's 16) and does not time forecast steps (``step_ms`` is
    nan). A sweep's baseline rows (``BASELINE_ROWS``: the 2-tap recurrence ``"linear"`` and
    ``"residual only"``) are kept under those names, with their coefficient counts as
    ``parameters``; they are not trained kinds, so a caller comparing kinds filters them."""
    result = _bench_json(name)
    width = RECIPES["standard"].hidden_size
    sizes = {kind: BASELINE_ROWS[kind] if kind in BASELINE_ROWS else _parameters(build_model(kind, hidden_size=width))
             for kind in {r["cell"] for r in result["runs"]}}
    return [ForecastResult(r["cell"], float(r["period"]), int(r["seed"]), "standard", float(r["one_step_mse"]),
                           float(r["free_run_mse"]["1000"]), float(r["cpu_seconds"]), math.nan, sizes[r["cell"]],
                           {c: float(v) for c, v in r.get("free_run_cycles", {}).items()})
            for r in result["runs"]]


def bench_header(name: str) -> str:
    """What made a benchmark sweep: its stored ``command``, as one line."""
    return _bench_json(name).get("command", "(no command stored)")


def _parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def plot_recall(results: Sequence[RecallResult], *, title: str, kinds: Sequence[str] = KINDS) -> Figure:
    """Success count over seeds (each marker labelled solved/run) and median held-out NMSE at each lag,
    one marker per kind in its colour (:func:`~sine_lab.plots.colour`). The lags are categories, and each
    kind's markers sit side by side within a lag, in the order of ``kinds``, so that equal values hide nothing;
    the legend, outside the axes, names the success threshold too."""
    counts = solved_counts(results)
    shown = [kind for kind in kinds if kind in counts]
    lags = sorted({lag for kind in shown for lag in counts[kind]})
    markers = "osD^vP*X"
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for index, kind in enumerate(shown):
        offset = 0.12 * (index - (len(shown) - 1) / 2)
        where = [lags.index(lag) + offset for lag in counts[kind]]
        style = {"color": colour(kind), "marker": markers[index % len(markers)], "s": 30, "label": kind}
        axes[0].scatter(where, [s / n for s, n in counts[kind].values()], **style)
        # The true median (the mean of the two middle runs for an even count), not torch.median's lower one.
        medians = [float(torch.tensor([r.test_nmse for r in results if r.kind == kind and r.lag == lag],
                                      dtype=torch.float64).quantile(0.5)) for lag in counts[kind]]
        for x, (solved, run) in zip(where, counts[kind].values(), strict=True):
            axes[0].annotate(f"{solved}/{run}", (x, solved / run), xytext=(0, 6 + 9 * (index % 2)),
                             textcoords="offset points", ha="center", fontsize=6, color=colour(kind))
        axes[1].scatter(where, medians, **style)
    axes[0].set(ylabel="fraction of seeds solved (held-out NMSE < 0.1)", ylim=(-0.05, 1.2),
                title="Seeds solved, by lag (labels: solved/run)")
    axes[1].set(ylabel="median held-out NMSE (1 = knows nothing)", yscale="log", title="Median error, by lag")
    axes[1].axhline(SUCCESS_NMSE, linestyle="--", color=colour("reference"), linewidth=1,
                    label=f"success threshold (NMSE {SUCCESS_NMSE:g})")
    for ax in axes:
        ax.set(xlabel="lag k (silent steps between the burst and the answer)", xticks=range(len(lags)),
               xticklabels=[str(lag) for lag in lags])
        for boundary in range(1, len(lags)):
            ax.axvline(boundary - 0.5, color=colour("fit"), linewidth=0.8)
    fig.legend(*axes[1].get_legend_handles_labels(), loc="lower center", ncol=len(shown) + 1, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
