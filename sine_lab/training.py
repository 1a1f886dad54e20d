"""Training: the article's loop, seeded, with everything else in small objects.

:func:`train` runs ``zero_grad -> forward -> objective -> backward -> step`` and returns
a :class:`History`. What is predicted and scored is an *objective*
(:mod:`sine_lab.objectives`); everything else (clipping, validation, printing, stopping)
is a *callback* (:mod:`sine_lab.callbacks`).
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_choice, check_float, check_int, check_tensor
from .callbacks import Callback, DivergenceGuard
from .data import make_windows
from .objectives import Criterion, LastStep, Objective

__all__ = [
    "History", "OPTIMIZERS", "SCHEDULES", "TrainingState", "fit_autoregressive", "seed_everything", "train",
]

OPTIMIZERS = ("adam", "sgd", "lbfgs")
LBFGS_ITERATIONS_PER_STEP = 20
SCHEDULES = ("onecycle", "cosine")


@dataclass
class History:
    """What happened during :func:`train`.

    Attributes:
        loss: training loss of each epoch (the mean over its steps), ``loss[i]`` for epoch ``i + 1``.
        predictions: ``{epoch: prediction}`` from :class:`~sine_lab.callbacks.RecordPredictions`.
        grad_norms: each epoch's total gradient 2-norm from
            :class:`~sine_lab.callbacks.RecordGradNorms`.
        warnings: each distinct warning raised while training (e.g. PyTorch's
            broadcasting warning), in the order first seen.
        stop_reason: ``"completed"``, ``"diverged"``, ``"stopped"`` (by :class:`~sine_lab.callbacks.OnEpochEnd`)
            or ``"early_stopped"`` (validation stopped improving).
        message: a sentence a person can read about how training ended.
        validation_loss: the :class:`~sine_lab.callbacks.Validate` score at each epoch in ``validation_epochs``.
        validation_epochs: the epochs at which the validation loss was measured.
        best_epoch: the epoch whose weights the model holds after training with a
            validation set (the lowest validation loss), else ``None``.
    """

    loss: list[float] = field(default_factory=list)
    predictions: dict[int, Tensor] = field(default_factory=dict)
    grad_norms: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stop_reason: str = "completed"
    message: str = ""
    validation_loss: list[float] = field(default_factory=list)
    validation_epochs: list[int] = field(default_factory=list)
    best_epoch: int | None = None

    @property
    def epochs(self) -> int:
        """Number of epochs that ran."""
        return len(self.loss)

    @property
    def final_loss(self) -> float:
        """The last epoch's loss (``nan`` if no epoch ran)."""
        return self.loss[-1] if self.loss else math.nan


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's generators, so that model initialisation
    and training are repeatable."""
    check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class TrainingState:
    """What callbacks see: the run's inputs, its optimizer and history, and where it is.

    ``epoch`` counts passes over the data from 1 (0 before the first), ``step`` the
    optimizer steps taken; ``epochs`` is the number of passes the run will make.
    """

    model: nn.Module
    x: Tensor
    y: Tensor
    objective: Objective
    loss_fn: Criterion
    optimizer: torch.optim.Optimizer
    lr: float
    epochs: int
    history: History = field(default_factory=History)
    epoch: int = 0
    step: int = 0
    stopped: bool = False

    def stop(self, reason: str, message: str) -> None:
        """End training after this epoch; ``reason`` becomes ``history.stop_reason``."""
        self.history.stop_reason, self.history.message, self.stopped = reason, message, True


def train(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    epochs: int | None = None,
    steps: int | None = None,
    lr: float,
    optimizer: str = "adam",
    objective: Objective | None = None,
    loss_fn: Criterion | None = None,
    batch_size: int | None = None,
    schedule: str | None = None,
    callbacks: Iterable[Callback] = (),
    seed: int | None = None,
) -> History:
    """Train ``model`` on ``(x, y)`` and return its :class:`History`.

    Each optimizer step is the article's loop: ``zero_grad``, forward and loss (the
    ``objective``), ``backward``, ``step``. With ``batch_size=None`` an epoch is one
    full-batch step, so the losses are identical to running that loop by hand; with a
    ``batch_size`` the first dimension of ``x`` and ``y`` is split into shuffled
    mini-batches. Everything else (clipping, validation, printing, ...) is a callback.

    Args:
        model: any module mapping ``x`` to a prediction.
        x: the input, whatever shape ``model`` takes (the article: ``(1000, 1)``;
            :class:`~sine_lab.models.SequenceModel`: ``(batch, seq, 1)``).
        y: the target the objective compares its prediction with.
        epochs: passes over the data, >= 1; give this or ``steps``.
        steps: optimizer steps, >= 1, drawn as mini-batches from shuffled passes (the
            last pass stops early); give this or ``epochs``.
        lr: the learning rate, > 0 (for L-BFGS the initial step length; 1 is usual).
        optimizer: ``"adam"``, ``"sgd"`` (plain gradient descent, ``w -= lr * grad``) or
            ``"lbfgs"`` (full batch, no schedule; each step is up to 20 iterations with a
            strong-Wolfe line search, its closure re-evaluated).
        objective: what is predicted and scored (:mod:`sine_lab.objectives`); default
            :class:`~sine_lab.objectives.LastStep`, ``loss_fn(model(x), y)``.
        loss_fn: the criterion the objective compares with; default ``nn.MSELoss()``.
        batch_size: mini-batch size over the first dimension, or ``None`` for full batch.
        schedule: learning rate over all steps: ``None`` (constant), ``"onecycle"``
            (warm up to ``lr``, then anneal) or ``"cosine"`` (anneal from ``lr``).
        callbacks: :mod:`sine_lab.callbacks` objects; a
            :class:`~sine_lab.callbacks.DivergenceGuard` is added unless one is given.
        seed: if set, seeds torch before training (shuffling, dropout).

    Returns:
        the :class:`History`; PyTorch warnings raised while training are kept in it
        and each distinct one is shown once; a diverged run also warns.
    """
    objective = objective if objective is not None else LastStep()
    per_epoch, total_steps = _check(model, x, y, epochs, steps, lr, optimizer, objective, batch_size, schedule)
    callbacks = _with_defaults(callbacks)
    if seed is not None:
        torch.manual_seed(check_int("seed", seed, minimum=0))
    opt = _optimizer(optimizer, model, lr)
    scheduler = _scheduler(opt, schedule, lr, total_steps)
    epochs = math.ceil(total_steps / per_epoch)
    state = TrainingState(model, x, y, objective, loss_fn or nn.MSELoss(), opt, lr, epochs)
    caught = _DistinctWarnings()
    with caught:
        for callback in callbacks:
            callback.on_train_begin(state)
    while state.epoch < state.epochs and not state.stopped:
        state.epoch += 1
        losses = []
        for xb, yb in _batches(x, y, batch_size, limit=total_steps - state.step):

            def closure(xb: Tensor = xb, yb: Tensor = yb) -> Tensor:
                opt.zero_grad()
                loss = objective(model, xb, yb, state.loss_fn)
                loss.backward()
                for callback in callbacks:
                    callback.after_backward(state)
                return loss

            state.step += 1
            with caught:
                # L-BFGS calls the closure many times and returns the first loss, as Adam's step does.
                losses.append(opt.step(closure).item())
            if scheduler is not None:
                scheduler.step()
        state.history.loss.append(float(np.mean(losses)))
        with caught:
            for callback in callbacks:
                if not state.stopped:  # the first callback to stop gives the reason
                    callback.on_epoch_end(state)
    if not state.stopped:
        done = f"{state.epochs} epochs" if steps is None else f"{state.step} steps"
        state.history.message = f"Completed {done}; final loss {state.history.final_loss:.4g}."
    caught.show(state.history)
    for callback in callbacks:
        callback.on_train_end(state)
    return state.history


def _check(model: nn.Module, x: Tensor, y: Tensor, epochs: int | None, steps: int | None, lr: float,
           optimizer: str, objective: Objective, batch_size: int | None, schedule: str | None) -> tuple[int, int]:
    """Check :func:`train`'s arguments; return the steps per epoch and the total steps."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_tensor("x", x)
    check_tensor("y", y)
    if (epochs is None) == (steps is None):
        raise ValueError(f"give exactly one of epochs and steps, got epochs={epochs!r} and steps={steps!r}")
    check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    check_choice("optimizer", optimizer, OPTIMIZERS)
    if schedule is not None:
        check_choice("schedule", schedule, SCHEDULES)
    if not isinstance(objective, Objective):
        raise TypeError(
            f"objective must be an Objective (e.g. LastStep(), PerStep(10)), got {type(objective).__name__}"
        )
    objective.check(model)
    per_epoch = 1
    if batch_size is not None:
        per_epoch = math.ceil(x.shape[0] / check_int("batch_size", batch_size, minimum=1))
        if x.shape[0] != y.shape[0]:
            raise ValueError(
                f"x and y must have the same first (batch) dimension for mini-batches, "
                f"got x {tuple(x.shape)} and y {tuple(y.shape)}"
            )
    if optimizer == "lbfgs" and (batch_size is not None or schedule is not None):
        # The line search needs the same loss every call, and owns the step size.
        raise ValueError("optimizer='lbfgs' needs batch_size=None and schedule=None")
    if steps is not None:
        return per_epoch, check_int("steps", steps, minimum=1)
    return per_epoch, per_epoch * check_int("epochs", epochs, minimum=1)


