"""A training-setup doctor: catch the traps that make a model silently learn the mean.

PyTorch accepts many setups that cannot train as intended and at most prints a
warning: a prediction that broadcasts against its target, a 2-D input that a
recurrent layer reads as one unbatched sequence, ``out[-1]`` on the batch axis, a
time index fed where past values belong, unscaled data, a stacked layer read at its
bottom, a hidden state carried from one batch into the next. :func:`check_setup`
runs one traced forward pass (and, when asked, a short training probe on a copy of
the model) and returns a :class:`Report`: a list of :class:`Finding`, each with a
stable ``code``, a ``severity``, a plain-language ``message``, the ``evidence``
(shapes, values) and the ``fix``. A setup that will train as intended yields no
``"error"`` or ``"warning"``. Displayed in a notebook (or printed) the report reads
as text.

Every finding comes from a :class:`Check` in :data:`CHECKS`, which declares its code,
severity and meaning once (:data:`CODES` is derived from them). A new check is one
function under the :func:`check` decorator.

From a shell: ``python -m sine_lab.doctor path/to/file.py:function`` imports a
function returning ``(model, x, y)`` or ``(model, x, y, loss_fn)`` and prints the
report; the exit status is 1 when it holds an error, 0 otherwise, and 2 (with a
one-line message) when the path, the function or its return value is wrong.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import math
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import torch
import torch.nn as nn
from torch import Tensor
from torch.overrides import TorchFunctionMode

from .arguments import check_float, check_int, check_tensor
from .models import eval_mode
from .tracing import LayerCall, Trace, trace_forward
from .training import train

__all__ = ["CHECKS", "CODES", "SEVERITIES", "SCALE_LIMIT", "Check", "Issue", "Finding", "Report", "check",
           "check_setup", "main"]

SEVERITIES = ("error", "warning", "info")

# Inputs or targets beyond this magnitude are "unscaled": tanh and sigmoid saturate
# once |W x| exceeds about 3, and default initialisations keep |W| below about 1.
SCALE_LIMIT = 5.0

# After the probe, predictions whose spread is below this fraction of the target's
# standard deviation count as constant: the model has learnt (at most) the mean.
CONSTANT_SPREAD = 0.1

_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    """One problem (or remark) about a training setup.

    Attributes:
        code: a stable identifier, one of :data:`CODES`.
        severity: ``"error"`` (will not train as intended), ``"warning"`` (probably
            not what was meant) or ``"info"`` (worth knowing, not a problem).
        message: what is wrong, in plain language.
        evidence: the shapes or values that show it.
        fix: what to change.
    """

    code: str
    severity: str
    message: str
    evidence: str = ""
    fix: str = ""

    def __str__(self) -> str:
        lines = [f"[{self.severity}] {self.code}: {self.message}"]
        if self.evidence:
            lines.append(f"    evidence: {self.evidence}")
        if self.fix:
            lines.append(f"    fix: {self.fix}")
        return "\n".join(lines)


class Report(list):
    """The findings of :func:`check_setup`, most severe first.

    A ``list`` of :class:`Finding`; ``str(report)``, ``print(report)`` and a notebook's
    display of a cell ending in ``report`` (through ``_repr_pretty_``) all show a
    readable summary followed by each finding with its evidence and fix.
    """

    @property
    def codes(self) -> list[str]:
        """The findings' codes, in report order."""
        return [finding.code for finding in self]

    @property
    def ok(self) -> bool:
        """``True`` when there is no ``"error"`` or ``"warning"`` (``"info"`` is allowed)."""
        return all(finding.severity == "info" for finding in self)

    def count_severity(self, severity: str) -> int:
        """How many findings have this severity."""
        return sum(finding.severity == severity for finding in self)

    def __str__(self) -> str:
        counts = []
        for severity in SEVERITIES:
            n = self.count_severity(severity)
            counts.append(f"{n} {severity}{'s' if severity != 'info' and n != 1 else ''}")
        head = f"check_setup: {', '.join(counts)}"
        if self.ok:
            head += " — no problems found" if not self else " — nothing that stops training as intended"
        return "\n".join([head, *map(str, self)])

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text("Report(...)" if cycle else str(self))


# --- the registry of checks ----------------------------------------------------------------------------

# What a check needs before it can run, in the order check_setup obtains it:
#   "data"        only x, y and the model's parameters;
#   "trace"       the traced forward pass (it may have raised);
#   "prediction"  a tensor prediction;
#   "loss"        a finite loss of that prediction;
#   "probe"       a finite loss, probe_steps > 0 and something to train.
NEEDS = ("data", "trace", "prediction", "loss", "probe")


@dataclass(frozen=True)
class Issue:
    """What a check found; the check's code (and, unless given, its severity) completes the :class:`Finding`."""

    message: str
    evidence: str = ""
    fix: str = ""
    severity: str | None = None


@dataclass(frozen=True)
class Check:
    """One check of a training setup: its code, default severity and meaning, declared once.

    ``run(setup)`` returns the :class:`Issue` objects it found (usually none or one);
    ``needs`` (one of :data:`NEEDS`) says what must be available for it to run.
    """

    code: str
    severity: str
    meaning: str
    needs: str
    run: Callable[[_Setup], list[Issue]]

    def __call__(self, setup: _Setup) -> list[Finding]:
        return [Finding(self.code, issue.severity or self.severity, issue.message, issue.evidence, issue.fix)
                for issue in self.run(setup)]


