"""A recurrent cell beside a learned linear autoregressive skip, as in LSTNet (Lai, Chang, Yang & Liu 2018,
"Modeling Long- and Short-Term Temporal Patterns with Deep Neural Networks"): registered as the kinds
``"rnn-skip"``, ``"lstm-skip"`` and ``"gru-skip"``.

The recipe's fixed residual ``2 x[n] - x[n-1]`` (chapter 07) is a linear autoregression whose two
coefficients are set by hand. Here they are learned with the cell: the output is the cell's own output
(with ``delta_order=0``, the bare cell's ``scale * head(h)``) plus ``a_1 x[n] + a_2 x[n-1] + ...``, the
taps started at zero, so the model starts as the bare cell and training decides how much of the
prediction the linear part takes. Beside the bare cell, the residual alone and the least-squares
recurrence, it separates what the cell, the head and the skip each contribute (chapter 08, the README's
benchmark).
"""

from __future__ import annotations

from functools import partial

import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_int, check_tensor
from .models import SequenceModel, register_model_kind

__all__ = ["LearnedSkip"]


class LearnedSkip(nn.Module):
    """A :class:`~sine_lab.models.SequenceModel` cell plus ``taps`` learned linear taps on the latest inputs.

    ``x`` ``(batch, seq, 1)`` -> ``(batch, 1)`` (or ``(batch, seq, 1)`` per step):
    ``cell(x)[n] + sum_k a_k x[n - k]`` for ``k = 0 .. taps - 1``. A run started afresh repeats the first
    input for the values before it. State: ``(the cell's state, the last taps - 1 inputs (batch, taps - 1, 1))``.

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        hidden_size, delta_scale, delta_order: the cell's (:class:`~sine_lab.models.SequenceModel`);
            ``delta_order=0`` (the default) is the bare cell.
        taps: how many latest inputs the skip weighs, >= 1.
        per_step: make ``forward`` return every step's output.
    """

    input_size = 1
    output_size = 1

    def __init__(self, cell: str = "lstm", hidden_size: int = 32, taps: int = 2, *, per_step: bool = False,
                 delta_scale: float | None = None, delta_order: int = 0) -> None:
        super().__init__()
        if cell not in ("rnn", "lstm", "gru"):
            raise ValueError(f"cell must be one of 'rnn', 'lstm', 'gru', got {cell!r}")
        if not isinstance(per_step, bool):
            raise TypeError(f"per_step must be a bool, got {type(per_step).__name__} {per_step!r}")
        self.cell = SequenceModel(cell, hidden_size=hidden_size, per_step=True, delta_scale=delta_scale,
                                  delta_order=delta_order)
        self.taps = nn.Parameter(torch.zeros(check_int("taps", taps, minimum=1)))
        self.per_step = per_step

    @property
    def rnn(self) -> nn.Module:
        """The cell's recurrent layer (what gradient diagnostics read)."""
        return self.cell.rnn

    def run(self, x: Tensor, state: tuple | None = None) -> tuple[Tensor, tuple]:
        """Per-step outputs ``(batch, seq, 1)`` and the state to continue from."""
        # Values may be infinite: a free run whose linear part grows without bound overflows, and the
        # recipe's validation scores that run as infinite rather than stopping on it.
        check_tensor("x", x, ndim=3, last_dim=1, layout="(batch, seq, 1)", finite=False)
        taps = self.taps.numel()
        if state is None:
            inner, recent = None, x[:, :1].expand(-1, taps - 1, -1)
        else:
            if not (isinstance(state, tuple) and len(state) == 2 and isinstance(state[1], Tensor)
                    and tuple(state[1].shape) == (x.shape[0], taps - 1, 1)):
                raise ValueError(f"state must be (the cell's state, the last {taps - 1} inputs of shape "
                                 f"(batch={x.shape[0]}, {taps - 1}, 1)), what run() returned")
            inner, recent = state
        out, inner = self.cell.run(x, inner)
        history = torch.cat([recent, x], dim=1)  # (batch, taps - 1 + seq, 1)
        # Each step's latest `taps` inputs, newest first: history[n + taps - 1 - k] is x[n - k].
        windows = history[..., 0].unfold(1, taps, 1).flip(-1)  # (batch, seq, taps)
        skip = windows @ self.taps
        return out + skip[..., None], (inner, history[:, history.shape[1] - (taps - 1) :])

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, seq, 1)`` -> ``(batch, 1)``, or ``(batch, seq, 1)`` with ``per_step=True``."""
        outputs, _ = self.run(x)
        return outputs if self.per_step else outputs[:, -1, :]


for _cell in ("rnn", "lstm", "gru"):
    register_model_kind(f"{_cell}-skip", f"{_cell} (bare by default) beside a learned linear autoregressive "
                                        "skip on the latest inputs (LSTNet)")(partial(LearnedSkip, _cell))
