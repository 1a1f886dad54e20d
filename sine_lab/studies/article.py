"""The article's three examples as data, and the experiment its framing invites.

Chapters 01-03 run each example exactly as written (:data:`EXAMPLES`). Chapter 01
then asks what a correctly shaped model learns from the article's input, time
``t``, and what it predicts for times it never saw (:func:`fit_per_step`). Two
causes could make it fail beyond ``t = 10``: time itself is the wrong input, or
the input simply leaves the range (and the scale) it was trained on.
:func:`input_controls` varies what the model is fed (:data:`FEEDS`) and holds out
times inside the training range as well as after it. These controls do not
separate the two causes: every feed changes more than one thing (standardised time
still leaves its range after ``t = 10``; the constant and the previous value also
change what the input says), and chapter 01 reports them as not separated.
"""

from __future__ import annotations

import ast
import inspect
import json
import math
import statistics
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
from torch import Tensor

from .. import baselines
from ..arguments import check_choice, check_float, check_int
from ..data import ARTICLE_STOP, article_data
from ..models import ArticleDeepLSTM, ArticleLSTM, ArticleSimpleRNN, SequenceModel, forecast
from ..training import History, seed_everything, train

__all__ = [
    "ARTICLE_LOOP", "CONTROLS_PATH", "PER_TIME_PATH", "ArticleExample", "EXAMPLES", "FEEDS", "Feed", "PerStepFit",
    "PerTimeFit", "StoredFit", "article_timeline", "example_source", "fit_per_step", "fit_per_time", "format_controls",
    "gap_fills", "input_controls", "load_controls", "load_per_time", "median_controls", "save_controls",
    "save_per_time", "seed_rank", "source_without_docstring", "summarise_controls",
]


def seed_rank(value: float, others: Sequence[float], *, tie: float = 0.05) -> str:
    """Where ``value`` (an error: lower is better) ranks among ``others`` (every seed's, itself included):
    "best", "median" or "worst of N", with "tied for" when another seed is within ``tie`` of it, since a rank
    that a few percent would flip says nothing about the seed."""
    others = list(others)
    if value not in others:
        raise ValueError("others must include value itself")
    place = 1 + sum(other < value for other in others)
    name = "best" if place == 1 else "worst" if place == len(others) else "median"
    tied = any(other != value and abs(other - value) <= tie * value for other in others)
    return f"{'tied for ' if tied else ''}{name} of {len(others)}"


@dataclass(frozen=True)
class ArticleExample:
    """One of the article's examples: its model, optimiser settings and budget."""

    number: int
    name: str
    build: Callable[[], nn.Module]
    lr: float
    epochs: int = 1000


EXAMPLES: dict[int, ArticleExample] = {
    1: ArticleExample(1, "simple RNN", lambda: ArticleSimpleRNN(1, 10, 1), lr=0.01),
    # The article says "same training loop structure as Example 1, adjusting model and
    # possibly learning rate" without giving one, so Example 1's lr is kept.
    2: ArticleExample(2, "LSTM", lambda: ArticleLSTM(1, 10, 1), lr=0.01),
    3: ArticleExample(3, "3-layer LSTM", lambda: ArticleDeepLSTM(1, 50, 1, num_layers=3), lr=0.001),
}


# Example 1's training loop exactly as the article prints it (Examples 2 and 3 reuse it).
ARTICLE_LOOP = """\
for epoch in range(1000):
    optimizer.zero_grad()
    outputs = model(x)
    loss = criterion(outputs, y)
    loss.backward()
    optimizer.step()

    if (epoch+1) % 100 == 0:
        print(f'Epoch [{epoch+1}/1000], Loss: {loss.item():.4f}')
"""


def example_source(number: int) -> str:
    """The source code of example ``number``'s model class as the article wrote it.

    That is the class in :mod:`sine_lab.models` without the docstring we added
    (the article's classes have none), so a reader can compare it line by line.
    """
    check_choice("number", number, tuple(EXAMPLES))
    return source_without_docstring(type(EXAMPLES[number].build()))


