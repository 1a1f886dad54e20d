"""The part of the model contract that every one-value-per-step kind shares.

A registered kind maps ``x`` ``(batch, seq, 1)`` to a prediction after each step. The
checks of ``x``, the residual output (``delta_scale``) and the choice between the last
step and every step (``per_step``) are the same whatever computes the features, so
they live here once; a subclass only supplies :meth:`StepwiseModel._run` and
:meth:`StepwiseModel._check_state`.
"""

from __future__ import annotations

from typing import Any

import torch.nn as nn
from torch import Tensor

from .arguments import check_float, check_tensor

__all__ = ["StepwiseModel"]


class StepwiseModel(nn.Module):
    """Base class: one input value per step in, one predicted value per step out.

    Args:
        per_step: make ``forward`` return every step's output ``(batch, seq, 1)``,
            not only the last ``(batch, 1)``.
        delta_scale: if set, each step predicts the *change* from its input:
            output ``= x + delta_scale * raw``, as in
            :class:`~sine_lab.models.SequenceModel`.
    """

    input_size = 1
    output_size = 1

    def __init__(self, *, per_step: bool = False, delta_scale: float | None = None) -> None:
        super().__init__()
        if not isinstance(per_step, bool):
            raise TypeError(f"per_step must be a bool, got {type(per_step).__name__} {per_step!r}")
        self.per_step = per_step
        if delta_scale is not None:
            delta_scale = check_float("delta_scale", delta_scale, minimum=0.0, exclusive_minimum=True)
        self.delta_scale = delta_scale

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
        if state is not None:
            self._check_state(state, x.shape[0])
        out, state = self._run(x, state)
        if self.delta_scale is not None:
            out = x + self.delta_scale * out
        return out, state

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, seq, 1)`` -> ``(batch, 1)`` after the last step, or
        ``(batch, seq, 1)`` when built with ``per_step=True``."""
        outputs, _ = self.run(x)
        return outputs if self.per_step else outputs[:, -1, :]

    def parameter_count(self) -> int:
        """Trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)
