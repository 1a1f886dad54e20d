"""Chapter 04's question, measured one change at a time: what does a recurrent network
need to learn the next value of a sine?

A :class:`Setup` describes one complete experiment (the data, how it is framed,
the model and how it is trained); :func:`run_setup` trains it with one seed and
scores the one-step error on the last 15 % of the series, which every setup with a
time-ordered split never trained on. The chapter and ``scripts/framing_ablation.py``
build their tables from the same functions: :func:`ladder` (add the changes of
:data:`CHANGES` one at a time, from :data:`ARTICLE` to :data:`RECIPE`),
:func:`leave_one_out` (take each change away from the recipe), :func:`run_setups`
and :func:`summarize`.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from itertools import combinations
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import Tensor

from .. import baselines
from ..arguments import check_choice, check_float, check_int, check_tensor
from ..baselines import MARGIN
from ..callbacks import Callback, ClipGradNorm, Validate
from ..data import Standardizer, make_windows, sine_series
from ..models import SequenceModel, eval_mode
from ..plots import colour
from ..training import History, fit_autoregressive, seed_everything, train

__all__ = [
    "ABLATION_LSTM_PATH",
    "ABLATION_PATH",
    "ADVICE_PATH",
    "ARTICLE",
    "CHANGES",
    "EXAMPLE3",
    "FRAMINGS",
    "KNOBS",
    "LEARNED_FACTOR",
    "NOISY",
    "OFF_GRID",
    "RECIPE",
    "SPLITS",
    "TRAIN_FRACTION",
    "VALIDATION_FRACTION",
    "Score",
    "Setup",
    "Summary",
    "format_pair_table",
    "format_table",
    "grid",
    "ladder",
    "leave_one_out",
    "load_tables",
    "lookup_mse",
    "nearest_window_distance",
    "plot_framing",
    "recurrence_mse",
    "quadratic_mse",
    "run_setup",
    "run_setups",
    "save_tables",
    "summarize",
    "variants",
]

FRAMINGS = ("time", "windows")
SPLITS = ("none", "time")
TRAIN_FRACTION, VALIDATION_FRACTION = 0.7, 0.15
# A setup "learned" the wave when its one-step test MSE is at least this many times below the
# strongest parameter-free baseline on the scored stretch: persistence (next = last value) or linear
# extrapolation (2 s[n] - s[n-1]), whichever is better there (sine_lab.baselines.MARGIN).
LEARNED_FACTOR = MARGIN


@dataclass(frozen=True)
class Setup:
    """One way to frame, fit and score one-step prediction of a sampled sine.

    The series is ``sin(2π n / samples_per_period) + noise · N(0, 1)``, ``n = 0 .. length-1``
    (the noise drawn with ``data_seed``). The last 15 % of it is always the scored stretch.

    Attributes:
        samples_per_period: samples per period of the wave (2π / Δt; 62.8 is Δt = 0.1).
        length: samples in the series.
        noise: standard deviation of the additive noise, >= 0.
        data_seed: seeds the noise; the training ``seed`` of :func:`run_setup` does not change the data.
        framing: ``"time"``: the article's input, the time ``t`` as one sequence with one
            output per step; ``"windows"``: ``window`` past values ``(batch, window, 1)`` predict the next.
        window: past values per input (``framing="windows"``).
        split: ``"none"``: fit on the whole series, so the scored stretch was seen in training
            (the article fits and judges the same data); ``"time"``: fit on the first 70 %,
            validate on the next 15 %, score the last 15 %.
        scale: standardise inputs and targets with the mean and spread of the fitted part.
        cell, hidden_size, num_layers, dropout: the :class:`~sine_lab.models.SequenceModel`.
        steps: Adam steps (a budget in updates: full batch, ``steps`` epochs; mini-batches,
            ``steps / batches per epoch`` epochs).
        lr: Adam's learning rate (the peak of the one-cycle schedule).
        batch_size: windows per step, or ``None`` for full batch.
        clip: clip the gradient norm to this, or ``None``.
        schedule: ``None`` (constant rate) or ``"onecycle"`` (warm up to ``lr``, then anneal).
        patience: early stopping: validate every epoch, stop after this many epochs without
            improvement and keep the best weights (needs ``split="time"``); ``None``: no validation.
    """

    samples_per_period: float = 2 * math.pi / 0.1
    length: int = 1000
    noise: float = 0.0
    data_seed: int = 0
    framing: str = "windows"
    window: int = 20
    split: str = "time"
    scale: bool = True
    cell: str = "rnn"
    hidden_size: int = 10
    num_layers: int = 1
    dropout: float = 0.0
    steps: int = 880
    lr: float = 1e-2
    batch_size: int | None = 32
    clip: float | None = 1.0
    schedule: str | None = "onecycle"
    patience: int | None = 8

    def __post_init__(self) -> None:
        check_float("samples_per_period", self.samples_per_period, minimum=2.0, exclusive_minimum=True)
        check_int("length", self.length, minimum=20)
        check_float("noise", self.noise, minimum=0.0)
        check_int("data_seed", self.data_seed, minimum=0)
        check_choice("framing", self.framing, FRAMINGS)
        check_int("window", self.window, minimum=1)
        check_choice("split", self.split, SPLITS)
        if not isinstance(self.scale, bool):
            raise TypeError(f"scale must be a bool, got {type(self.scale).__name__} {self.scale!r}")
        check_int("steps", self.steps, minimum=1)
        check_float("lr", self.lr, minimum=0.0, exclusive_minimum=True)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size, minimum=1)
            if self.framing == "time":
                raise ValueError("framing='time' is one sequence, which cannot be split into mini-batches: "
                                 f"use batch_size=None, got batch_size={self.batch_size}")
        if self.clip is not None:
            check_float("clip", self.clip, minimum=0.0, exclusive_minimum=True)
        if self.schedule is not None:
            check_choice("schedule", self.schedule, ("onecycle",))
        if self.patience is not None:
            check_int("patience", self.patience, minimum=1)
            if self.split != "time" or self.framing != "windows":
                raise ValueError(f"patience (early stopping) needs framing='windows' and split='time' "
                                 f"(a validation stretch of windows), got {self.framing!r} and {self.split!r}")
        test = self.length - int(TRAIN_FRACTION * self.length) - int(VALIDATION_FRACTION * self.length)
        if self.framing == "windows" and self.window >= int(TRAIN_FRACTION * self.length):
            raise ValueError(f"window {self.window} leaves no training window in the first "
                             f"{int(TRAIN_FRACTION * self.length)} of {self.length} samples")
        if test < 2:
            raise ValueError(f"length {self.length} leaves fewer than 2 samples to score")

    def changed(self, **changes: object) -> Setup:
        """A copy with some attributes changed (checked like a new setup)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"Setup has no attribute(s) {sorted(unknown)}; it has {[f.name for f in fields(self)]}")
        return replace(self, **changes)

    def describe(self) -> str:
        """One line with every choice that differs from :data:`ARTICLE`'s training or
        the model, for disclosing the recipe next to its result."""
        batch = "full batch" if self.batch_size is None else f"mini-batches of {self.batch_size}"
        parts = [
            f"{self.cell.upper()} {self.num_layers}x{self.hidden_size}"
            + (f" dropout {self.dropout:g}" if self.dropout and self.num_layers > 1 else ""),
            "input: time t" if self.framing == "time" else f"input: {self.window} past values",
            "fit on all, score seen data" if self.split == "none" else "time-ordered 70/15/15 split",
            "standardised" if self.scale else "raw values",
            f"Adam lr {self.lr:g}, {self.steps} steps, {batch}",
            f"clip {self.clip:g}" if self.clip is not None else "no clipping",
            "one-cycle" if self.schedule == "onecycle" else "constant rate",
            f"early stopping (patience {self.patience})" if self.patience is not None else "no early stopping",
        ]
        return ", ".join(parts)