def source_without_docstring(obj: type | Callable) -> str:
    """The source of a class or function, dedented, without its docstring.

    For reading code next to other code (the article's loop beside
    :func:`~sine_lab.training.train`): the docstring is documentation, not the loop.
    """
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        raise TypeError(f"obj must be a class or a function, got {type(obj).__name__}")
    lines = textwrap.dedent(inspect.getsource(obj)).splitlines()
    body = ast.parse("\n".join(lines)).body[0].body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        end = first.end_lineno
        if end < len(lines) and not lines[end].strip():
            end += 1  # the blank line that followed the docstring
        del lines[first.lineno - 1 : end]
    return "\n".join(lines)


def article_timeline(stop: float = 2 * ARTICLE_STOP) -> tuple[Tensor, Tensor]:
    """The article's time grid, continued past ``t = 10`` with the same step.

    The first 1000 rows are exactly the article's ``x``; the rest continue it to
    ``stop`` (a multiple of 10), so a model can be run on one unbroken sequence.

    Returns:
        ``t`` of shape ``(N, 1)`` and ``sin(t)`` of shape ``(N, 1)``, ``N = 1000 + 999·(stop/10 − 1)``.
    """
    stop = check_float("stop", stop, minimum=ARTICLE_STOP)
    pieces = int(round(stop / ARTICLE_STOP))
    if abs(pieces * ARTICLE_STOP - stop) > 1e-9:
        raise ValueError(f"stop must be a multiple of {ARTICLE_STOP}, got {stop}")
    parts = [article_data()[0]] + [
        article_data(k * ARTICLE_STOP, (k + 1) * ARTICLE_STOP)[0][1:] for k in range(1, pieces)
    ]
    t = torch.cat(parts)
    return t, torch.sin(t)


def gap_fills(held_out: tuple[float, float] = (4.0, 5.0)) -> tuple[float, float]:
    """Two fills of a held-out stretch of ``sin t`` made only from the fitted samples around it.

    The baselines for filling in held-out times: a straight line through the last sample
    before the stretch and the first after it, and a cubic through the two samples on each
    side. Both are computed in float64 on the article's grid.

    Returns:
        The MSE of the straight line and of the cubic on the held-out times.
    """
    start = check_float("held_out start", held_out[0], minimum=0.0)
    end = check_float("held_out end", held_out[1], maximum=ARTICLE_STOP)
    t = article_timeline()[0][:1000, 0].double()
    wave = torch.sin(t)
    inside = ((t >= start) & (t <= end)).nonzero()[:, 0]
    if len(inside) == 0 or inside[0] < 2 or inside[-1] > len(t) - 3:
        raise ValueError(f"held_out must leave two samples on each side inside [0, 10], got {held_out}")
    before, after = int(inside[0]) - 1, int(inside[-1]) + 1
    gap_t, gap_wave = t[inside], wave[inside]
    slope = (wave[after] - wave[before]) / (t[after] - t[before])
    line = wave[before] + slope * (gap_t - t[before])
    ends = torch.tensor([before - 1, before, after, after + 1])
    vandermonde = torch.stack([t[ends] ** k for k in range(4)], dim=1)
    coefficients = torch.linalg.solve(vandermonde, wave[ends])
    cubic = sum(coefficients[k] * gap_t**k for k in range(4))
    return float(((line - gap_wave) ** 2).mean()), float(((cubic - gap_wave) ** 2).mean())


# Maps the timeline ``t`` ``(N, 1)``, its values ``sin t`` ``(N, 1)`` and the number of
# training steps ``seen`` to the model's input ``(N, 1)``. Only the first ``seen`` rows
# may inform the input's scaling: the rest stand for the future.
Feed = Callable[[Tensor, Tensor, int], Tensor]


