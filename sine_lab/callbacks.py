"""Callbacks: everything :func:`~sine_lab.training.train` does besides the step itself.

A callback overrides any of the hooks below; each gets the :class:`~sine_lab.training.TrainingState`
(model, data, optimizer, objective, history, current epoch and step). A callback
stops training with ``state.stop(reason, message)``. Callbacks run in the order of
their ``order`` attribute (lower first), then in the order given.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_float, check_int, check_tensor
from .models import eval_mode
from .objectives import Objective

if TYPE_CHECKING:
    from .training import TrainingState

__all__ = [
    "Callback",
    "ClipGradNorm",
    "DivergenceGuard",
    "OnEpochEnd",
    "PrintLoss",
    "ProgressBar",
    "RecordGradNorms",
    "RecordPredictions",
    "Validate",
]


class Callback:
    """Base class with empty hooks; override the ones you need."""

    order = 70

    def on_train_begin(self, state: TrainingState) -> None: ...

    def after_backward(self, state: TrainingState) -> None: ...

    def on_epoch_end(self, state: TrainingState) -> None: ...

    def on_train_end(self, state: TrainingState) -> None: ...


def _total_grad_norm(model: nn.Module) -> float:
    # An infinite bound measures without clipping (the gradients are scaled by exactly 1).
    return float(nn.utils.clip_grad_norm_(model.parameters(), math.inf))


class RecordGradNorms(Callback):
    """Fill ``history.grad_norms`` with each epoch's mean total gradient 2-norm (before clipping).

    L-BFGS evaluates its closure many times per step; the norm kept is the step's first."""

    order = 0

    def on_train_begin(self, state: TrainingState) -> None:
        self.norms: list[float] = []
        self.step = -1

    def after_backward(self, state: TrainingState) -> None:
        if state.step != self.step:
            self.step = state.step
            self.norms.append(_total_grad_norm(state.model))

    def on_epoch_end(self, state: TrainingState) -> None:
        state.history.grad_norms.append(float(np.mean(self.norms)))
        self.norms = []


class ClipGradNorm(Callback):
    """Scale the gradients so that their total 2-norm is at most ``max_norm`` (not with L-BFGS)."""

    order = 5

    def __init__(self, max_norm: float = 1.0) -> None:
        self.max_norm = check_float("max_norm", max_norm, minimum=0.0, exclusive_minimum=True)

    def on_train_begin(self, state: TrainingState) -> None:
        if isinstance(state.optimizer, torch.optim.LBFGS):
            # The line search needs the gradient of the loss it measures, not a clipped one.
            raise ValueError("ClipGradNorm cannot be used with optimizer='lbfgs': its line search needs true gradients")

    def after_backward(self, state: TrainingState) -> None:
        nn.utils.clip_grad_norm_(state.model.parameters(), self.max_norm)


class RecordPredictions(Callback):
    """Fill ``history.predictions[epoch]`` with the objective's prediction on the training
    ``x`` after each epoch in ``at`` (epoch 0: before any update), detached."""

    order = 10

    def __init__(self, at: Iterable[int] = (0,)) -> None:
        self.at = {check_int("at", epoch, minimum=0) for epoch in at}

    def on_train_begin(self, state: TrainingState) -> None:
        for epoch in self.at:
            check_int("RecordPredictions at", epoch, maximum=state.epochs)
        self._snapshot(state, 0)

    def on_epoch_end(self, state: TrainingState) -> None:
        self._snapshot(state, state.epoch)

    def _snapshot(self, state: TrainingState, epoch: int) -> None:
        if epoch in self.at:
            with torch.no_grad():
                state.history.predictions[epoch] = state.objective.predict(state.model, state.x).detach().clone()


class ProgressBar(Callback):
    """A progress bar over the epochs (a widget in notebooks), showing the latest loss."""

    order = 20

    def on_train_begin(self, state: TrainingState) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=state.epochs, desc="training", unit="epoch", leave=True)

    def on_epoch_end(self, state: TrainingState) -> None:
        self.bar.update(1)
        self.bar.set_postfix(loss=f"{state.history.final_loss:.4g}", refresh=False)

    def on_train_end(self, state: TrainingState) -> None:
        self.bar.close()


class PrintLoss(Callback):
    """Print ``Epoch [e/E], Loss: x`` every ``every`` epochs, as the article does.

    A line that would repeat the last printed loss (to the 4 decimals shown) is held back; at the end
    one line says for which epochs it stayed the same, so a run stuck at a floor shows as two lines, not ten.
    """

    order = 30

    def __init__(self, every: int = 100) -> None:
        self.every = check_int("every", every, minimum=1)

    def on_train_begin(self, state: TrainingState) -> None:
        self._last, self._held = "", []

    def on_epoch_end(self, state: TrainingState) -> None:
        if state.epoch % self.every == 0:
            loss = f"{state.history.final_loss:.4f}"
            if loss == self._last:
                self._held.append(state.epoch)
                return
            self._flush(state)
            self._last = loss
            print(f"Epoch [{state.epoch}/{state.epochs}], Loss: {loss}")

    def on_train_end(self, state: TrainingState) -> None:
        self._flush(state)

    def _flush(self, state: TrainingState) -> None:
        if self._held:
            epochs = f"epoch {self._held[0]}" if len(self._held) == 1 else f"epochs {self._held[0]} to {self._held[-1]}"
            print(f"  ... the same Loss: {self._last} at {epochs} (every {self.every})")
            self._held = []


