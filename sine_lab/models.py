"""Models: the article's three, verbatim, a correctly shaped sequence model, and the
registry of model kinds that everything offering a choice of model reads.

The ``Article*`` classes are the seed article's code with only the class names
changed, so that a reader can tell them apart from the fixed versions. They are
kept bug-for-bug: chapters 01-03 show what they really compute.

A *kind* of model (``"lstm"``, ``"irnn"``, ...) is a builder registered in
:data:`MODEL_KINDS`; see the contract at :func:`register_model_kind`.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, TypeVar

import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_choice, check_float, check_int, check_tensor
from .stepwise import Residual

__all__ = [
    "ArticleSimpleRNN",
    "ArticleLSTM",
    "ArticleDeepLSTM",
    "LinearRecurrence",
    "MODEL_KINDS",
    "ModelKind",
    "build_model",
    "describe_model",
    "has_recurrent_layer",
    "register_model_kind",
    "RECURRENT_LAYERS",
    "recurrent_layer",
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
State = Tensor | tuple[Tensor, Tensor]


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
            (:class:`LinearRecurrence`, one layer, no dropout). Each cell is also a
            registered kind, so ``SequenceModel(cell, **config)`` and
            ``build_model(cell, **config)`` build the same model; either records
            ``model.kind == cell`` and ``model.config`` (the other arguments).
        input_size: features per time step.
        hidden_size: units per layer.
        output_size: values predicted per step.
        num_layers: stacked recurrent layers.
        dropout: dropout between stacked layers (needs ``num_layers > 1`` to act).
        per_step: make ``forward`` return every step's output, not only the last.
        delta_scale: if set, each step's raw output is scaled by it and, for ``delta_order`` 1 or 2,
            predicts a *difference* on top of its input (needs ``input_size == output_size``): with
            ``delta_order=0`` the value itself, output ``= delta_scale * head(h)`` (the bare cell);
            with ``delta_order=1`` the change,
            output ``= x + delta_scale * head(h)``; with ``delta_order=2`` the second
            difference, output ``= 2 x[n] - x[n-1] + delta_scale * head(h)``
            (:class:`~sine_lab.stepwise.Residual`; the state then also carries the last
            input). A good scale is the spread of that difference in the training data,
            so the head works on numbers near 1; the next value of a finely sampled
            wave is mostly the current one, and the network need not relearn the identity.
        delta_order: 0, 1 or 2, see ``delta_scale``.
    """

    # The recurrent layer behind each cell name (the registry's kinds of the same names).
    LAYERS: ClassVar[dict[str, type[nn.Module]]] = {
        "rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU, "linear": LinearRecurrence,
    }

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
        delta_order: int = 1,
    ) -> None:
        super().__init__()
        self.cell = check_choice("cell", cell, tuple(self.LAYERS))
        self.input_size = check_int("input_size", input_size, minimum=1)
        self.hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        self.output_size = check_int("output_size", output_size, minimum=1)
        self.num_layers = check_int("num_layers", num_layers, minimum=1)
        self.dropout = check_float("dropout", dropout, minimum=0.0, maximum=1.0)
        if not isinstance(per_step, bool):
            raise TypeError(f"per_step must be a bool, got {type(per_step).__name__} {per_step!r}")
        self.per_step = per_step
        self.residual = Residual(delta_scale, delta_order)
        if delta_scale is not None and input_size != output_size:
            raise ValueError(
                f"delta_scale predicts a change of the input, so it needs input_size == output_size, "
                f"got {input_size} and {output_size}"
            )
        self.delta_scale, self.delta_order = self.residual.scale, self.residual.order
        if cell == "linear":
            if num_layers != 1:
                raise ValueError(f"the linear cell has exactly one layer; got num_layers={num_layers}")
            self.rnn = LinearRecurrence(input_size, hidden_size)
        else:
            self.rnn = self.LAYERS[cell](
                input_size, hidden_size, num_layers=num_layers, batch_first=True,
                dropout=dropout if num_layers > 1 else 0.0,
            )
        self.head = nn.Linear(hidden_size, output_size)
        _record(self, cell, dict(input_size=input_size, hidden_size=hidden_size, output_size=output_size,
                                 num_layers=num_layers, dropout=dropout, per_step=per_step, delta_scale=delta_scale,
                                 delta_order=delta_order))

    @classmethod
    def linear_predictor(cls, coefficients: Sequence[float] | Tensor) -> SequenceModel:
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
        return cls._shift_register(a, {})

    @classmethod
    def linear_correction(cls, corrections: Tensor) -> SequenceModel:
        """A linear autoregression held as its correction to linear extrapolation:
        ``s[n+1] = 2 s[n] − s[n−1] + c_0 s[n] + c_1 s[n−1] + … + c_{p-1} s[n-p+1]``, the fixed second-order
        residual (unit scale) plus a shift register of ``p >= 2`` linear units.

        Same predictions as :meth:`linear_predictor` with ``a = c + (2, −1, 0, …)``, but float32 stores the
        small corrections ``c`` instead of coefficients near 2 and −1, whose rounding alone shifts a free
        run's frequency (by about 1e-6 radian per step at 100 samples per radian).

        Args:
            corrections: ``c_0 … c_{p-1}`` ``(p,)``, newest sample first; compute them in float64.
        """
        check_tensor("corrections", corrections, ndim=1, layout="(p,)")
        if corrections.numel() < 2:
            raise ValueError("linear_correction needs at least 2 corrections (the residual uses two past values)")
        return cls._shift_register(corrections.float(), {"delta_order": 2, "delta_scale": 1.0})

    @classmethod
    def _shift_register(cls, head_weights: Tensor, residual: dict) -> SequenceModel:
        # p linear units hold h_n = (s[n], ..., s[n-p+1]); the head weighs them.
        order = head_weights.numel()
        model = cls("linear", input_size=1, hidden_size=order, output_size=1, **residual)
        with torch.no_grad():
            model.rnn.weight_ih_l0.copy_(torch.eye(order, 1))
            model.rnn.weight_hh_l0.copy_(torch.diag(torch.ones(order - 1), -1))
            model.rnn.bias_l0.zero_()
            model.head.weight.copy_(head_weights.reshape(1, order))
            model.head.bias.zero_()
        return model

    @classmethod
    def linear_oscillator(cls, omega_dt: float) -> SequenceModel:
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
        inner, previous = self.residual.split(state, x.shape[0], self.input_size)
        if inner is not None:
            self._check_state(inner, x.shape[0])
        hidden, inner = self.rnn(x, inner)
        return self.residual.apply(x, self.head(hidden), previous), self.residual.join(inner, x)

    def _check_state(self, state: object, batch: int) -> None:
        layers = 1 if self.cell == "linear" else self.num_layers
        expected = (layers, batch, self.hidden_size)
        parts = ("h", "c") if self.cell == "lstm" else ("h",)
        if self.cell == "lstm" and not (isinstance(state, tuple) and len(state) == 2):
            raise TypeError(f"state of an lstm must be a tuple (h, c), got {type(state).__name__}")
        for name, part in zip(parts, state if self.cell == "lstm" else (state,), strict=True):
            check_tensor(f"state {name}", part, ndim=3, layout="(num_layers, batch, hidden_size)")
            if tuple(part.shape) != expected:
                raise ValueError(
                    f"state {name} must have shape (num_layers, batch, hidden_size) = {expected}, "
                    f"got {tuple(part.shape)}"
                )

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, seq, input_size)`` -> ``(batch, output_size)`` from the last step,
        or ``(batch, seq, output_size)`` when the model was built with ``per_step=True``."""
        outputs, _ = self.run(x)
        return outputs if self.per_step else outputs[:, -1, :]


def forecast(model: nn.Module, context: Tensor, steps: int) -> Tensor:
    """Free-running forecast: each prediction is fed back as the next input.

    The whole ``context`` is run through ``model.run``; its last output is the
    first prediction. Then the model is stepped one sample at a time, carrying
    its state, with its own previous prediction as input. Output ``k`` is
    therefore the forecast ``k + 1`` steps past the end of the context.

    It runs under the caller's grad mode: wrap it in ``torch.no_grad()`` for
    inference; with gradients on it is differentiable end to end (a rollout loss).
    Put a model with dropout in ``eval()`` mode first.

    Args:
        model: any model keeping the contract of the registered kinds (see
            :func:`register_model_kind`): ``model.run(x, state)`` on ``(batch, seq, 1)``
            returns per-step outputs ``(batch, seq, 1)`` and a state to continue from.
        context: observed values ``(batch, W, 1)``, ``W >= 1``.
        steps: number of values to generate, >= 1.

    Returns:
        the forecast ``(batch, steps)``.
    """
    if not isinstance(model, nn.Module) or not callable(getattr(model, "run", None)):
        raise TypeError(
            "forecast steps the model with model.run(x, state) -> (outputs, state), the contract of every "
            f"registered model kind (see sine_lab.models.register_model_kind); got {describe_model(model)}, "
            "which has no run method"
        )
    # Kinds that record their sizes are checked before running; the outputs are checked after.
    sizes = getattr(model, "input_size", 1), getattr(model, "output_size", 1)
    if sizes != (1, 1):
        raise ValueError(
            "forecast feeds each prediction back as the next input, so it needs "
            f"input_size == output_size == 1, got {sizes[0]} and {sizes[1]}"
        )
    check_tensor("context", context, ndim=3, last_dim=1, layout="(batch, W, 1)")
    if context.shape[1] < 1:
        raise ValueError(f"context must hold at least one time step, got shape {tuple(context.shape)}")
    steps = check_int("steps", steps, minimum=1)
    outputs, state = model.run(context)
    if not isinstance(outputs, Tensor) or tuple(outputs.shape) != (*context.shape[:2], 1):
        got = tuple(outputs.shape) if isinstance(outputs, Tensor) else type(outputs).__name__
        raise ValueError(
            f"{describe_model(model)} breaks the model contract: run(x) on x of shape {tuple(context.shape)} "
            f"must return per-step outputs of shape {(*context.shape[:2], 1)}, got {got}"
        )
    value = outputs[:, -1:]
    predictions = [value]
    for step in range(1, steps):
        if not bool(torch.isfinite(value).all()):
            # The run has overflowed (a linear part can grow without bound): what follows is infinite too
            # (so that every score counts it as missed), and feeding it back would only make the model
            # refuse it as input.
            predictions.append(torch.full((value.shape[0], steps - step, 1), math.inf, dtype=value.dtype))
            break
        value, state = model.run(value, state)
        predictions.append(value)
    return torch.cat(predictions, dim=1).squeeze(-1)


def identity_relu_rnn(
    hidden_size: int = 32,
    *,
    scale: float = 1.0,
    num_layers: int = 1,
    per_step: bool = False,
    delta_scale: float | None = None,
    delta_order: int = 1,
) -> SequenceModel:
    """An IRNN (Le, Jaitly & Hinton 2015, "A Simple Way to Initialize Recurrent
    Networks of Rectified Linear Units"): a ReLU RNN whose recurrent weights start
    as ``scale * I`` and recurrent biases at zero.

    With ``scale = 1`` the step Jacobian is the identity on the active units, so a
    value written into the state is carried forward unchanged and gradients
    neither vanish nor explode at initialisation. Returns a
    :class:`SequenceModel` with ``cell == "rnn"`` whose ``.rnn`` is
    ``nn.RNN(nonlinearity="relu")``, recorded as kind ``"irnn"`` (so a checkpoint
    rebuilds the ReLU layer); shapes, ``per_step``, ``delta_scale`` and ``delta_order`` as for any
    ``SequenceModel``.
    """
    hidden_size = check_int("hidden_size", hidden_size, minimum=1)
    scale = check_float("scale", scale, minimum=0.0)
    num_layers = check_int("num_layers", num_layers, minimum=1)
    model = SequenceModel("rnn", hidden_size=hidden_size, num_layers=num_layers, per_step=per_step,
                          delta_scale=delta_scale, delta_order=delta_order)
    # The tanh layer is replaced rather than never built so that a seed still draws the
    # weights with which chapter 09's results were recorded.
    model.rnn = nn.RNN(1, hidden_size, num_layers=num_layers, nonlinearity="relu", batch_first=True)
    with torch.no_grad():
        for name, param in model.rnn.named_parameters():
            if name.startswith("weight_hh"):
                param.copy_(scale * torch.eye(hidden_size))
            elif name.startswith("bias"):
                param.zero_()
    return _record(model, "irnn", dict(hidden_size=hidden_size, scale=scale, num_layers=num_layers,
                                       per_step=per_step, delta_scale=delta_scale, delta_order=delta_order))


def init_orthogonal_recurrent(model: nn.Module, gain: float = 1.0) -> None:
    """Re-initialise every recurrent weight matrix of ``model``'s recurrent layer as
    ``gain`` times a random orthogonal matrix, in place (each gate's ``(H, H)`` block
    separately for LSTM/GRU). An orthogonal ``W_hh`` has all singular values 1, the
    edge of the vanishing / exploding boundary (Saxe, McClelland & Ganguli 2014).
    """
    layer = recurrent_layer(model, "init_orthogonal_recurrent")
    gain = check_float("gain", gain, minimum=0.0)
    with torch.no_grad():
        for name, param in layer.named_parameters():
            if name.startswith("weight_hh"):
                for block in param.split(layer.hidden_size, dim=0):
                    nn.init.orthogonal_(block, gain=gain)


def init_forget_gate_bias(model: nn.Module, value: float = 1.0) -> None:
    """Set the total forget-gate bias of ``model``'s LSTM layer to ``value``, in place.

    PyTorch orders an LSTM's gates ``i, f, g, o``; ``bias_ih`` and ``bias_hh``
    both add to each gate, so the forget slice of ``bias_ih`` is set to ``value``
    and that of ``bias_hh`` to 0. A positive bias starts the forget gate near
    open (``σ(1) ≈ 0.73``), so the cell state is kept across steps
    (Gers, Schmidhuber & Cummins 2000; Jozefowicz, Zaremba & Sutskever 2015).
    """
    layer = recurrent_layer(model, "init_forget_gate_bias")
    if not isinstance(layer, nn.LSTM):
        raise ValueError(
            "init_forget_gate_bias needs a model whose recurrent layer is an nn.LSTM (e.g. kind 'lstm'); "
            f"{describe_model(model)} has {type(layer).__name__}"
        )
    value = check_float("value", value)
    hidden = layer.hidden_size
    with torch.no_grad():
        for name, param in layer.named_parameters():
            if name.startswith("bias_ih"):
                param[hidden : 2 * hidden] = value
            elif name.startswith("bias_hh"):
                param[hidden : 2 * hidden] = 0.0


# The layers whose weights and step Jacobians the recurrent-layer tools read.
RECURRENT_LAYERS: tuple[type[nn.Module], ...] = (nn.RNNBase, LinearRecurrence)


def has_recurrent_layer(model: nn.Module) -> bool:
    """Whether ``model`` holds a recurrent layer (one of :data:`RECURRENT_LAYERS`)."""
    return any(isinstance(m, RECURRENT_LAYERS) for m in model.modules())


def recurrent_layer(model: nn.Module, needed_by: str) -> nn.Module:
    """The one recurrent layer (``nn.RNN``/``nn.LSTM``/``nn.GRU`` or
    :class:`LinearRecurrence`) inside ``model``, for the function ``needed_by``.

    Raises:
        TypeError: ``model`` is not a module, or has no recurrent layer (an attention
            model, an MLP on a window, ...); the message names its kind.
        ValueError: it has several recurrent layers, or a bidirectional one.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"{needed_by} needs a torch.nn.Module, got {type(model).__name__}")
    layers = [m for m in model.modules() if isinstance(m, RECURRENT_LAYERS)]
    if not layers:
        raise TypeError(
            f"{needed_by} needs a model with a recurrent layer (nn.RNN, nn.LSTM, nn.GRU or LinearRecurrence); "
            f"{describe_model(model)} has none"
        )
    if len(layers) > 1:
        raise ValueError(
            f"{needed_by} needs a model with exactly one recurrent layer; {describe_model(model)} has {len(layers)}"
        )
    if getattr(layers[0], "bidirectional", False):
        raise ValueError(f"{needed_by} does not support bidirectional recurrent layers, as in {describe_model(model)}")
    return layers[0]