def feed_time(t: Tensor, values: Tensor, seen: int) -> Tensor:
    """The article's input: the raw time ``t`` (0 to 10 in training, up to 20 after)."""
    return t


def feed_standardised_time(t: Tensor, values: Tensor, seen: int) -> Tensor:
    """Time scaled by the training times' mean and standard deviation (``[-1.7, 1.7]`` in training).

    Changes the input's scale (raw ``t`` reaches 20; whether that saturates the tanh units is not
    measured) but not its range: after ``t = 10`` the input still grows past anything seen in training.
    """
    mean, std = t[:seen].mean(), t[:seen].std()
    return (t - mean) / std


def feed_previous_value(t: Tensor, values: Tensor, seen: int) -> Tensor:
    """The wave's previous sample ``sin t[n-1]`` (0 at the first step, which has none).

    The same model, loss and targets, but fed the past instead of a clock: its input
    stays in ``[-1, 1]`` however far in time it runs.
    """
    return torch.cat([torch.zeros_like(values[:1]), values[:-1]])


def feed_constant(t: Tensor, values: Tensor, seen: int) -> Tensor:
    """A constant input, 0.5 at every step: inside any range seen, but it says nothing about the wave.

    A control that keeps the input in range and removes its information: a model fed
    it can only produce the wave from its own state, as a clock-free oscillator. It
    changes both at once, so on its own it does not separate range from information.
    """
    return torch.full_like(t, 0.5)


FEEDS: dict[str, Feed] = {
    "time": feed_time,
    "standardised time": feed_standardised_time,
    "constant": feed_constant,
    "previous value": feed_previous_value,
}


@dataclass
class PerStepFit:
    """A per-step model fitted on ``t ∈ [0, 10]`` and run on ``t ∈ [0, stop]``.

    Attributes:
        feed: the name of its input in :data:`FEEDS`.
        seed: the seed of its initialisation.
        model: the trained :class:`~sine_lab.models.SequenceModel` (``per_step=True``).
        history: its training history.
        t: ``(N, 1)`` times of the whole run; the first 1000 are the article's.
        truth: ``(N, 1)`` ``sin(t)``.
        prediction: ``(N, 1)`` the model's output at every time.
        held_out: the ``(start, end)`` of times inside ``[0, 10]`` left out of the loss, or ``None``.
        fit_mse: MSE on the times trained on.
        held_out_mse: MSE on the held-out times inside ``[0, 10]`` (``nan`` without ``held_out``).
        unseen_mse: MSE on the times after ``t = 10``.
        first_radian_mse: MSE on ``t ∈ (10, 11]``, the first radian after training: as long as the
            held-out stretch ``[4, 5]``, so the two compare time inside the range with time after it.
        free_run_mse: for the ``"previous value"`` feed, MSE after ``t = 10`` when the model is fed its
            own predictions from ``t = 10`` on (generation, not one-step prediction); ``nan`` otherwise.
        recurrence_free_run_mse: the same free run by the two-coefficient least-squares recurrence fitted
            on ``t ∈ [0, 10]`` (the strongest trivial baseline); ``nan`` unless ``free_run_mse`` is set.
        free_run: that free run's values after ``t = 10``, ``(N - 1000, 1)``, or ``None``.
        zero_mse: MSE of always predicting 0 after ``t = 10``, the baseline to beat.
        repeat_mse: MSE after ``t = 10`` of repeating the previous value, the baseline a
            model fed that value must beat to have learned more than to copy it.
        extrapolation_mse: MSE after ``t = 10`` of linear extrapolation ``2x[n-1] − x[n-2]`` from the
            two previous true values: the strongest parameter-free one-step baseline for a model that
            reads the past values (its state holds more than one).
    """

    feed: str
    seed: int
    model: SequenceModel
    history: History
    t: Tensor
    truth: Tensor
    prediction: Tensor
    held_out: tuple[float, float] | None
    fit_mse: float
    held_out_mse: float
    unseen_mse: float
    zero_mse: float
    repeat_mse: float
    extrapolation_mse: float
    first_radian_mse: float = math.nan
    free_run_mse: float = math.nan
    recurrence_free_run_mse: float = math.nan
    free_run: Tensor | None = None


