"""Models: the article's three, verbatim, and a correctly shaped sequence model.

The ``Article*`` classes are the seed article's code with only the class names
changed, so that a reader can tell them apart from the fixed versions. They are
kept bug-for-bug: chapters 01-03 show what they really compute.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, Union

import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_choice, check_float, check_int, check_tensor

__all__ = [
    "ArticleSimpleRNN",
    "ArticleLSTM",
    "ArticleDeepLSTM",
    "CELLS",
    "LinearRecurrence",
    "MODEL_KINDS",
    "ModelKind",
    "build_model",
    "register_model_kind",
    "SequenceModel",
    "State",
    "eval_mode",
    "forecast",
    "identity_relu_rnn",
    "init_orthogonal_recurrent",
    "init_forget_gate_bias",
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
        self.input_size = check_int("input_size", input_size, minimum=1)
        self.hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        self.weight_ih_l0 = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_l0 = nn.Parameter(torch.zeros(hidden_size))
        # nn.RNN's default initialisation, so the cells start comparably.
        bound = hidden_size**-0.5
        nn.init.uniform_(self.weight_ih_l0, -bound, bound)
        nn.init.uniform_(self.weight_hh_l0, -bound, bound)

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        check_tensor("x", x, ndim=3, last_dim=self.input_size, layout="(batch, seq, input_size)")
        if h0 is not None:
            check_tensor("h0", h0, ndim=3, layout="(1, batch, hidden_size)")
            if tuple(h0.shape) != (1, x.shape[0], self.hidden_size):
                raise ValueError(
                    f"h0 must have shape (1, batch, hidden_size) = {(1, x.shape[0], self.hidden_size)}, "
                    f"got {tuple(h0.shape)}"
                )
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
    applied to the last step, ``(batch, output_size)`` — or, with ``per_step=True``,
    at every step, ``(batch, seq, output_size)``, for a target that is a whole
    sequence (the article's ``t -> sin t`` set-up, correctly shaped). :meth:`run`
    returns the per-step outputs and the final state, which step-by-step
    generation needs.

    Args:
        cell: ``"rnn"`` (tanh Elman RNN), ``"lstm"``, ``"gru"``, or ``"linear"``
            (:class:`LinearRecurrence`, one layer, no dropout).
        input_size: features per time step.
        hidden_size: units per layer.
        output_size: values predicted per step.
        num_layers: stacked recurrent layers.
        dropout: dropout between stacked layers (needs ``num_layers > 1`` to act).
        per_step: make ``forward`` return every step's output, not only the last.
        delta_scale: if set, each step predicts the *change* from its input:
            output ``= x + delta_scale * head(h)`` (needs ``input_size == output_size``).
            A good scale is the spread of one-step differences in the training data,
            so the head works on numbers near 1; the next value of a finely sampled
            wave is mostly the current one, and the network need not relearn the identity.
    """

    def __init__(
        self,
        cell: str = "lstm",
        input_size: int = 1,
        hidden_size: int = 32,
        output_size: int = 1,
        num_layers: int = 1,
        dropout: float = 0.0,
        per_step: bool = False,
        delta_scale: float | None = None,
    ) -> None:
        super().__init__()
        self.cell = check_choice("cell", cell, tuple(CELLS))
        self.input_size = check_int("input_size", input_size, minimum=1)
        self.hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        self.output_size = check_int("output_size", output_size, minimum=1)
        self.num_layers = check_int("num_layers", num_layers, minimum=1)
        self.dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0)
        if not isinstance(per_step, bool):
            raise TypeError(f"per_step must be a bool, got {type(per_step).__name__} {per_step!r}")
        self.per_step = per_step
        if delta_scale is not None:
            delta_scale = check_float("delta_scale", delta_scale, minimum=0.0, exclusive_minimum=True)
            if input_size != output_size:
                raise ValueError(
                    f"delta_scale predicts a change of the input, so it needs input_size == output_size, "
                    f"got {input_size} and {output_size}"
                )
        self.delta_scale = delta_scale
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
    def linear_predictor(cls, coefficients: Sequence[float] | Tensor) -> "SequenceModel":
        """A linear autoregression ``s[n+1] = a_0 s[n] + a_1 s[n-1] + … + a_{p-1} s[n-p+1]`` as a cell.

        ``p`` linear units form a shift register holding ``h_n = (s[n], …, s[n-p+1])``
        and the head computes the weighted sum, so fed ``(batch, seq, 1)`` values the
        per-step output of :meth:`run` is that prediction (from the ``p``-th input on;
        before that the register still holds zeros).

        Args:
            coefficients: ``a_0 … a_{p-1}``, newest sample first, ``p >= 1``
                (e.g. from :func:`~sine_lab.training.fit_autoregressive`).
        """
        try:
            a = torch.as_tensor(coefficients, dtype=torch.float32)
        except (TypeError, ValueError, RuntimeError) as error:
            raise TypeError(
                f"coefficients must be a sequence of numbers or a 1-D tensor (p,), got {coefficients!r}"
            ) from error
        check_tensor("coefficients", a, ndim=1, layout="(p,)")
        if a.numel() < 1:
            raise ValueError("coefficients must hold at least one value")
        order = a.numel()
        model = cls("linear", input_size=1, hidden_size=order, output_size=1)
        with torch.no_grad():
            model.rnn.weight_ih_l0.copy_(torch.eye(order, 1))
            model.rnn.weight_hh_l0.copy_(torch.diag(torch.ones(order - 1), -1))
            model.rnn.bias_l0.zero_()
            model.head.weight.copy_(a.reshape(1, order))
            model.head.bias.zero_()
        return model

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
        return cls.linear_predictor([2.0 * math.cos(omega_dt), -1.0])

    def run(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """Run over a batch of sequences.

        Args:
            x: ``(batch, seq, input_size)``.
            state: the state to start from (zeros when ``None``).

        Returns:
            per-step outputs ``(batch, seq, output_size)`` and the final state.
        """
        check_tensor("x", x, ndim=3, last_dim=self.input_size, layout="(batch, seq, input_size)")
        if state is not None:
            self._check_state(state, x.shape[0])
        hidden, state = self.rnn(x, state)
        out = self.head(hidden)
        if self.delta_scale is not None:
            out = x + self.delta_scale * out
        return out, state

    def _check_state(self, state: object, batch: int) -> None:
        layers = 1 if self.cell == "linear" else self.num_layers
        expected = (layers, batch, self.hidden_size)
        parts = ("h", "c") if self.cell == "lstm" else ("h",)
        if self.cell == "lstm" and not (isinstance(state, tuple) and len(state) == 2):
            raise TypeError(f"state of an lstm must be a tuple (h, c), got {type(state).__name__}")
        for name, part in zip(parts, state if self.cell == "lstm" else (state,)):
            check_tensor(f"state {name}", part, ndim=3, layout="(num_layers, batch, hidden_size)")
            if tuple(part.shape) != expected:
                raise ValueError(
                    f"state {name} must have shape (num_layers, batch, hidden_size) = {expected}, got {tuple(part.shape)}"
                )

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, seq, input_size)`` -> ``(batch, output_size)`` from the last step,
        or ``(batch, seq, output_size)`` when the model was built with ``per_step=True``."""
        outputs, _ = self.run(x)
        return outputs if self.per_step else outputs[:, -1, :]


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
        model: a :class:`SequenceModel`, or any registered kind keeping the contract
            (see the registry below), with ``input_size == output_size == 1``.
        context: observed values ``(batch, W, 1)``, ``W >= 1``.
        steps: number of values to generate, >= 1.

    Returns:
        the forecast ``(batch, steps)``.
    """
    if not isinstance(model, nn.Module) or not callable(getattr(model, "run", None)):
        raise TypeError(f"model must be a SequenceModel or another registered kind with a run(x, state) method, got {type(model).__name__}")
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