def describe_model(model: object) -> str:
    """How messages name a model: ``"the 'irnn' model (SequenceModel)"`` for one that
    records its kind, else its class name (``"LSTM"``)."""
    kind = getattr(model, "kind", None)
    if isinstance(model, nn.Module) and isinstance(kind, str):
        return f"the {kind!r} model ({type(model).__name__})"
    return type(model).__name__


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
# Everything that offers a choice of model (the benchmark's --cells, the playground, checkpoints,
# the messages of the doctor and the diagnostics) reads MODEL_KINDS, so a new kind is one class or
# builder plus one register_model_kind line, and needs no edit anywhere else.

Builder = TypeVar("Builder", bound=Callable[..., nn.Module])

# A kind's name is typed on the command line (--cells lstm,gru), so no commas or spaces.
_KIND_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class ModelKind:
    """A kind of model that :func:`build_model` builds by name.

    Attributes:
        name: the registry key (``"lstm"``, ``"irnn"``, ...).
        build: called with keyword arguments (the model's ``config``), returns the module.
        summary: one line a reader sees where the kinds are listed.
    """

    name: str
    build: Callable[..., nn.Module]
    summary: str

    @property
    def arguments(self) -> tuple[str, ...]:
        """The names of the keyword arguments ``build`` takes (the keys its ``config`` may have)."""
        try:
            parameters = inspect.signature(self.build).parameters.values()
        except (TypeError, ValueError):  # some callables have no signature
            return ()
        return tuple(p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


MODEL_KINDS: dict[str, ModelKind] = {}


def register_model_kind(name: str, summary: str) -> Callable[[Builder], Builder]:
    """Register a class, or a function that builds a model, as the kind ``name``.

    Use it as a decorator (``@register_model_kind("mlp", "an MLP on a window")`` above
    the class); the builder is returned unchanged. Registering a name twice is an
    error, except for a builder of the same module and name (a notebook cell run again),
    which replaces the old one.

    The contract every kind keeps (:class:`SequenceModel` is the reference), so that
    teacher forcing, :func:`forecast`, rollouts, checkpoints and the doctor work for it:

    - ``build(**config)`` with keyword arguments only, and with none at all
      (defaults for every argument);
    - ``model(x)``: ``x`` ``(batch, seq, 1)`` -> ``(batch, 1)``, the prediction after the
      last step (or ``(batch, seq, 1)``, every step's, for a model built to do so);
    - ``model.run(x, state)``: ``x`` ``(batch, seq, 1)`` -> per-step outputs
      ``(batch, seq, 1)`` and a state, such that ``run(x2, state)`` continues exactly
      where ``run(x1)`` stopped (``state=None`` starts afresh);
    - its weights are its ``state_dict``: a model built from the same ``config`` and
      given the same ``state_dict`` computes the same function.

    A model built by :func:`build_model` records ``model.kind`` and ``model.config``,
    which is what a checkpoint stores.
    """
    if not isinstance(name, str) or not _KIND_NAME.fullmatch(name):
        raise ValueError(
            "a model kind's name must start with a letter and hold only letters, digits, '_' and '-' "
            f"(it is typed on the command line, e.g. --cells lstm,gru), got {name!r}"
        )
    if not isinstance(summary, str) or not summary.strip():
        raise ValueError(f"a model kind needs a one-line summary for the lists of kinds, got {summary!r}")

    def register(builder: Builder) -> Builder:
        if not callable(builder):
            raise TypeError(
                f"model kind {name!r} must be registered with a class or function, got {type(builder).__name__}"
            )
        old = MODEL_KINDS.get(name)
        if old is not None and _origin(old.build) != _origin(builder):
            raise ValueError(
                f"a model kind named {name!r} is already registered ({old.summary}); choose another name"
            )
        MODEL_KINDS[name] = ModelKind(name, builder, summary)
        return builder

    return register


def build_model(kind: str, **config: Any) -> nn.Module:
    """Build a registered kind of model with keyword arguments ``config``.

    ``model.kind`` and ``model.config`` record what rebuilds it:
    ``build_model(model.kind, **model.config)``.

    Raises:
        ValueError: ``kind`` is not registered (the message lists the kinds that are).
        TypeError: the kind does not take one of the arguments (the message lists the ones it takes).
    """
    kind = check_choice("kind", kind, tuple(MODEL_KINDS))
    build = MODEL_KINDS[kind].build
    try:
        signature = inspect.signature(build)
    except (TypeError, ValueError):  # some callables have no signature; then the builder itself complains
        signature = None
    if signature is not None:
        try:
            signature.bind(**config)
        except TypeError as error:
            takes = ", ".join(MODEL_KINDS[kind].arguments)
            raise TypeError(f"model kind {kind!r} takes the arguments ({takes}); {error}") from None
    model = build(**config)
    if not isinstance(model, nn.Module):
        raise TypeError(f"the builder of model kind {kind!r} must return a torch.nn.Module, got {type(model).__name__}")
    return _record(model, kind, config)


Model = TypeVar("Model", bound=nn.Module)


def _record(model: Model, kind: str, config: dict[str, Any]) -> Model:
    """Record on ``model`` what rebuilds it (``build_model(kind, **config)``); returns it."""
    existing = getattr(model, "config", None)
    if existing is not None and not isinstance(existing, dict):
        raise TypeError(
            f"{type(model).__name__} has its own .config attribute ({type(existing).__name__}); the registry "
            "records model.kind and model.config, so rename it"
        )
    model.kind, model.config = kind, dict(config)
    return model


def _origin(builder: Callable[..., Any]) -> tuple[object, object]:
    """Where a builder was defined; a re-run notebook cell redefines it at the same place."""
    return getattr(builder, "__module__", None), getattr(builder, "__qualname__", id(builder))


register_model_kind("rnn", "Elman RNN (tanh) with a linear head")(partial(SequenceModel, "rnn"))
register_model_kind("lstm", "LSTM with a linear head")(partial(SequenceModel, "lstm"))
register_model_kind("gru", "GRU with a linear head")(partial(SequenceModel, "gru"))
register_model_kind("linear", "linear recurrence (no nonlinearity) with a linear head")(
    partial(SequenceModel, "linear")
)
register_model_kind("irnn", "ReLU RNN with identity-initialised recurrent weights (Le et al. 2015)")(identity_relu_rnn)