class _MaskedMSE(nn.Module):
    """MSE over the time steps where ``keep`` is true; prediction and target ``(batch, seq, 1)``."""

    def __init__(self, keep: Tensor) -> None:
        super().__init__()
        self.keep = keep

    def forward(self, prediction: Tensor, target: Tensor) -> Tensor:
        return ((prediction - target)[:, self.keep] ** 2).mean()


def fit_per_step(
    cell: str,
    *,
    feed: str = "time",
    hidden_size: int,
    num_layers: int = 1,
    lr: float,
    epochs: int,
    seed: int = 0,
    held_out: tuple[float, float] | None = None,
    stop: float = 2 * ARTICLE_STOP,
) -> PerStepFit:
    """Fit ``sin t`` with one output per step on ``t ∈ [0, 10]``, then run on to ``stop``.

    This is the article's set-up with the shapes fixed: its 1000 time steps as one
    batched sequence ``(1, 1000, 1)`` and a target for every step ``(1, 1000, 1)``
    instead of one number, trained full-batch with Adam. The trained model then runs
    over the unbroken sequence up to ``stop`` to show what it does with times it
    never saw.

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        feed: what the model reads at each step, a key of :data:`FEEDS`.
        hidden_size: units per layer.
        num_layers: stacked layers.
        lr: Adam's learning rate.
        epochs: full-batch training steps.
        seed: seeds initialisation.
        held_out: ``(start, end)`` times inside ``[0, 10]`` whose targets are left out of
            the loss (the model still reads their inputs, as it runs through them), to
            measure interpolation inside the training range; ``None`` trains on all.
        stop: how far in time to run the trained model (a multiple of 10).
    """
    check_choice("cell", cell, ("rnn", "lstm", "gru"))
    make_input = FEEDS[check_choice("feed", feed, tuple(FEEDS))]
    epochs = check_int("epochs", epochs, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    t, truth = article_timeline(stop)
    seen = article_data()[0].shape[0]
    inside = torch.zeros(seen, dtype=torch.bool)
    if held_out is not None:
        if not (isinstance(held_out, tuple) and len(held_out) == 2):
            raise TypeError(f"held_out must be a (start, end) tuple of times, got {held_out!r}")
        start = check_float("held_out start", held_out[0], minimum=0.0)
        end = check_float("held_out end", held_out[1], maximum=ARTICLE_STOP)
        inside = (t[:seen, 0] >= start) & (t[:seen, 0] <= end)
        if not inside.any() or inside.all():
            raise ValueError(f"held_out must cover some but not all of the training times [0, 10], got {held_out}")
        held_out = (start, end)
    x = make_input(t, truth, seen)
    seed_everything(seed)
    model = SequenceModel(cell, hidden_size=hidden_size, num_layers=num_layers, per_step=True)
    history = train(model, x[None, :seen], truth[None, :seen], epochs=epochs, lr=lr, loss_fn=_MaskedMSE(~inside))
    with torch.no_grad():
        prediction = model(x[None])[0]
    errors = (prediction - truth) ** 2
    free_run = recurrence = math.nan
    generated = None
    if feed == "previous value":
        # Fed its own outputs from t = 10 on: output k of the forecast is the value at seen - 1 + k.
        with torch.no_grad():
            generated = forecast(model.eval(), x[None, :seen], truth.shape[0] - seen + 1)[0, 1:]
        free_run = float(((generated - truth[seen:, 0]) ** 2).mean())
        baseline = baselines.free_run(truth[None, :seen, 0], truth.shape[0] - seen, fitted_on=truth[None, :seen, 0],
                                      names=("recurrence",))["recurrence"][0]
        recurrence = float(((baseline - truth[seen:, 0]) ** 2).mean())
    first_radian = (t[:, 0] > ARTICLE_STOP) & (t[:, 0] <= ARTICLE_STOP + 1)
    # After t = 10, each value from the two true values before it.
    trivial = baselines.one_step(truth[seen - 2 : -1, 0].unfold(0, 2, 1), truth[seen:],
                                 names=("persistence", "extrapolation"))
    return PerStepFit(
        feed=feed,
        seed=seed,
        model=model,
        history=history,
        t=t,
        truth=truth,
        prediction=prediction,
        held_out=held_out,
        fit_mse=float(errors[:seen][~inside].mean()),
        held_out_mse=float(errors[:seen][inside].mean()) if held_out is not None else math.nan,
        unseen_mse=float(errors[seen:].mean()),
        zero_mse=float((truth[seen:] ** 2).mean()),
        repeat_mse=trivial["persistence"],
        extrapolation_mse=trivial["extrapolation"],
        first_radian_mse=float(errors[first_radian].mean()),
        free_run_mse=free_run,
        recurrence_free_run_mse=recurrence,
        free_run=None if generated is None else generated[:, None],
    )


def input_controls(
    cell: str,
    *,
    hidden_size: int,
    num_layers: int = 1,
    lr: float,
    epochs: int,
    seeds: Iterable[int] = (0, 1, 2),
    feeds: Sequence[str] = tuple(FEEDS),
    held_out: tuple[float, float] = (4.0, 5.0),
    stop: float = 2 * ARTICLE_STOP,
) -> list[PerStepFit]:
    """:func:`fit_per_step` for every feed and seed, with the same times held out.

    Each fit is scored on three sets of times: those it trained on, the held-out
    stretch inside ``[0, 10]`` (interpolation: inputs inside the range trained on)
    and everything after ``t = 10`` (the future). Comparing the feeds probes whether a
    failure comes from the input being time or from the input leaving its training
    range or scale; these feeds do not separate the two (each changes more than one
    thing), as chapter 01 says.

    Returns:
        the fits, feed-major: every seed of ``feeds[0]``, then of ``feeds[1]``, ….
    """
    return [
        fit_per_step(cell, feed=feed, hidden_size=hidden_size, num_layers=num_layers, lr=lr,
                     epochs=epochs, seed=seed, held_out=held_out, stop=stop)
        for feed in feeds
        for seed in seeds
    ]


CONTROLS_PATH = Path(__file__).with_name("results") / "article_controls.json"
# What a stored fit keeps: every score; the series (t, truth, prediction) for the seeds a figure draws.
_SCORES = ("fit_mse", "held_out_mse", "first_radian_mse", "unseen_mse", "zero_mse", "repeat_mse",
           "extrapolation_mse", "free_run_mse", "recurrence_free_run_mse")


@dataclass
class StoredFit:
    """A :class:`PerStepFit` read back from :data:`CONTROLS_PATH`: its scores, without the model.

    ``t``, ``truth`` and ``prediction`` ``(N, 1)`` are kept for the seeds a figure draws (``None`` otherwise), and
    for a fit that free-ran, ``free_run`` ``(N - 1000, 1)``, its values after ``t = 10``.
    """

    feed: str
    seed: int
    held_out: tuple[float, float] | None
    fit_mse: float
    held_out_mse: float
    first_radian_mse: float
    unseen_mse: float
    zero_mse: float
    repeat_mse: float
    extrapolation_mse: float
    free_run_mse: float
    recurrence_free_run_mse: float
    t: Tensor | None = None
    truth: Tensor | None = None
    prediction: Tensor | None = None
    free_run: Tensor | None = None


def save_controls(fits: Sequence[PerStepFit], path: Path | str = CONTROLS_PATH, *, command: str,
                  series_of_seed: int | None = 0) -> None:
    """Write the fits' scores as JSON with the ``command`` that made them (NaN as ``null``).

    The series (and a free run) are kept for the fits of seed ``series_of_seed``, or of every seed if it is ``None``.
    """
    def number(value: float) -> float | None:
        return None if math.isnan(value) else value

    records = []
    for fit in fits:
        record = {"feed": fit.feed, "seed": fit.seed, "held_out": list(fit.held_out) if fit.held_out else None}
        record |= {name: number(getattr(fit, name)) for name in _SCORES}
        if series_of_seed is None or fit.seed == series_of_seed:
            record |= {name: getattr(fit, name)[:, 0].tolist() for name in ("t", "truth", "prediction")}
            if fit.free_run is not None:
                record["free_run"] = fit.free_run[:, 0].tolist()
        records.append(record)
    Path(path).write_text(json.dumps({"command": command, "fits": records}, indent=1) + "\n", encoding="utf-8")


def load_controls(path: Path | str = CONTROLS_PATH) -> tuple[str, list[StoredFit]]:
    """The command and the fits :func:`save_controls` wrote."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    fits = []
    for record in data["fits"]:
        series = {name: torch.tensor(record[name])[:, None] if name in record else None
                  for name in ("t", "truth", "prediction", "free_run")}
        scores = {name: math.nan if record[name] is None else record[name] for name in _SCORES}
        held_out = tuple(record["held_out"]) if record["held_out"] else None
        fits.append(StoredFit(record["feed"], record["seed"], held_out, **scores, **series))
    return data["command"], fits


def format_controls(fits: Sequence[PerStepFit | StoredFit]) -> str:
    """A table of :func:`input_controls`' fits, one row per fit, errors as MSE, then the baselines once.

    "trained" is the error on the times trained on, "held out" on the held-out stretch inside ``[0, 10]``,
    "held / trained" the one over the other; "first radian after" is
    ``t ∈ (10, 11]``, as long as the held-out stretch inside; "free run after" feeds the value-fed model its own
    outputs after ``t = 10``. The last two lines give the baselines after ``t = 10``, the same for every fit: always
    predicting 0, repeating the previous (true) value, linear extrapolation from the two previous true values and
    the least-squares recurrence's free run.
    """
    rows = [("fed", "seed", "trained", "held out", "held / trained", "first radian after", "after t = 10",
             "free run after")]
    rows += [
        (f.feed, str(f.seed), f"{f.fit_mse:.1e}", f"{f.held_out_mse:.1e}", f"{f.held_out_mse / f.fit_mse:.3g}",
         f"{f.first_radian_mse:.1e}", f"{f.unseen_mse:.1e}",
         "-" if math.isnan(f.free_run_mse) else f"{f.free_run_mse:.1e}")
        for f in fits
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    table = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join([*table, _baselines_line(fits)])


def _baselines_line(fits: Sequence[PerStepFit | StoredFit]) -> str:
    """The baselines after ``t = 10`` in two short lines (they depend on the wave only, not on the fit)."""
    first = fits[0]
    recurrence = [f.recurrence_free_run_mse for f in fits if not math.isnan(f.recurrence_free_run_mse)]
    return (f"baselines after t = 10: predict 0 {first.zero_mse:.2f}, "
            f"repeat the previous value {first.repeat_mse:.1e},\n"
            f"  linear extrapolation {first.extrapolation_mse:.1e}"
            + (f", least-squares recurrence free run {statistics.median(recurrence):.1e}" if recurrence else ""))


def summarise_controls(fits: Sequence[PerStepFit | StoredFit]) -> str:
    """A few short lines per feed: the error ranges, and how many seeds beat each baseline after ``t = 10``.

    "Beats" is the series' rule (:data:`~sine_lab.baselines.MARGIN`): at least that many times below the
    baseline's MSE ("copying": repeating the previous true value). The ratio of the error after ``t = 10`` to the
    error on the held-out stretch inside
    ``[0, 10]`` says how much worse the model does outside its training range than on unfitted times inside it.
    """
    lines = []
    margin = baselines.MARGIN
    for feed in dict.fromkeys(f.feed for f in fits):
        mine = [f for f in fits if f.feed == feed]
        n = len(mine)
        zero = sum(margin * f.unseen_mse <= f.zero_mse for f in mine)
        repeat = sum(margin * f.unseen_mse <= f.repeat_mse for f in mine)
        extrapolate = sum(margin * f.unseen_mse <= f.extrapolation_mse for f in mine)
        lines += [
            f"fed {feed} ({n} seeds):",
            f"  MSE held out {_span([f.held_out_mse for f in mine], '.1e')}, "
            f"after t = 10 {_span([f.unseen_mse for f in mine], '.1e')}",
            f"  after t = 10 / held out x{_span([f.unseen_mse / f.held_out_mse for f in mine], '.3g')}; "
            f"first radian after / held out x{_span([f.first_radian_mse / f.held_out_mse for f in mine], '.3g')}",
            f"  after t = 10, at least {margin:g}x below predicting 0 in {zero} of {n}, "
            f"copying in {repeat} of {n}, linear extrapolation in {extrapolate} of {n}",
        ]
        free = [f for f in mine if not math.isnan(f.free_run_mse)]
        if free:
            lines += [
                f"  free running after t = 10: {_span([f.free_run_mse for f in free], '.1e')}; at least {margin:g}x "
                f"below predicting 0 in {sum(margin * f.free_run_mse <= f.zero_mse for f in free)} of {len(free)},",
                f"  below the least-squares recurrence's free run in "
                f"{sum(margin * f.free_run_mse <= f.recurrence_free_run_mse for f in free)} of {len(free)}",
            ]
    return "\n".join(lines)


def median_controls(fits: Sequence[PerStepFit | StoredFit]) -> str:
    """A short table: per feed, the median over seeds of each error (MSE), then the baselines after ``t = 10``.

    The columns are the held-out stretch inside ``[0, 10]``, the first radian after ``t = 10`` (as long as the
    held-out stretch), everything after ``t = 10`` one step ahead, and the free run after ``t = 10`` (the value-fed
    model only). The last two lines give the baselines after ``t = 10``; :func:`format_controls` has every seed.
    """
    def median(values: Sequence[float]) -> float:
        return float(torch.tensor(values, dtype=torch.float64).median())

    rows = [("fed (median of seeds)", "seeds", "held out inside", "first radian after", "after t = 10",
             "free run after")]
    for feed in dict.fromkeys(f.feed for f in fits):
        mine = [f for f in fits if f.feed == feed]
        free = [f.free_run_mse for f in mine if not math.isnan(f.free_run_mse)]
        rows.append((feed, str(len(mine)), f"{median([f.held_out_mse for f in mine]):.1e}",
                     f"{median([f.first_radian_mse for f in mine]):.1e}", f"{median([f.unseen_mse for f in mine]):.1e}",
                     f"{median(free):.1e}" if free else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    table = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join([*table, _baselines_line(fits)])


PER_TIME_PATH = Path(__file__).with_name("results") / "article_per_time.json"


@dataclass
class PerTimeFit:
    """An article example read as one sequence per time (input ``x.unsqueeze(1)``, ``(1000, 1, 1)``).

    Attributes:
        number: the example in :data:`EXAMPLES`.
        seed: the seed of its initialisation.
        final_loss: the last epoch's training loss on ``t ∈ [0, 10]``.
        var_y: ``var(y)``, the loss of the best constant.
        unseen_mse: MSE on the 1000 grid times after ``t = 10`` (up to 20).
        zero_mse: MSE of always predicting 0 on those times.
        model: the trained model (``None`` when read back from JSON).
    """

    number: int
    seed: int
    final_loss: float
    var_y: float
    unseen_mse: float
    zero_mse: float
    model: nn.Module | None = None


def fit_per_time(number: int = 3, *, seed: int = 0) -> PerTimeFit:
    """Train example ``number`` the article's way on ``x.unsqueeze(1)``, then score it after ``t = 10``."""
    check_choice("number", number, tuple(EXAMPLES))
    example = EXAMPLES[number]
    seed = check_int("seed", seed, minimum=0)
    x, y = article_data()
    seed_everything(seed)
    model = example.build()
    history = train(model, x.unsqueeze(1), y, epochs=example.epochs, lr=example.lr)
    step = float(x[1, 0] - x[0, 0])
    later = (torch.arange(x.shape[0], 2 * x.shape[0]) * step).reshape(-1, 1)  # t from 10 to 20, same grid
    with torch.no_grad():
        unseen = float(((model(later.unsqueeze(1)) - torch.sin(later)) ** 2).mean())
    return PerTimeFit(number, seed, history.final_loss, y.var(unbiased=False).item(), unseen,
                      float((torch.sin(later) ** 2).mean()), model)


def save_per_time(fits: Sequence[PerTimeFit], path: Path | str = PER_TIME_PATH, *, command: str) -> None:
    """Write the fits' scores as JSON with the ``command`` that made them."""
    records = [{name: getattr(f, name) for name in ("number", "seed", "final_loss", "var_y", "unseen_mse",
                                                      "zero_mse")} for f in fits]
    Path(path).write_text(json.dumps({"command": command, "fits": records}, indent=1) + "\n", encoding="utf-8")


def load_per_time(path: Path | str = PER_TIME_PATH) -> tuple[str, list[PerTimeFit]]:
    """The command and the fits :func:`save_per_time` wrote."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data["command"], [PerTimeFit(**record) for record in data["fits"]]


def _span(values: Sequence[float], spec: str) -> str:
    """``"a to b"`` for the smallest and largest of ``values``, or ``"a"`` when they are equal."""
    low, high = format(min(values), spec), format(max(values), spec)
    return low if low == high else f"{low} to {high}"


def plot_one_step_errors(ax, fits: Sequence[PerStepFit], kind: str, title: str, *, block: int = 50) -> None:
    """Chapters 01 and 02's one-step error panel: the RMS error over each ``block`` steps (half a radian at the
    article's step) of every previous-value fit, beside copying the previous value and linear extrapolation,
    on a log axis; a line marks ``t = 10``.

    Args:
        ax: the matplotlib axes to draw on.
        fits: three fits fed the true previous value, each with ``t`` and ``prediction`` of shape ``(N, 1)``.
        kind: the model kind whose colour the fits take (``"rnn"``, ``"lstm"``).
        title: the panel's title.
    """
    from ..plots import colour  # plotting is only needed by the chapters' figures

    times = fits[0].t[:, 0].double()
    truth = torch.sin(times)
    # Start at step 49 so that both baselines have their two previous values, and cut whole blocks.
    start = block - 1
    usable = (len(times) - start) // block * block
    blocks = times[start:start + usable].reshape(-1, block).mean(dim=1)

    def block_rms(error: Tensor) -> Tensor:
        return error[:usable].reshape(-1, block).pow(2).mean(dim=1).sqrt()

    target = truth[start:]
    ax.plot(blocks, block_rms(truth[start - 1:-1] - target), color=colour("persistence"),
            label="copying the previous value")
    ax.plot(blocks, block_rms(2 * truth[start - 1:-1] - truth[start - 2:-2] - target), color=colour("extrapolation"),
            label="linear extrapolation 2 s[n-1] - s[n-2]")
    for fit, style in zip(fits, ("--", ":", "-."), strict=True):
        ax.plot(blocks, block_rms(fit.prediction[start:, 0].double() - target), color=colour(kind), linestyle=style,
                label=f"{kind.upper()} fed the true previous value, seed {fit.seed}")
    ax.axvline(10, color=colour("reference"), linewidth=1)
    ax.set(yscale="log", xlabel="t (radians)", ylabel="one-step error (RMS per half radian)", title=title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize="small", frameon=False)
    ax.grid(True, alpha=0.3)