def _with_defaults(callbacks: Iterable[Callback]) -> list[Callback]:
    callbacks = list(callbacks)
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError(
                f"callbacks must be Callback objects (e.g. ClipGradNorm(1.0), OnEpochEnd(fn)), "
                f"got {type(callback).__name__}"
            )
    if not any(isinstance(callback, DivergenceGuard) for callback in callbacks):
        callbacks.append(DivergenceGuard())
    return sorted(callbacks, key=lambda callback: callback.order)


def _optimizer(name: str, model: nn.Module, lr: float) -> torch.optim.Optimizer:
    if name == "lbfgs":
        # Several iterations per step: torch's L-BFGS converges far more slowly when
        # each step() call makes a single iteration. Zero tolerances: the losses
        # wanted here are near float32 resolution.
        return torch.optim.LBFGS(
            model.parameters(), lr=lr, max_iter=LBFGS_ITERATIONS_PER_STEP, history_size=50,
            line_search_fn="strong_wolfe", tolerance_grad=0.0, tolerance_change=0.0,
        )
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr)
    return torch.optim.Adam(model.parameters(), lr=lr)


def _scheduler(
    opt: torch.optim.Optimizer, schedule: str | None, lr: float, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    if schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total_steps)
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
    return None


def _batches(x: Tensor, y: Tensor, batch_size: int | None, limit: int) -> Iterator[tuple[Tensor, Tensor]]:
    """One pass: the full batch, or at most ``limit`` shuffled mini-batches."""
    if batch_size is None:
        yield x, y
        return
    order = torch.randperm(x.shape[0])
    for start in range(0, min(x.shape[0], limit * batch_size), batch_size):
        index = order[start : start + batch_size]
        yield x[index], y[index]