# The article's own training (full batch, Adam 0.01, no clipping, no schedule), with
# the shapes fixed as chapters 01-03 fixed them (one output per time step).
ARTICLE = Setup(framing="time", split="none", scale=False, batch_size=None, clip=None, schedule=None, patience=None)
# The recipe chapter 04 trains its three architectures with.
RECIPE = Setup()
# What separates the two, in the order the chapter adds them.
CHANGES: dict[str, dict[str, object]] = {
    "windows of 20 past values": {"framing": "windows"},
    "time-ordered split": {"split": "time"},
    "standardised values": {"scale": True},
    "mini-batches of 32": {"batch_size": 32},
    "clipping at 1": {"clip": 1.0},
    "one-cycle schedule": {"schedule": "onecycle"},
    "early stopping": {"patience": 8},
}


# The article's remarks on tuning ("learning rate, batch size and dropout", a deeper
# network, "lower learning rate often needed"), each tried alone on the recipe's LSTM.
KNOBS: dict[str, dict[str, object]] = {
    "LSTM 1x10, lr 0.01, batches of 32": {},
    "lr 0.001": {"lr": 1e-3},
    "lr 0.1": {"lr": 0.1},
    "batches of 8": {"batch_size": 8},
    "full batch": {"batch_size": None},
    "2 layers": {"num_layers": 2},
    "3 layers": {"num_layers": 3},
    "32 units": {"hidden_size": 32},
    "128 units": {"hidden_size": 128},
    "2 layers, dropout 0.2": {"num_layers": 2, "dropout": 0.2},
    "2 layers, dropout 0.5": {"num_layers": 2, "dropout": 0.5},
}
# The article's Example 3 (3 layers of 50 units) with its own training (Adam lr 0.001, full batch, constant rate,
# 1000 steps, no clipping, no early stopping), on the framed task: windows, time-ordered split, standardised.
EXAMPLE3 = Setup(cell="lstm", hidden_size=50, num_layers=3, lr=1e-3, steps=1000, batch_size=None, clip=None,
                 schedule=None, patience=None)
