"""What the checks read: the setup under examination, with everything computed once, on demand.

The traced forward pass (:func:`sine_lab.tracing.trace_forward`), the loss call with the
comparisons it makes between prediction and target, the gradients of the prediction, the
samples' axes, two calls in a row (what one call leaves for the next), the same call with the
samples in reverse order, and the training probe (a few Adam steps on a copy of the model).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn as nn
from torch import Tensor
from torch.overrides import TorchFunctionMode

from ..models import eval_mode
from ..tracing import Trace, trace_forward

__all__ = ["NEEDS", "Setup", "Comparison", "shape_of"]

# What a check needs before it can run, in the order check_setup obtains it:
#   "data"        only x, y and the model's parameters;
#   "trace"       the traced forward pass (it may have raised);
#   "prediction"  a tensor prediction;
#   "loss"        a finite loss of that prediction;
#   "probe"       a finite loss, probe_steps > 0 and something to train.
NEEDS = ("data", "trace", "prediction", "loss", "probe")


@dataclass(frozen=True)
class Comparison:
    """Two tensors compared inside the loss function: one from the prediction, one from the target."""

    function: str
    prediction_shape: tuple[int, ...]
    target_shape: tuple[int, ...]


@dataclass(frozen=True)
class _LossCall:
    value: float | None
    error: Exception | None
    comparisons: tuple[Comparison, ...]


@dataclass(frozen=True)
class _StateAcrossCalls:
    """Two calls of the model on the same x: what the first call left behind for the second."""

    attributes: tuple[str, ...]  # attributes forward() replaced, e.g. "hidden_cell"
    changed: float  # largest |second prediction - first|
    second_call_error: Exception | None  # the second call (or its backward) raised because of the first


@dataclass(frozen=True)
class _Probe:
    steps_run: int
    losses: tuple[float, ...]
    prediction: Tensor
    final_loss: float


class Setup:
    """The setup under examination, with everything the checks read computed once, on demand."""

    def __init__(self, model: nn.Module, x: Tensor, y: Tensor, loss_fn: Callable, probe_steps: int,
                 probe_lr: float) -> None:
        self.model, self.x, self.y, self.loss_fn = model, x, y, loss_fn
        self.probe_steps, self.probe_lr = probe_steps, probe_lr

    def ready(self, needs: str) -> bool:
        if needs in ("data", "trace"):
            return True
        if not (self.trace.error is None and isinstance(self.trace.prediction, Tensor)):
            return False
        if needs == "prediction":
            return True
        finite_loss = self.loss.value is not None and math.isfinite(self.loss.value)
        if needs == "loss":
            return finite_loss
        trainable = any(p.requires_grad for p in self.model.parameters())
        # A state that drags the previous step's graph along cannot train (state_not_detached).
        return (finite_loss and self.probe_steps > 0 and trainable and self.finite_x
                and self.state.second_call_error is None)

    @cached_property
    def recurrent(self) -> bool:
        return any(isinstance(m, nn.RNNBase) for m in self.model.modules())

    @cached_property
    def layouts(self) -> list[str]:
        """The submodules that choose a layout with ``batch_first`` (recurrent layers, attention,
        Transformer layers), as ``"nn.LSTM 'encoder' (batch_first=False)"``."""
        found = {}
        for name, module in self.model.named_modules():
            flag = getattr(module, "batch_first", None)
            if isinstance(module, nn.MultiheadAttention) and "." in name:
                # A Transformer layer passes its batch_first to the attention it builds; name the layer.
                parent_name = name.rsplit(".", 1)[0]
                parent = self.model.get_submodule(parent_name)
                if isinstance(parent, (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)):
                    name, module = parent_name, parent
            if isinstance(flag, bool) and name not in found:
                found[name] = f"nn.{type(module).__name__}{f' {name!r}' if name else ''} (batch_first={flag})"
        return list(found.values())

    @cached_property
    def class_targets(self) -> bool:
        """Integer targets: class indices for a classification loss (CrossEntropyLoss, NLLLoss)."""
        return not self.y.is_floating_point() and not self.y.is_complex() and self.y.dtype != torch.bool

    @cached_property
    def finite_x(self) -> bool:
        # Integers (token ids, class indices) are always finite.
        return not self.x.is_floating_point() or bool(torch.isfinite(self.x).all())

    @cached_property
    def trace(self) -> Trace:
        with _attributes_kept(self.model):
            return trace_forward(self.model, self.x)

    @property
    def prediction(self) -> Tensor:
        return self.trace.prediction

    @cached_property
    def loss(self) -> _LossCall:
        """``loss_fn(prediction, y)``, with the comparisons it made between the two."""
        recorder = ComparisonRecorder(self.prediction, self.y)
        value, error = None, None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with recorder:
                    loss = self.loss_fn(self.prediction, self.y)
                value = float(loss.detach().sum()) if isinstance(loss, Tensor) else float(loss)
            except Exception as raised:  # reported by shape_mismatch or loss_error
                error = raised
        return _LossCall(value, error, tuple(recorder.comparisons))

    def gradients(self, inputs: list[Tensor], of: Tensor | None = None) -> tuple[Tensor | None, ...]:
        """d(sum of ``of``, by default the prediction)/d(each of ``inputs``); ``None`` where unused."""
        output = self.prediction if of is None else of
        if not inputs or not output.requires_grad:
            return (None,) * len(inputs)
        return torch.autograd.grad(output.sum(), inputs, allow_unused=True, retain_graph=True)

    @cached_property
    def input_gradient(self) -> Tensor | None:
        return self.gradients([self.trace.x])[0] if self.trace.x.requires_grad else None

    @cached_property
    def sample_axes(self) -> tuple[int, int] | None:
        """(axis of x, axis of the prediction) that index the samples, or ``None`` if unclear.

        The recurrent layers decide: a layer that reads x as it is takes its batch axis from
        its own ``batch_first``; a layer that reads a reshaped x has a batch size, and the
        axis of x of that size is the sample axis. Without recurrent layers, the axis of x
        whose size is the target's first axis is.
        """
        x, prediction = self.x, self.prediction
        if x.dim() < 2 or prediction.dim() < 1:
            return None
        calls = self.trace.recurrent_calls
        if any(len(call.input_shape) != 3 for call in calls):
            return None  # 2-D: unbatched_input says how the layer reads it
        if calls:
            shape, batch_first = calls[0].input_shape, calls[0].module.batch_first
            if shape == shape_of(x):
                axis = 0 if batch_first else 1
            else:
                batch = shape[0] if batch_first else shape[1]
                matches = [a for a in range(x.dim() - 1) if x.shape[a] == batch]
                if batch == 1 or len(matches) != 1:
                    return None  # one long sequence on purpose, or ambiguous
                axis = matches[0]
        else:
            if self.y.dim() < 1 or x.shape[0] != self.y.shape[0]:
                return None
            axis = 0
        size = x.shape[axis]
        candidates = [a for a in range(prediction.dim()) if prediction.shape[a] == size]
        if size < 2 or not candidates:
            return None
        return axis, axis if axis in candidates else candidates[0]

    @cached_property
    def windows(self) -> bool:
        """Whether the samples are sliding windows of one series (sample i+1 is sample i shifted by one)."""
        x = self.x
        if not self.finite_x or x.dim() < 2:
            return False
        if x.dim() == 2:
            rows = x
        else:
            axes = self.sample_axes
            sample_axis = axes[0] if axes else 0
            rows = x.movedim(sample_axis, 0)  # (samples, time, features) from either layout
        return rows.shape[0] > 1 and rows.shape[1] > 1 and bool(torch.allclose(rows[1:, :-1], rows[:-1, 1:]))

    @cached_property
    def state(self) -> _StateAcrossCalls:
        return _state_across_calls(self.model, self.x)

    @cached_property
    def interference(self) -> float | None:
        """Largest change of the other samples' predictions when the first sample's input is replaced by the
        second's (0: samples are independent). Needs no gradient, so it works for integer inputs too;
        ``None`` when the sample axes are unclear, there are fewer than 3 samples, or the call fails."""
        axes = self.sample_axes
        if axes is None or self.x.shape[axes[0]] < 3:
            return None
        x_axis, prediction_axis = axes
        replaced = self.x.clone()
        replaced.select(x_axis, 0).copy_(self.x.select(x_axis, 1))
        changed = self._called_on(replaced)
        if changed is None:
            return None
        others = (changed.double() - self.prediction.detach().double()).narrow(prediction_axis, 2, changed.shape[
            prediction_axis] - 2)
        return float(others.abs().max())

    @cached_property
    def exchanged(self) -> tuple[Tensor, Tensor] | None:
        """Per sample: the largest change of its prediction when every sample's input is replaced by the
        previous sample's (x rolled by one along the sample axis), and whether its input changed at all. Needs no
        gradient, so it works for integer inputs; ``None`` when the sample axes are unclear or the call fails."""
        axes = self.sample_axes
        if axes is None:
            return None
        x_axis, prediction_axis = axes
        rolled = self.x.roll(1, x_axis)
        changed = self._called_on(rolled)
        if changed is None:
            return None
        moved = (changed.double() - self.prediction.detach().double()).abs().movedim(prediction_axis, 0)
        differs = (rolled != self.x).movedim(x_axis, 0).flatten(1).any(1)
        return moved.flatten(1).amax(1), differs

    def call(self, x: Tensor) -> object:
        """``model(x)`` in eval mode without gradients, leaving the model as it was: the output, or the
        exception the call raised (the forward pass is reported by its own checks)."""
        with _attributes_kept(self.model), eval_mode(self.model), torch.random.fork_rng(), torch.no_grad(), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return self.model(x)
            except Exception as raised:
                return raised

    def _called_on(self, x: Tensor) -> Tensor | None:
        """``model(x)`` as :meth:`call` makes it; ``None`` if it fails or changes shape."""
        prediction = self.call(x)
        if not isinstance(prediction, Tensor) or prediction.shape != self.prediction.shape:
            return None
        return prediction

    @cached_property
    def smaller_batch(self) -> tuple[int, Setup] | None:
        """When the forward pass fails on x: (sample axis of x, the same setup on the first samples along it)
        for the largest leading part, halving down to 4 samples, on which it runs; ``None`` if there is none.
        A model that runs on fewer samples but not on all has something sized or indexed by the batch."""
        if self.trace.error is None or self.y.dim() < 1:
            return None
        count = self.y.shape[0]  # the target is indexed by sample
        axes = [axis for axis in range(self.x.dim()) if self.x.shape[axis] == count]
        if count < 8 or not axes:
            return None
        axis, size = axes[0], count // 2
        while size >= 4:
            if isinstance(self.call(self.x.narrow(axis, 0, size)), Tensor):
                smaller = Setup(self.model, self.x.narrow(axis, 0, size), self.y.narrow(0, 0, size), self.loss_fn,
                                0, self.probe_lr)
                return axis, smaller
            size //= 2
        return None

    @cached_property
    def reordered(self) -> float | None:
        """Largest change of a sample's prediction when the samples are fed in reverse order (0: none);
        ``None`` when the sample axes are unclear or the reversed call fails."""
        axes = self.sample_axes
        if axes is None:
            return None
        x_axis, prediction_axis = axes
        reversed_prediction = self._called_on(self.x.flip(x_axis))
        if reversed_prediction is None:
            return None
        back = reversed_prediction.flip(prediction_axis)
        return float((back.double() - self.prediction.detach().double()).abs().max())

    @cached_property
    def probe(self) -> _Probe:
        """Full-batch Adam on a copy of the model, with the user's loss. Written here rather than with
        :func:`sine_lab.training.train`, which expects real-valued targets: the probe takes whatever the
        loss takes, class indices included."""
        # A copy, and a forked RNG: the user's model and random streams stay as they were.
        with torch.random.fork_rng(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probe = copy.deepcopy(self.model).train()
            optimizer = torch.optim.Adam([p for p in probe.parameters() if p.requires_grad], lr=self.probe_lr)
            losses: list[float] = []
            for _ in range(self.probe_steps):
                optimizer.zero_grad()
                loss = self.loss_fn(probe(self.x), self.y).sum()
                losses.append(float(loss.detach()))
                if not math.isfinite(losses[-1]):
                    break  # nonfinite_loss reports the step
                loss.backward()
                optimizer.step()
            with eval_mode(probe), torch.no_grad():
                prediction = probe(self.x)
                final = float(self.loss_fn(prediction, self.y).sum())
        return _Probe(len(losses), tuple(losses), prediction, final)


@contextmanager
def _attributes_kept(model: nn.Module) -> Iterator[None]:
    """Restore every attribute that ``forward`` assigns on the model or its submodules
    (e.g. ``self.hidden = ...``), so the doctor leaves a stateful model as it found it."""
    saved = [(module, dict(vars(module))) for module in model.modules()]
    try:
        yield
    finally:
        for module, attributes in saved:
            for name in [name for name in vars(module) if name not in attributes]:
                delattr(module, name)
            vars(module).update(attributes)


def _replaced_attributes(model: nn.Module, before: list[tuple[str, dict]]) -> list[str]:
    names = []
    # strict=False: forward may add or drop submodules, so the two lists can differ in length.
    for (prefix, attributes), module in zip(before, model.modules(), strict=False):
        for name, value in vars(module).items():
            if name != "training" and not name.startswith("_") and attributes.get(name, None) is not value:
                names.append(f"{prefix}.{name}" if prefix else name)
    return names


def _state_across_calls(model: nn.Module, x: Tensor) -> _StateAcrossCalls:
    """Call ``model(x)`` twice from the same random state, each followed by a backward pass
    (``autograd.grad``, so no ``.grad`` is touched), the way two training steps would."""
    parameters = [p for p in model.parameters() if p.requires_grad]
    with _attributes_kept(model), eval_mode(model), torch.random.fork_rng(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rng = torch.get_rng_state()
        before = [(name, dict(vars(module))) for name, module in model.named_modules()]
        x = x.detach().clone()  # the input the traced forward pass gave the model
        first = model(x)
        replaced = _replaced_attributes(model, before)
        if parameters and first.requires_grad:
            torch.autograd.grad(first.float().sum(), parameters, allow_unused=True)
        torch.set_rng_state(rng)
        error, changed = None, 0.0
        try:
            second = model(x)
            if parameters and second.requires_grad:
                torch.autograd.grad(second.float().sum(), parameters, allow_unused=True)
            changed = (float((second.detach() - first.detach()).abs().max())
                       if first.shape == second.shape else math.inf)
        except RuntimeError as raised:  # e.g. the first call's graph, freed by its backward, reached again
            error = raised
    return _StateAcrossCalls(tuple(replaced), changed, error)


# Functions that compare their first two tensor arguments element by element
# (after broadcasting): the loss functionals that print PyTorch's size-mismatch
# warning, and arithmetic written by hand in a custom loss.
_COMPARING = {
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "kl_div",
    "sub", "subtract", "rsub", "add", "radd", "mul", "multiply", "rmul", "div", "divide", "true_divide",
    "truediv", "rtruediv",
}


class ComparisonRecorder(TorchFunctionMode):
    """Follows the prediction and the target through a loss function and records every
    element-wise comparison between a tensor derived from one and a tensor derived from the other."""

    def __init__(self, prediction: Tensor, target: Tensor) -> None:
        super().__init__()
        self.comparisons: list[Comparison] = []
        self._tags: dict[int, frozenset[str]] = {}
        self._alive: list[Tensor] = []  # keeps tagged tensors alive, so their ids stay theirs
        self._tag(prediction, frozenset({"prediction"}))
        self._tag(target, self._tags.get(id(target), frozenset()) | {"target"})

    def _tag(self, value: Tensor, tags: frozenset[str]) -> None:
        self._tags[id(value)] = tags
        self._alive.append(value)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        tensors = list(_tensors(args)) + list(_tensors(kwargs))
        tags = frozenset().union(*(self._tags.get(id(t), frozenset()) for t in tensors))
        name = getattr(func, "__name__", "").strip("_")
        if name in _COMPARING and len(tensors) >= 2:
            first, second = (self._tags.get(id(t), frozenset()) for t in tensors[:2])
            if first == {"prediction"} and second == {"target"}:
                self.comparisons.append(Comparison(name, shape_of(tensors[0]), shape_of(tensors[1])))
            elif first == {"target"} and second == {"prediction"}:
                self.comparisons.append(Comparison(name, shape_of(tensors[1]), shape_of(tensors[0])))
        result = func(*args, **kwargs)
        if tags:
            for value in _tensors(result):
                self._tag(value, tags)
        return result


def _tensors(value: object) -> Iterator[Tensor]:
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def shape_of(value: Tensor) -> tuple[int, ...]:
    return tuple(value.shape)
