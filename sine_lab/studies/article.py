"""The article's three examples as data, and the experiment its framing invites.

Chapters 01-03 run each example exactly as written (:data:`EXAMPLES`), then ask
what a correctly shaped model of the same kind learns from the same input, time
``t``, and what it predicts for times it never saw (:func:`fit_time_to_value`).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch import Tensor

from ..data import ARTICLE_STOP, article_data
from ..models import ArticleDeepLSTM, ArticleLSTM, ArticleSimpleRNN, SequenceModel
from ..callbacks import ProgressBar
from ..training import History, seed_everything, train
from ..arguments import check_choice, check_float, check_int

__all__ = ["ArticleExample", "EXAMPLES", "example_source", "article_timeline", "TimeFit", "fit_time_to_value"]


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


def example_source(number: int) -> str:
    """The source code of example ``number``'s model class as the article wrote it.

    That is the class in :mod:`sine_lab.models` without the docstring we added
    (the article's classes have none), so a reader can compare it line by line.
    """
    check_choice("number", number, tuple(EXAMPLES))
    cls = type(EXAMPLES[number].build())
    lines = textwrap.dedent(inspect.getsource(cls)).splitlines()
    docstring = ast.parse("\n".join(lines)).body[0].body[0]
    end = docstring.end_lineno
    if end < len(lines) and not lines[end].strip():
        end += 1  # the blank line that followed the docstring
    del lines[docstring.lineno - 1 : end]
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


@dataclass
class TimeFit:
    """A per-step model fitted on ``t ∈ [0, 10]`` and run on ``t ∈ [0, stop]``.

    Attributes:
        model: the trained :class:`~sine_lab.models.SequenceModel` (``per_step=True``).
        history: its training history.
        t: ``(N, 1)`` times of the whole run; the first 1000 were seen in training.
        truth: ``(N, 1)`` ``sin(t)``.
        prediction: ``(N, 1)`` the model's output at every time.
        seen_mse: MSE on the 1000 training times.
        unseen_mse: MSE on the times after ``t = 10``.
        zero_mse: MSE of always predicting 0 on those unseen times, the baseline to beat.
    """

    model: SequenceModel
    history: History
    t: Tensor
    truth: Tensor
    prediction: Tensor
    seen_mse: float
    unseen_mse: float
    zero_mse: float


def fit_time_to_value(
    cell: str,
    *,
    hidden_size: int,
    num_layers: int = 1,
    lr: float,
    epochs: int,
    seed: int = 0,
    stop: float = 2 * ARTICLE_STOP,
    progress: bool = False,
) -> TimeFit:
    """Fit ``t -> sin t`` with one output per step, then run past the training range.

    This is the article's set-up with the shapes fixed: the same input (time, as one
    sequence of 1000 steps, now batched as ``(1, 1000, 1)``) and a target for every
    step ``(1, 1000, 1)`` instead of one number. Trained with Adam on ``t ∈ [0, 10]``,
    then run on the unbroken sequence up to ``stop`` to see what it does with time
    it never saw.

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        hidden_size: units per layer.
        num_layers: stacked layers.
        lr: Adam's learning rate.
        epochs: full-batch training steps.
        seed: seeds initialisation.
        stop: how far in time to run the trained model (a multiple of 10).
        progress: show a progress bar.
    """
    check_choice("cell", cell, ("rnn", "lstm", "gru"))
    epochs = check_int("epochs", epochs, minimum=1)
    t, truth = article_timeline(stop)
    seen = article_data()[0].shape[0]
    seed_everything(check_int("seed", seed, minimum=0))
    model = SequenceModel(cell, hidden_size=hidden_size, num_layers=num_layers, per_step=True)
    history = train(model, t[None, :seen], truth[None, :seen], epochs=epochs, lr=lr,
                    callbacks=[ProgressBar()] if progress else [])
    with torch.no_grad():
        prediction = model(t[None])[0]
    errors = (prediction - truth) ** 2
    return TimeFit(
        model=model,
        history=history,
        t=t,
        truth=truth,
        prediction=prediction,
        seen_mse=float(errors[:seen].mean()),
        unseen_mse=float(errors[seen:].mean()),
        zero_mse=float((truth[seen:] ** 2).mean()),
    )
