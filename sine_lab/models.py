"""Models: the article's three, verbatim, and a correctly shaped sequence model.

The ``Article*`` classes are the seed article's code with only the class names
changed, so that a reader can tell them apart from the fixed versions. They are
kept bug-for-bug: chapters 01-03 show what they really compute.
"""

from __future__ import annotations

import math
from typing import Union

import torch
import torch.nn as nn
from torch import Tensor

from .validation import check_choice, check_float, check_int, check_tensor

__all__ = [
    "ArticleSimpleRNN",
    "ArticleLSTM",
    "ArticleDeepLSTM",
    "CELLS",
    "RECURRENT_INITS",
    "init_recurrent",
    "LinearRecurrence",
    "SequenceModel",
    "State",
    "forecast",
]

# An ``nn.RNN``/``nn.GRU`` state is ``h``; an ``nn.LSTM`` state is ``(h, c)``;
# each of shape ``(num_layers, batch, hidden_size)``.
State = Union[Tensor, tuple[Tensor, Tensor]]


class ArticleSimpleRNN(nn.Module):
    """Example 1 of the article, verbatim (the article calls it ``SimpleRNN``).

    Fed the article's ``x`` of shape ``(1000, 1)``, ``nn.RNN`` sees one unbatched
    sequence of 1000 steps; ``out`` is ``(1000, hidden_size)``, ``out[-1]`` is the
    last step's hidden state ``(hidden_size,)`` and the output is ``(output_size,)``:
    one number for the whole sequence.
    """

    def __init__(self, input_size, hidden_size, output_size):
        super(ArticleSimpleRNN, self).__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.linear = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out, _ = self.rnn(x)
        out = self.linear(out[-1])
        return out


class ArticleLSTM(nn.Module):
    """Example 2 of the article, verbatim (the article calls it ``LSTMModel``).

    Same shapes as :class:`ArticleSimpleRNN`: ``(1000, 1)`` in, ``(output_size,)`` out.
    """

    def __init__(self, input_size, hidden_size, output_size):
        super(ArticleLSTM, self).__init__()
        self.lstm = nn.LSTM(input_size, hidden_size)
        self.linear = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out, _ = self.lstm(x)
        out = self.linear(out[-1])
        return out


class ArticleDeepLSTM(nn.Module):
    """Example 3 of the article, verbatim (the article calls it ``DeepLSTM``).

    ``batch_first=True`` has no effect on a 2-D input: ``nn.LSTM`` treats ``(1000, 1)``
    as one unbatched sequence and returns ``out`` of shape ``(1000, hidden_size)``,
    so the article's ``out[:, -1, :]`` raises ``IndexError`` (too many indices).
    """

    def __init__(self, input_size, hidden_size, output_size, num_layers):
        super(ArticleDeepLSTM, self).__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out, _ = self.lstm(x)
        out = self.linear(out[:, -1, :])
        return out