class DivergenceGuard(Callback):
    """Stop when the epoch's loss is NaN or infinite, or exceeds ``max_growth`` times the
    larger of the first epoch's loss and the loss of always predicting zero (under the
    training criterion: ``mean(y**2)`` for the MSE); ``max_growth=None`` checks only for
    NaN and infinity. On by default in :func:`~sine_lab.training.train`; the message
    says what to try."""

    order = 40

    def __init__(self, max_growth: float | None = 1e3) -> None:
        self.max_growth = None if max_growth is None else check_float(
            "max_growth", max_growth, minimum=1.0, exclusive_minimum=True)

    def on_train_begin(self, state: TrainingState) -> None:
        self.zero_loss: float | None = None

    def on_epoch_end(self, state: TrainingState) -> None:
        losses = state.history.loss
        if (self.max_growth is not None and self.zero_loss is None and math.isfinite(losses[-1])
                and losses[-1] > self.max_growth * losses[0]):
            # Only now is the zero predictor's loss needed; computed late, a criterion with
            # side effects (one that counts its calls) is called once more only here.
            self.zero_loss = self._zero_loss(state)
        problem = self.problem(losses, self.zero_loss or 0.0)
        if problem:
            state.stop("diverged", (
                f"Training diverged: {problem} at epoch {state.epoch} (lr={state.lr}). "
                "Try a smaller learning rate, gradient clipping (ClipGradNorm(1.0)) "
                "or inputs scaled to about [-1, 1]."
            ))

    @staticmethod
    def _zero_loss(state: TrainingState) -> float:
        y = state.y.detach()
        try:
            with torch.no_grad():
                return float(state.loss_fn(torch.zeros_like(y), y))
        except (TypeError, ValueError, RuntimeError):
            # A criterion that wants predictions of another shape than y: fall back to the MSE.
            return float(y.double().pow(2).mean())

    def on_train_end(self, state: TrainingState) -> None:
        if state.history.stop_reason == "diverged":
            warnings.warn(state.history.message, RuntimeWarning, stacklevel=3)

    def problem(self, losses: list[float], zero_loss: float) -> str:
        """Why the loss history counts as diverged, or ``""`` if it does not
        (``zero_loss``: the loss of always predicting zero)."""
        latest = losses[-1]
        if not math.isfinite(latest):
            return f"the loss became {latest}"
        if self.max_growth is None:
            return ""
        # The zero predictor's MSE keeps a nearly perfect start (first loss ~ 0) from
        # turning ordinary noise into an "explosion".
        reference = max(losses[0], zero_loss)
        if reference > 0 and latest > self.max_growth * reference:
            return (
                f"the loss grew to {latest:.4g}, more than {self.max_growth:g} times "
                f"{reference:.4g} (the larger of the first epoch's loss and that of predicting zero)"
            )
        return ""


class Validate(Callback):
    """Score ``(x_val, y_val)`` before training, every ``every`` epochs and after the last;
    keep the weights with the lowest score (the starting weights included) and restore
    them at the end, also after divergence. Stop after ``patience`` scores without
    improvement (``None``: never). ``objective`` scores the validation set (default: the
    training objective), e.g. a longer free run than the one trained on."""

    order = 50

    def __init__(self, x_val: Tensor, y_val: Tensor, every: int = 1, patience: int | None = None,
                 objective: Objective | None = None) -> None:
        self.x_val, self.y_val = check_tensor("x_val", x_val), check_tensor("y_val", y_val)
        self.every = check_int("every", every, minimum=1)
        self.patience = None if patience is None else check_int("patience", patience, minimum=1)
        if objective is not None and not isinstance(objective, Objective):
            raise TypeError(f"objective must be an Objective (e.g. Rollout(50)), got {type(objective).__name__}")
        self.objective = objective

    def on_train_begin(self, state: TrainingState) -> None:
        self.best, self.best_state, self.since_best = math.inf, None, 0
        self._score(state, 0)

    def on_epoch_end(self, state: TrainingState) -> None:
        if state.epoch % self.every and state.epoch != state.epochs:
            return
        self._score(state, state.epoch)
        if self.patience is not None and self.since_best >= self.patience:
            state.stop("early_stopped", (
                f"Stopped early after epoch {state.epoch}: the validation loss had not improved for "
                f"{self.patience} checks; kept the weights of epoch {state.history.best_epoch}."
            ))

    def on_train_end(self, state: TrainingState) -> None:
        if self.best_state is not None:
            state.model.load_state_dict(self.best_state)
        if state.history.stop_reason == "completed":
            state.history.message += (
                f" Kept the weights of epoch {state.history.best_epoch} (validation loss {self.best:.4g})."
            )

    def _score(self, state: TrainingState, epoch: int) -> None:
        objective = self.objective or state.objective
        with eval_mode(state.model), torch.no_grad():
            value = float(objective(state.model, self.x_val, self.y_val, state.loss_fn))
        state.history.validation_loss.append(value)
        state.history.validation_epochs.append(epoch)
        if value < self.best:
            self.best, self.since_best, state.history.best_epoch = value, 0, epoch
            self.best_state = copy.deepcopy(state.model.state_dict())
        else:
            self.since_best += 1


class OnEpochEnd(Callback):
    """Call ``fn(epoch, loss)`` after every epoch; returning ``False`` stops training
    (e.g. a Stop button, or a target loss reached)."""

    order = 60

    def __init__(self, fn: Callable[[int, float], bool | None]) -> None:
        if not callable(fn):
            raise TypeError(f"fn must be callable as fn(epoch, loss), got {type(fn).__name__}")
        self.fn = fn

    def on_epoch_end(self, state: TrainingState) -> None:
        if self.fn(state.epoch, state.history.final_loss) is False:
            state.stop("stopped", f"Stopped by the caller after epoch {state.epoch}.")