# Periods that are not a whole number of samples (1.6, 3.2 and 32 samples per radian): the scored windows then
# near-copy fitted ones without repeating them exactly, and the fitted part holds no repeated windows.
OFF_GRID = (2 * math.pi * 1.6, 2 * math.pi * 3.2, 2 * math.pi * 32)
# Noisy and short, trained long without early stopping: a set-up that can overfit.
NOISY = Setup(cell="lstm", noise=0.3, length=300, patience=None, schedule=None, clip=None, steps=1500)
# The article's three architectures (Examples 1-3), as changes to a Setup.
ARCHITECTURES: dict[str, dict[str, object]] = {
    "RNN, 10 units (Example 1)": {"cell": "rnn", "hidden_size": 10},
    "LSTM, 10 units (Example 2)": {"cell": "lstm", "hidden_size": 10},
    "3-layer LSTM, 50 units (Example 3)": {"cell": "lstm", "hidden_size": 50, "num_layers": 3},
}
# Cycles in the default series (1000 samples at 2π/0.1 per period): comparisons across sampling rates hold it.
EQUAL_CYCLES = 1000 / (2 * math.pi / 0.1)


def equal_cycles(samples_per_period: float, cycles: float = EQUAL_CYCLES) -> int:
    """The series length (samples) that holds ``cycles`` periods at ``samples_per_period``."""
    return round(cycles * samples_per_period)


def ladder(start: Setup = ARTICLE, changes: Mapping[str, Mapping[str, object]] = CHANGES) -> list[tuple[str, Setup]]:
    """``start``, then ``start`` with the first change, then with the first two, and so on.

    Returns:
        ``[(label, setup), …]``: ``len(changes) + 1`` rows, labels ``"start"`` and ``"+ <change>"``.
    """
    rows, setup = [("start", start)], start
    for name, change in changes.items():
        setup = setup.changed(**change)
        rows.append((f"+ {name}", setup))
    return rows


def leave_one_out(
    full: Setup = RECIPE, start: Setup = ARTICLE, changes: Mapping[str, Mapping[str, object]] = CHANGES
) -> list[tuple[str, Setup]]:
    """``full``, then ``full`` with each change undone (its attributes set back to ``start``'s).

    A change that other changes depend on (``time-ordered split`` under early stopping,
    ``windows`` under mini-batches) is undone together with its dependents, and the label says so.

    Returns:
        ``[(label, setup), …]``: ``"recipe"`` and one ``"- <change>"`` row per change.
    """
    names = list(changes)

    def undone(dropped: list[str]) -> Setup:
        return full.changed(**{key: getattr(start, key) for name in dropped for key in changes[name]})

    rows = [("recipe", full)]
    for i, name in enumerate(names):
        # The change alone, else with the fewest later changes that depend on it.
        candidates = ([name, *later] for size in range(len(names) - i) for later in combinations(names[i + 1 :], size))
        for dropped in candidates:
            try:
                rows.append(("- " + " - ".join(dropped), undone(dropped)))
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"cannot undo {name!r} from the full setup, even with every later change")
    return rows


