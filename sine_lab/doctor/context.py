"""What the checks read: the setup under examination, with everything computed once, on demand.

The traced forward pass (:func:`sine_lab.tracing.trace_forward`), the loss call with the
comparisons it makes between prediction and target, the gradients of the prediction, the
samples' axes, two calls in a row (what one call leaves for the next), the same call with the
samples in reverse order, and the training probe (a few Adam steps on a copy of the model).
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import sysconfig
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn as nn
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence
from torch.overrides import TorchFunctionMode

from ..models import eval_mode
from ..tracing import Trace, trace_forward

__all__ = ["NEEDS", "Setup", "Comparison", "LayoutCall", "Flow", "projected", "shape_of"]

# What a check needs before it can run, in the order check_setup obtains it:
#   "data"        only x, y and the model's parameters;
#   "trace"       the traced forward pass (it may have raised);
#   "prediction"  a tensor prediction;
#   "loss"        a finite loss of that prediction;
#   "probe"       a finite loss, probe_steps > 0 and something to train.
NEEDS = ("data", "trace", "prediction", "loss", "probe")

# The per-step shift test (Setup.per_step_shift) compares at least this many values of the target with x's.
SHIFT_PAIRS = 8


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
    # (loss function, the value of the prediction it received as its input) for the losses whose input has a
    # meaning: logits (cross_entropy, binary_cross_entropy_with_logits) or log-probabilities (nll_loss).
    inputs: tuple[tuple[str, Tensor], ...] = ()


@dataclass(frozen=True)
class _StateAcrossCalls:
    """Two calls of the model on the same x: what the first call left behind for the second."""

    attributes: tuple[str, ...]  # attributes forward() replaced, e.g. "hidden_cell"
    changed: float  # largest |second prediction - first|
    second_call_error: Exception | None  # the second call (or its backward) raised because of the first
    kinds: tuple[str, ...] = ()  # per attribute, what the first call stored: "tensor", "tuple" (LSTM's (h, c)), ...


@dataclass(frozen=True)
class _Probe:
    steps_run: int
    losses: tuple[float, ...]
    prediction: Tensor
    final_loss: float


@dataclass(frozen=True)
class LayoutCall:
    """The first call of a layer that chooses a layout with ``batch_first`` (recurrent, attention, Transformer),
    in the differentiable run of :attr:`Setup.flow`."""

    label: str  # e.g. "nn.LSTM 'encoder' (batch_first=True)"
    batch_first: bool
    recurrent: bool
    input: Tensor | None  # None for a PackedSequence, which has no layout
    output: Tensor | None  # the per-step output; None when packed
    state: Tensor | None  # a recurrent layer's h_n (layers * directions, batch, hidden)
    initial_state: Tensor | None  # the h_0 it was given, if any
    module: nn.Module | None = None
    packed_output: PackedSequence | None = None  # the per-step output when the layer read a PackedSequence


@dataclass(frozen=True)
class Flow:
    """A forward pass whose samples can be followed by autograd: from x itself (floating-point x), or from the
    output of the nn.Embedding that reads x (token ids), with every layout-choosing layer's tensors."""

    leaf: Tensor
    axis: int  # the sample axis of leaf
    prediction: Tensor
    prediction_axis: int
    layers: tuple[LayoutCall, ...]


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
        return _LossCall(value, error, tuple(recorder.comparisons), tuple(recorder.inputs))

    def gradients(self, inputs: list[Tensor], of: Tensor | None = None) -> tuple[Tensor | None, ...]:
        """d(a fixed projection of ``of``, by default the prediction)/d(each of ``inputs``); ``None`` where unused."""
        output = self.prediction if of is None else of
        if not inputs or not output.requires_grad:
            return (None,) * len(inputs)
        return torch.autograd.grad(projected(output), inputs, allow_unused=True, retain_graph=True)

    @cached_property
    def input_gradient(self) -> Tensor | None:
        return self.gradients([self.trace.x])[0] if self.trace.x.requires_grad else None

    @property
    def sample_axes(self) -> tuple[int, int] | None:
        """(axis of x, axis of the prediction) that index the samples, or ``None`` if unclear.

        A target laid out like x (per-step targets) that is x shifted by k >= 1 steps along one of its first two
        axes and not along the other (:attr:`per_step_shift`) decides first: the other axis holds the samples.
        Else the recurrent layers decide: a layer that reads x as it is takes its batch axis from
        its own ``batch_first``; a layer that reads a reshaped x has a batch size, and the
        axis of x of that size is the sample axis. Without recurrent layers, the axis of x
        whose size is the target's first axis is (a target flattened to (samples * steps, ...) counts).
        The axis of the prediction is one of :meth:`per_sample`'s view: a prediction flattened to
        (samples * steps, ...) against x (samples, steps, ...) is read as (samples, steps, ...), or as
        (steps, samples, ...) when only that reading keeps each row's gradient inside one sample's input (a
        forward() that transposes x and flattens time-major)."""
        return self._located[0]

    @property
    def samples_unlocated(self) -> str:
        """Why :attr:`sample_axes` is ``None`` where a batch of several samples was given (the per-sample checks
        then cannot run); ``""`` when the axes are known, or when there is nothing to locate: a single sample, a
        1-D input, or a 2-D input that a recurrent layer reads as one sequence (unbatched_input says so)."""
        return self._located[2]

    @property
    def prediction_split(self) -> tuple[int, int] | None:
        """How :meth:`per_sample` splits a flattened prediction's first axis, e.g. (samples, steps); ``None``."""
        return self._located[1]

    def per_sample(self, value: Tensor) -> Tensor:
        """The prediction (or a tensor shaped like it) with the samples on an axis of their own: a prediction
        flattened to (samples * steps, ...) is viewed as (samples, steps, ...) (or (steps, samples, ...) for x
        with its samples on axis 1), in the order x holds them unless only the other order keeps each row inside one
        sample (see :attr:`sample_axes`); any other prediction as it is."""
        split = self._located[1]
        return value.unflatten(0, split) if split is not None else value

    @cached_property
    def _located(self) -> tuple[tuple[int, int] | None, tuple[int, int] | None, str]:
        """(sample axes, how the prediction's first axis splits for :meth:`per_sample` or ``None``, why the axes
        are unknown or ``""``)."""
        x, prediction, y = self.x, self.prediction, self.y
        if x.dim() < 2 or prediction.dim() < 1:
            return None, None, ""
        calls = self.trace.recurrent_calls
        if any(len(call.input_shape) != 3 for call in calls):
            return None, None, ""  # 2-D: unbatched_input says how the layer reads it
        if self.per_step_shift is not None:
            # The values decide where the shapes cannot: a target laid out like x that is x shifted along one
            # axis says that axis is time, whatever a layer's batch_first claims (a flag that agrees changes
            # nothing; one that disagrees is the bug the checks then report).
            axis = 1 - self.per_step_shift[0]
            source = f"the target is x shifted along axis {self.per_step_shift[0]}"
        elif calls:
            shape, batch_first = calls[0].input_shape, calls[0].module.batch_first
            label = _layer_label(calls[0])
            if shape == shape_of(x):
                axis = 0 if batch_first else 1
                source = f"{label} reads x as it is"
            else:
                batch = shape[0] if batch_first else shape[1]
                # Token ids get their feature axis from the embedding, so any of their axes can hold the batch.
                searched = range(x.dim() - 1) if x.is_floating_point() else range(x.dim())
                matches = [a for a in searched if x.shape[a] == batch]
                if batch == 1:
                    return None, None, ""  # one long sequence on purpose
                if len(matches) != 1:
                    return None, None, (
                        f"{label} reads a batch of {batch} sequences (its input {shape}), and "
                        + (f"no axis of x {shape_of(x)} has that size" if not matches else
                           f"axes {matches} of x {shape_of(x)} all have that size")
                        + ", so the doctor cannot tell which axis of x holds the samples")
                axis = matches[0]
                source = f"{label} reads a batch of {batch}"
        else:
            if y.dim() < 1:
                return None, None, ""
            flattened = (y.shape[0] != x.shape[0] and y.shape[0] % x.shape[0] == 0
                         and y.shape[0] // x.shape[0] in x.shape[1:] and y.shape[0] // x.shape[0] > 1)
            if y.shape[0] != x.shape[0] and not flattened:
                return None, None, (
                    f"x {shape_of(x)} and the target {shape_of(y)} differ on their first axis (nor is the target "
                    f"{x.shape[0]} samples flattened with another axis of x), so the doctor cannot tell which axis "
                    "holds the samples")
            axis = 0
            source = "the target's first axis"
        size = x.shape[axis]
        if size < 2:
            return None, None, ""  # one sample: nothing to compare it with
        candidates = [a for a in range(prediction.dim()) if prediction.shape[a] == size]
        if candidates:
            return (axis, axis if axis in candidates else candidates[0]), None, ""
        # Flattened: (samples * steps, ...) or (steps * samples, ...). The order x holds them is tried first; the
        # other order is taken when each row of the prediction then depends on one sample's input only and in
        # x's order it does not (a forward() that transposes x, e.g. one-hot of x.T, and flattens time-major).
        first = prediction.shape[0]
        splits = []
        if axis == 0 and first % size == 0 and first // size > 1 and first // size in x.shape[1:]:
            splits = [((0, 0), (size, first // size)), ((0, 1), (first // size, size))]
        if axis == 1 and first == x.shape[0] * size and x.shape[0] > 1:
            splits = [((1, 1), (x.shape[0], size)), ((1, 0), (size, x.shape[0]))]
        if splits:
            run = self._layer_run
            if run is not None and run[0] is not None and run[1].requires_grad:
                for axes_found, split in splits:
                    if _own_rows(run[0], axis, run[1].unflatten(0, split), axes_found[1]):
                        return axes_found, split, ""
            elif run is not None and run[0] is None:  # no gradient reaches x (one-hot of ids): exchange inputs
                scale = float(prediction.detach().double().abs().max())
                for axes_found, split in splits:
                    moved = self._moved_by_others(axis, axes_found[1], split)
                    if moved is not None and moved <= 1e-5 * max(scale, 1e-12):
                        return axes_found, split, ""
            return splits[0][0], splits[0][1], ""
        return None, None, (f"{source}, so the samples would be the {size} entries of axis {axis} of x "
                            f"{shape_of(x)}; but no axis of the prediction {shape_of(prediction)} has that size, nor "
                            "is its first axis those samples flattened with another axis of x")

    @cached_property
    def per_step_shift(self) -> tuple[int, int] | None:
        """(time axis of x, k) when the target is laid out like x (same sizes on the first two axes, or flattened
        to (x.shape[0] * x.shape[1], ...)) and is x shifted by k >= 1 steps along that axis, y[t] = x[t + k], but
        not along the other: a per-step forecast or a next-token target. Measured on the target's first channel
        against every channel of x, as the mean gap in units of x's spread (floats) or the share of unequal values
        (integers), for shifts of at most half the axis (so at least half of it is compared) over at least
        SHIFT_PAIRS values; the other axis must fit clearly worse or be too short to measure. ``None`` when
        neither axis or both fit (sliding windows in order are shifted along both)."""
        x, y = self.x, self.y
        if x.dim() in (2, 3) and y.dim() in (1, 2) and y.shape[0] == x.shape[0] * x.shape[1] != x.shape[0]:
            y = y.unflatten(0, tuple(x.shape[:2]))  # flattened per-step targets, (samples * steps, ...)
        if x.dim() < 2 or y.dim() < 2 or tuple(y.shape[:2]) != tuple(x.shape[:2]) or x.dim() > 3 or y.dim() > 3:
            return None
        if x.is_floating_point() != y.is_floating_point() or not self.finite_x:
            return None
        if y.is_floating_point():
            if not bool(torch.isfinite(y).all()):
                return None
            spread = float(x.double().std())
            if spread == 0:
                return None
            target = (y[..., 0] if y.dim() == 3 else y).double()
            channels = [(x[..., c] if x.dim() == 3 else x).double() for c in range(x.shape[-1] if x.dim() == 3 else 1)]

            def gap(a: Tensor, b: Tensor) -> float:
                return float((a - b).abs().mean()) / spread
        else:
            if x.dim() != 2 or y.dim() != 2:
                return None
            target, channels = y, [x]

            def gap(a: Tensor, b: Tensor) -> float:
                return float((a != b).double().mean())
        best = []
        for axis in (0, 1):
            steps, across = x.shape[axis], x.shape[1 - axis]
            # At most half the axis, so that at least half of it is compared (a 6-step shift on 8 samples would
            # compare 2 pairs), and enough values in all for a match not to be chance.
            shifts = [k for k in range(1, min(8, steps - 2, steps // 2) + 1) if (steps - k) * across >= SHIFT_PAIRS]
            gaps = [(min(gap(target.narrow(axis, 0, steps - k), channel.narrow(axis, k, steps - k))
                         for channel in channels), k) for k in shifts]
            best.append(min(gaps) if gaps else (math.inf, 0))
        for axis in (0, 1):
            (here, k), (other, _) = best[axis], best[1 - axis]
            if here <= 0.05 and other > max(4 * here, 0.2):
                return axis, k
        return None

    @cached_property
    def padding(self) -> tuple[Tensor, str, str] | None:
        """Padding inferred from the data when no layer reads a packed batch: (mask (samples, steps), True on a
        padded step; "start" or "end"; what it is, e.g. "all-zero rows"). A padded step is one of a run at the
        start (or end) of a sequence of all-zero feature rows (float x of 3 axes) or of one repeated id (token
        ids of 2 axes); found only when at least 2 sequences are padded and to at least 2 different lengths, so
        a series that happens to start at 0 is not padding. ``None`` otherwise."""
        axes = self.sample_axes
        if axes is None or axes[0] not in (0, 1) or any(call.packed for call in self.trace.recurrent_calls):
            return None
        x = self.x
        if x.is_floating_point():
            if x.dim() != 3 or not self.finite_x:
                return None
            blank = x.movedim(axes[0], 0).eq(0).all(-1)  # (samples, steps)
            what = "all-zero rows"
        else:
            if x.dim() != 2 or x.dtype == torch.bool:
                return None
            ids = x.movedim(axes[0], 0)
            blank, what = None, ""
        found = None
        for end in ("start", "end"):
            if not x.is_floating_point():
                edge = ids[:, 0] if end == "start" else ids[:, -1]
                pad = int(edge.mode().values)
                blank, what = ids.eq(pad), f"a repeated pad id {pad}"
            rows = blank if end == "start" else blank.flip(1)
            run = rows.int().cumprod(1).bool()  # the run of blank steps from that end
            lengths = run.sum(1)
            padded = lengths[(lengths > 0) & (lengths < rows.shape[1])]
            if padded.numel() >= 2 and padded.unique().numel() >= 2 and (found is None or
                                                                          int(lengths.sum()) > found[3]):
                found = (run if end == "start" else run.flip(1), end, what, int(lengths.sum()))
        return found[:3] if found is not None else None

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
    def flow(self) -> Flow | None:
        """The forward pass again, differentiable from a leaf that holds the samples: x (floating point), or for
        token ids a zero tensor shaped like x added, along a fixed random direction, to the output of every
        nn.Embedding that reads x or a view or slice of it (matched by storage, so x[:7] and x[t] count); no
        gradient reaches the ids themselves. ``None`` when the sample axes are unclear, there is no such leaf, or
        the call fails."""
        run = self._layer_run
        axes = self.sample_axes
        if axes is None or run is None or run[0] is None:
            return None
        leaf, prediction, layers = run
        return Flow(leaf, axes[0], self.per_sample(prediction), axes[1], layers)

    @property
    def layer_calls(self) -> tuple[LayoutCall, ...]:
        """The first call of every layer that chooses a layout, from a forward pass with gradients on the
        parameters: what one internal tensor depends on of another needs no sample leaf (nor known sample axes)."""
        run = self._layer_run
        return run[2] if run is not None else ()

    @cached_property
    def _layer_run(self) -> tuple[Tensor | None, Tensor, tuple[LayoutCall, ...]] | None:
        """(leaf or ``None``, prediction, layer calls) of the differentiable forward pass; ``None`` if it fails."""
        run = self._differentiable_run(False)
        return run[:3] if run is not None else None

    @cached_property
    def recorded_ops(self) -> tuple[Tensor, tuple[tuple[str, tuple, dict, Tensor], ...]] | None:
        """(leaf, every torch function called in the forward pass as (name, args, kwargs, output), in call order)
        from one more differentiable run, made only when an op must be named; ``None`` without a leaf."""
        run = self._differentiable_run(True)
        if run is None or run[0] is None:
            return None
        return run[0], run[4]

    def state_chained(self, module: nn.Module) -> bool:
        """Whether ``module``, a recurrent layer called more than once in one forward pass, starts a later call
        from a state that is (or depends on) a state an earlier call returned: the recurrence runs in Python."""
        run = self._differentiable_run(False)
        calls = run[3].get(id(module), []) if run is not None else []
        for later in range(1, len(calls)):
            start = calls[later][0]
            if start is None:
                continue
            for earlier in range(later):
                state = calls[earlier][1]
                if state is None:
                    continue
                if start is state:
                    return True
                if start.requires_grad and state.requires_grad:
                    (grad,) = torch.autograd.grad(projected(start), [state], retain_graph=True, allow_unused=True)
                    if grad is not None and bool(grad.ne(0).any()):
                        return True
        return False

    def _differentiable_run(self, record_ops: bool) -> tuple | None:
        """(leaf or ``None``, prediction, layer calls, {id(recurrent module): [(h_0, h_n) of every call]}, ops),
        made once per value of ``record_ops``."""
        runs = self.__dict__.setdefault("_runs", {})
        if record_ops not in runs:
            runs[record_ops] = self._run_once(record_ops)
        return runs[record_ops]

    def _run_once(self, record_ops: bool) -> tuple | None:
        if not isinstance(self.prediction, Tensor):
            return None
        x = self.x
        found: dict[str, Tensor] = {}
        calls: dict[int, dict] = {}
        handles = []
        if x.is_floating_point():
            if self.finite_x:
                found["leaf"] = x.detach().clone().requires_grad_()
            given = found["leaf"] * 1 if "leaf" in found else x
        else:
            given = x.clone(memory_format=torch.contiguous_format)  # its own storage, offset 0, x's strides
            found["ids"] = given
        directions: dict[int, Tensor] = {}

        def embedded(module, args, output):
            ids = found.get("ids")
            if ids is None or not args or not isinstance(args[0], Tensor) or not isinstance(output, Tensor) \
                    or not output.is_floating_point() or output.shape[:-1] != args[0].shape:
                return None
            read = args[0]
            if read.untyped_storage().data_ptr() == ids.untyped_storage().data_ptr():
                shadow = "view"  # a view or slice of x: the same positions of the zero leaf
            elif read.shape == x.shape and torch.equal(read, x):
                shadow = "copy"
            else:
                return None
            if "leaf" not in found:
                found["leaf"] = torch.zeros(x.shape, dtype=torch.float64, requires_grad=True)
            leaf = found["leaf"]
            part = leaf.as_strided(read.shape, read.stride(), read.storage_offset()) if shadow == "view" else leaf
            if id(module) not in directions:
                generator = torch.Generator().manual_seed(len(directions))
                directions[id(module)] = torch.randn(output.shape[-1], generator=generator, dtype=torch.float64)
            # The leaf is zero, so the value is unchanged; the gradient reaches it wherever the output is read.
            return output + (part.unsqueeze(-1) * directions[id(module)]).to(output.dtype)

        every: dict[int, list] = {}

        def before(label: str, flag: bool):
            def record(module, args):
                if not args:
                    return
                first = args[0]
                hx = args[1] if len(args) > 1 else None
                if isinstance(hx, tuple):
                    hx = hx[0]
                if isinstance(module, nn.RNNBase):
                    every.setdefault(id(module), []).append([hx if isinstance(hx, Tensor) else None, None])
                if id(module) in calls:
                    return
                calls[id(module)] = {"label": label, "batch_first": flag, "module": module,
                                     "recurrent": isinstance(module, nn.RNNBase),
                                     "input": first if isinstance(first, Tensor) else None,
                                     "initial_state": hx if isinstance(hx, Tensor) else None}
            return record

        def after(module, args, output):
            if isinstance(module, nn.RNNBase) and every.get(id(module)) and isinstance(output, tuple) \
                    and len(output) > 1:
                returned = output[1][0] if isinstance(output[1], tuple) else output[1]
                every[id(module)][-1][1] = returned if isinstance(returned, Tensor) else None
            call = calls.get(id(module))
            if call is None or "output" in call:
                return
            first = output[0] if isinstance(output, tuple) else output
            call["output"] = first if isinstance(first, Tensor) else None
            call["packed_output"] = first if isinstance(first, PackedSequence) else None
            state = output[1] if isinstance(output, tuple) and len(output) > 1 and call["recurrent"] else None
            call["state"] = state[0] if isinstance(state, tuple) else state if isinstance(state, Tensor) else None

        if not x.is_floating_point():
            handles += [m.register_forward_hook(embedded) for m in self.model.modules()
                        if isinstance(m, nn.Embedding)]
        for label, module, flag in self._layout_modules.values():
            handles.append(module.register_forward_pre_hook(before(label, flag)))
            handles.append(module.register_forward_hook(after))
        recorder = _OpRecorder() if record_ops else contextlib.nullcontext()
        try:
            with _attributes_kept(self.model), eval_mode(self.model), torch.random.fork_rng(), \
                    torch.enable_grad(), warnings.catch_warnings(), recorder:
                warnings.simplefilter("ignore")
                prediction = self.model(given)
        except Exception:
            return None
        finally:
            for handle in handles:
                handle.remove()
        if not isinstance(prediction, Tensor) or prediction.shape != self.prediction.shape:
            return None
        layers = tuple(LayoutCall(c["label"], c["batch_first"], c["recurrent"], c["input"], c.get("output"),
                                  c.get("state"), c["initial_state"], c["module"], c.get("packed_output"))
                       for c in calls.values())
        leaf = found.get("leaf") if prediction.requires_grad else None
        ops = tuple(recorder.ops) if record_ops else ()
        return leaf, prediction, layers, every, ops

    def own_only(self, value: Tensor | None, axis: int, leaf: Tensor | None = None) -> bool:
        """Whether entry i of ``value`` along ``axis`` depends on sample i of the flow's leaf and on no other
        sample (``True`` for a value that does not depend on the leaf at all). All pairs are tested with
        2 log2(samples) backward passes: for each bit of the sample index, the entries whose index has that bit
        set (then clear) must not reach a sample whose index has it clear (then set)."""
        flow = self.flow
        if value is None or flow is None or not value.requires_grad:
            return True
        return _own_rows(flow.leaf if leaf is None else leaf, flow.axis, value, axis)

    def others_reached(self, sample: int) -> int:
        """How many other samples' inputs (or embeddings) the prediction for ``sample`` depends on."""
        flow = self.flow
        (grad,) = torch.autograd.grad(projected(flow.prediction.select(flow.prediction_axis, sample)), [flow.leaf],
                                      retain_graph=True, allow_unused=True)
        if grad is None:
            return 0
        reached = grad.movedim(flow.axis, 0).abs().flatten(1).sum(1) > 0
        reached[sample] = False
        return int(reached.sum())

    @cached_property
    def _layout_modules(self) -> dict[str, tuple[str, nn.Module, bool]]:
        """name -> (label, module, batch_first) of the layers that choose a layout; attention inside a Transformer
        layer is followed as that layer (which passes its batch_first on to it)."""
        found: dict[str, tuple[str, nn.Module, bool]] = {}
        for name, module in self.model.named_modules():
            flag = getattr(module, "batch_first", None)
            if not isinstance(flag, bool):
                continue
            if isinstance(module, nn.MultiheadAttention) and "." in name:
                parent_name = name.rsplit(".", 1)[0]
                parent = self.model.get_submodule(parent_name)
                if isinstance(parent, (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)):
                    name, module = parent_name, parent
            if name not in found:
                found[name] = (f"nn.{type(module).__name__}{f' {name!r}' if name else ''} (batch_first={flag})",
                               module, flag)
        return found

    @cached_property
    def unpacking(self) -> tuple[bool | None, bool | None]:
        """(batch_first of the first pack_padded_sequence, of the first pad_packed_sequence) in forward();
        ``None`` where there is none."""
        recorder = _PackingRecorder()
        with recorder:
            self.call(self.x)
        return recorder.packed, recorder.unpacked

    @cached_property
    def unpacked_in_another_layout(self) -> bool:
        """Whether forward() unpacks with pad_packed_sequence in another layout than it packed the batch in."""
        packed, unpacked = self.unpacking
        return packed is not None and unpacked is not None and packed != unpacked

    @cached_property
    def others_moved(self) -> float | None:
        """Without gradients: the largest change of a sample's prediction when only OTHER samples' inputs change.
        For each bit of the sample index, the samples whose index has that bit set (then clear) take the input
        of the previous sample, and the others are watched: every pair of samples is separated once. ``None``
        when the sample axes are unclear, there are fewer than 2 samples, or a call fails."""
        axes = self.sample_axes
        if axes is None or self.x.shape[axes[0]] < 2:
            return None
        return self._moved_by_others(axes[0], axes[1], self._located[1])

    def _moved_by_others(self, x_axis: int, prediction_axis: int, split: tuple[int, int] | None) -> float | None:
        """:attr:`others_moved` with the prediction's first axis split as ``split`` (``None``: as it is)."""
        count = self.x.shape[x_axis]
        index = torch.arange(count)
        rolled = self.x.roll(1, x_axis)
        largest = 0.0
        for bit in range(max(1, math.ceil(math.log2(count)))):
            for group in ((index >> bit) & 1 == 1, (index >> bit) & 1 == 0):
                if not bool(group.any()) or bool(group.all()):
                    continue
                shape = [1] * self.x.dim()
                shape[x_axis] = count
                replaced = torch.where(group.view(shape), rolled, self.x)
                changed = self._called_on(replaced)
                if changed is None:
                    return None
                moved = (changed.double() - self.prediction.detach().double()).abs()
                moved = (moved.unflatten(0, split) if split is not None else moved).movedim(prediction_axis, 0)
                largest = max(largest, float(moved[~group].max()) if bool((~group).any()) else 0.0)
        return largest

    def exchanged(self, shift: int = 1) -> tuple[Tensor, Tensor] | None:
        """Per sample: the largest change of its prediction when every sample's input is replaced by the one
        ``shift`` places before it (x rolled by ``shift`` along the sample axis), and whether its input changed at
        all. Needs no gradient, so it works for integer inputs; ``None`` when the sample axes are unclear or the
        call fails. Made once per ``shift``."""
        made = self.__dict__.setdefault("_exchanged", {})
        if shift not in made:
            made[shift] = self._exchange(shift)
        return made[shift]

    def _exchange(self, shift: int) -> tuple[Tensor, Tensor] | None:
        axes = self.sample_axes
        if axes is None:
            return None
        x_axis, prediction_axis = axes
        rolled = self.x.roll(shift, x_axis)
        changed = self._called_on(rolled)
        if changed is None:
            return None
        moved = self.per_sample((changed.double() - self.prediction.detach().double()).abs()).movedim(
            prediction_axis, 0)
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

    def _failing_sample_axis(self, minimum: int) -> tuple[int, int] | None:
        """When the forward pass fails on x: (the first axis of x as long as the target's sample count, that
        count), if the count is at least ``minimum``; ``None`` otherwise."""
        if self.trace.error is None or self.y.dim() < 1:
            return None
        count = self.y.shape[0]  # the target is indexed by sample
        axes = [axis for axis in range(self.x.dim()) if self.x.shape[axis] == count]
        if count < minimum or not axes:
            return None
        return axes[0], count

    @cached_property
    def smaller_batch(self) -> tuple[int, Setup] | None:
        """When the forward pass fails on x: (sample axis of x, the same setup on the first samples along it)
        for the largest leading part, halving down to 4 samples, on which it runs; ``None`` if there is none.
        A model that runs on fewer samples but not on all has something sized or indexed by the batch."""
        found = self._failing_sample_axis(minimum=8)
        if found is None:
            return None
        axis, count = found
        size = count // 2
        while size >= 4:
            if isinstance(self.call(self.x.narrow(axis, 0, size)), Tensor):
                smaller = Setup(self.model, self.x.narrow(axis, 0, size), self.y.narrow(0, 0, size), self.loss_fn,
                                0, self.probe_lr)
                return axis, smaller
            size //= 2
        return None

    @cached_property
    def sizes_that_run(self) -> tuple[int, int, dict[int, bool]] | None:
        """When the forward pass fails on x: (sample axis of x, its size, {batch size tried: whether the forward
        pass runs}) for the lengths of x's other axes, each of them less one, and 1, the samples taken from x in
        turn (repeated when the size exceeds the batch). A model that runs when the batch is exactly as long as
        another axis, but not otherwise, has the batch and that axis mixed up somewhere; ``None`` when there is
        nothing to try."""
        found = self._failing_sample_axis(minimum=2)
        if found is None:
            return None
        axis, count = found
        last = self.x.dim() - 1 if self.x.is_floating_point() else self.x.dim()  # floats: the last axis is features
        lengths = {self.x.shape[a] for a in range(last) if a != axis and self.x.shape[a] not in (count, 0)}
        # Each length and the one below it: a model that runs at exactly that length is sized by that axis.
        sizes = sorted(lengths | {length - 1 for length in lengths if length > 2} | {1})
        tried = {}
        for size in sizes:
            index = torch.arange(size) % count
            tried[size] = isinstance(self.call(self.x.index_select(axis, index)), Tensor)
        return axis, count, tried

    @cached_property
    def error_frame(self) -> str | None:
        """The innermost frame of the forward pass's traceback that is the model's own code (not torch's, the
        doctor's or the standard library's), as ``"forward(), line 23: return x + self.pe[...]"``, no path."""
        error = self.trace.error
        if error is None or error.__traceback__ is None:
            return None
        skipped = tuple(os.path.dirname(path) + os.sep for path in (torch.__file__, __file__)) + (
            os.path.join(os.path.dirname(os.path.dirname(__file__)), "tracing.py"),
            sysconfig.get_paths()["stdlib"] + os.sep)
        frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                  if not frame.filename.startswith(skipped) and frame.line]
        if not frames:
            return None
        frame = frames[-1]
        return f"{frame.name}(), line {frame.lineno}: {frame.line.strip()}"

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
        back = self.per_sample(reversed_prediction).flip(prediction_axis)
        return float((back.double() - self.per_sample(self.prediction.detach()).double()).abs().max())

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


def _own_rows(leaf: Tensor, leaf_axis: int, value: Tensor, axis: int) -> bool:
    """Whether entry i of ``value`` along ``axis`` depends on sample i of ``leaf`` (samples on ``leaf_axis``) and on
    no other sample (``True`` for a value that does not depend on the leaf). All pairs are tested with
    2 log2(samples) backward passes: for each bit of the sample index, the entries whose index has that bit
    set (then clear) must not reach a sample whose index has it clear (then set)."""
    if not value.requires_grad:
        return True
    count = leaf.shape[leaf_axis]
    if value.dim() <= axis or value.shape[axis] != count:
        return False  # this axis does not index the samples
    index = torch.arange(count)
    for bit in range(max(1, math.ceil(math.log2(count)))):
        for group in ((index >> bit) & 1 == 1, (index >> bit) & 1 == 0):
            if not bool(group.any()) or bool(group.all()):
                continue
            (grad,) = torch.autograd.grad(projected(value.index_select(axis, group.nonzero().flatten())), [leaf],
                                          retain_graph=True, allow_unused=True)
            if grad is not None and bool((grad.movedim(leaf_axis, 0).flatten(1).ne(0).any(1) & ~group).any()):
                return False
    return True


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
        kinds = tuple(_kind(_attribute(model, name)) for name in replaced)
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
    return _StateAcrossCalls(tuple(replaced), changed, error, kinds)


def _layer_label(call) -> str:
    """``nn.LSTM 'encoder' (batch_first=True)`` for a traced recurrent call."""
    return (f"nn.{type(call.module).__name__}{f' {call.name!r}' if call.name else ''} "
            f"(batch_first={call.module.batch_first})")


def _attribute(model: nn.Module, dotted: str) -> object:
    owner, _, name = dotted.rpartition(".")
    return getattr(model.get_submodule(owner) if owner else model, name, None)


def _kind(value: object) -> str:
    if isinstance(value, Tensor):
        return "tensor"
    if isinstance(value, (tuple, list)) and value and all(isinstance(item, Tensor) for item in value):
        return "tuple"
    return "other"


# Functions that compare their first two tensor arguments element by element
# (after broadcasting): the loss functionals that print PyTorch's size-mismatch
# warning, and arithmetic written by hand in a custom loss.
_COMPARING = {
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "kl_div",
    "sub", "subtract", "rsub", "add", "radd", "mul", "multiply", "rmul", "div", "divide", "true_divide",
    "truediv", "rtruediv",
}

# Losses whose input means something beyond its shape: logits (log_softmax or sigmoid is applied inside) or
# log-probabilities.
_READ_AS_SCORES = {"cross_entropy", "nll_loss", "binary_cross_entropy_with_logits"}


def projected(value: Tensor) -> Tensor:
    """A fixed random positive projection of ``value`` to a scalar, for the dependence probes' gradients.

    Not ``value.sum()``: rows that sum to a constant (a softmax's probabilities) give that sum a zero gradient
    everywhere, which would read as "the prediction ignores its input". The weights, uniform in [0.5, 1.5], come
    from a generator of their own, so the user's random streams are untouched and every run gets the same ones.
    """
    generator = torch.Generator().manual_seed(20240607)
    weights = torch.rand(value.shape, generator=generator, dtype=torch.float64) + 0.5
    return (value * weights.to(device=value.device, dtype=value.dtype)).sum()


class ComparisonRecorder(TorchFunctionMode):
    """Follows the prediction and the target through a loss function and records every
    element-wise comparison between a tensor derived from one and a tensor derived from the other."""

    def __init__(self, prediction: Tensor, target: Tensor) -> None:
        super().__init__()
        self.comparisons: list[Comparison] = []
        self.inputs: list[tuple[str, Tensor]] = []
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
        if name in _READ_AS_SCORES and tensors and self._tags.get(id(tensors[0]), frozenset()) == {"prediction"}:
            self.inputs.append((name, tensors[0].detach()))
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


class _OpRecorder(TorchFunctionMode):
    """Records every torch function called (top level only: the mode is off inside a call) with its output."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: list[tuple[str, tuple, dict, Tensor]] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if isinstance(result, Tensor):
            self.ops.append((getattr(func, "__name__", str(func)), args, kwargs, result))
        return result


class _PackingRecorder(TorchFunctionMode):
    """Records the batch_first of the first pack_padded_sequence and pad_packed_sequence called."""

    def __init__(self) -> None:
        super().__init__()
        self.packed: bool | None = None
        self.unpacked: bool | None = None

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        flags = [a for a in args if isinstance(a, bool)]
        if name == "_pack_padded_sequence" and self.packed is None and flags:
            self.packed = flags[0]
        elif name == "_pad_packed_sequence" and self.unpacked is None and flags:
            self.unpacked = flags[0]
        return func(*args, **(kwargs or {}))


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
