"""The part of the model contract that every one-value-per-step kind shares.

A registered kind maps ``x`` ``(batch, seq, 1)`` to a prediction after each step. The
checks of ``x``, the residual output (:class:`Residual`: ``delta_scale``, ``delta_order``)
and the choice between the last step and every step (``per_step``) are the same whatever
computes the features, so they live here once; a subclass only supplies
:meth:`StepwiseModel._run` and :meth:`StepwiseModel._check_state`.
:class:`~sine_lab.models.SequenceModel` uses the same :class:`Residual`.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_float, check_int, check_tensor

__all__ = ["Residual", "StepwiseModel"]


class Residual:
    """The fixed, unlearned part of a model's output: what the network's raw output ``r`` is added to.

    - no ``scale``: the output is ``r`` itself;
    - ``order=0``: ``scale * r`` — the bare cell: the network predicts the next value itself,
      in units of ``scale`` (best the spread of the values), with nothing fixed added;
    - ``order=1``: ``x[n] + scale * r`` — the network predicts the change ``s[n+1] - s[n]``;
    - ``order=2``: ``2 x[n] - x[n-1] + scale * r`` — the network predicts the second
      difference ``s[n+1] - 2 s[n] + s[n-1]``, the wave's curvature (for a sine,
      ``-(2 - 2 cos ω) s[n]``: proportional to the current value at every sampling rate).

    ``scale`` is best the spread of that difference in the training data, so that ``r``
    is a number near 1. Order 2 needs the input one step back, so a model with it carries
    its last input ``(batch, 1, size)`` in its state, as ``(inner state, last input)``;
    a run started afresh takes the first step's change as zero.
    """

    def __init__(self, scale: float | None, order: int = 1) -> None:
        if scale is not None:
            scale = check_float("delta_scale", scale, minimum=0.0, exclusive_minimum=True)
        self.order = check_int("delta_order", order, minimum=0, maximum=2)
        if order == 2 and scale is None:
            raise ValueError("delta_order=2 predicts the second difference on top of the input, so it needs a "
                             "delta_scale (e.g. the spread of the second differences of the training data)")
        self.scale = scale

    @property
    def carries_input(self) -> bool:
        return self.order == 2

    def split(self, state: Any, batch: int, size: int) -> tuple[Any, Tensor | None]:
        """``(inner state, last input or None)`` from a model's state (``None``: a fresh start)."""
        if not self.carries_input or state is None:
            return state, None
        if not (isinstance(state, tuple) and len(state) == 2 and isinstance(state[1], Tensor)):
            raise TypeError("a model with delta_order=2 carries (inner state, last input) as its state; got "
                            f"{type(state).__name__}")
        check_tensor("state's last input", state[1], ndim=3, layout="(batch, 1, input_size)")
        if tuple(state[1].shape) != (batch, 1, size):
            raise ValueError(f"state's last input must have shape (batch, 1, input_size) = {(batch, 1, size)}, "
                             f"got {tuple(state[1].shape)}")
        return state

    def apply(self, x: Tensor, raw: Tensor, previous: Tensor | None) -> Tensor:
        """The output for inputs ``x`` and raw outputs ``raw``, both ``(batch, seq, size)``."""
        if self.scale is None:
            return raw
        if self.order == 0:
            return self.scale * raw
        if self.order == 1:
            return x + self.scale * raw
        before = torch.cat([x[:, :1] if previous is None else previous, x[:, :-1]], dim=1)
        return 2 * x - before + self.scale * raw

    def join(self, inner: Any, x: Tensor) -> Any:
        """The state to return after running over ``x``."""
        return (inner, x[:, -1:]) if self.carries_input else inner


class StepwiseModel(nn.Module):
    """Base class: one input value per step in, one predicted value per step out.

    Args:
        per_step: make ``forward`` return every step's output ``(batch, seq, 1)``,
            not only the last ``(batch, 1)``.
        delta_scale, delta_order: the fixed residual the raw output is added to
            (:class:`Residual`), as in :class:`~sine_lab.models.SequenceModel`.
    """

    input_size = 1
    output_size = 1

    def __init__(self, *, per_step: bool = False, delta_scale: float | None = None, delta_order: int = 1) -> None:
        super().__init__()
        if not isinstance(per_step, bool):
            raise TypeError(f"per_step must be a bool, got {type(per_step).__name__} {per_step!r}")
        self.per_step = per_step
        self.residual = Residual(delta_scale, delta_order)
        self.delta_scale, self.delta_order = self.residual.scale, self.residual.order

    def _run(self, x: Tensor, state: Any) -> tuple[Tensor, Any]:
        """Raw per-step outputs ``(batch, seq, 1)`` and the state after the last step."""
        raise NotImplementedError

    def _check_state(self, state: object, batch: int) -> None:
        """Raise a clear error if ``state`` cannot continue a batch of ``batch`` sequences."""
        raise NotImplementedError

    def run(self, x: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """Run over a batch of sequences, continuing from ``state``.

        Args:
            x: ``(batch, seq, 1)``, ``seq >= 1``.
            state: what an earlier :meth:`run` returned (``None`` starts afresh).

        Returns:
            per-step outputs ``(batch, seq, 1)`` and the state after the last step;
            ``run(x2, run(x1)[1])`` gives the same outputs as the last steps of
            ``run(cat(x1, x2))``.
        """
        check_tensor("x", x, ndim=3, last_dim=1, layout="(batch, seq, 1)")
        if x.shape[1] < 1:
            raise ValueError(f"x must hold at least one time step, got shape {tuple(x.shape)}")
        inner, previous = self.residual.split(state, x.shape[0], 1)
        if inner is not None:
            self._check_state(inner, x.shape[0])
        out, inner = self._run(x, inner)
        return self.residual.apply(x, out, previous), self.residual.join(inner, x)

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, seq, 1)`` -> ``(batch, 1)`` after the last step, or
        ``(batch, seq, 1)`` when built with ``per_step=True``."""
        outputs, _ = self.run(x)
        return outputs if self.per_step else outputs[:, -1, :]

    def parameter_count(self) -> int:
        """Trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)