def variants(base: Setup, changes: Mapping[str, Mapping[str, object]]) -> list[tuple[str, Setup]]:
    """``base`` with each change on its own: ``[(label, setup), …]`` in the order given."""
    return [(label, base.changed(**change)) for label, change in changes.items()]


def grid(base: Setup, **axes: Sequence[object]) -> list[tuple[str, Setup]]:
    """``base`` at every combination of the values of ``axes`` (attribute -> values), the
    first axis outermost; labels such as ``"window=5, samples_per_period=20"``."""
    if not axes:
        raise ValueError("grid needs at least one axis, e.g. window=[5, 20]")
    rows = [("", base)]
    for name, values in axes.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise TypeError(f"axis {name} must be a non-empty sequence of values, got {values!r}")
        rows = [(f"{label}, {name}={value:g}" if label else f"{name}={value:g}", setup.changed(**{name: value}))
                for label, setup in rows for value in values]
    return rows


@dataclass(frozen=True)
class Score:
    """One trained setup, scored in the series' own units.

    Attributes:
        label: the row's label.
        seed: the training seed (initialisation and shuffling).
        test_mse: one-step MSE on the last 15 % of the series.
        persistence_mse: the MSE of predicting each value of that stretch by the one before.
        noise_floor: the MSE of the noise-free wave itself on that stretch (the realised
            noise variance; 0 without noise): no predictor can expect to do better.
        train_mse: one-step MSE on the fitted part (after training, best weights).
        steps: Adam steps taken (fewer when early stopping ended the run).
        cpu_seconds: process CPU time of the training.
        stop_reason: :attr:`~sine_lab.training.History.stop_reason`.
    """

    label: str
    seed: int
    test_mse: float
    persistence_mse: float
    noise_floor: float
    train_mse: float
    steps: int
    cpu_seconds: float
    stop_reason: str
    extrapolation_mse: float = math.inf

    @property
    def baseline_mse(self) -> float:
        """The stronger of persistence and linear extrapolation on the scored stretch."""
        return min(self.persistence_mse, self.extrapolation_mse)

    @property
    def factor(self) -> float:
        """How many times better than persistence (``persistence_mse / test_mse``)."""
        return self.persistence_mse / self.test_mse if self.test_mse > 0 else math.inf

    @property
    def learned(self) -> bool:
        """At least :data:`LEARNED_FACTOR` times better than the stronger trivial baseline (:attr:`baseline_mse`)."""
        return self.test_mse * LEARNED_FACTOR <= self.baseline_mse


def _series(setup: Setup, noise: bool = True) -> tuple[Tensor, Tensor]:
    """``t`` (radians) and the series (with its noise, or the clean wave), both ``(length,)``."""
    step = 2 * math.pi / setup.samples_per_period
    return sine_series(setup.length, step=step, noise=setup.noise if noise else 0.0, seed=setup.data_seed)


def _cuts(length: int) -> tuple[int, int]:
    """End of the fitted part and start of the scored stretch (time-ordered split)."""
    n_train, n_val = int(TRAIN_FRACTION * length), int(VALIDATION_FRACTION * length)
    return n_train, n_train + n_val


def _fit(model: SequenceModel, x: Tensor, y: Tensor, setup: Setup, validation: tuple[Tensor, Tensor] | None,
         seed: int) -> tuple[History, int]:
    """Train as ``setup`` says; return the history and the number of Adam steps taken."""
    callbacks: list[Callback] = [] if setup.clip is None else [ClipGradNorm(setup.clip)]
    if validation is not None:
        callbacks.append(Validate(*validation, patience=setup.patience))
    with warnings.catch_warnings():
        # A diverged run is a result of the sweep (stop_reason), not a message for the reader.
        warnings.simplefilter("ignore")
        history = train(model, x, y, steps=setup.steps, lr=setup.lr, batch_size=setup.batch_size,
                        schedule=setup.schedule, callbacks=callbacks, seed=seed)
    batches = 1 if setup.batch_size is None else math.ceil(x.shape[0] / setup.batch_size)
    return history, min(setup.steps, history.epochs * batches)