CHECKS: list[Check] = []


def check(code: str, severity: str, meaning: str, needs: str = "data"):
    """Register a function ``run(setup) -> list[Issue]`` as the check of ``code``."""
    if severity not in SEVERITIES or needs not in NEEDS:
        raise ValueError(f"severity must be one of {SEVERITIES} and needs one of {NEEDS}, got {severity!r}, {needs!r}")
    if any(existing.code == code for existing in CHECKS):
        raise ValueError(f"a check with code {code!r} is already registered")

    def register(run: Callable[[_Setup], list[Issue]]) -> Callable[[_Setup], list[Issue]]:
        CHECKS.append(Check(code, severity, meaning, needs, run))
        return run
    return register


def check_setup(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    *,
    probe_steps: int = 0,
    probe_lr: float = 0.01,
) -> Report:
    """Check a training setup before (or instead of) an afternoon of training.

    Runs ``model(x)`` once, in eval mode, with hooks on every submodule and autograd
    to see which inputs, which recurrent outputs and which recurrent layers the
    prediction depends on; calls ``loss_fn(prediction, y)`` and records which shapes
    its comparisons receive; calls the model twice more to see whether it carries a
    state from one call into the next. With ``probe_steps > 0`` it then trains a deep
    copy with :func:`sine_lab.training.train` (full-batch Adam) to see whether the
    output still is (nearly) constant. Nothing in ``model`` is changed: weights, mode,
    gradients, attributes that ``forward`` stores, and the random streams stay as
    they were.

    Args:
        model: the model, as it would be trained.
        x: the input exactly as it would be passed to ``model``, any shape.
        y: the target exactly as it would be passed to ``loss_fn``.
        loss_fn: ``loss_fn(prediction, y)``; defaults to ``nn.MSELoss()``.
        probe_steps: Adam steps of the optional training probe (0: no probe).
        probe_lr: the probe's learning rate, > 0.

    Returns:
        a :class:`Report` (a list of :class:`Finding`, errors first). It is
        empty, or holds only ``"info"`` findings, when the setup will train as
        intended.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_tensor("x", x, floating=False, finite=False)
    check_tensor("y", y, floating=False, finite=False)
    for name, value in (("x", x), ("y", y)):
        if value.numel() == 0:
            raise ValueError(f"{name} must hold at least one value, got an empty tensor of shape {_shape(value)}")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(prediction, target), got {type(loss_fn).__name__}")
    probe_steps = check_int("probe_steps", probe_steps, minimum=0)
    probe_lr = check_float("probe_lr", probe_lr, minimum=0.0, exclusive_minimum=True)
    setup = _Setup(model, x, y, loss_fn if loss_fn is not None else nn.MSELoss(), probe_steps, probe_lr)
    findings = [finding for registered in CHECKS if setup.ready(registered.needs) for finding in registered(setup)]
    return Report(sorted(findings, key=lambda finding: _RANK[finding.severity]))


# --- what the checks read: the setup, traced once -------------------------------------------------------


@dataclass(frozen=True)
class _Comparison:
    """Two tensors compared inside the loss function: one from the prediction, one from the target."""

    function: str
    prediction_shape: tuple[int, ...]
    target_shape: tuple[int, ...]


@dataclass(frozen=True)
class _LossCall:
    value: float | None
    error: Exception | None
    comparisons: tuple[_Comparison, ...]


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


class _Setup:
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
    def finite_x(self) -> bool:
        return self.x.is_floating_point() and bool(torch.isfinite(self.x).all())

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
        recorder = _ComparisonRecorder(self.prediction, self.y)
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
            if shape == _shape(x):
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
    def probe(self) -> _Probe:
        # A copy, and a forked RNG: the user's model and random streams stay as they were.
        with torch.random.fork_rng(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probe = copy.deepcopy(self.model)
            history = train(probe, self.x, self.y, epochs=self.probe_steps, lr=self.probe_lr, loss_fn=self.loss_fn)
            with eval_mode(probe), torch.no_grad():
                prediction = probe(self.x)
                final = float(self.loss_fn(prediction, self.y).sum())
        return _Probe(history.epochs, tuple(history.loss), prediction, final)


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
    for (prefix, attributes), module in zip(before, model.modules()):
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


class _ComparisonRecorder(TorchFunctionMode):
    """Follows the prediction and the target through a loss function and records every
    element-wise comparison between a tensor derived from one and a tensor derived from the other."""

    def __init__(self, prediction: Tensor, target: Tensor) -> None:
        super().__init__()
        self.comparisons: list[_Comparison] = []
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
                self.comparisons.append(_Comparison(name, _shape(tensors[0]), _shape(tensors[1])))
            elif first == {"target"} and second == {"prediction"}:
                self.comparisons.append(_Comparison(name, _shape(tensors[1]), _shape(tensors[0])))
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


def _shape(value: Tensor) -> tuple[int, ...]:
    return tuple(value.shape)


def _layer(call: LayerCall) -> str:
    module = call.module
    return (f"nn.{type(module).__name__}{f' {call.name!r}' if call.name else ''} "
            f"(input_size={module.input_size}, batch_first={module.batch_first})")


# --- checks on the values ------------------------------------------------------------------------------


@check("dtype_mismatch", "error",
       "the input's dtype differs from the model's parameters (e.g. float64 or int64 into float32 layers)")
def _dtype_mismatch(setup: _Setup) -> list[Issue]:
    # Only the input matters: the loss promotes an integer or float64 target by itself.
    param = next((p for p in setup.model.parameters() if p.is_floating_point()), None)
    expected = param.dtype if param is not None else torch.get_default_dtype()
    if setup.x.dtype == expected:
        return []
    return [Issue(
        f"The input's dtype does not match the model's {expected} parameters: PyTorch layers need "
        "floating-point inputs of their own dtype.",
        evidence=f"x is {setup.x.dtype}; the model's parameters are {expected}",
        fix=f"Convert once when building the data: x = x.to({expected}) (a NumPy float64 array stays float64 "
        "through torch.from_numpy; torch.tensor(a, dtype=torch.float32) converts).",
    )]


def _nonfinite(name: str, value: Tensor) -> list[Issue]:
    if not value.is_floating_point() or bool(torch.isfinite(value).all()):
        return []
    bad = ~torch.isfinite(value)
    first = tuple(int(i) for i in bad.nonzero()[0])
    return [Issue(
        f"{name} holds NaN or inf; every loss and gradient that touches them becomes NaN.",
        evidence=f"{int(bad.sum())} of {value.numel()} elements of {name} {_shape(value)} are not finite, "
        f"the first at index {first}",
        fix="Drop or fill the missing values before windowing (e.g. interpolate gaps in the series).",
    )]


@check("nonfinite_input", "error", "the input holds NaN or inf")
def _nonfinite_input(setup: _Setup) -> list[Issue]:
    return _nonfinite("x", setup.x)


@check("nonfinite_target", "error", "the target holds NaN or inf")
def _nonfinite_target(setup: _Setup) -> list[Issue]:
    return _nonfinite("y", setup.y)


@check("nonfinite_parameters", "error", "a model parameter holds NaN or inf")
def _nonfinite_parameters(setup: _Setup) -> list[Issue]:
    bad = [n for n, p in setup.model.named_parameters() if not bool(torch.isfinite(p).all())]
    if not bad:
        return []
    return [Issue(
        "The model's parameters hold NaN or inf, so every prediction is NaN: usually an earlier run diverged.",
        evidence="non-finite: " + ", ".join(bad),
        fix="Re-create the model (or reload a good checkpoint) and train with a smaller lr or ClipGradNorm(1.0).",
    )]


@check("time_as_input", "warning",
       "the input is a monotonic, evenly spaced time index rather than past values of the signal")
def _time_as_input(setup: _Setup) -> list[Issue]:
    """A channel that rises (or falls) by the same step along a sample or time axis is a clock."""
    x = setup.x
    if not setup.finite_x or x.dim() < 2:
        return []
    if x.shape == setup.y.shape and bool((x == setup.y).all()):
        return []  # an autoencoder: the ramp is the signal it reconstructs, not a clock it reads
    ramps = []
    for channel in range(x.shape[-1]):
        values = x[..., channel].double()
        for axis in range(values.dim()):
            if values.shape[axis] < 3:
                continue
            steps = values.diff(dim=axis)
            typical = float(steps.abs().mean())
            same_sign = bool((steps > 0).all()) or bool((steps < 0).all())
            if same_sign and float((steps - steps.mean()).abs().max()) <= 1e-2 * typical + 1e-6:
                ramps.append((channel, axis, float(steps.flatten()[0])))
                break
    if not ramps:
        return []
    every_channel = len(ramps) == x.shape[-1]
    channel, axis, step = ramps[0]
    where = "the input" if every_channel else f"feature {channel} of the input"
    return [Issue(
        f"{where.capitalize()} is a time index, not past values of the signal: it grows by a constant step. "
        "A model fed t can only learn a map t -> y on the times it saw; it has no past values to continue "
        "the wave from, and for unseen times (extrapolation) it has nothing to go on.",
        evidence=f"x {_shape(x)}, feature {channel}: along axis {axis} every step is {step:.4g}; "
        f"values run from {float(x[..., channel].min()):.4g} to {float(x[..., channel].max()):.4g}",
        fix="Feed windows of past values instead: inputs (N, window, 1) holding y[n - window : n], "
        "target y[n] (or y[n : n + horizon]).",
        severity=None if every_channel and setup.recurrent else "info",
    )]


# Measured by scripts/doctor_scaling.py (an LSTM(50) on an airline-like series of values 100-611,
# the tutorial recipe, seeds 0-2; test RMSE in passengers). The two one-sided variants separate
# the causes: the target's scale costs most, the input's once the target is scaled.
_MEASURED = ("scripts/doctor_scaling.py: an LSTM on an airline-like series of values 100-611, 3 seeds; "
             "test RMSE in passengers")


def _unscaled(name: str, value: Tensor, why: str, fix: str) -> list[Issue]:
    if not value.is_floating_point() or not bool(torch.isfinite(value).all()):
        return []
    largest = float(value.abs().max())
    if largest <= SCALE_LIMIT:
        return []
    spread = float(value.double().std()) if value.numel() > 1 else 0.0
    return [Issue(
        f"{name} is not scaled: its values reach {largest:.4g}, far outside about [-1, 1]. {why}",
        evidence=f"{name} {_shape(value)} ranges over [{float(value.min()):.4g}, {float(value.max()):.4g}], "
        f"mean {float(value.double().mean()):.4g}, std {spread:.4g}",
        fix=fix,
    )]


@check("unscaled_input", "warning", f"input values beyond ±{SCALE_LIMIT:g}, where tanh/sigmoid units saturate")
def _unscaled_input(setup: _Setup) -> list[Issue]:
    return _unscaled(
        "x", setup.x,
        "tanh and sigmoid gates saturate there, so training is slow. It still trains: measured "
        f"({_MEASURED}), with the target standardised, a raw input gave 126-135 after 50 epochs where a "
        "standardised one gave 44-52, and caught up only after about 800 epochs.",
        "Standardise with the training split's statistics: x = (x - mean) / std.",
    )


@check("identical_inputs", "error", "every sample in the batch has the same input, so only the mean can be learnt")
def _identical_inputs(setup: _Setup) -> list[Issue]:
    x = setup.x
    if not setup.finite_x or x.dim() < 2 or x.shape[0] < 2 or not bool((x == x[:1]).all()):
        return []
    return [Issue(
        f"All {x.shape[0]} samples have the same input, so the model cannot tell them apart: "
        "the best it can do is predict the mean of the targets.",
        evidence=f"x {_shape(x)}: x[i] == x[0] for every i",
        fix="Check the windowing loop: each sample needs its own slice, e.g. series[i : i + window], "
        "not series[0 : window].",
    )]


@check("unscaled_target", "warning", f"target values beyond ±{SCALE_LIMIT:g}")
def _unscaled_target(setup: _Setup) -> list[Issue]:
    return _unscaled(
        "y", setup.y,
        "With a default initialisation the output starts near 0, and Adam's small steps spend the training "
        "crawling towards the targets' offset and scale instead of learning their shape. Measured "
        f"({_MEASURED}): with the input standardised, a raw target still gave 143-144 after 800 epochs "
        "where a standardised one gave 62-78; with both raw, as in a published tutorial, 150-161 after 800 "
        "epochs, worse than both standardised after 25 (68-72).",
        "Standardise with the training split's statistics: y = (y - mean) / std, and undo it on the "
        "predictions: pred * std + mean.",
    )


# --- checks on how the recurrent layers read their input ------------------------------------------------


@check("input_size_mismatch", "error",
       "a recurrent layer's input has a last dimension other than its input_size", needs="trace")
def _input_size_mismatch(setup: _Setup) -> list[Issue]:
    issues = []
    for call in setup.trace.recurrent_calls:
        shape, module = call.input_shape, call.module
        if not shape or shape[-1] == module.input_size:
            continue
        fix = (
            f"Add the feature axis: x.unsqueeze(-1) turns (batch, seq) = {shape} into {shape + (1,)}."
            if module.input_size == 1 and len(shape) == 2 else
            f"Put the {module.input_size} features on the last axis: (batch, seq, {module.input_size}) "
            "with batch_first=True."
        )
        issues.append(Issue(
            f"{_layer(call)} reads the LAST axis of its input as the features, but that axis has "
            f"{shape[-1]} entries, not {module.input_size}.",
            evidence=f"input to the layer: {shape}",
            fix=fix,
        ))
    return issues


@check("unbatched_input", "error", "a recurrent layer got a 2-D input and treats it as one unbatched sequence",
       needs="trace")
def _unbatched_input(setup: _Setup) -> list[Issue]:
    issues = []
    prediction = setup.prediction if isinstance(setup.prediction, Tensor) else None
    y = setup.y
    for call in setup.trace.recurrent_calls:
        if len(call.input_shape) != 2:
            continue
        steps, features = call.input_shape
        reasons = []
        if call.module.batch_first:
            reasons.append("batch_first=True says a batch was meant")
        if setup.trace.error is not None:
            reasons.append("the forward pass then fails")
        if prediction is not None and y.dim() >= 1 and prediction.numel() < y.numel():
            reasons.append(f"the model returns {_shape(prediction)} ({prediction.numel()} value"
                           f"{'s' if prediction.numel() != 1 else ''}) for a target of {_shape(y)}")
        if setup.x.dim() == 2 and setup.windows:
            reasons.append("the rows of x are sliding windows (row i+1 is row i shifted by one), i.e. separate "
                           "samples")
        issues.append(Issue(
            f"{_layer(call)} got a 2-D input {call.input_shape} and treats it as ONE unbatched sequence of "
            f"{steps} time steps with {features} feature{'s' if features != 1 else ''} each, not as a batch of "
            f"{steps} samples: the hidden state runs from each row into the next.",
            evidence="; ".join(reasons) if reasons else "the output gives one prediction per row, as for one long "
            "series",
            fix="For a batch of samples give the input the shape (batch, seq, feature) — e.g. windows of past "
            "values (N, window, 1) with batch_first=True — and predict from out[:, -1]. "
            "For one long series, say so explicitly: x.unsqueeze(0) -> (1, seq, feature).",
            severity=None if reasons else "info",
        ))
    return issues


@check("batch_first_ignored", "warning", "batch_first=True has no effect because the input is 2-D (unbatched)",
       needs="trace")
def _batch_first_ignored(setup: _Setup) -> list[Issue]:
    return [Issue(
        f"batch_first=True is ignored for a 2-D (unbatched) input: the layer's output is "
        f"(seq, hidden) = ({call.input_shape[0]}, {call.module.hidden_size}), with no batch axis, so indexing "
        "written for (batch, seq, hidden), like out[:, -1, :], fails or reads the wrong axis.",
        evidence=f"{_layer(call)} got {call.input_shape}",
        fix="Pass a 3-D (batch, seq, feature) input, e.g. x.unsqueeze(0) for a single sequence.",
    ) for call in setup.trace.recurrent_calls if len(call.input_shape) == 2 and call.module.batch_first]


def _batch_and_seq(call: LayerCall) -> tuple[int, int]:
    shape = call.input_shape
    return (shape[0], shape[1]) if call.module.batch_first else (shape[1], shape[0])


@check("single_step_sequences", "warning", "every sequence has one time step, so the recurrence never runs",
       needs="trace")
def _single_step_sequences(setup: _Setup) -> list[Issue]:
    issues = []
    for call in setup.trace.recurrent_calls:
        if len(call.input_shape) != 3:
            continue
        batch, seq = _batch_and_seq(call)
        if seq == 1 and batch > 1:
            issues.append(Issue(
                f"{_layer(call)} sees {batch} sequences of ONE time step with {call.input_shape[-1]} features "
                "each: the recurrence never runs, so the layer is a feed-forward net on each sample.",
                evidence=f"input to the layer: {call.input_shape}",
                fix="Put the window on the time axis: (batch, window, 1) with batch_first=True, input_size=1.",
            ))
    return issues


@check("layout_mismatch", "error",
       "the targets suggest (batch, seq, feature) but the layer reads (seq, batch, feature), or the reverse",
       needs="trace")
def _layout_mismatch(setup: _Setup) -> list[Issue]:
    issues = []
    y = setup.y
    for call in setup.trace.recurrent_calls:
        shape, module = call.input_shape, call.module
        if len(shape) != 3:
            continue
        batch, seq = _batch_and_seq(call)
        # Targets are indexed by sample: if their count matches the layer's time axis
        # instead of its batch axis, the layout is the other one.
        per_step_targets = y.dim() >= 2 and _shape(y)[:2] == shape[:2]
        if not (batch > 1 and shape[0] != shape[1] and not per_step_targets and y.dim() >= 1 and y.shape[0] == seq):
            continue
        meant = "(batch, seq, feature)" if not module.batch_first else "(seq, batch, feature)"
        read = "(seq, batch, feature)" if not module.batch_first else "(batch, seq, feature)"
        fix = (
            "Create the layer with batch_first=True and take the last step as out[:, -1], or transpose the input "
            "with x.transpose(0, 1) (not x.view, which scrambles samples)."
            if not module.batch_first else
            "Drop batch_first=True (then the last step is out[-1]), or pass x.transpose(0, 1)."
        )
        issues.append(Issue(
            f"{_layer(call)} reads its input {shape} as {read}: a batch of {batch} sequences of {seq} steps. "
            f"But the target has {y.shape[0]} samples, matching the other axis, so {meant} was meant: "
            "the hidden state runs across your samples.",
            evidence=f"input to the layer {shape}, target {_shape(y)}",
            fix=fix,
        ))
    return issues


# --- checks on the forward pass and the loss ------------------------------------------------------------


@check("forward_error", "error", "the forward pass raised", needs="trace")
def _forward_error(setup: _Setup) -> list[Issue]:
    error = setup.trace.error
    if error is None:
        return []
    unbatched = [call for call in setup.trace.recurrent_calls if len(call.input_shape) == 2]
    if isinstance(error, IndexError) and unbatched:
        fix = (f"{_layer(unbatched[0])} got the 2-D input {unbatched[0].input_shape}, so its output is 2-D "
               "(seq, hidden) and out[:, -1, :] has one index too many. Give the input a batch axis: "
               "(batch, seq, feature).")
    elif "input_size" in str(error) or "input.size(-1)" in str(error):
        fix = "The recurrent layer's input_size does not match the last axis of its input; see input_size_mismatch."
    else:
        fix = "Run sine_lab.diagnostics.trace_shapes(model, x, y) to see the shape entering and leaving each layer."
    return [Issue("The forward pass raised, so this setup cannot train at all.",
                  evidence=f"{type(error).__name__}: {error}", fix=fix)]


@check("output_not_tensor", "error", "the model returned something other than a tensor", needs="trace")
def _output_not_tensor(setup: _Setup) -> list[Issue]:
    prediction = setup.trace.prediction
    if setup.trace.error is not None or isinstance(prediction, Tensor):
        return []
    return [Issue(
        f"The model returned a {type(prediction).__name__}, not a tensor, so the loss cannot use it.",
        fix="Return only the prediction from forward(), e.g. `return self.linear(out[:, -1])`, not `(out, hidden)`.",
    )]


def _judged(comparison: _Comparison) -> tuple[tuple[int, ...] | None, int]:
    """The broadcast shape of a comparison (``None`` if it cannot broadcast) and its element count."""
    try:
        shape = tuple(torch.broadcast_shapes(comparison.prediction_shape, comparison.target_shape))
    except RuntimeError:
        return None, 0
    return shape, math.prod(shape)


def _received(setup: _Setup, comparison: _Comparison) -> str:
    raw = _shape(setup.prediction)
    note = "" if raw == comparison.prediction_shape else f" (the model returned {raw}; the loss reshaped it)"
    return (f"{comparison.function} compares prediction {comparison.prediction_shape}, "
            f"target {comparison.target_shape}{note}")


@check("shape_mismatch", "error", "prediction and target shapes cannot broadcast: the loss raises",
       needs="prediction")
def _shape_mismatch(setup: _Setup) -> list[Issue]:
    for comparison in setup.loss.comparisons:
        if _judged(comparison)[0] is None:
            return [Issue(
                f"The prediction {comparison.prediction_shape} and the target {comparison.target_shape} that the "
                "loss compares cannot be broadcast together: the loss raises.",
                evidence=_received(setup, comparison),
                fix=f"Make the model return one prediction per target, shape {comparison.target_shape}.",
            )]
    return []


@check("broadcast_in_loss", "error",
       "prediction and target shapes differ where the loss compares them, and it silently broadcasts them",
       needs="prediction")
def _broadcast_in_loss(setup: _Setup) -> list[Issue]:
    for comparison in setup.loss.comparisons:
        broadcast, size = _judged(comparison)
        pred_shape, target_shape = comparison.prediction_shape, comparison.target_shape
        pred_size, target_size = math.prod(pred_shape), math.prod(target_shape)
        if broadcast is None or size == pred_size == target_size:
            continue  # cannot broadcast (shape_mismatch), or only size-1 axes differ: element-wise after all
        y = setup.y.double()
        if pred_size == 1:
            what = (f"every one of the {target_size} targets with the same single prediction. The best such a model "
                    f"can do is predict mean(y) = {float(y.mean()):.4g}, and the MSE cannot fall below "
                    f"var(y) = {float(y.var(unbiased=False)):.4g}")
        else:
            what = (f"{size} pairs of (prediction, target) instead of {target_size}: each prediction is scored "
                    "against targets of other samples, so the loss is smallest when every prediction is the mean")
        return [Issue(
            f"The prediction {pred_shape} and the target {target_shape} differ in shape, and the loss silently "
            f"broadcasts them to {broadcast}, comparing {what}. PyTorch only prints a UserWarning.",
            evidence=f"{_received(setup, comparison)}, broadcast {broadcast}",
            fix=(f"Both hold {target_size} values: make them the same shape, e.g. y = y.reshape{pred_shape} "
                 "or return out.reshape(target shape) — check that the order of samples agrees."
                 if pred_size == target_size else
                 f"Make the model return one prediction per target, shape {target_shape} (for a 2-D input to a "
                 "recurrent layer, see unbatched_input)."),
        )]
    return []


@check("loss_error", "error", "the loss function raised", needs="prediction")
def _loss_error(setup: _Setup) -> list[Issue]:
    error = setup.loss.error
    if error is None or any(_judged(c)[0] is None for c in setup.loss.comparisons):
        return []  # no error, or shape_mismatch explains it
    return [Issue("The loss function raised on (prediction, target).",
                  evidence=f"{type(error).__name__}: {error}",
                  fix="Check the loss's expected shapes and dtypes against the prediction and target.")]


@check("nonfinite_loss", "error", "the loss is NaN or inf (at the first step or during the probe)",
       needs="prediction")
def _nonfinite_loss(setup: _Setup) -> list[Issue]:
    value = setup.loss.value
    if value is not None and not math.isfinite(value):
        return [Issue(
            f"The loss of the untrained model is already {value}: training would only produce NaN.",
            evidence=f"loss = {value}",
            fix="Look for NaN/inf in the data or parameters (see the other findings).",
        )]
    if not setup.ready("probe") or all(math.isfinite(loss) for loss in setup.probe.losses):
        return []
    losses = setup.probe.losses
    step = next(i for i, loss in enumerate(losses, 1) if not math.isfinite(loss))
    return [Issue(
        f"During the probe the loss became {losses[step - 1]} at Adam step {step} (lr={setup.probe_lr}).",
        evidence=f"finite loss for {step - 1} steps, then {losses[step - 1]}",
        fix="Use a smaller learning rate or ClipGradNorm(1.0), and scale inputs and targets.",
    )]


# --- checks on what the prediction depends on (by autograd) ---------------------------------------------


@check("input_ignored", "error", "the prediction does not depend on the input", needs="prediction")
def _input_ignored(setup: _Setup) -> list[Issue]:
    if not (setup.trace.x.requires_grad and setup.prediction.requires_grad):
        return []
    grad = setup.input_gradient
    if grad is not None and bool((grad != 0).any()):
        return []
    return [Issue(
        "The prediction does not depend on the input at all: whatever x holds, the output is the same, so "
        "the model can only learn the mean of the targets.",
        evidence="d(prediction)/dx is zero for every element of x",
        fix="Check forward(): the returned value must come from the layer's output on x "
        "(e.g. out[:, -1] or the returned h_n), not from an initial state or a constant.",
    )]


@check("wrong_axis", "error",
       "the prediction reads the recurrent output along the batch axis instead of the time axis", needs="prediction")
def _wrong_axis(setup: _Setup) -> list[Issue]:
    calls = [c for c in setup.trace.recurrent_calls
             if c.output is not None and c.output.requires_grad and len(c.input_shape) == 3]
    issues = []
    for call, grad in zip(calls, setup.gradients([c.output for c in calls])):
        if grad is None:
            continue
        used = grad.abs().sum(-1) > 0
        if not call.module.batch_first:
            used = used.T  # to (batch, seq)
        batch, seq = used.shape
        rows = used.any(1).nonzero().flatten().tolist()
        if batch < 2 or len(rows) != 1:
            continue
        row, steps = rows[0], int(used[rows[0]].sum())
        layout, wrong, right = (
            ("(batch, seq, hidden)", "out[-1]", "out[:, -1]") if call.module.batch_first
            else ("(seq, batch, hidden)", "out[:, -1]", "out[-1]")
        )
        issues.append(Issue(
            f"The prediction reads the output of {_layer(call)} for only sequence {row} of the {batch} in the "
            f"batch, at {steps} of its {seq} time steps: the index picks the batch axis, not the time axis. In the "
            f"{layout} layout, {wrong} is the last sequence; the last time step is {right}.",
            evidence=f"the layer's output has shape {_shape(call.output)}; the prediction depends on batch entry "
            f"{row} only",
            fix=f"Take the last time step of every sequence: {right}.",
        ))
    return issues


@check("samples_mixed", "error", "the prediction for one sample depends on other samples' inputs",
       needs="prediction")
def _samples_mixed(setup: _Setup) -> list[Issue]:
    axes = setup.sample_axes
    if axes is None or not setup.trace.x.requires_grad or not setup.prediction.requires_grad:
        return []
    x_axis, prediction_axis = axes
    count = setup.x.shape[x_axis]
    for sample in (count - 1, 0):  # the last sample sees every earlier one through a causal mix-up
        (grad,) = setup.gradients([setup.trace.x], of=setup.prediction.select(prediction_axis, sample))
        if grad is None:
            continue
        reached = grad.movedim(x_axis, 0).abs().flatten(1).sum(1) > 0
        reached[sample] = False
        others = int(reached.sum())
        if others:
            return [Issue(
                f"The prediction for sample {sample} depends on the inputs of {others} other samples: the model "
                "mixes samples (reading the sample axis as time, or reshaping with view/reshape where a "
                "transpose was meant), so information leaks between samples and each sequence the layer reads "
                "is stitched from pieces of several.",
                evidence=f"x {_shape(setup.x)} has its samples on axis {x_axis} (from the recurrent layer's "
                f"batch_first and the data's shapes); d(prediction[{sample}])/d(x[{sample}']) is non-zero for "
                f"{others} of the {count - 1} other samples",
                fix="Change the layout with x.transpose/permute (never view/reshape across the batch and time axes), "
                "or create the layer with batch_first=True to match the data.",
            )]
    return []


@check("upper_layers_unused", "error",
       "the prediction does not depend on the top layers of a stacked recurrent layer (h_n[0] where h_n[-1] was "
       "meant)", needs="prediction")
def _upper_layers_unused(setup: _Setup) -> list[Issue]:
    issues = []
    for call in setup.trace.recurrent_calls:
        module = call.module
        if module.num_layers < 2:
            continue
        by_layer = [[p for name, p in module.named_parameters()
                     if p.requires_grad and re.search(rf"_l{layer}(_reverse)?$", name)]
                    for layer in range(module.num_layers)]
        grads = iter(setup.gradients([p for layer in by_layer for p in layer]))
        used = [any(g is not None and bool((g != 0).any()) for g in [next(grads) for _ in layer])
                for layer in by_layer]
        if used[-1] or not any(used):
            continue
        top = max(layer for layer, is_used in enumerate(used) if is_used)
        issues.append(Issue(
            f"The prediction depends on layer {top} of the {module.num_layers}-layer {_layer(call)} but on none "
            f"above it: it reads a lower layer's final state (h_n[{top}]), so layers {top + 1}-"
            f"{module.num_layers - 1} are trained for nothing. h_n is (num_layers * directions, batch, hidden) "
            "with the bottom layer first.",
            evidence="per-layer gradient of the prediction: " + ", ".join(
                f"layer {layer} {'non-zero' if is_used else 'zero'}" for layer, is_used in enumerate(used)),
            fix="Read the top layer: h_n[-1] (for a bidirectional layer torch.cat([h_n[-2], h_n[-1]], dim=-1)), "
            "or the output's last step, out[:, -1] with batch_first=True.",
        ))
    return issues


# --- checks on what one call leaves for the next --------------------------------------------------------


@check("state_not_detached", "error",
       "forward() keeps a hidden state on the model that carries the previous batch's graph into the next",
       needs="loss")
def _state_not_detached(setup: _Setup) -> list[Issue]:
    state = setup.state
    if state.second_call_error is None:
        return []
    where = ", ".join(f"model.{name}" for name in state.attributes) or "an attribute of the model"
    return [Issue(
        f"forward() stores its final hidden state in {where} and starts the next call from it without "
        ".detach(): the second training step's backward runs into the first step's graph, whose buffers are "
        "already freed, and raises (retain_graph=True only hides this and grows the graph without end).",
        evidence=f"two calls of model(x), each followed by a backward pass: the second call raised "
        f"{type(state.second_call_error).__name__}: {str(state.second_call_error).splitlines()[0]}",
        fix=f"Store {where} detached (self.hidden = tuple(h.detach() for h in hidden)) if batches continue each "
        "other's sequences, or do not keep a state at all: pass no initial state (zeros) for unrelated "
        "sequences. (If your training loop resets the state before every batch, as some tutorials do, this "
        "cannot happen there; the doctor cannot see the loop.)",
    )]


@check("state_carried_over", "warning",
       "forward() carries a hidden state from one call into the next: right only for consecutive chunks of one "
       "series", needs="loss")
def _state_carried_over(setup: _Setup) -> list[Issue]:
    state = setup.state
    if state.second_call_error is not None or not state.attributes or state.changed == 0:
        return []
    where = ", ".join(f"model.{name}" for name in state.attributes)
    windows = setup.windows
    return [Issue(
        f"forward() keeps its final hidden state in {where} and the next call starts from it: the same x gives a "
        "different prediction the second time. That is right only when each batch continues the sequences of "
        "the previous one (stateful training, truncated BPTT over one long series). "
        + ("Here the samples are sliding windows of one series, which training shuffles: each batch then starts "
           "from the state of unrelated windows." if windows else
           "Make sure batches are consecutive chunks and are not shuffled."),
        evidence=f"model(x) called twice from the same random state: the predictions differ by up to "
        f"{state.changed:.3g}; forward() replaced {where}"
        + ("; x's samples are sliding windows (sample i+1 is sample i shifted by one)" if windows else ""),
        fix="For unrelated sequences start every call from zeros (pass no state to the layer); keep a state "
        "only across consecutive chunks, detached, and reset it at the start of every epoch.",
        severity=None if windows else "info",
    )]


# --- the training probe ----------------------------------------------------------------------------------


@check("constant_output", "warning",
       "after the training probe the output is (nearly) constant over the batch: it learns the mean", needs="probe")
def _constant_output(setup: _Setup) -> list[Issue]:
    probe, y = setup.probe, setup.y
    if not all(math.isfinite(loss) for loss in probe.losses):
        return []  # nonfinite_loss reports it
    prediction = probe.prediction
    target_std = float(y.double().std()) if y.numel() > 1 else 0.0
    spread = float(prediction.double().std()) if prediction.numel() > 1 else 0.0
    if target_std == 0 or spread >= CONSTANT_SPREAD * target_std:
        return []
    return [Issue(
        f"After {probe.steps_run} Adam steps (lr={setup.probe_lr}) on a copy of the model, its output is nearly "
        "constant over the batch: nothing it computes tells the samples apart, so at best it learns the mean of "
        "the targets.",
        evidence=f"prediction {_shape(prediction)} spans [{float(prediction.min()):.4g}, "
        f"{float(prediction.max()):.4g}], std {spread:.3g} = {spread / target_std:.1%} of the target's std "
        f"{target_std:.3g}; loss {probe.final_loss:.4g} vs var(y) = {float(y.double().var(unbiased=False)):.4g}",
        fix="Fix the errors and warnings above first; if there are none, scale the data, train longer or with a "
        "larger lr, and check that each input really determines its target.",
    )]


# Every code check_setup can report, with what it means, derived from the registry.
# Codes are stable: tests and notebooks may rely on them.
CODES: dict[str, str] = {registered.code: registered.meaning for registered in CHECKS}


# --- the command line ------------------------------------------------------------------------------------


class _UsageError(Exception):
    """A bad path, a missing function or a wrong return value: exit status 2."""


def _load_setup(target: str) -> tuple:
    path_text, colon, function_name = target.rpartition(":")
    if not colon or not path_text or not function_name:
        raise _UsageError(f"expected PATH.py:FUNCTION, e.g. setups.py:make_setup, got {target!r}")
    path = Path(path_text)
    if not path.is_file():
        raise _UsageError(f"no such file: {path_text}")
    spec = importlib.util.spec_from_file_location(f"_doctor_target_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise _UsageError(f"cannot import {path_text}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))  # as `python file.py` would, for its own imports
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise _UsageError(f"importing {path_text} raised {type(error).__name__}: {error}") from error
    finally:
        sys.path.remove(str(path.resolve().parent))
    function = getattr(module, function_name, None)
    if not callable(function):
        defined = sorted(name for name, value in vars(module).items()
                         if callable(value) and getattr(value, "__module__", None) == module.__name__)
        raise _UsageError(f"{path_text} defines no function {function_name!r}"
                          + (f" (it defines: {', '.join(defined)})" if defined else ""))
    try:
        result = function()
    except Exception as error:
        raise _UsageError(f"{function_name}() raised {type(error).__name__}: {error}") from error
    if not (isinstance(result, tuple) and len(result) in (3, 4) and isinstance(result[0], nn.Module)
            and all(isinstance(value, Tensor) for value in result[1:3])
            and (len(result) == 3 or callable(result[3]))):
        got = (f"a tuple of {len(result)}: ({', '.join(type(value).__name__ for value in result)})"
               if isinstance(result, tuple) else f"a {type(result).__name__}")
        raise _UsageError(f"{function_name}() must return (model, x, y) or (model, x, y, loss_fn) with model an "
                          f"nn.Module and x, y tensors, got {got}")
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m sine_lab.doctor path/to/file.py:function``: print the report; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m sine_lab.doctor",
        description="Check a training setup: imports FUNCTION from FILE, which returns (model, x, y) or "
        "(model, x, y, loss_fn), and prints the doctor's report. Exit status: 1 if it holds an error, 0 if not, "
        "2 for a bad path, function or return value.")
    parser.add_argument("target", metavar="FILE.py:FUNCTION")
    parser.add_argument("--probe-steps", type=int, default=0, help="Adam steps of the training probe (default 0)")
    parser.add_argument("--probe-lr", type=float, default=0.01, help="the probe's learning rate (default 0.01)")
    args = parser.parse_args(argv)
    try:
        setup = _load_setup(args.target)
        report = check_setup(*setup, probe_steps=args.probe_steps, probe_lr=args.probe_lr)
    except (_UsageError, TypeError, ValueError) as error:
        print(f"sine_lab.doctor: {error}", file=sys.stderr)
        return 2
    print(report)
    return 1 if report.count_severity("error") else 0


if __name__ == "__main__":
    sys.exit(main())
