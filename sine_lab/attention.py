"""Models that attend over a window of past values: one self-attention layer, and a
small causal Transformer encoder (the article's closing recommendation, measured in
chapter 10).

Both keep the registry's contract (see :mod:`sine_lab.models`): ``x`` ``(batch, seq, 1)``
in; ``forward`` -> ``(batch, 1)`` (or every step); ``run(x, state)`` -> per-step outputs
``(batch, seq, 1)`` and a state. Their state is the **buffer of recent inputs**: the
last ``receptive_field - 1`` values, which is all a later step can see, so a run
continued from it gives the outputs one long run would.

Position. Attention by itself ignores order, so each head adds a learned bias
``b[head, d]`` to its score for a key ``d = 0 .. context - 1`` steps behind the query
(a *relative* position encoding, as in Shaw et al. 2018 and T5); keys further back
than ``context - 1`` are masked out, and so are future steps (causal). Relative, not
absolute, positions: an absolute time index is the input that made the article's
``t -> sin t`` fit a lookup (chapter 01), and the same window must give the same
prediction wherever it lies in time, or a continued run would not equal a long one.
The biases start as ALiBi's recency slopes (Press, Smith & Lewis 2022,
``b[h, d] = -d * 2^(-8 (h + 1) / heads)``): one head looks mostly at the last few
values, another almost uniformly over the window, and training reshapes both.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_int, check_tensor
from .models import register_model_kind
from .stepwise import StepwiseModel

__all__ = ["CausalTransformer", "RelativeSelfAttention", "SelfAttentionModel", "WindowModel"]


class RelativeSelfAttention(nn.Module):
    """Causal multi-head self-attention over the last ``context`` steps with a learned
    bias per head and distance (see the module's docstring).

    ``h`` ``(batch, seq, d_model)`` -> ``(batch, seq, d_model)`` and the attention
    weights ``(batch, heads, seq, seq)`` (query step, key step; rows sum to 1).
    Parameters: ``4 d_model (d_model + 1) + heads * context``.
    """

    def __init__(self, d_model: int, heads: int, context: int) -> None:
        super().__init__()
        self.d_model = check_int("d_model", d_model, minimum=1)
        self.heads = check_int("heads", heads, minimum=1)
        self.context = check_int("context", context, minimum=1)
        if d_model % heads:
            raise ValueError(f"d_model must be divisible by heads, got d_model={d_model} and heads={heads}")
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        slopes = 2.0 ** (-8.0 * torch.arange(1, heads + 1) / heads)
        self.distance_bias = nn.Parameter(-slopes[:, None] * torch.arange(context)[None, :])

    def forward(self, h: Tensor) -> tuple[Tensor, Tensor]:
        batch, seq, _ = h.shape
        head_size = self.d_model // self.heads
        q, k, v = self.qkv(h).view(batch, seq, 3, self.heads, head_size).permute(2, 0, 3, 1, 4)
        steps = torch.arange(seq, device=h.device)
        distance = steps[:, None] - steps[None, :]
        visible = (distance >= 0) & (distance < self.context)
        scores = q @ k.transpose(-1, -2) / math.sqrt(head_size)
        scores = scores + self.distance_bias[:, distance.clamp(0, self.context - 1)]
        weights = torch.softmax(scores.masked_fill(~visible, -math.inf), dim=-1)
        mixed = (weights @ v).transpose(1, 2).reshape(batch, seq, self.d_model)
        return self.out(mixed), weights


class WindowModel(StepwiseModel):
    """Base of the window models: the state is the buffer of the last
    ``receptive_field - 1`` inputs ``(batch, m, 1)``, ``m <= receptive_field - 1``.

    A subclass computes every step's raw output over a whole sequence with
    :meth:`_outputs_and_weights`; :meth:`run` prepends the buffer, so the outputs of
    the new steps see exactly the inputs a long run would have shown them.
    """

    receptive_field: int

    def _outputs_and_weights(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """Raw outputs ``(batch, seq, 1)`` and each layer's attention weights ``(batch, heads, seq, seq)``."""
        raise NotImplementedError

    def _run(self, x: Tensor, state: Tensor | None) -> tuple[Tensor, Tensor]:
        full = x if state is None else torch.cat([state, x], dim=1)
        outputs, _ = self._outputs_and_weights(full)
        return outputs[:, -x.shape[1] :], full[:, max(full.shape[1] - (self.receptive_field - 1), 0) :]

    def _check_state(self, state: object, batch: int) -> None:
        check_tensor("state", state, ndim=3, last_dim=1, layout="(batch, recent steps, 1)")
        if state.shape[0] != batch or state.shape[1] > self.receptive_field - 1:
            raise ValueError(
                f"state must be the buffer of at most {self.receptive_field - 1} recent inputs of the same "
                f"{batch} sequences, shape (batch={batch}, <= {self.receptive_field - 1}, 1); got {tuple(state.shape)}"
            )

    def attention_weights(self, x: Tensor) -> list[Tensor]:
        """Each attention layer's weights on ``x`` ``(batch, seq, 1)``: a list of
        ``(batch, heads, seq, seq)`` tensors, ``[..., t, j]`` = how much step ``t``
        attends to step ``j`` (0 for ``j > t`` and for ``j <= t - context``)."""
        check_tensor("x", x, ndim=3, last_dim=1, layout="(batch, seq, 1)")
        with torch.no_grad():
            return [w.detach() for w in self._outputs_and_weights(x)[1]]


@register_model_kind("attention", "one causal self-attention layer over a window of past values, linear head")
class SelfAttentionModel(WindowModel):
    """The smallest model that attends: embed each value, one causal self-attention
    layer over the last ``context`` steps, a linear head.

    ``e_t = W_e x_t + b_e`` ``(d_model,)``; ``a_t = Attention(e)_t`` over
    ``e_{t-context+1} .. e_t``; output ``head(e_t + a_t)``. Shapes: ``x``
    ``(batch, seq, 1)`` -> ``(batch, 1)`` (or ``(batch, seq, 1)`` per step).
    Parameters: ``4 d (d + 1) + heads * context + 3 d + 1``; 4,449 at the defaults
    (an LSTM of 32 units has 4,513).

    Args:
        hidden_size: ``d_model``, the width of the embedding (divisible by ``heads``).
        heads: attention heads (two are needed to weigh two past values with
            opposite signs, as ``s[n+1] = 2 cos(ω) s[n] - s[n-1]`` does).
        context: how many steps a query sees, itself included (its receptive field).
        per_step, delta_scale, delta_order: see :class:`~sine_lab.stepwise.StepwiseModel`.
    """

    def __init__(
        self, hidden_size: int = 32, heads: int = 4, context: int = 32, *,
        per_step: bool = False, delta_scale: float | None = None, delta_order: int = 1,
    ) -> None:
        super().__init__(per_step=per_step, delta_scale=delta_scale, delta_order=delta_order)
        self.hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        self.embed = nn.Linear(1, hidden_size)
        self.attention = RelativeSelfAttention(hidden_size, heads, context)
        self.head = nn.Linear(hidden_size, 1)
        self.receptive_field = context

    def _outputs_and_weights(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        e = self.embed(x)
        attended, weights = self.attention(e)
        return self.head(e + attended), [weights]


class _Block(nn.Module):
    """Pre-norm Transformer encoder block: ``h + Attention(LN h)``, then ``h + FF(LN h)``."""

    def __init__(self, d_model: int, heads: int, context: int, feedforward: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attention = RelativeSelfAttention(d_model, heads, context)
        self.norm2 = nn.LayerNorm(d_model)
        self.feedforward = nn.Sequential(nn.Linear(d_model, feedforward), nn.GELU(), nn.Linear(feedforward, d_model))

    def forward(self, h: Tensor) -> tuple[Tensor, Tensor]:
        attended, weights = self.attention(self.norm1(h))
        h = h + attended
        return h + self.feedforward(self.norm2(h)), weights


@register_model_kind("transformer", "small causal Transformer encoder over a window of past values")
class CausalTransformer(WindowModel):
    """A small causal Transformer encoder on windows of past values.

    ``x`` ``(batch, seq, 1)`` is embedded to ``(batch, seq, d_model)``, passed through
    ``layers`` pre-norm blocks (causal self-attention over the last ``context`` steps
    with relative position biases, then a GELU feed-forward layer, each with a
    residual connection), a final LayerNorm and a linear head: ``(batch, 1)``, or
    ``(batch, seq, 1)`` per step. Each layer looks ``context - 1`` steps further
    back, so a prediction depends on the last ``layers (context - 1) + 1`` inputs.
    Parameters: ``layers (4 d (d + 1) + heads context + 2 d f + f + d + 4 d) + 5 d + 1``
    (``f = feedforward``); 4,657 at the defaults (an LSTM of 32 units has 4,513).

    Args:
        hidden_size: ``d_model`` (divisible by ``heads``).
        heads: attention heads per layer.
        layers: encoder blocks.
        context: steps each layer's query sees, itself included.
        feedforward: width of the feed-forward layer (default ``2 * hidden_size``).
        per_step, delta_scale, delta_order: see :class:`~sine_lab.stepwise.StepwiseModel`.
    """

    def __init__(
        self, hidden_size: int = 16, heads: int = 2, layers: int = 2, context: int = 32,
        feedforward: int | None = None, *, per_step: bool = False, delta_scale: float | None = None,
        delta_order: int = 1,
    ) -> None:
        super().__init__(per_step=per_step, delta_scale=delta_scale, delta_order=delta_order)
        self.hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        layers = check_int("layers", layers, minimum=1)
        feedforward = check_int("feedforward", 2 * hidden_size if feedforward is None else feedforward, minimum=1)
        self.embed = nn.Linear(1, hidden_size)
        self.blocks = nn.ModuleList(_Block(hidden_size, heads, context, feedforward) for _ in range(layers))
        self.norm = nn.LayerNorm(hidden_size)
        self.head = nn.Linear(hidden_size, 1)
        self.receptive_field = layers * (context - 1) + 1

    def _outputs_and_weights(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        h = self.embed(x)
        all_weights = []
        for block in self.blocks:
            h, weights = block(h)
            all_weights.append(weights)
        return self.head(self.norm(h)), all_weights
