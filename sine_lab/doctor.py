"""A training-setup doctor: catch the traps that make a model silently learn the mean.

PyTorch accepts many setups that cannot train as intended and at most prints a
warning: a prediction that broadcasts against its target, a 2-D input that a
recurrent layer reads as one unbatched sequence, ``out[-1]`` on the batch axis, a
time index fed where past values belong, unscaled data. :func:`check_setup` runs
one forward pass (and, when asked, a short training probe on a copy of the model)
and returns a :class:`Report`: a list of :class:`Finding`, each with a stable
``code``, a ``severity``, a plain-language ``message``, the ``evidence`` (shapes,
values) and the ``fix``. A setup that will train as intended yields no ``"error"``
or ``"warning"``. Displayed in a notebook (or printed) the report reads as text.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch import Tensor

from .models import eval_mode
from .arguments import check_float, check_int, check_tensor

__all__ = ["CODES", "SEVERITIES", "SCALE_LIMIT", "Finding", "Report", "check_setup"]

SEVERITIES = ("error", "warning", "info")

# Inputs or targets beyond this magnitude are "unscaled": tanh and sigmoid saturate
# once |W x| exceeds about 3, and default initialisations keep |W| below about 1.
SCALE_LIMIT = 5.0

# After the probe, predictions whose spread is below this fraction of the target's
# standard deviation count as constant: the model has learnt (at most) the mean.
CONSTANT_SPREAD = 0.1

# Every code check_setup can report, with what it means. Codes are stable: tests
# and notebooks may rely on them.
CODES: dict[str, str] = {
    "dtype_mismatch": "the input's dtype differs from the model's parameters (e.g. float64 or int64 into float32 layers)",
    "nonfinite_input": "the input holds NaN or inf",
    "nonfinite_target": "the target holds NaN or inf",
    "nonfinite_parameters": "a model parameter holds NaN or inf",
    "nonfinite_loss": "the loss is NaN or inf (at the first step or during the probe)",
    "time_as_input": "the input is a monotonic, evenly spaced time index rather than past values of the signal",
    "unscaled_input": f"input values beyond ±{SCALE_LIMIT:g}, where tanh/sigmoid units saturate",
    "unscaled_target": f"target values beyond ±{SCALE_LIMIT:g}",
    "identical_inputs": "every sample in the batch has the same input, so only the mean can be learnt",
    "input_size_mismatch": "a recurrent layer's input has a last dimension other than its input_size",
    "unbatched_input": "a recurrent layer got a 2-D input and treats it as one unbatched sequence",
    "batch_first_ignored": "batch_first=True has no effect because the input is 2-D (unbatched)",
    "layout_mismatch": "the targets suggest (batch, seq, feature) but the layer reads (seq, batch, feature), or the reverse",
    "single_step_sequences": "every sequence has one time step, so the recurrence never runs",
    "forward_error": "the forward pass raised",
    "output_not_tensor": "the model returned something other than a tensor",
    "shape_mismatch": "prediction and target shapes cannot broadcast: the loss raises",
    "broadcast_in_loss": "prediction and target shapes differ and the loss silently broadcasts them",
    "loss_error": "the loss function raised",
    "input_ignored": "the prediction does not depend on the input",
    "wrong_axis": "the prediction reads the recurrent output along the batch axis instead of the time axis",
    "samples_mixed": "the prediction for one sample depends on other samples' inputs",
    "constant_output": "after the training probe the output is (nearly) constant over the batch: it learns the mean",
}

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

    Runs ``model(x)`` once, in eval mode, with hooks on every recurrent layer
    (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``) and autograd to see which inputs and
    which recurrent outputs the prediction depends on. Nothing in ``model`` is
    changed. With ``probe_steps > 0`` it then trains a deep copy for that many
    full-batch Adam steps to see whether the output still is (nearly) constant.

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
    loss_fn = loss_fn if loss_fn is not None else nn.MSELoss()

    findings: list[Finding] = []
    recurrent = any(isinstance(m, nn.RNNBase) for m in model.modules())
    findings += _check_dtypes(model, x)
    findings += _check_finite(model, x, y)
    findings += _check_values(x, y, recurrent)

    run = _traced_forward(model, x)
    findings += _check_recurrent_calls(run, x, y)
    if run.error is not None:
        findings.append(_forward_error(run))
    elif not isinstance(run.prediction, Tensor):
        findings.append(Finding(
            "output_not_tensor", "error",
            f"The model returned a {type(run.prediction).__name__}, not a tensor, so the loss cannot use it.",
            fix="Return only the prediction from forward(), e.g. `return self.linear(out[:, -1])`, not `(out, hidden)`.",
        ))
    else:
        shape_findings = _check_shapes(run.prediction, y)
        findings += shape_findings
        loss_findings, loss = _check_loss(run.prediction, y, loss_fn, skip=bool(shape_findings))
        findings += loss_findings
        findings += _check_dependencies(run, x, y)
        trainable = any(p.requires_grad for p in model.parameters())
        if probe_steps and trainable and loss is not None and math.isfinite(loss) and bool(torch.isfinite(x).all()):
            findings += _probe(model, x, y, loss_fn, probe_steps, probe_lr)
    return Report(sorted(findings, key=lambda finding: _RANK[finding.severity]))


# --- values --------------------------------------------------------------------------------------------


def _shape(value: Tensor) -> tuple[int, ...]:
    return tuple(value.shape)


def _check_dtypes(model: nn.Module, x: Tensor) -> list[Finding]:
    # Only the input matters: the loss promotes an integer or float64 target by itself.
    param = next((p for p in model.parameters() if p.is_floating_point()), None)
    expected = param.dtype if param is not None else torch.get_default_dtype()
    if x.dtype == expected:
        return []
    return [Finding(
        "dtype_mismatch", "error",
        f"The input's dtype does not match the model's {expected} parameters: PyTorch layers need "
        "floating-point inputs of their own dtype.",
        evidence=f"x is {x.dtype}; the model's parameters are {expected}",
        fix=f"Convert once when building the data: x = x.to({expected}) (a NumPy float64 array stays float64 "
        "through torch.from_numpy; torch.tensor(a, dtype=torch.float32) converts).",
    )]


def _check_finite(model: nn.Module, x: Tensor, y: Tensor) -> list[Finding]:
    findings = []
    for name, value, code in (("x", x, "nonfinite_input"), ("y", y, "nonfinite_target")):
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            bad = ~torch.isfinite(value)
            first = tuple(int(i) for i in bad.nonzero()[0])
            findings.append(Finding(
                code, "error",
                f"{name} holds NaN or inf; every loss and gradient that touches them becomes NaN.",
                evidence=f"{int(bad.sum())} of {value.numel()} elements of {name} {_shape(value)} are not finite, "
                f"the first at index {first}",
                fix="Drop or fill the missing values before windowing (e.g. interpolate gaps in the series).",
            ))
    bad_params = [n for n, p in model.named_parameters() if not bool(torch.isfinite(p).all())]
    if bad_params:
        findings.append(Finding(
            "nonfinite_parameters", "error",
            "The model's parameters hold NaN or inf, so every prediction is NaN: usually an earlier run diverged.",
            evidence="non-finite: " + ", ".join(bad_params),
            fix="Re-create the model (or reload a good checkpoint) and train with a smaller lr or clip_grad_norm=1.0.",
        ))
    return findings


def _check_values(x: Tensor, y: Tensor, recurrent: bool) -> list[Finding]:
    findings = []
    if x.is_floating_point() and bool(torch.isfinite(x).all()):
        findings += _check_time_ramp(x, recurrent)
        findings += _check_scale("x", x, "unscaled_input")
        if x.dim() >= 2 and x.shape[0] > 1 and bool((x == x[:1]).all()):
            findings.append(Finding(
                "identical_inputs", "error",
                f"All {x.shape[0]} samples have the same input, so the model cannot tell them apart: "
                "the best it can do is predict the mean of the targets.",
                evidence=f"x {_shape(x)}: x[i] == x[0] for every i",
                fix="Check the windowing loop: each sample needs its own slice, e.g. series[i : i + window], "
                "not series[0 : window].",
            ))
    if y.is_floating_point() and bool(torch.isfinite(y).all()):
        findings += _check_scale("y", y, "unscaled_target")
    return findings


def _check_scale(name: str, value: Tensor, code: str) -> list[Finding]:
    if value.numel() == 0:
        return []
    largest = float(value.abs().max())
    if largest <= SCALE_LIMIT:
        return []
    as_input = code == "unscaled_input"
    return [Finding(
        code, "warning",
        f"{name} is not scaled: its values reach {largest:.4g}, far outside about [-1, 1]. "
        + ("tanh and sigmoid units saturate there, so gradients vanish for reasons that have nothing to do with time."
           if as_input else
           "With a default initialisation the output starts near 0, and with Adam's small steps the model spends "
           "its training crawling towards the targets' offset and scale instead of learning their shape."),
        evidence=f"{name} {_shape(value)} ranges over [{float(value.min()):.4g}, {float(value.max()):.4g}], "
        f"mean {float(value.double().mean()):.4g}, std {float(value.double().std()) if value.numel() > 1 else 0.0:.4g}",
        fix=f"Standardise with the training split's statistics: {name} = ({name} - mean) / std"
        + ("." if as_input else ", and undo it on the predictions: pred * std + mean."),
    )]


def _check_time_ramp(x: Tensor, recurrent: bool) -> list[Finding]:
    """A channel that rises (or falls) by the same step along a sample or time axis is a clock."""
    if x.dim() < 2:
        return []
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
    severity = "warning" if every_channel and recurrent else "info"
    channel, axis, step = ramps[0]
    where = "the input" if every_channel else f"feature {channel} of the input"
    return [Finding(
        "time_as_input", severity,
        f"{where.capitalize()} is a time index, not past values of the signal: it grows by a constant step. "
        "A model fed t can only learn a map t -> y on the times it saw; it has no past values to continue "
        "the wave from, and for unseen times (extrapolation) it has nothing to go on.",
        evidence=f"x {_shape(x)}, feature {channel}: along axis {axis} every step is {step:.4g}; "
        f"values run from {float(x[..., channel].min()):.4g} to {float(x[..., channel].max()):.4g}",
        fix="Feed windows of past values instead: inputs (N, window, 1) holding y[n - window : n], "
        "target y[n] (or y[n : n + horizon]).",
    )]


# --- the traced forward pass ---------------------------------------------------------------------------


@dataclass
class _Call:
    """One call of a recurrent layer during the traced forward pass."""

    name: str
    module: nn.RNNBase
    input_shape: tuple[int, ...]
    output: Tensor | None = None


@dataclass
class _Run:
    """The traced forward pass: the input leaf, the recurrent calls, and the prediction or the error."""

    x_leaf: Tensor
    calls: list[_Call]
    prediction: object = None
    error: Exception | None = None


def _traced_forward(model: nn.Module, x: Tensor) -> _Run:
    # A leaf that requires grad lets autograd say which inputs each prediction uses;
    # the model gets a non-leaf clone so that in-place operations in forward() still work.
    x_leaf = x.detach().clone().requires_grad_(x.is_floating_point())
    run = _Run(x_leaf, [])
    first_call: dict[int, _Call] = {}

    def before(name: str):
        def record(module: nn.Module, args: tuple) -> None:
            if id(module) not in first_call and args and isinstance(args[0], Tensor):
                first_call[id(module)] = _Call(name, module, _shape(args[0]))
                run.calls.append(first_call[id(module)])
        return record

    def after(module: nn.Module, args: tuple, output: object) -> None:
        call = first_call.get(id(module))
        if call is not None and call.output is None and isinstance(output, tuple) and isinstance(output[0], Tensor):
            call.output = output[0]

    handles = []
    for name, module in model.named_modules():
        if isinstance(module, nn.RNNBase):
            handles.append(module.register_forward_pre_hook(before(name)))
            handles.append(module.register_forward_hook(after))
    try:
        with eval_mode(model), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run.prediction = model(x_leaf.clone() if x_leaf.requires_grad else x_leaf)
    except Exception as error:  # the failure is what we report
        run.error = error
    finally:
        for handle in handles:
            handle.remove()
    return run


def _layer(call: _Call) -> str:
    module = call.module
    return (f"nn.{type(module).__name__}{f' {call.name!r}' if call.name else ''} "
            f"(input_size={module.input_size}, batch_first={module.batch_first})")


def _check_recurrent_calls(run: _Run, x: Tensor, y: Tensor) -> list[Finding]:
    findings = []
    prediction = run.prediction if isinstance(run.prediction, Tensor) else None
    for call in run.calls:
        shape, module = call.input_shape, call.module
        if shape and shape[-1] != module.input_size:
            fix = (
                f"Add the feature axis: x.unsqueeze(-1) turns (batch, seq) = {shape} into {shape + (1,)}."
                if module.input_size == 1 and len(shape) == 2 else
                f"Put the {module.input_size} features on the last axis: (batch, seq, {module.input_size}) "
                "with batch_first=True."
            )
            findings.append(Finding(
                "input_size_mismatch", "error",
                f"{_layer(call)} reads the LAST axis of its input as the features, but that axis has "
                f"{shape[-1]} entries, not {module.input_size}.",
                evidence=f"input to the layer: {shape}",
                fix=fix,
            ))
        if len(shape) == 2:
            findings += _unbatched(call, run, x, y, prediction)
        elif len(shape) == 3:
            findings += _batched_layout(call, y)
    return findings


def _looks_like_windows(x: Tensor) -> bool:
    """Rows that are sliding windows of one series: row i+1 is row i shifted by one."""
    return (
        x.dim() == 2 and x.shape[0] > 1 and x.shape[1] > 1 and x.is_floating_point()
        and bool(torch.allclose(x[1:, :-1], x[:-1, 1:]))
    )


def _unbatched(call: _Call, run: _Run, x: Tensor, y: Tensor, prediction: Tensor | None) -> list[Finding]:
    steps, features = call.input_shape
    reasons = []
    if call.module.batch_first:
        reasons.append("batch_first=True says a batch was meant")
    if run.error is not None:
        reasons.append("the forward pass then fails")
    if prediction is not None and y.dim() >= 1 and prediction.numel() < y.numel():
        reasons.append(f"the model returns {_shape(prediction)} ({prediction.numel()} value"
                       f"{'s' if prediction.numel() != 1 else ''}) for a target of {_shape(y)}")
    if _looks_like_windows(x):
        reasons.append("the rows of x are sliding windows (row i+1 is row i shifted by one), i.e. separate samples")
    findings = [Finding(
        "unbatched_input", "error" if reasons else "info",
        f"{_layer(call)} got a 2-D input {call.input_shape} and treats it as ONE unbatched sequence of "
        f"{steps} time steps with {features} feature{'s' if features != 1 else ''} each, not as a batch of "
        f"{steps} samples: the hidden state runs from each row into the next.",
        evidence="; ".join(reasons) if reasons else "the output gives one prediction per row, as for one long series",
        fix="For a batch of samples give the input the shape (batch, seq, feature) — e.g. windows of past values "
        "(N, window, 1) with batch_first=True — and predict from out[:, -1]. "
        "For one long series, say so explicitly: x.unsqueeze(0) -> (1, seq, feature).",
    )]
    if call.module.batch_first:
        findings.append(Finding(
            "batch_first_ignored", "warning",
            f"batch_first=True is ignored for a 2-D (unbatched) input: the layer's output is "
            f"(seq, hidden) = ({steps}, {call.module.hidden_size}), with no batch axis, so indexing written "
            "for (batch, seq, hidden), like out[:, -1, :], fails or reads the wrong axis.",
            evidence=f"{_layer(call)} got {call.input_shape}",
            fix="Pass a 3-D (batch, seq, feature) input, e.g. x.unsqueeze(0) for a single sequence.",
        ))
    return findings


def _batched_layout(call: _Call, y: Tensor) -> list[Finding]:
    shape, module = call.input_shape, call.module
    batch, seq = (shape[0], shape[1]) if module.batch_first else (shape[1], shape[0])
    findings = []
    if seq == 1 and batch > 1:
        findings.append(Finding(
            "single_step_sequences", "warning",
            f"{_layer(call)} sees {batch} sequences of ONE time step with {shape[-1]} features each: the "
            "recurrence never runs, so the layer is a feed-forward net on each sample.",
            evidence=f"input to the layer: {shape}",
            fix="Put the window on the time axis: (batch, window, 1) with batch_first=True, input_size=1.",
        ))
    # Targets are indexed by sample: if their count matches the layer's time axis
    # instead of its batch axis, the layout is the other one.
    per_step_targets = y.dim() >= 2 and _shape(y)[:2] == shape[:2]
    if batch > 1 and shape[0] != shape[1] and not per_step_targets and y.dim() >= 1 and y.shape[0] == seq:
        meant = "(batch, seq, feature)" if not module.batch_first else "(seq, batch, feature)"
        read = "(seq, batch, feature)" if not module.batch_first else "(batch, seq, feature)"
        fix = (
            "Create the layer with batch_first=True and take the last step as out[:, -1], or transpose the input "
            "with x.transpose(0, 1) (not x.view, which scrambles samples)."
            if not module.batch_first else
            "Drop batch_first=True (then the last step is out[-1]), or pass x.transpose(0, 1)."
        )
        findings.append(Finding(
            "layout_mismatch", "error",
            f"{_layer(call)} reads its input {shape} as {read}: a batch of {batch} sequences of {seq} steps. "
            f"But the target has {y.shape[0]} samples, matching the other axis, so {meant} was meant: "
            "the hidden state runs across your samples.",
            evidence=f"input to the layer {shape}, target {_shape(y)}",
            fix=fix,
        ))
    return findings


def _forward_error(run: _Run) -> Finding:
    error = run.error
    text = f"{type(error).__name__}: {error}"
    unbatched = [call for call in run.calls if len(call.input_shape) == 2]
    if isinstance(error, IndexError) and unbatched:
        fix = (f"{_layer(unbatched[0])} got the 2-D input {unbatched[0].input_shape}, so its output is 2-D "
               "(seq, hidden) and out[:, -1, :] has one index too many. Give the input a batch axis: "
               "(batch, seq, feature).")
    elif "input_size" in str(error) or "input.size(-1)" in str(error):
        fix = "The recurrent layer's input_size does not match the last axis of its input; see input_size_mismatch."
    else:
        fix = "Run sine_lab.diagnostics.trace_shapes(model, x, y) to see the shape entering and leaving each layer."
    return Finding("forward_error", "error", "The forward pass raised, so this setup cannot train at all.",
                   evidence=text, fix=fix)


# --- prediction against target -------------------------------------------------------------------------


def _check_shapes(prediction: Tensor, y: Tensor) -> list[Finding]:
    pred_shape, target_shape = _shape(prediction), _shape(y)
    if pred_shape == target_shape:
        return []
    try:
        broadcast = tuple(torch.broadcast_shapes(prediction.shape, y.shape))
    except RuntimeError:
        return [Finding(
            "shape_mismatch", "error",
            f"The prediction {pred_shape} and the target {target_shape} cannot be broadcast together: the loss raises.",
            evidence=f"prediction {pred_shape}, target {target_shape}",
            fix=f"Make the model return one prediction per target, shape {target_shape}.",
        )]
    size = math.prod(broadcast)
    if size == prediction.numel() == y.numel():
        return []  # only size-1 axes differ, e.g. (1,) against (1, 1): element-wise after all
    if prediction.numel() == 1:
        what = (f"every one of the {y.numel()} targets with the same single prediction. The best such a model can "
                f"do is predict mean(y) = {float(y.double().mean()):.4g}, and the MSE cannot fall below "
                f"var(y) = {float(y.double().var(unbiased=False)):.4g}")
    else:
        what = (f"{size} pairs of (prediction, target) instead of {y.numel()}: each prediction is scored against "
                "targets of other samples, so the loss is smallest when every prediction is the mean")
    same_count = prediction.numel() == y.numel()
    return [Finding(
        "broadcast_in_loss", "error",
        f"The prediction {pred_shape} and the target {target_shape} differ in shape, and the loss silently "
        f"broadcasts them to {broadcast}, comparing {what}. PyTorch only prints a UserWarning.",
        evidence=f"prediction {pred_shape}, target {target_shape}, broadcast {broadcast}",
        fix=(f"Both hold {y.numel()} values: make them the same shape, e.g. y = y.reshape{pred_shape} "
             "or return out.reshape(target shape) — check that the order of samples agrees."
             if same_count else
             f"Make the model return one prediction per target, shape {target_shape} (for a 2-D input to a "
             "recurrent layer, see unbatched_input)."),
    )]


def _check_loss(prediction: Tensor, y: Tensor, loss_fn: Callable, skip: bool) -> tuple[list[Finding], float | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            loss = loss_fn(prediction, y)
        except Exception as error:  # reported, unless the shape finding already explains it
            if skip:
                return [], None
            return [Finding("loss_error", "error", "The loss function raised on (prediction, target).",
                            evidence=f"{type(error).__name__}: {error}",
                            fix="Check the loss's expected shapes and dtypes against the prediction and target.")], None
    value = float(loss.detach().sum()) if isinstance(loss, Tensor) else float(loss)
    if math.isfinite(value):
        return [], value
    return [Finding(
        "nonfinite_loss", "error",
        f"The loss of the untrained model is already {value}: training would only produce NaN.",
        evidence=f"loss = {value}",
        fix="Look for NaN/inf in the data or parameters (see the other findings).",
    )], value


def _check_dependencies(run: _Run, x: Tensor, y: Tensor) -> list[Finding]:
    """Which inputs, and which recurrent outputs, the prediction depends on (by autograd)."""
    prediction = run.prediction
    if not (run.x_leaf.requires_grad and prediction.requires_grad and prediction.numel() > 0):
        return []
    outputs = [call.output for call in run.calls if call.output is not None and call.output.requires_grad]
    grads = torch.autograd.grad(prediction.sum(), [run.x_leaf, *outputs], allow_unused=True, retain_graph=True)
    findings = []
    grad_x = grads[0]
    if grad_x is None or bool((grad_x == 0).all()):
        findings.append(Finding(
            "input_ignored", "error",
            "The prediction does not depend on the input at all: whatever x holds, the output is the same, so "
            "the model can only learn the mean of the targets.",
            evidence="d(prediction)/dx is zero for every element of x",
            fix="Check forward(): the returned value must come from the layer's output on x "
            "(e.g. out[:, -1] or the returned h_n), not from an initial state or a constant.",
        ))
    calls = [call for call in run.calls if call.output is not None and call.output.requires_grad]
    for call, grad in zip(calls, grads[1:]):
        if grad is not None and len(call.input_shape) == 3:
            findings += _wrong_axis(call, grad)
    if (x.dim() == 3 and prediction.dim() >= 1 and prediction.shape[0] == x.shape[0] == y.shape[0] > 1
            and grad_x is not None):
        (last,) = torch.autograd.grad(prediction[-1].sum(), run.x_leaf, allow_unused=True, retain_graph=True)
        if last is not None:
            others = int((last[:-1].abs().flatten(1).sum(1) > 0).sum())
            if others:
                findings.append(Finding(
                    "samples_mixed", "error",
                    f"The prediction for your last sample depends on the inputs of {others} other samples: the model "
                    "mixes samples along the first axis of x (treating it as time, or reshaping with view where a "
                    "transpose was meant), so information leaks between samples.",
                    evidence=f"x {_shape(x)}: d(prediction[-1])/d(x[i]) is non-zero for {others} of the "
                    f"{x.shape[0] - 1} other samples i",
                    fix="Keep each sample on its own row of the batch axis: use x.transpose/permute to change the "
                    "layout (never view/reshape across axes), or batch_first=True.",
                ))
    return findings


def _wrong_axis(call: _Call, grad: Tensor) -> list[Finding]:
    used = grad.abs().sum(-1) > 0
    if not call.module.batch_first:
        used = used.T  # to (batch, seq)
    batch, seq = used.shape
    rows = used.any(1).nonzero().flatten().tolist()
    if batch < 2 or len(rows) != 1 or not bool(used.any()):
        return []
    row, steps = rows[0], int(used[rows[0]].sum())
    layout, wrong, right = (
        ("(batch, seq, hidden)", "out[-1]", "out[:, -1]") if call.module.batch_first
        else ("(seq, batch, hidden)", "out[:, -1]", "out[-1]")
    )
    return [Finding(
        "wrong_axis", "error",
        f"The prediction reads the output of {_layer(call)} for only sequence {row} of the {batch} in the batch, "
        f"at {steps} of its {seq} time steps: the index picks the batch axis, not the time axis. In the {layout} "
        f"layout, {wrong} is the last sequence; the last time step is {right}.",
        evidence=f"the layer's output has shape {_shape(call.output)}; the prediction depends on batch entry {row} only",
        fix=f"Take the last time step of every sequence: {right}.",
    )]


# --- the training probe --------------------------------------------------------------------------------


def _probe(model: nn.Module, x: Tensor, y: Tensor, loss_fn: Callable, steps: int, lr: float) -> list[Finding]:
    # A copy, and a forked RNG: the user's model and random streams stay as they were.
    with torch.random.fork_rng(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = copy.deepcopy(model)
        probe.train()
        optimizer = torch.optim.Adam(probe.parameters(), lr=lr)
        for step in range(1, steps + 1):
            optimizer.zero_grad()
            loss = loss_fn(probe(x), y)
            if not bool(torch.isfinite(loss).all()):
                return [Finding(
                    "nonfinite_loss", "error",
                    f"During the probe the loss became {float(loss.detach().sum())} at Adam step {step} (lr={lr}).",
                    evidence=f"finite loss for {step - 1} steps, then {float(loss.detach().sum())}",
                    fix="Use a smaller learning rate or clip_grad_norm=1.0, and scale inputs and targets.",
                )]
            loss.backward()
            optimizer.step()
        probe.eval()
        with torch.no_grad():
            prediction = probe(x)
            final = float(loss_fn(prediction, y).sum())
    target_std = float(y.double().std()) if y.numel() > 1 else 0.0
    spread = float(prediction.double().std()) if prediction.numel() > 1 else 0.0
    if target_std == 0 or spread >= CONSTANT_SPREAD * target_std:
        return []
    return [Finding(
        "constant_output", "warning",
        f"After {steps} Adam steps (lr={lr}) on a copy of the model, its output is nearly constant over the batch: "
        "nothing it computes tells the samples apart, so at best it learns the mean of the targets.",
        evidence=f"prediction {_shape(prediction)} spans [{float(prediction.min()):.4g}, {float(prediction.max()):.4g}], "
        f"std {spread:.3g} = {spread / target_std:.1%} of the target's std {target_std:.3g}; "
        f"loss {final:.4g} vs var(y) = {float(y.double().var(unbiased=False)):.4g}",
        fix="Fix the errors and warnings above first; if there are none, scale the data, train longer or with a "
        "larger lr, and check that each input really determines its target.",
    )]