def run_setup(setup: Setup, seed: int = 0, *, label: str = "") -> Score:
    """Build, train and score ``setup`` with ``seed``.

    Windows framing: the inputs are ``(N, window, 1)`` and targets ``(N, 1)``; a scored
    window may look back into the stretch before it (past values known at prediction time).
    Time framing: the model reads ``t`` as one ``(1, T, 1)`` sequence with one output per
    step and is run over the whole series; the scored stretch is its outputs there.
    """
    if not isinstance(setup, Setup):
        raise TypeError(f"setup must be a Setup, got {type(setup).__name__}")
    seed = check_int("seed", seed, minimum=0)
    t, s = _series(setup)
    n_train, n_test = _cuts(setup.length)
    fitted = setup.length if setup.split == "none" else n_train
    source = t if setup.framing == "time" else s
    x_scale = Standardizer.fit(source[:fitted]) if setup.scale else Standardizer(0.0, 1.0)
    y_scale = Standardizer.fit(s[:fitted]) if setup.scale else Standardizer(0.0, 1.0)
    inputs, targets = x_scale.transform(source), y_scale.transform(s)

    seed_everything(seed)
    model = SequenceModel(setup.cell, hidden_size=setup.hidden_size, num_layers=setup.num_layers,
                          dropout=setup.dropout, per_step=setup.framing == "time")
    if setup.framing == "time":
        x, y = inputs[None, :fitted, None], targets[None, :fitted, None]
        validation = None

        def predict(first: int, last: int) -> Tensor:
            # The recurrence runs from t = 0, so the state at `first` is the one training built.
            return model(inputs[None, :last, None])[0, first:, 0]
    else:
        w = setup.window
        x, y = make_windows(targets[:fitted], w)
        validation = make_windows(targets[n_train - w : n_test], w) if setup.patience else None

        def predict(first: int, last: int) -> Tensor:
            return model(make_windows(targets[first - w : last], w)[0])[:, 0]

    start = time.process_time()
    history, steps = _fit(model, x, y, setup, validation, seed)
    cpu = time.process_time() - start
    with eval_mode(model), torch.no_grad():
        test = y_scale.inverse(predict(n_test, setup.length))
        train_prediction = y_scale.inverse(predict(0 if setup.framing == "time" else setup.window, fitted))
    test_mse = float(((test - s[n_test:]) ** 2).mean())
    train_first = 0 if setup.framing == "time" else setup.window
    train_mse = float(((train_prediction - s[train_first:fitted]) ** 2).mean())
    trivial = baselines.one_step(s[n_test - 2 : -1].unfold(0, 2, 1), s[n_test:, None],
                                 names=("persistence", "extrapolation"))
    persistence, extrapolation = trivial["persistence"], trivial["extrapolation"]
    floor = float(((_series(setup, noise=False)[1][n_test:] - s[n_test:]) ** 2).mean())
    if not math.isfinite(test_mse):
        test_mse = math.inf
    return Score(label, seed, test_mse, persistence, floor, train_mse, steps, cpu, history.stop_reason, extrapolation)


