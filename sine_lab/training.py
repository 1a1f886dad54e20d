"""Training: one seeded loop that returns a history instead of printing it away."""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from .validation import check_float, check_int, check_tensor

__all__ = ["History", "seed_everything", "train"]

# Called after every epoch with (epoch, loss); returning False stops training.
Callback = Callable[[int, float], "bool | None"]


@dataclass
class History:
    """What happened during :func:`train`.

    Attributes:
        loss: training loss after each epoch, ``loss[i]`` for epoch ``i + 1``.
        predictions: ``{epoch: model(x)}`` at the epochs asked for, detached, taken
            after that epoch's update (epoch 0 is before any update).
        grad_norms: total gradient 2-norm over all parameters at each epoch
            (before clipping), when asked for.
        warnings: each distinct warning raised while training (e.g. PyTorch's
            broadcasting warning), in the order first seen.
        stop_reason: ``"completed"``, ``"diverged"`` or ``"stopped"`` (by the callback).
        message: a sentence a person can read about how training ended.
    """

    loss: list[float] = field(default_factory=list)
    predictions: dict[int, Tensor] = field(default_factory=dict)
    grad_norms: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stop_reason: str = "completed"
    message: str = ""

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


def train(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    epochs: int,
    lr: float,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    batch_size: int | None = None,
    clip_grad_norm: float | None = None,
    seed: int | None = None,
    record_predictions_at: Iterable[int] = (),
    record_grad_norms: bool = False,
    log_every: int | None = None,
    progress: bool = False,
    callback: Callback | None = None,
    truncate_bptt: int | None = None,
) -> History:
    """Train ``model`` on ``(x, y)`` with Adam and return its :class:`History`.

    With ``batch_size=None`` every epoch is one full-batch step, exactly the
    article's loop (``zero_grad``, forward, loss, ``backward``, ``step``), so the
    losses are identical to running that loop by hand. With a ``batch_size`` the
    first dimension of ``x`` and ``y`` is split into shuffled mini-batches.

    Args:
        model: any module mapping ``x`` to a prediction.
        x: the input, whatever shape ``model`` takes (the article: ``(1000, 1)``;
            :class:`~sine_lab.models.SequenceModel`: ``(batch, seq, 1)``).
        y: the target passed to ``loss_fn`` with the prediction.
        epochs: passes over the data, >= 1.
        lr: Adam's learning rate, > 0.
        loss_fn: defaults to ``nn.MSELoss()``.
        batch_size: mini-batch size over the first dimension, or ``None`` for full batch.
        clip_grad_norm: if set, clip the total gradient norm to this value.
        seed: if set, seeds torch before training (shuffling, dropout).
        record_predictions_at: epochs at which to store ``model(x)`` in the history.
        record_grad_norms: store the total gradient norm of each epoch.
        log_every: print ``Epoch [e/epochs], Loss: …`` every this many epochs, as the article does.
        progress: show a progress bar (a widget in notebooks).
        callback: called as ``callback(epoch, loss)`` after each epoch; returning ``False`` stops.
        truncate_bptt: if set, back-propagate through only the last this many time
            steps (truncated BPTT for a loss on the last step): the earlier steps
            run without gradient and hand their state on. Needs a
            :class:`~sine_lab.models.SequenceModel` and ``x`` of shape ``(batch, seq, 1)``.

    Returns:
        the :class:`History`. Training stops early, with ``stop_reason="diverged"``
        and a warning, if the loss becomes NaN or infinite.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_tensor("x", x)
    check_tensor("y", y)
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, exclusive_minimum=True)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if x.shape[0] != y.shape[0]:
            raise ValueError(
                f"x and y must have the same first (batch) dimension for mini-batches, "
                f"got x {tuple(x.shape)} and y {tuple(y.shape)}"
            )
    if clip_grad_norm is not None:
        clip_grad_norm = check_float("clip_grad_norm", clip_grad_norm, minimum=0.0, exclusive_minimum=True)
    if log_every is not None:
        log_every = check_int("log_every", log_every, minimum=1)
    if truncate_bptt is not None:
        truncate_bptt = check_int("truncate_bptt", truncate_bptt, minimum=1)
        if not hasattr(model, "run"):
            raise TypeError(f"truncate_bptt needs a model with .run(x, state) (a SequenceModel), got {type(model).__name__}")
    record_at = {check_int("record_predictions_at", e, minimum=0, maximum=epochs) for e in record_predictions_at}
    if seed is not None:
        torch.manual_seed(check_int("seed", seed, minimum=0))

    loss_fn = loss_fn if loss_fn is not None else nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = History()
    bar = _progress_bar(epochs) if progress else None

    def snapshot(epoch: int) -> None:
        if epoch in record_at:
            with torch.no_grad():
                history.predictions[epoch] = model(x).detach().clone()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        snapshot(0)
        for epoch in range(1, epochs + 1):
            losses, norms = [], []
            for xb, yb in _batches(x, y, batch_size):
                optimizer.zero_grad()
                prediction = model(xb) if truncate_bptt is None else _truncated_forward(model, xb, truncate_bptt)
                loss = loss_fn(prediction, yb)
                loss.backward()
                if record_grad_norms or clip_grad_norm is not None:
                    norm = nn.utils.clip_grad_norm_(
                        model.parameters(), clip_grad_norm if clip_grad_norm is not None else math.inf
                    )
                    norms.append(float(norm))
                optimizer.step()
                losses.append(loss.item())
            epoch_loss = float(np.mean(losses))
            history.loss.append(epoch_loss)
            if record_grad_norms:
                history.grad_norms.append(float(np.mean(norms)))
            snapshot(epoch)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{epoch_loss:.4g}", refresh=False)
            if log_every is not None and epoch % log_every == 0:
                print(f"Epoch [{epoch}/{epochs}], Loss: {epoch_loss:.4f}")
            if not math.isfinite(epoch_loss):
                history.stop_reason = "diverged"
                history.message = (
                    f"Training diverged: the loss became {epoch_loss} at epoch {epoch} (lr={lr}). "
                    "Try a smaller learning rate, gradient clipping (clip_grad_norm=1.0) "
                    "or inputs scaled to about [-1, 1]."
                )
                break
            if callback is not None and callback(epoch, epoch_loss) is False:
                history.stop_reason = "stopped"
                history.message = f"Stopped by the caller after epoch {epoch}."
                break
    if bar is not None:
        bar.close()
    if history.stop_reason == "completed":
        history.message = f"Completed {epochs} epochs; final loss {history.final_loss:.4g}."

    # Each distinct warning is kept in the history and shown once, not once per epoch.
    seen: set[str] = set()
    for w in caught:
        text = str(w.message)
        if text not in seen:
            seen.add(text)
            history.warnings.append(text)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if history.stop_reason == "diverged":
        warnings.warn(history.message, RuntimeWarning, stacklevel=2)
    return history


def _truncated_forward(model: nn.Module, x: Tensor, steps: int) -> Tensor:
    """The last step's prediction ``(batch, out)``, with gradient only through the last ``steps`` steps."""
    if x.shape[1] <= steps:
        return model(x)
    with torch.no_grad():
        _, state = model.run(x[:, :-steps])
    outputs, _ = model.run(x[:, -steps:], state)
    return outputs[:, -1]


def _batches(x: Tensor, y: Tensor, batch_size: int | None) -> Iterable[tuple[Tensor, Tensor]]:
    if batch_size is None:
        yield x, y
        return
    order = torch.randperm(x.shape[0])
    for start in range(0, x.shape[0], batch_size):
        index = order[start : start + batch_size]
        yield x[index], y[index]


def _progress_bar(total: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="training", unit="epoch", leave=True)