class _DistinctWarnings:
    """Records the warnings raised inside ``with`` blocks, keeping each distinct one once.

    Recording swaps the process-wide warning filters, so it is entered around each
    step and each round of callbacks only, never around a whole run."""

    def __init__(self) -> None:
        self.caught: dict[str, warnings.WarningMessage] = {}

    def __enter__(self) -> None:
        self._recorder = warnings.catch_warnings(record=True)
        self._log = self._recorder.__enter__()
        warnings.simplefilter("always")

    def __exit__(self, *exc: object) -> None:
        self._recorder.__exit__(*exc)
        for w in self._log:
            self.caught.setdefault(str(w.message), w)

    def show(self, history: History) -> None:
        """Store each distinct warning in ``history.warnings`` and show it once."""
        for text, w in self.caught.items():
            history.warnings.append(text)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def fit_autoregressive(series: Tensor, order: int = 2, *, dtype: torch.dtype = torch.float32) -> Tensor:
    """Least-squares linear regression of each value on the ``order`` before it.

    Fits ``s[n+1] ≈ a_0 s[n] + a_1 s[n-1] + … + a_{order-1} s[n-order+1]`` over every
    window of every series (no intercept: a sine has mean zero). For a noiseless
    sampled sine and ``order=2`` the exact answer is ``(2 cos(ω Δt), -1)``.

    Args:
        series: ``(T,)`` or ``(n_series, T)``, with ``T > order``.
        order: number of past values used, >= 1.

    Returns:
        the coefficients ``(order,)``, newest sample first, in ``dtype`` (solved in float64; ask for float64
        when their rounding matters, e.g. to hold them as a correction to linear extrapolation);
        :meth:`~sine_lab.models.SequenceModel.linear_predictor` turns them into a model.
    """
    order = check_int("order", order, minimum=1)
    inputs, targets = make_windows(series, order)
    design = inputs[..., 0].flip(1).double()
    solution = torch.linalg.lstsq(design, targets.double()).solution
    return solution[:, 0].to(dtype)