def identity_relu_rnn(hidden_size: int = 32, *, scale: float = 1.0, num_layers: int = 1) -> SequenceModel:
    """An IRNN (Le, Jaitly & Hinton 2015, "A Simple Way to Initialize Recurrent
    Networks of Rectified Linear Units"): a ReLU RNN whose recurrent weights start
    as ``scale * I`` and recurrent biases at zero.

    With ``scale = 1`` the step Jacobian is the identity on the active units, so a
    value written into the state is carried forward unchanged and gradients
    neither vanish nor explode at initialisation. Returns a
    :class:`SequenceModel` with ``cell == "rnn"`` whose ``.rnn`` is
    ``nn.RNN(nonlinearity="relu")``; shapes as for any ``SequenceModel``.
    """
    hidden_size = check_int("hidden_size", hidden_size, minimum=1)
    scale = check_float("scale", scale, minimum=0.0)
    model = SequenceModel("rnn", hidden_size=hidden_size, num_layers=num_layers)
    model.rnn = nn.RNN(1, hidden_size, num_layers=num_layers, nonlinearity="relu", batch_first=True)
    with torch.no_grad():
        for name, param in model.rnn.named_parameters():
            if name.startswith("weight_hh"):
                param.copy_(scale * torch.eye(hidden_size))
            elif name.startswith("bias"):
                param.zero_()
    return model


