"""Training: one seeded loop that returns a history instead of printing it away."""

from __future__ import annotations

import copy
import functools
import math
import random
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from .data import make_windows
from .models import eval_mode
from .arguments import check_choice, check_float, check_int, check_tensor

__all__ = ["History", "OPTIMIZERS", "SCHEDULES", "fit_autoregressive", "seed_everything", "train"]

# Called after every epoch with (epoch, loss); returning False stops training.
Callback = Callable[[int, float], "bool | None"]
# Maps (model, x) to the prediction compared with y; the default is model(x).
Predict = Callable[[nn.Module, Tensor], Tensor]

OPTIMIZERS = ("adam", "lbfgs")
LBFGS_ITERATIONS_PER_EPOCH = 20
SCHEDULES = ("onecycle", "cosine")


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
        stop_reason: ``"completed"``, ``"diverged"``, ``"stopped"`` (by the callback)
            or ``"early_stopped"`` (validation stopped improving).
        message: a sentence a person can read about how training ended.
        validation_loss: the validation loss at each epoch in ``validation_epochs``.
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
    optimizer: str = "adam",
    schedule: str | None = None,
    predict: Predict | None = None,
    validation: tuple[Tensor, Tensor] | None = None,
    validate_every: int = 1,
    patience: int | None = None,
    max_loss_growth: float | None = 1e3,
    truncate_bptt: int | None = None,
    validation_predict: Predict | None = None,
) -> History:
    """Train ``model`` on ``(x, y)`` with Adam (or L-BFGS) and return its :class:`History`.

    With ``batch_size=None`` every epoch is one full-batch step, exactly the
    article's loop (``zero_grad``, forward, loss, ``backward``, ``step``), so the
    losses are identical to running that loop by hand. With a ``batch_size`` the
    first dimension of ``x`` and ``y`` is split into shuffled mini-batches.

    With a ``validation`` set the model is scored on it before training, every
    ``validate_every`` epochs and after the last; training stops after ``patience``
    scores without improvement, and the model is left holding the weights of its
    best score (also when training diverged).

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
        optimizer: ``"adam"``, or ``"lbfgs"`` (full batch only; each epoch is one
            ``torch.optim.LBFGS`` step of up to 20 iterations with a strong-Wolfe line
            search; ``lr`` is its initial step length, 1 is usual).
        schedule: learning-rate schedule over all Adam steps: ``None`` (constant),
            ``"onecycle"`` (warm up to ``lr``, then anneal) or ``"cosine"`` (anneal from ``lr``).
        predict: ``predict(model, x)`` gives the prediction compared with ``y``
            (default ``model(x)``), e.g. the per-step outputs of :meth:`SequenceModel.run`
            or a free-running :func:`~sine_lab.models.forecast` for a rollout loss.
        validation: ``(x_val, y_val)`` scored with the same ``predict`` and ``loss_fn``.
        validate_every: epochs between validation scores, >= 1.
        patience: stop after this many validation scores without improvement
            (``None``: never stop early). Needs ``validation``.
        max_loss_growth: treat training as exploding when an epoch's loss exceeds this
            factor times the larger of the first epoch's loss and ``mean(y**2)`` (the
            MSE of always predicting zero); ``None`` disables the check.
        truncate_bptt: if set, back-propagate through only the last this many time
            steps (truncated BPTT for a loss on the last step): the earlier steps
            run without gradient and hand their state on. Needs a
            :class:`~sine_lab.models.SequenceModel` and ``x`` of shape ``(batch, seq, 1)``.
        validation_predict: the prediction scored on the validation set, if it should
            differ from ``predict`` (e.g. a longer free-running forecast than the one
            trained on); defaults to ``predict``. Needs ``validation``.

    Returns:
        the :class:`History`. Training stops early, with ``stop_reason="diverged"``
        and a warning, if the loss becomes NaN or infinite or explodes (see
        ``max_loss_growth``); the message says what to try.
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
    if max_loss_growth is not None:
        max_loss_growth = check_float("max_loss_growth", max_loss_growth, minimum=1.0, exclusive_minimum=True)
    if truncate_bptt is not None:
        truncate_bptt = check_int("truncate_bptt", truncate_bptt, minimum=1)
        if not hasattr(model, "run"):
            raise TypeError(f"truncate_bptt needs a model with .run(x, state) (a SequenceModel), got {type(model).__name__}")
        if predict is not None:
            raise ValueError("truncate_bptt and predict cannot be combined: truncate_bptt defines the prediction")
    record_at = {check_int("record_predictions_at", e, minimum=0, maximum=epochs) for e in record_predictions_at}
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    if schedule is not None:
        schedule = check_choice("schedule", schedule, SCHEDULES)
    if optimizer == "lbfgs" and (batch_size is not None or schedule is not None or clip_grad_norm is not None):
        # The line search needs the same loss every call, and owns the step size.
        raise ValueError("optimizer='lbfgs' needs batch_size=None, schedule=None and clip_grad_norm=None")
    if predict is not None and not callable(predict):
        raise TypeError(f"predict must be callable as predict(model, x), got {type(predict).__name__}")
    if validation is not None:
        if not isinstance(validation, tuple) or len(validation) != 2:
            raise TypeError("validation must be a tuple (x_val, y_val)")
        check_tensor("validation x", validation[0])
        check_tensor("validation y", validation[1])
    validate_every = check_int("validate_every", validate_every, minimum=1)
    if patience is not None:
        patience = check_int("patience", patience, minimum=1)
        if validation is None:
            raise ValueError("patience needs a validation set to watch")
    if validation_predict is not None:
        if not callable(validation_predict):
            raise TypeError(f"validation_predict must be callable as validation_predict(model, x), got {type(validation_predict).__name__}")
        if validation is None:
            raise ValueError("validation_predict needs a validation set to score")
    if seed is not None:
        torch.manual_seed(check_int("seed", seed, minimum=0))

    loss_fn = loss_fn if loss_fn is not None else nn.MSELoss()
    if truncate_bptt is not None:
        predict = functools.partial(_truncated_forward, steps=truncate_bptt)
    predict = predict if predict is not None else _call_model
    steps_per_epoch = 1 if batch_size is None else math.ceil(x.shape[0] / batch_size)
    if optimizer == "lbfgs":
        # Several iterations per step: torch's L-BFGS converges far more slowly when
        # each step() call makes a single iteration. Zero tolerances: the losses
        # wanted here are near float32 resolution.
        opt = torch.optim.LBFGS(
            model.parameters(), lr=lr, max_iter=LBFGS_ITERATIONS_PER_EPOCH, history_size=50,
            line_search_fn="strong_wolfe", tolerance_grad=0.0, tolerance_change=0.0,
        )
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = _scheduler(opt, schedule, lr, epochs * steps_per_epoch)
    history = History()
    bar = _progress_bar(epochs) if progress else None
    best_state: dict[str, Tensor] | None = None
    best_loss, since_best = math.inf, 0

    def snapshot(epoch: int) -> None:
        if epoch in record_at:
            with torch.no_grad():
                history.predictions[epoch] = predict(model, x).detach().clone()

    def validate(epoch: int) -> bool:
        """Score on the validation set; return True when patience has run out."""
        nonlocal best_state, best_loss, since_best
        with eval_mode(model), torch.no_grad():
            value = float(loss_fn((validation_predict or predict)(model, validation[0]), validation[1]))
        history.validation_loss.append(value)
        history.validation_epochs.append(epoch)
        if value < best_loss:
            best_loss, since_best, history.best_epoch = value, 0, epoch
            best_state = copy.deepcopy(model.state_dict())
        else:
            since_best += 1
        return patience is not None and since_best >= patience

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        snapshot(0)
        if validation is not None:
            # The starting weights are a candidate too, so a diverged run can fall back on them.
            validate(0)
        for epoch in range(1, epochs + 1):
            losses, norms = [], []
            for xb, yb in _batches(x, y, batch_size):

                def closure(xb: Tensor = xb, yb: Tensor = yb) -> Tensor:
                    opt.zero_grad()
                    loss = loss_fn(predict(model, xb), yb)
                    loss.backward()
                    if record_grad_norms or clip_grad_norm is not None:
                        norm = nn.utils.clip_grad_norm_(
                            model.parameters(), clip_grad_norm if clip_grad_norm is not None else math.inf
                        )
                        norms.append(float(norm))
                    return loss

                if optimizer == "lbfgs":
                    # L-BFGS evaluates many times per step; the loss and gradient
                    # norm recorded are those at the start of the step, as for Adam.
                    loss = opt.step(closure)
                    del norms[1:]
                else:
                    loss = closure()
                    opt.step()
                if scheduler is not None:
                    scheduler.step()
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
            problem = _divergence(history.loss, max_loss_growth, y)
            if problem:
                history.stop_reason = "diverged"
                history.message = (
                    f"Training diverged: {problem} at epoch {epoch} (lr={lr}). "
                    "Try a smaller learning rate, gradient clipping (clip_grad_norm=1.0) "
                    "or inputs scaled to about [-1, 1]."
                )
                break
            if validation is not None and (epoch % validate_every == 0 or epoch == epochs) and validate(epoch):
                history.stop_reason = "early_stopped"
                history.message = (
                    f"Stopped early after epoch {epoch}: the validation loss had not improved for "
                    f"{patience} checks; kept the weights of epoch {history.best_epoch}."
                )
                break
            if callback is not None and callback(epoch, epoch_loss) is False:
                history.stop_reason = "stopped"
                history.message = f"Stopped by the caller after epoch {epoch}."
                break
    if bar is not None:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    if history.stop_reason == "completed":
        history.message = f"Completed {epochs} epochs; final loss {history.final_loss:.4g}."
        if history.best_epoch is not None:
            history.message += (
                f" Kept the weights of epoch {history.best_epoch} "
                f"(validation loss {min(history.validation_loss):.4g})."
            )

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


def _divergence(losses: list[float], max_growth: float | None, y: Tensor) -> str:
    """Why the loss history counts as diverged, or ``""`` if it does not."""
    latest = losses[-1]
    if not math.isfinite(latest):
        return f"the loss became {latest}"
    if max_growth is None:
        return ""
    # The zero predictor's MSE keeps a nearly perfect start (first loss ~ 0) from
    # turning ordinary noise into an "explosion".
    reference = max(losses[0], float(y.detach().double().pow(2).mean()))
    if reference > 0 and latest > max_growth * reference:
        return (
            f"the loss grew to {latest:.4g}, more than {max_growth:g} times "
            f"{reference:.4g} (the larger of the first epoch's loss and mean(y**2))"
        )
    return ""


def _call_model(model: nn.Module, x: Tensor) -> Tensor:
    return model(x)


def _scheduler(
    opt: torch.optim.Optimizer, schedule: str | None, lr: float, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    if schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total_steps)
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
    return None


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


def fit_autoregressive(series: Tensor, order: int = 2) -> Tensor:
    """Least-squares linear regression of each value on the ``order`` before it.

    Fits ``s[n+1] ≈ a_0 s[n] + a_1 s[n-1] + … + a_{order-1} s[n-order+1]`` over every
    window of every series (no intercept: a sine has mean zero). For a noiseless
    sampled sine and ``order=2`` the exact answer is ``(2 cos(ω Δt), -1)``.

    Args:
        series: ``(T,)`` or ``(n_series, T)``, with ``T > order``.
        order: number of past values used, >= 1.

    Returns:
        the coefficients ``(order,)``, newest sample first, float32 (solved in float64);
        :meth:`~sine_lab.models.SequenceModel.linear_predictor` turns them into a model.
    """
    order = check_int("order", order, minimum=1)
    inputs, targets = make_windows(series, order)
    design = inputs[..., 0].flip(1).double()
    solution = torch.linalg.lstsq(design, targets.double()).solution
    return solution[:, 0].float()
