"""Objectives: what a training step predicts from ``x`` and how that is compared with ``y``.

An objective is called as ``objective(model, x, y, loss_fn)`` and returns the loss
tensor to back-propagate; ``objective.predict(model, x)`` is the prediction it
scores (used for snapshots and validation). ``loss_fn`` is the criterion, e.g.
``nn.MSELoss()``; :func:`~sine_lab.training.train` passes its own.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_float, check_int
from .models import forecast

__all__ = ["Criterion", "LastStep", "Objective", "PerStep", "Rollout", "ScaledMSE", "TruncatedBPTT"]

Criterion = Callable[[Tensor, Tensor], Tensor]


class ScaledMSE:
    """The mean squared error in units of ``scale``: ``mean((prediction - target)²) / scale²``.

    Same minimum as the MSE, but a loss near 1 when the errors are near ``scale``. It
    matters when the errors that count are tiny, as in a slow wave's one-step changes
    (``scale`` 1e-4 makes raw losses 1e-8): Adam divides each step by ``sqrt(v) + eps``
    with ``eps = 1e-8``, so gradients that small are damped rather than normalised, and
    L-BFGS's first step, ``lr`` times the gradient, barely moves.
    """

    def __init__(self, scale: float) -> None:
        self.scale = check_float("scale", scale, minimum=0.0, exclusive_minimum=True)

    def __call__(self, prediction: Tensor, target: Tensor) -> Tensor:
        return nn.functional.mse_loss(prediction, target) / self.scale**2

    def __repr__(self) -> str:
        return f"ScaledMSE({self.scale:.3g})"


class Objective:
    """Base class: subclasses define :meth:`predict`, and may check the model in :meth:`check`."""

    def predict(self, model: nn.Module, x: Tensor) -> Tensor:
        raise NotImplementedError

    def check(self, model: nn.Module) -> None:
        """Raise a clear error if this objective cannot train ``model``; called once before training."""

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor, loss_fn: Criterion | None = None) -> Tensor:
        return (loss_fn if loss_fn is not None else nn.functional.mse_loss)(self.predict(model, x), y)

    def __repr__(self) -> str:
        # Floats to 4 significant digits: a bound of 1.999990463256836 (twice a float32 amplitude) reads as 2.
        fields = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


def _needs_run(objective: Objective, model: nn.Module) -> None:
    if not callable(getattr(model, "run", None)):
        raise TypeError(
            f"{type(objective).__name__} needs a model with a .run(x, state) method that returns "
            f"per-step outputs and its state (a SequenceModel), got {type(model).__name__}, which has none"
        )


class LastStep(Objective):
    """``loss_fn(model(x), y)``: the model's own output against ``y`` (the article's loss)."""

    def predict(self, model: nn.Module, x: Tensor) -> Tensor:
        return model(x)


class PerStep(Objective):
    """Every step's output after the first ``warmup`` steps: ``(batch, seq - warmup)``
    from ``model.run(x)`` with ``x`` ``(batch, seq, 1)`` — teacher forcing on each step."""

    def __init__(self, warmup: int = 0) -> None:
        self.warmup = check_int("warmup", warmup, minimum=0)

    def check(self, model: nn.Module) -> None:
        _needs_run(self, model)

    def predict(self, model: nn.Module, x: Tensor) -> Tensor:
        return model.run(x)[0][:, self.warmup :, 0]


class Rollout(Objective):
    """A free-running forecast ``(batch, steps)`` from the context ``x`` ``(batch, W, 1)``:
    each prediction is fed back as the next input, and the loss back-propagates
    through the whole chain (see :func:`~sine_lab.models.forecast`)."""

    def __init__(self, steps: int) -> None:
        self.steps = check_int("steps", steps, minimum=1)

    def check(self, model: nn.Module) -> None:
        _needs_run(self, model)

    def predict(self, model: nn.Module, x: Tensor) -> Tensor:
        return forecast(model, x, self.steps)


class TruncatedBPTT(Objective):
    """The last step's output ``(batch, out)``, with gradient through only the last
    ``steps`` steps of ``x`` ``(batch, seq, 1)``: the earlier steps run without
    gradient and hand their state on (truncated back-propagation through time)."""

    def __init__(self, steps: int) -> None:
        self.steps = check_int("steps", steps, minimum=1)

    def check(self, model: nn.Module) -> None:
        _needs_run(self, model)

    def predict(self, model: nn.Module, x: Tensor) -> Tensor:
        if x.shape[1] <= self.steps:
            return model(x)
        with torch.no_grad():
            _, state = model.run(x[:, : -self.steps])
        outputs, _ = model.run(x[:, -self.steps :], state)
        return outputs[:, -1]
