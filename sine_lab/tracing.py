"""One traced forward pass, shared by the doctor and the shape diagnostics.

:func:`trace_forward` runs ``model(x)`` once, in eval mode, with hooks on every
submodule, and keeps what both :func:`sine_lab.doctor.check_setup` and
:func:`sine_lab.diagnostics.trace_shapes` read: each submodule call's input and
output shapes (a recurrent layer also keeps its output tensors, to ask autograd what
the prediction depends on), the prediction, or the error the forward pass raised.
The input is a leaf that requires grad, so ``torch.autograd.grad(prediction, trace.x)``
says which input elements each prediction uses.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import torch.nn as nn
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence

from .models import eval_mode

__all__ = ["LayerCall", "Trace", "trace_forward", "first_tensor_shape"]


def first_tensor_shape(value: object) -> tuple[int, ...] | None:
    """The shape of the first tensor in ``value`` (a tensor, or nested tuples/lists), else ``None``."""
    if isinstance(value, Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)) and value:
        return first_tensor_shape(value[0])
    return None


@dataclass
class LayerCall:
    """One call of a submodule during the traced forward pass.

    Attributes:
        name: the submodule's qualified name in the model, e.g. ``"encoder.lstm"``.
        module: the submodule.
        depth: 1 for the model's direct children, 2 for theirs, and so on.
        input_shape: the shape of the first tensor argument (``()`` if there is none). For a
            ``PackedSequence`` it is the padded batch the sequence was packed from, in the layer's own
            layout: ``(batch, longest, feature)`` with ``batch_first``, else ``(longest, batch, feature)``.
        packed: whether the first argument was a ``PackedSequence``.
        output_shape: the shape of the first tensor returned, or ``None`` while the call
            has not returned (it raised, or is still running).
        output: for a recurrent layer (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``), its per-step
            output ``out``; else ``None``.
        input: for a recurrent layer given a tensor, that tensor (what it reads, in its own layout, e.g. a slice
            of x); else ``None``.
        state: for a recurrent layer, its final state: ``h_n``, or ``(h_n, c_n)`` for an LSTM.
    """

    name: str
    module: nn.Module
    depth: int
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...] | None = None
    output: Tensor | None = None
    state: object = None
    packed: bool = False
    input: Tensor | None = None

    @property
    def recurrent(self) -> bool:
        return isinstance(self.module, nn.RNNBase)


@dataclass
class Trace:
    """The traced forward pass: the input leaf, every submodule call in call order, and
    the prediction or the error."""

    x: Tensor
    calls: list[LayerCall] = field(default_factory=list)
    prediction: object = None
    error: Exception | None = None

    @property
    def recurrent_calls(self) -> list[LayerCall]:
        """The first call of each recurrent layer, in call order (a layer called in a loop counts once)."""
        seen: set[int] = set()
        first = []
        for call in self.calls:
            if call.recurrent and id(call.module) not in seen:
                seen.add(id(call.module))
                first.append(call)
        return first


def _padded_shape(sequence: PackedSequence, module: nn.Module) -> tuple[int, ...]:
    """The shape of the padded batch a ``PackedSequence`` holds, in ``module``'s layout."""
    batch, longest = int(sequence.batch_sizes[0]), len(sequence.batch_sizes)
    features = tuple(sequence.data.shape[1:])
    if getattr(module, "batch_first", False):
        return (batch, longest, *features)
    return (longest, batch, *features)


def trace_forward(model: nn.Module, x: Tensor) -> Trace:
    """Run ``model(x)`` once in eval mode and record every submodule call.

    Warnings raised by the forward pass are silenced (the doctor reports the reasons
    itself), and an exception is caught and kept in ``trace.error``: a failing forward
    pass is a finding, not a crash. ``model`` keeps its mode and weights; the caller
    is responsible for any state ``forward`` stores on the model.

    Args:
        model: the module to trace.
        x: its input, any shape and dtype. A floating-point ``x`` is replaced by a leaf
            copy that requires grad (``trace.x``); the model receives a non-leaf clone of
            it, so in-place operations in ``forward`` still work.

    Returns:
        the :class:`Trace`.
    """
    leaf = x.detach().clone().requires_grad_(x.is_floating_point())
    trace = Trace(leaf)
    open_calls: dict[int, list[LayerCall]] = {}

    def before(name: str):
        def record(module: nn.Module, args: tuple) -> None:
            packed = bool(args) and isinstance(args[0], PackedSequence)
            shape = _padded_shape(args[0], module) if packed else first_tensor_shape(args[0]) if args else None
            call = LayerCall(name, module, name.count(".") + 1, shape if shape is not None else (), packed=packed)
            if call.recurrent and isinstance(args[0], Tensor):
                call.input = args[0]
            trace.calls.append(call)
            open_calls.setdefault(id(module), []).append(call)
        return record

    def after(module: nn.Module, args: tuple, output: object) -> None:
        call = open_calls[id(module)].pop()
        call.output_shape = first_tensor_shape(output) or ()
        if call.recurrent and isinstance(output, tuple) and isinstance(output[0], Tensor):
            call.output, call.state = output[0], output[1]

    handles = []
    for name, module in model.named_modules():
        if module is not model:
            handles.append(module.register_forward_pre_hook(before(name)))
            handles.append(module.register_forward_hook(after))
    try:
        with eval_mode(model), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trace.prediction = model(leaf.clone() if leaf.requires_grad else leaf)
    except Exception as error:  # the failure is what the caller reports
        trace.error = error
    finally:
        for handle in handles:
            handle.remove()
    return trace