def init_orthogonal_recurrent(model: SequenceModel, gain: float = 1.0) -> None:
    """Re-initialise every recurrent weight matrix as ``gain`` times a random
    orthogonal matrix, in place (each gate's ``(H, H)`` block separately for
    LSTM/GRU). An orthogonal ``W_hh`` has all singular values 1, the edge of the
    vanishing / exploding boundary (Saxe, McClelland & Ganguli 2014).
    """
    gain = check_float("gain", gain, minimum=0.0)
    with torch.no_grad():
        for name, param in _recurrent_layer_parameters(model):
            if name.startswith("weight_hh"):
                for block in param.split(model.hidden_size, dim=0):
                    nn.init.orthogonal_(block, gain=gain)


def init_forget_gate_bias(model: SequenceModel, value: float = 1.0) -> None:
    """Set an LSTM's total forget-gate bias to ``value``, in place.

    PyTorch orders an LSTM's gates ``i, f, g, o``; ``bias_ih`` and ``bias_hh``
    both add to each gate, so the forget slice of ``bias_ih`` is set to ``value``
    and that of ``bias_hh`` to 0. A positive bias starts the forget gate near
    open (``σ(1) ≈ 0.73``), so the cell state is kept across steps
    (Gers, Schmidhuber & Cummins 2000; Jozefowicz, Zaremba & Sutskever 2015).
    """
    if not isinstance(model, SequenceModel) or model.cell != "lstm":
        raise ValueError(f"init_forget_gate_bias needs a SequenceModel with cell 'lstm', got {_describe_model(model)}")
    value = check_float("value", value)
    hidden = model.hidden_size
    with torch.no_grad():
        for name, param in _recurrent_layer_parameters(model):
            if name.startswith("bias_ih"):
                param[hidden : 2 * hidden] = value
            elif name.startswith("bias_hh"):
                param[hidden : 2 * hidden] = 0.0


def _recurrent_layer_parameters(model: object) -> list[tuple[str, nn.Parameter]]:
    if not isinstance(model, SequenceModel):
        raise TypeError(f"model must be a SequenceModel, got {_describe_model(model)}")
    return list(model.rnn.named_parameters())


def _describe_model(model: object) -> str:
    cell = getattr(model, "cell", None)
    return f"{type(model).__name__}" + (f" with cell {cell!r}" if cell else "")


@contextmanager
def eval_mode(module: nn.Module) -> Iterator[None]:
    """Put ``module`` in eval mode (no dropout) for the block, then restore its previous mode."""
    was_training = module.training
    module.eval()
    try:
        yield
    finally:
        module.train(was_training)


# ---------------------------------------------------------------- the registry of model kinds
# A kind of model is one builder plus one `register_model_kind` line. Everything that offers a
# choice of model (the benchmark's --cells, the playground, checkpoints, the doctor's and the
# diagnostics' messages) reads MODEL_KINDS, so a new kind needs no edit anywhere else.
#
# The contract every registered sequence model keeps (SequenceModel is the reference):
#   model(x)            x (batch, seq, 1) -> (batch, 1), the prediction after the last step
#   model.run(x, state) x (batch, seq, 1) -> per-step outputs (batch, seq, 1) and a state that
#                       a later run(x_next, state) continues from (None starts afresh), so
#                       teacher forcing, free running (forecast) and rollouts work for any kind.

Builder = TypeVar("Builder", bound=Callable[..., nn.Module])


@dataclass(frozen=True)
class ModelKind:
    """A kind of model that :func:`build_model` builds by name.

    Attributes:
        name: the registry key (``"lstm"``, ``"irnn"``, ...).
        build: called with keyword arguments, returns the module.
        summary: one line a reader sees where the kinds are listed.
    """

    name: str
    build: Callable[..., nn.Module]
    summary: str


MODEL_KINDS: dict[str, ModelKind] = {}


def register_model_kind(name: str, summary: str) -> Callable[[Builder], Builder]:
    """Register ``builder`` under ``name`` (use as a decorator); returns the builder unchanged."""

    def register(builder: Builder) -> Builder:
        if name in MODEL_KINDS:
            raise ValueError(f"a model kind named {name!r} is already registered")
        MODEL_KINDS[name] = ModelKind(name, builder, summary)
        return builder

    return register


def build_model(kind: str, **config: Any) -> nn.Module:
    """Build a registered kind of model; ``model.kind`` and ``model.config`` record what rebuilds it."""
    kind = check_choice("kind", kind, tuple(MODEL_KINDS))
    model = MODEL_KINDS[kind].build(**config)
    model.kind, model.config = kind, dict(config)
    return model


for _cell, _summary in [
    ("rnn", "Elman RNN (tanh) with a linear head"),
    ("lstm", "LSTM with a linear head"),
    ("gru", "GRU with a linear head"),
    ("linear", "linear recurrence (no nonlinearity) with a linear head"),
]:
    register_model_kind(_cell, _summary)(lambda _c=_cell, **config: SequenceModel(_c, **config))
register_model_kind("irnn", "ReLU RNN with identity-initialised recurrent weights (Le et al. 2015)")(identity_relu_rnn)