class LinearRecurrence(nn.Module):
    """A recurrent layer with no nonlinearity: ``h_t = W_hh h_{t-1} + W_ih x_t + b``.

    It takes and returns the same shapes as a one-layer, batch-first ``nn.RNN``:
    ``x`` ``(batch, seq, input_size)`` and ``h0`` ``(1, batch, hidden_size)`` in;
    ``out`` ``(batch, seq, hidden_size)`` and ``h_n`` ``(1, batch, hidden_size)`` out.
    A sampled sine obeys a linear recurrence, so two such units represent it exactly
    (see :meth:`SequenceModel.linear_oscillator`).
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih_l0 = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_l0 = nn.Parameter(torch.zeros(hidden_size))
        # nn.RNN's default initialisation, so the cells start comparably.
        bound = hidden_size**-0.5
        nn.init.uniform_(self.weight_ih_l0, -bound, bound)
        nn.init.uniform_(self.weight_hh_l0, -bound, bound)

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        h = x.new_zeros(x.shape[0], self.hidden_size) if h0 is None else h0[0]
        drive = x @ self.weight_ih_l0.T + self.bias_l0
        outputs = []
        for t in range(x.shape[1]):
            h = h @ self.weight_hh_l0.T + drive[:, t]
            outputs.append(h)
        return torch.stack(outputs, dim=1), h.unsqueeze(0)


CELLS: dict[str, type[nn.Module]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU, "linear": LinearRecurrence}


class SequenceModel(nn.Module):
    """A recurrent cell (``rnn``, ``lstm``, ``gru`` or ``linear``) with a linear head, batch-first.

    Input is always ``(batch, seq, input_size)``. ``forward`` returns the head
    applied to the last step, ``(batch, output_size)``; :meth:`run` returns the head
    at every step, ``(batch, seq, output_size)``, and the final state, which is what
    step-by-step generation needs.

    Args:
        cell: ``"rnn"`` (tanh Elman RNN), ``"lstm"``, ``"gru"``, or ``"linear"``
            (:class:`LinearRecurrence`, one layer, no dropout).
        input_size: features per time step.
        hidden_size: units per layer.
        output_size: values predicted per step.
        num_layers: stacked recurrent layers.
        dropout: dropout between stacked layers (needs ``num_layers > 1`` to act).
    """

    def __init__(
        self,
        cell: str = "lstm",
        input_size: int = 1,
        hidden_size: int = 32,
        output_size: int = 1,
        num_layers: int = 1,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.cell = check_choice("cell", cell, tuple(CELLS))
        self.input_size = check_int("input_size", input_size, minimum=1)
        self.hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        self.output_size = check_int("output_size", output_size, minimum=1)
        self.num_layers = check_int("num_layers", num_layers, minimum=1)
        self.dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0)
        if cell == "linear":
            if num_layers != 1:
                raise ValueError(f"the linear cell has exactly one layer; got num_layers={num_layers}")
            self.rnn = LinearRecurrence(input_size, hidden_size)
        else:
            self.rnn = CELLS[cell](
                input_size, hidden_size, num_layers=num_layers, batch_first=True,
                dropout=dropout if num_layers > 1 else 0.0,
            )
        self.head = nn.Linear(hidden_size, output_size)

    @classmethod
    def linear_oscillator(cls, omega_dt: float) -> "SequenceModel":
        """The exact one-step sine predictor, with hand-set weights.

        A sine sampled every ``Δt`` obeys ``s[n+1] = 2 cos(ω Δt) s[n] - s[n-1]``.
        Two linear units hold ``h_n = (s[n], s[n-1])`` and the head computes the
        right-hand side, so fed ``(batch, seq, 1)`` values the per-step output of
        :meth:`run` is the next value of the wave, for any amplitude and phase.

        Args:
            omega_dt: ``ω Δt``, the phase advance per sample in radians, in ``(0, π)``.
        """
        omega_dt = check_float("omega_dt", omega_dt, minimum=0.0, maximum=math.pi, exclusive_minimum=True)
        model = cls("linear", input_size=1, hidden_size=2, output_size=1)
        with torch.no_grad():
            model.rnn.weight_ih_l0.copy_(torch.tensor([[1.0], [0.0]]))
            model.rnn.weight_hh_l0.copy_(torch.tensor([[0.0, 0.0], [1.0, 0.0]]))
            model.rnn.bias_l0.zero_()
            model.head.weight.copy_(torch.tensor([[2.0 * math.cos(omega_dt), -1.0]]))
            model.head.bias.zero_()
        return model

    def run(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """Run over a batch of sequences.

        Args:
            x: ``(batch, seq, input_size)``.
            state: the state to start from (zeros when ``None``).

        Returns:
            per-step outputs ``(batch, seq, output_size)`` and the final state.
        """
        check_tensor("x", x, ndim=3, last_dim=self.input_size, layout="(batch, seq, input_size)")
        hidden, state = self.rnn(x, state)
        return self.head(hidden), state

    def forward(self, x: Tensor) -> Tensor:
        """Predict from the last step: ``(batch, seq, input_size)`` -> ``(batch, output_size)``."""
        outputs, _ = self.run(x)
        return outputs[:, -1, :]


def forecast(model: SequenceModel, context: Tensor, steps: int) -> Tensor:
    """Free-running forecast: each prediction is fed back as the next input.

    The whole ``context`` is run through :meth:`SequenceModel.run`; its last
    output is the first prediction. Then the model is stepped one sample at a
    time, carrying its state, with its own previous prediction as input. Output
    ``k`` is therefore the forecast ``k + 1`` steps past the end of the context.

    It runs under the caller's grad mode: wrap it in ``torch.no_grad()`` for
    inference; with gradients on it is differentiable end to end (a rollout loss).
    Put a model with dropout in ``eval()`` mode first.

    Args:
        model: a :class:`SequenceModel` with ``input_size == output_size == 1``.
        context: observed values ``(batch, W, 1)``, ``W >= 1``.
        steps: number of values to generate, >= 1.

    Returns:
        the forecast ``(batch, steps)``.
    """
    if not isinstance(model, SequenceModel):
        raise TypeError(f"model must be a SequenceModel, got {type(model).__name__}")
    if model.input_size != 1 or model.output_size != 1:
        raise ValueError(
            "forecast feeds each prediction back as the next input, so it needs "
            f"input_size == output_size == 1, got {model.input_size} and {model.output_size}"
        )
    check_tensor("context", context, ndim=3, last_dim=1, layout="(batch, W, 1)")
    if context.shape[1] < 1:
        raise ValueError(f"context must hold at least one time step, got shape {tuple(context.shape)}")
    steps = check_int("steps", steps, minimum=1)
    outputs, state = model.run(context)
    value = outputs[:, -1:]
    predictions = [value]
    for _ in range(steps - 1):
        value, state = model.run(value, state)
        predictions.append(value)
    return torch.cat(predictions, dim=1).squeeze(-1)


RECURRENT_INITS = ("default", "orthogonal", "identity")


def init_recurrent(model: SequenceModel, scheme: str) -> None:
    """Re-initialise the recurrent weights ``weight_hh_l*`` of ``model`` in place.

    Args:
        model: a :class:`SequenceModel`.
        scheme: ``"default"`` keeps PyTorch's uniform initialisation;
            ``"orthogonal"`` makes each gate's ``(hidden, hidden)`` block an
            orthogonal matrix (all singular values 1, so the linearised recurrence
            neither shrinks nor grows a state at the start); ``"identity"`` sets
            ``W_hh = I`` (the "IRNN" initialisation, Le et al. 2015), which is
            defined for the ``"rnn"`` and ``"linear"`` cells only, where there is one
            block and no gates.
    """
    if not isinstance(model, SequenceModel):
        raise TypeError(f"model must be a SequenceModel, got {type(model).__name__}")
    scheme = check_choice("scheme", scheme, RECURRENT_INITS)
    if scheme == "identity" and model.cell not in ("rnn", "linear"):
        raise ValueError(
            f"the identity initialisation needs the 'rnn' or 'linear' cell (one block, no gates); "
            f"got cell={model.cell!r}; use 'orthogonal' for gated cells"
        )
    if scheme == "default":
        return
    hidden = model.hidden_size
    with torch.no_grad():
        for name, weight in model.rnn.named_parameters():
            if not name.startswith("weight_hh"):
                continue
            # LSTM and GRU stack their gates' blocks along the rows: (gates * hidden, hidden).
            for block in weight.split(hidden, dim=0):
                if scheme == "orthogonal":
                    nn.init.orthogonal_(block)
                else:
                    block.copy_(torch.eye(hidden))
