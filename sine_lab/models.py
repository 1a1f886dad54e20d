"""Models: the article's three, verbatim, and a correctly shaped sequence model.

The ``Article*`` classes are the seed article's code with only the class names
changed, so that a reader can tell them apart from the fixed versions. They are
kept bug-for-bug: chapters 01-03 show what they really compute.
"""

from __future__ import annotations

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
    "SequenceModel",
    "State",
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


CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class SequenceModel(nn.Module):
    """A recurrent cell (``rnn``, ``lstm`` or ``gru``) with a linear head, batch-first.

    Input is always ``(batch, seq, input_size)``. ``forward`` returns the head
    applied to the last step, ``(batch, output_size)``; :meth:`run` returns the head
    at every step, ``(batch, seq, output_size)``, and the final state, which is what
    step-by-step generation needs.

    Args:
        cell: ``"rnn"`` (tanh Elman RNN), ``"lstm"`` or ``"gru"``.
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
        self.rnn = CELLS[cell](
            input_size, hidden_size, num_layers=num_layers, batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.head = nn.Linear(hidden_size, output_size)

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
