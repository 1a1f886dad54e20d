"""Models that attend over a window of past values: one self-attention layer, and a
small causal Transformer encoder (the article's closing recommendation, measured in
chapter 10).

Both keep the registry's contract (see :mod:`sine_lab.models`): ``x`` ``(batch, seq, 1)``
in; ``forward`` -> ``(batch, 1)`` (or every step); ``run(x, state)`` -> per-step outputs
``(batch, seq, 1)`` and a state. Their state is a **key/value cache**: for each attention
layer, the keys and values of its last ``context - 1`` steps, which is all a later query of
that layer can see. A run continued from it gives the outputs one long run would, and a
free run that feeds back one value at a time costs one step's attention per value, not a
whole window's.

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

    ``h`` ``(batch, seq, d_model)`` and a ``cache`` of the keys and values of up to
    ``context - 1`` earlier steps (each ``(batch, heads, m, d_model / heads)``, or ``None``)
    -> ``(batch, seq, d_model)``, the attention weights ``(batch, heads, seq, m + seq)``
    (query step, key step; rows sum to 1) and the cache for the next call.
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

    def forward(self, h: Tensor, cache: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor]]:
        batch, seq, _ = h.shape
        head_size = self.d_model // self.heads
        q, k, v = self.qkv(h).view(batch, seq, 3, self.heads, head_size).permute(2, 0, 3, 1, 4)
        if cache is not None:
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        cached = k.shape[2] - seq
        queries = torch.arange(cached, cached + seq, device=h.device)
        distance = queries[:, None] - torch.arange(cached + seq, device=h.device)[None, :]
        visible = (distance >= 0) & (distance < self.context)
        scores = q @ k.transpose(-1, -2) / math.sqrt(head_size)
        scores = scores + self.distance_bias[:, distance.clamp(0, self.context - 1)]
        weights = torch.softmax(scores.masked_fill(~visible, -math.inf), dim=-1)
        mixed = (weights @ v).transpose(1, 2).reshape(batch, seq, self.d_model)
        kept = max(k.shape[2] - (self.context - 1), 0)  # the keys a later query can still see
        return self.out(mixed), weights, (k[:, :, kept:], v[:, :, kept:])


Cache = tuple[tuple[Tensor, Tensor], ...]


class WindowModel(StepwiseModel):
    """Base of the window models: the state is the key/value cache, one ``(keys, values)``
    pair per attention layer, each ``(batch, heads, m, d_model / heads)`` with
    ``m <= context - 1``.

    A subclass computes the raw outputs of new steps from their inputs and the cache with
    :meth:`_layers`; the cached keys and values are exactly those a long run computed for
    the same steps, so the outputs are the ones a long run gives.
    """

    receptive_field: int
    attentions: list[RelativeSelfAttention]

    def _layers(self, x: Tensor, cache: Cache | None) -> tuple[Tensor, list[Tensor], Cache]:
        """Raw outputs ``(batch, seq, 1)``, each layer's attention weights ``(batch, heads, seq, m + seq)``
        and the cache after the last step."""
        raise NotImplementedError

    def _run(self, x: Tensor, state: Cache | None) -> tuple[Tensor, Cache]:
        # In chunks of `context` steps: a query sees at most `context` keys, so a chunk's scores are
        # (context, at most 2 context - 1) wherever it lies, and a long context costs its length times
        # the window, not its length squared (800 steps of 97 series would need a gigabyte of scores).
        chunk = max(attention.context for attention in self.attentions)
        outputs, cache = [], state
        for piece in x.split(chunk, dim=1):
            out, _, cache = self._layers(piece, cache)
            outputs.append(out)
        return torch.cat(outputs, dim=1), cache

    def _check_state(self, state: object, batch: int) -> None:
        expected = (f"a tuple of {len(self.attentions)} (keys, values) pairs, one per attention layer, each "
                    f"(batch={batch}, heads, at most context - 1 recent steps, d_model / heads)")
        if not (isinstance(state, tuple) and len(state) == len(self.attentions)):
            raise TypeError(f"state must be {expected}: what run() returned; got {type(state).__name__}")
        for layer, (pair, attention) in enumerate(zip(state, self.attentions, strict=True)):
            wanted = (batch, attention.heads, attention.d_model // attention.heads)
            if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(t, Tensor) for t in pair)
                    and pair[0].shape == pair[1].shape and pair[0].dim() == 4
                    and (pair[0].shape[0], pair[0].shape[1], pair[0].shape[3]) == wanted
                    and pair[0].shape[2] <= attention.context - 1):
                shapes = [tuple(t.shape) for t in pair] if isinstance(pair, tuple) else type(pair).__name__
                raise ValueError(f"state must be {expected}; layer {layer} holds {shapes}")

    def attention_weights(self, x: Tensor) -> list[Tensor]:
        """Each attention layer's weights on ``x`` ``(batch, seq, 1)``: a list of
        ``(batch, heads, seq, seq)`` tensors, ``[..., t, j]`` = how much step ``t``
        attends to step ``j`` (0 for ``j > t`` and for ``j <= t - context``)."""
        check_tensor("x", x, ndim=3, last_dim=1, layout="(batch, seq, 1)")
        with torch.no_grad():
            return [w.detach() for w in self._layers(x, None)[1]]


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
        self.attentions = [self.attention]

    def _layers(self, x: Tensor, cache: Cache | None) -> tuple[Tensor, list[Tensor], Cache]:
        e = self.embed(x)
        attended, weights, kept = self.attention(e, None if cache is None else cache[0])
        return self.head(e + attended), [weights], (kept,)


class _Block(nn.Module):
    """Pre-norm Transformer encoder block: ``h + Attention(LN h)``, then ``h + FF(LN h)``."""

    def __init__(self, d_model: int, heads: int, context: int, feedforward: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attention = RelativeSelfAttention(d_model, heads, context)
        self.norm2 = nn.LayerNorm(d_model)
        self.feedforward = nn.Sequential(nn.Linear(d_model, feedforward), nn.GELU(), nn.Linear(feedforward, d_model))

    def forward(self, h: Tensor, cache: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor]]:
        attended, weights, cache = self.attention(self.norm1(h), cache)
        h = h + attended
        return h + self.feedforward(self.norm2(h)), weights, cache


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
        self.attentions = [block.attention for block in self.blocks]

    def _layers(self, x: Tensor, cache: Cache | None) -> tuple[Tensor, list[Tensor], Cache]:
        h = self.embed(x)
        all_weights, kept = [], []
        for layer, block in enumerate(self.blocks):
            h, weights, layer_cache = block(h, None if cache is None else cache[layer])
            all_weights.append(weights)
            kept.append(layer_cache)
        return self.head(self.norm(h)), all_weights, tuple(kept)