def run_setups(
    setups: Sequence[tuple[str, Setup]],
    seeds: Iterable[int],
    *,
    progress: Callable[[Score], None] | None = None,
) -> list[Score]:
    """Every ``(label, setup)`` with every seed, in order; ``progress(score)`` after each run."""
    seeds = [check_int("seed", s, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    scores = []
    for label, setup in setups:
        for seed in seeds:
            scores.append(run_setup(setup, seed, label=label))
            if progress is not None:
                progress(scores[-1])
    return scores


@dataclass(frozen=True)
class Summary:
    """The scores of one row over its seeds.

    Attributes:
        label: the row.
        median_mse, worst_mse, best_mse: one-step test MSE over the seeds.
        persistence_mse: the persistence baseline of the scored stretch.
        noise_floor: the realised noise variance on the scored stretch (see :class:`Score`).
        extrapolation_mse: linear extrapolation's MSE on the scored stretch.
        learned: how many seeds beat the stronger of persistence and extrapolation by :data:`LEARNED_FACTOR`.
        seeds: how many seeds ran.
        median_train_mse: the fitted part's one-step MSE, median over the seeds.
        median_steps: Adam steps taken, median over the seeds.
        cpu_seconds: training CPU time summed over the seeds.
    """

    label: str
    median_mse: float
    worst_mse: float
    best_mse: float
    persistence_mse: float
    noise_floor: float
    learned: int
    seeds: int
    median_train_mse: float
    median_steps: int
    cpu_seconds: float
    extrapolation_mse: float = math.inf

    @property
    def median_factor(self) -> float:
        """Persistence MSE over the median test MSE."""
        return self.persistence_mse / self.median_mse if self.median_mse > 0 else math.inf

    @property
    def baseline_factor(self) -> float:
        """The stronger trivial baseline's MSE (persistence or extrapolation) over the median test MSE."""
        best = min(self.persistence_mse, self.extrapolation_mse)
        return best / self.median_mse if self.median_mse > 0 else math.inf


def _median(values: Sequence[float]) -> float:
    return float(torch.tensor(values, dtype=torch.float64).median())  # the lower middle for an even count


def summarize(scores: Sequence[Score]) -> list[Summary]:
    """One :class:`Summary` per label, in the order the labels first appear."""
    if not scores:
        raise ValueError("scores is empty: run some setups first")
    labels = list(dict.fromkeys(s.label for s in scores))
    rows = []
    for label in labels:
        group = [s for s in scores if s.label == label]
        mses = [s.test_mse for s in group]
        rows.append(Summary(
            label=label, median_mse=_median(mses), worst_mse=max(mses), best_mse=min(mses),
            persistence_mse=group[0].persistence_mse, noise_floor=group[0].noise_floor,
            learned=sum(s.learned for s in group), seeds=len(group), extrapolation_mse=group[0].extrapolation_mse,
            median_train_mse=_median([s.train_mse for s in group]),
            median_steps=int(_median([float(s.steps) for s in group])),
            cpu_seconds=sum(s.cpu_seconds for s in group),
        ))
    return rows


def _factor(value: float) -> str:
    """A ratio to at most 3 significant figures: fixed point from 0.01 to 1000, e-notation outside."""
    if not math.isfinite(value) or value < 0.01:
        return f"{value:.1e}"
    return f"{value:.2e}" if value >= 1000 else f"{value:.3g}"


def recurrence_mse(setup: Setup) -> float:
    """The one-step test MSE of the 2-tap least-squares recurrence on ``setup``'s series and split.

    Fitted (in closed form) on the same fitted part the networks see, scored on the same later stretch:
    on a noise-free sine it recovers ``s[n+1] = 2cos(h) s[n] - s[n-1]`` and predicts to float32 rounding.
    """
    _, series = _series(setup)
    n_train, first_scored = _cuts(setup.length)
    a = fit_autoregressive(series[:n_train], order=2)
    prediction = a[0] * series[first_scored - 1 : -1] + a[1] * series[first_scored - 2 : -2]
    return float(((prediction - series[first_scored:]) ** 2).mean())


def quadratic_mse(setup: Setup) -> float:
    """The one-step test MSE of quadratic extrapolation ``3 s[n] - 3 s[n-1] + s[n-2]`` on ``setup``'s series.

    No fitted parameters (the parabola through the last three values), scored on the same later stretch as
    the networks: a stronger parameter-free yardstick than linear extrapolation on a smooth wave.
    """
    _, series = _series(setup)
    _, first_scored = _cuts(setup.length)
    prediction = 3 * series[first_scored - 1 : -1] - 3 * series[first_scored - 2 : -2] + series[first_scored - 3 : -3]
    return float(((prediction - series[first_scored:]) ** 2).mean())


def lookup_mse(setup: Setup) -> float:
    """The one-step test MSE of a lookup with no model: each scored window (``setup.window`` past values) is
    answered with the target of the nearest fitted window (least squared distance), on ``setup``'s series.

    A control for memorisation: where scored windows repeat fitted ones, it scores well without capturing the wave.
    """
    _, series = _series(setup)
    n_train, first_scored = _cuts(setup.length)
    w = setup.window
    fitted_x, fitted_y = make_windows(series[:n_train], w)
    scored_x, scored_y = make_windows(series[first_scored - w :], w)
    nearest = torch.cdist(scored_x[:, :, 0].double(), fitted_x[:, :, 0].double()).argmin(dim=1)
    return float(((fitted_y[nearest, 0] - scored_y[:, 0]) ** 2).mean())


def format_table(rows: Sequence[Summary], *, train: bool = False, recurrence: Sequence[float] | None = None,
                 quadratic: Sequence[float] | None = None, stronger: bool = False) -> str:
    """A fixed-width table: test MSE (median, best, worst), how many times the median is below persistence
    ("x persist.") and below linear extrapolation ("x extrapolation"), seeds at least ``LEARNED_FACTOR``×
    below the stronger of the two ("2x below"), steps; with ``train=True`` also the fitted part's MSE, and the
    noise floor when a row has noise; with ``recurrence`` (one MSE per row, see :func:`recurrence_mse`) the
    2-tap least-squares recurrence's test MSE ("2-tap LS"); with ``quadratic`` (one MSE per row, see
    :func:`quadratic_mse`) quadratic extrapolation's test MSE ("quadratic"); with ``stronger=True`` how many
    times the median is below the stronger of persistence and extrapolation ("x stronger", the baseline
    "2x below" counts against; :attr:`Summary.baseline_factor`)."""
    for name, column in (("recurrence", recurrence), ("quadratic", quadratic)):
        if column is not None and len(column) != len(rows):
            raise ValueError(f"{name}: one MSE per row, got {len(column)} for {len(rows)} rows")
    width = max(len(r.label) for r in rows) + 2
    head = (f"{'':<{width}}{'median MSE':>11}{'best':>10}{'worst':>10}{'x persist.':>12}{'x extrapolation':>16}"
            + (f"{'x stronger':>12}" if stronger else "") + f"{'2x below':>9}{'steps':>7}")
    noisy = any(r.noise_floor > 0 for r in rows)  # a column of zeros says nothing: shown only with noise
    head += (f"{'train MSE':>11}" + (f"{'noise floor':>12}" if noisy else "")) if train else ""
    head += f"{'quadratic':>10}" if quadratic is not None else ""
    head += f"{'2-tap LS':>10}" if recurrence is not None else ""
    lines = [head]
    for i, r in enumerate(rows):
        line = (f"{r.label:<{width}}{r.median_mse:>11.2e}{r.best_mse:>10.2e}{r.worst_mse:>10.2e}"
                f"{_factor(r.median_factor):>12}{_factor(r.extrapolation_mse / r.median_mse):>16}"
                + (f"{_factor(r.baseline_factor):>12}" if stronger else "")
                + f"{f'{r.learned}/{r.seeds}':>9}{r.median_steps:>7}")
        line += (f"{r.median_train_mse:>11.2e}" + (f"{r.noise_floor:>12.2e}" if noisy else "")) if train else ""
        line += f"{quadratic[i]:>10.1e}" if quadratic is not None else ""
        lines.append(line + (f"{recurrence[i]:>10.1e}" if recurrence is not None else ""))
    return "\n".join(lines)


def format_pair_table(title: str, left: Sequence[Summary], right: Sequence[Summary], names: tuple[str, str], *,
                      labels: Mapping[str, str] | None = None) -> str:
    """Two tables with the same rows side by side (chapter 04: the RNN's and the LSTM's): per row and side the
    median test MSE, how many times it is below linear extrapolation ("x extrap."; below 1: above it) and the
    seeds at least ``LEARNED_FACTOR``x below the stronger trivial baseline ("2x below"). ``labels`` shortens
    row labels."""
    if [r.label for r in left] != [r.label for r in right]:
        raise ValueError("the two tables must have the same rows in the same order")
    labels = labels or {}
    width = max(35, *(len(labels.get(r.label, r.label)) + 2 for r in left))
    lines = [f"{title:<{width}}" + "".join(f"{name:^31}|" for name in names),
             f"{'':<{width}}" + f"{'median MSE':>11}{'x extrap.':>11}{'2x below':>9}|" * 2]
    for a, b in zip(left, right, strict=True):
        lines.append(f"{labels.get(a.label, a.label):<{width}}" + "".join(
            f"{x.median_mse:>11.2e}{_factor(x.extrapolation_mse / x.median_mse):>11}{f'{x.learned}/{x.seeds}':>9}|"
            for x in (a, b)))
    return "\n".join(lines)


# Chapter 04 reads the ladder and leave-one-out tables, chapter 05 the tuning-advice tables: one file each, so
# that re-running one chapter's part never overwrites the other's.
ABLATION_PATH = Path(__file__).with_name("results") / "framing_ablation.json"
ADVICE_PATH = Path(__file__).with_name("results") / "framing_advice.json"
# The same two tables for the 10-unit LSTM (``--cells lstm --json`` this file).
ABLATION_LSTM_PATH = Path(__file__).with_name("results") / "framing_ablation_lstm.json"
# Controls both chapters read: the article's architectures with 3 seeds, periods at equal cycles, noise draws.
CONTROLS_PATH = Path(__file__).with_name("results") / "framing_controls.json"


def save_tables(tables: dict[str, Sequence[Summary]], path: Path | str = ABLATION_PATH, *, command: str) -> None:
    """Write titled tables of :class:`Summary` rows as JSON, with the ``command`` that made them."""
    data = {"command": command, "tables": {title: [asdict(row) for row in rows] for title, rows in tables.items()}}
    Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def load_tables(path: Path | str = ABLATION_PATH) -> tuple[str, dict[str, list[Summary]]]:
    """The command and the titled tables :func:`save_tables` wrote."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data["command"], {title: [Summary(**row) for row in rows] for title, rows in data["tables"].items()}


def nearest_window_distance(series: Tensor, window: int, n_fitted: int, first_scored: int) -> Tensor:
    """For each scored window, the RMS distance to the closest fitted window.

    A window here is ``window`` past values and the target after them (``window + 1``
    values). Fitted windows lie inside ``series[:n_fitted]``; scored windows end at the
    targets ``series[first_scored:]``.

    Args:
        series: ``(T,)``.
        window: past values per input, >= 1.
        n_fitted: samples of the fitted part.
        first_scored: index of the first scored target, ``>= window``.

    Returns:
        ``(T - first_scored,)`` distances in the series' units; near zero means the scored
        window repeats one the model was fitted to.
    """
    check_tensor("series", series, ndim=1, layout="(T,)")
    window = check_int("window", window, minimum=1)
    n_fitted = check_int("n_fitted", n_fitted, minimum=window + 1, maximum=series.numel())
    first_scored = check_int("first_scored", first_scored, minimum=window, maximum=series.numel() - 1)
    fitted = series[:n_fitted].unfold(0, window + 1, 1).double()
    scored = series[first_scored - window :].unfold(0, window + 1, 1).double()
    return (torch.cdist(scored, fitted) / math.sqrt(window + 1)).min(dim=1).values.float()


def plot_framing(series: Tensor, window: int, n_train: int, n_validation: int, *, target: int) -> Figure:
    """The framing as a picture: the time-ordered split of the series (left) and one
    window of past values with the value it predicts (right).

    Args:
        series: ``(T,)``.
        window: past values per input, >= 1.
        n_train, n_validation: lengths of the fitted and validation parts (the rest is scored).
        target: index of the predicted value in the example window, ``>= window``.
    """
    check_tensor("series", series, ndim=1, layout="(T,)")
    window = check_int("window", window, minimum=1)
    n_train = check_int("n_train", n_train, minimum=window + 1)
    n_validation = check_int("n_validation", n_validation, minimum=0, maximum=series.numel() - n_train - 1)
    target = check_int("target", target, minimum=window, maximum=series.numel() - 1)
    n = torch.arange(series.numel())
    figure, (whole, zoom) = plt.subplots(1, 2, figsize=(13, 4.2), gridspec_kw={"width_ratios": [2, 1]})
    whole.plot(n, series, color=colour("truth"), linewidth=1)
    first_test = n_train + n_validation
    for start, stop, role, name in ((0, n_train, "fit", "fit"), (n_train, first_test, "validation", "validate"),
                                    (first_test, series.numel(), "test", "test (scored)")):
        whole.axvspan(start, stop, color=colour(role), alpha=0.6, label=f"{name}: n = {start}..{stop - 1}")
    whole.axvspan(target - window, target + 1, color=colour("highlight"), alpha=0.8, label="the window on the right")
    whole.set(xlabel="sample index n", ylabel="value s[n]", ylim=(-1.15, 1.15),
              title="Split in time first: every scored value comes after everything fitted")
    whole.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4, fontsize=8, frameon=False)
    past = n[target - window : target]
    zoom.plot(n[target - window - 5 : target + 6], series[target - window - 5 : target + 6], color=colour("fit"))
    zoom.plot(past, series[past], "o", color=colour("truth"), markerfacecolor="none",
              label=f"input: {window} past values, shape ({window}, 1)")
    zoom.plot([target], [series[target]], "*", color=colour("truth"), markersize=14, label="target: the next value")
    zoom.set(xlabel="sample index n", ylabel="value s[n]", ylim=(-1.15, 1.15),
             title=f"One training pair: s[n-{window}..n-1] -> s[n]")
    zoom.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8, frameon=False)
    figure.tight_layout()
    return figure
