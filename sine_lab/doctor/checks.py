"""The doctor's checks, one function each under the :func:`~sine_lab.doctor.registry.check` decorator.

Registration order is report order within a severity: values first, then how the
recurrent layers read their input, the forward pass and the loss, what the prediction
depends on, what one call leaves for the next, and the training probe.
"""

from __future__ import annotations

import copy
import math
import re
import warnings
from types import SimpleNamespace

import torch
import torch.nn as nn
from torch import Tensor

from ..tracing import LayerCall
from .context import Comparison, Setup, projected, shape_of
from .registry import Issue, check

__all__ = ["SCALE_LIMIT", "INPUT_LIMIT", "TARGET_NOTE_LIMIT", "TARGET_LIMIT", "CONSTANT_SPREAD"]

# The doctor's scaling limits, measured once by scripts/doctor_scaling.py (results/doctor_scaling*.json): one
# LSTM(50) trained with a tutorial's recipe on one airline-like series (offset, all positive) rescaled to reach a
# peak of 7, 20, 60 or 611 (the series as is), 3 seeds, test RMSE of the raw side over the standardised one, each at
# its best stored budget (picked on the test error). Every run but one is worse than persistence. One rule for both
# sides: up to a peak of 60 no seed was more than 8 % worse raw at the best budget; at 611 every seed was; nothing
# between was measured. So a warning beyond 60; below it only a note, a convention (nothing was measured below 7).
# tests/test_doctor.py recomputes this from the stored files, and the README's numbers with it.
SCALE_LIMIT = 5.0
INPUT_LIMIT = 60.0
TARGET_NOTE_LIMIT = 7.0
TARGET_LIMIT = 60.0

# After the probe, predictions whose spread is below this fraction of the target's
# standard deviation count as constant: the model has learnt (at most) the mean.
CONSTANT_SPREAD = 0.1


def _layer(call: LayerCall) -> str:
    module = call.module
    return (f"nn.{type(module).__name__}{f' {call.name!r}' if call.name else ''} "
            f"(input_size={module.input_size}, batch_first={module.batch_first})")


# --- checks on the values ------------------------------------------------------------------------------


@check("dtype_mismatch", "error",
       "the forward pass fails on the input's dtype (e.g. float64 or int64 into float32 layers)", needs="trace")
def _dtype_mismatch(setup: Setup) -> list[Issue]:
    # Only the input matters: the loss promotes an integer or float64 target by itself. And only when the
    # forward pass fails and the conversion it advises makes it run: integer token ids into nn.Embedding are
    # right, and a model that fails for another reason would fail on converted ids too (an Embedding raises).
    param = next((p for p in setup.model.parameters() if p.is_floating_point()), None)
    expected = param.dtype if param is not None else torch.get_default_dtype()
    if setup.x.dtype == expected or setup.trace.error is None or isinstance(setup.call(setup.x.to(expected)),
                                                                           Exception):
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
        evidence=f"{int(bad.sum())} of {value.numel()} elements of {name} {shape_of(value)} are not finite, "
        f"the first at index {first}",
        fix="Drop or fill the missing values before windowing (e.g. interpolate gaps in the series).",
    )]


@check("nonfinite_input", "error", "the input holds NaN or inf")
def _nonfinite_input(setup: Setup) -> list[Issue]:
    return _nonfinite("x", setup.x)


@check("nonfinite_target", "error", "the target holds NaN or inf")
def _nonfinite_target(setup: Setup) -> list[Issue]:
    return _nonfinite("y", setup.y)


@check("nonfinite_parameters", "error", "a model parameter holds NaN or inf")
def _nonfinite_parameters(setup: Setup) -> list[Issue]:
    bad = [n for n, p in setup.model.named_parameters() if not bool(torch.isfinite(p).all())]
    if not bad:
        return []
    return [Issue(
        "The model's parameters hold NaN or inf, so every prediction is NaN: usually an earlier run diverged.",
        evidence="non-finite: " + ", ".join(bad),
        fix="Re-create the model (or reload a good checkpoint) and train with a smaller lr or ClipGradNorm(1.0).",
    )]


@check("time_as_input", "warning",
       "the input is a monotonic, evenly spaced time index rather than past values of the signal, and the target "
       "is a value of a series x does not give (or one of its channels continued), not a function of the inputs")
def _time_as_input(setup: Setup) -> list[Issue]:
    """A channel that rises (or falls) by the same step along a sample or time axis is a clock. It is reported
    only where the target looks like a future value of a series: x holds nothing but clocks and the target is no
    exact function of them, or the target continues another channel of x (the shift test). A target that is an
    exact function of the current inputs (a regression on covariates, one of which rises steadily) is not."""
    x, y = setup.x, setup.y
    if not setup.finite_x or x.dim() < 2:
        return []
    if x.shape == y.shape and bool((x == y).all()):
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
    ramps = [(channel, axis, step) for channel, axis, step in ramps if not _continued(x[..., channel], setup.y, axis)]
    if not ramps or _exact_function_of_inputs(x, y):
        return []
    channels = x.shape[-1]
    clocks = {channel for channel, _, _ in ramps}
    continued = [c for c in range(channels) if c not in clocks and _follows_channel(setup, c)]
    every_channel = len(clocks) == channels
    if not every_channel and not continued:
        return []  # covariates beside a clock, and a target that continues none of them: a regression
    channel, axis, step = ramps[0]
    where = "the input" if channels == 1 else (f"every one of the {channels} input channels" if every_channel
                                                else f"feature {channel} of the input")
    if channels == 1:
        fix = ("Feed windows of past values instead: inputs (N, window, 1) holding y[n - window : n], target y[n] "
               "(or y[n : n + horizon]).")
    elif every_channel:
        fix = (f"All {channels} channels are clocks: add the past values of the series you forecast as a channel, "
               f"windows (N, window, {channels + 1}) with y[n - window : n] beside them, and keep the clocks only "
               "inside the range trained on.")
    else:
        fix = (f"Keep the other {channels - 1} channel{'s' if channels > 2 else ''} (the target continues feature "
               f"{continued[0]}, past values of the series). A raw clock makes every later time an extrapolation: "
               "encode it as bounded features instead (sin and cos of the phase within a known period, or the time "
               "since the window's start), or test only on times inside the range trained on.")
    return [Issue(
        f"{where[0].upper() + where[1:]} is a time index, not past values of the signal: it grows by a constant "
        "step. A model fed t can learn a map t -> y on the times it saw; later times lie outside the range it was "
        "trained on, so predicting them is extrapolation, and a failure there cannot be told apart from "
        "out-of-range input. Past values of the signal stay inside the range they were trained on.",
        evidence=f"x {shape_of(x)}, feature {channel}: along axis {axis} every step is {step:.4g}; "
        f"values run from {float(x[..., channel].min()):.4g} to {float(x[..., channel].max()):.4g}; y is no exact "
        + ("linear function of x's features" if x.dim() == 2 else "linear function of x's channels at any one step")
        + (f"; y continues feature {continued[0]}" if continued else ""),
        fix=fix,
        severity=None if every_channel and setup.recurrent else "info",
    )]


def _exact_function_of_inputs(x: Tensor, y: Tensor) -> bool:
    """Whether y is an exact linear function (least squares with an intercept, residual within 1e-3 of y's
    spread) of the inputs at one step: x's channels at one time step for each step of a 3-D x (samples first), or
    x's features for a 2-D x. Then y is a regression on the current inputs, not a value of a series to come."""
    if not y.is_floating_point() or not bool(torch.isfinite(y).all()) or y.dim() < 1 or y.shape[0] != x.shape[0]:
        return False
    target = y.reshape(y.shape[0], -1).double()
    spread = float(target.std()) if target.numel() > 1 else 0.0
    if spread == 0:
        return False
    steps = [x.double()] if x.dim() == 2 else [x[:, t].double().reshape(x.shape[0], -1) for t in range(x.shape[1])]
    for inputs in steps:
        if inputs.shape[0] < inputs.shape[1] + 3:
            return False  # too few samples: any target would fit
        design = torch.cat([inputs, torch.ones(inputs.shape[0], 1, dtype=torch.float64)], 1)
        solution = torch.linalg.lstsq(design, target, driver="gelsd").solution  # SVD: rank-deficient inputs too
        if float((design @ solution - target).pow(2).mean().sqrt()) <= 1e-3 * spread:
            return True
    return False


def _follows_channel(setup: Setup, channel: int) -> bool:
    """The shift test for one channel of x: the target is that channel shifted by k >= 1 steps (per-step targets,
    :attr:`Setup.per_step_shift`), or each sample's first target value follows the channel's value at the sample's
    last step, within half the channel's spread and 2.5 times closer than another sample's last value."""
    x, y = setup.x, setup.y
    if x.dim() != 3 or not y.is_floating_point() or y.dim() < 1 or not bool(torch.isfinite(y).all()):
        return False
    if setup.per_step_shift is not None:
        return True
    axes = setup.sample_axes
    samples = x if axes is None or axes[0] == 0 else x.transpose(0, 1)
    if y.shape[0] != samples.shape[0] or samples.shape[0] < 3:
        return False
    values = samples[..., channel].double()
    spread = float(values.std())
    if spread == 0:
        return False
    last, first = values[:, -1], y.reshape(y.shape[0], -1)[:, 0].double()
    gap, other = float((first - last).abs().mean()), float((first - last.roll(1)).abs().mean())
    return gap < 0.5 * spread and other > 2.5 * gap


def _continued(values: Tensor, y: Tensor, axis: int, farthest: int = 8) -> bool:
    """Whether the target continues the series ``values`` (one channel of x) along ``axis``: the target laid out
    like it is the same series k = 1..``farthest`` steps on. Then the ramp is past values of the signal (a
    series that itself rises linearly), not a clock."""
    if not y.is_floating_point() or not bool(torch.isfinite(y).all()):
        return False
    target = y.squeeze(-1) if y.dim() == values.dim() + 1 and y.shape[-1] == 1 else y
    if target.shape != values.shape:
        return False
    steps = values.shape[axis]
    return any(bool(torch.allclose(target.narrow(axis, 0, steps - k).double(),
                                   values.narrow(axis, k, steps - k).double(), rtol=1e-4, atol=1e-6))
               for k in range(0, min(farthest, steps - 1) + 1))


def _measured_once(side: str, slower: str) -> str:
    # Short on purpose: the measured numbers and their caveats (one offset, positive series; runs mostly worse
    # than persistence; budgets picked on the test error) live in the README section the message names.
    return (f"In one small measurement (README, 'Checking your own setup'), a raw {side} slowed the start of "
            f"training at {slower}; its best result was clearly worse only at the largest peak tried.")


def _unscaled(name: str, value: Tensor, why: str, fix: str, limit: float, warn_above: float) -> list[Issue]:
    # Beyond ``limit`` a finding: a note up to ``warn_above``, a warning beyond it.
    if not value.is_floating_point() or not bool(torch.isfinite(value).all()):
        return []
    largest = float(value.abs().max())
    if largest <= limit:
        return []
    spread = float(value.double().std()) if value.numel() > 1 else 0.0
    return [Issue(
        f"{name} is not scaled: its values reach {largest:.4g}, far outside about [-1, 1]. {why}",
        evidence=f"{name} {shape_of(value)} ranges over [{float(value.min()):.4g}, {float(value.max()):.4g}], "
        f"mean {float(value.double().mean()):.4g}, std {spread:.4g}",
        fix=fix,
        severity="info" if largest <= warn_above else None,
    )]


_INPUT_WHY = _measured_once("input", "every peak (largest value) tried")


@check("unscaled_input", "warning", f"input values beyond ±{INPUT_LIMIT:g} (noted from ±{SCALE_LIMIT:g}): measured "
                                    "once, at the best budget a raw input was not clearly worse up to a peak of 60, "
                                    "every seed worse at 611; nothing between was measured")
def _unscaled_input(setup: Setup) -> list[Issue]:
    return _unscaled("x", setup.x, _INPUT_WHY,
                     "Standardise with the training split's statistics: x = (x - mean) / std.",
                     SCALE_LIMIT, INPUT_LIMIT)


@check("identical_inputs", "error", "every sample in the batch has the same input, so only the mean can be learnt")
def _identical_inputs(setup: Setup) -> list[Issue]:
    x = setup.x
    if not setup.finite_x or x.dim() < 2 or x.shape[0] < 2 or not bool((x == x[:1]).all()):
        return []
    return [Issue(
        f"All {x.shape[0]} samples have the same input, so the model cannot tell them apart: "
        "the best it can do is predict the mean of the targets.",
        evidence=f"x {shape_of(x)}: x[i] == x[0] for every i",
        fix="Check the windowing loop: each sample needs its own slice, e.g. series[i : i + window], "
        "not series[0 : window].",
    )]


@check("target_in_input", "warning", "each sample's input holds every value of its own target (token ids: every "
       "target step at one fixed position of the input, in every sample)")
def _target_in_input(setup: Setup) -> list[Issue]:
    """A target the model can copy from its own input: teacher forcing without the shift, a target column
    left among the features, windows that include the value they predict. Floats: every target value occurs
    somewhere in the sample's own input. Token ids repeat by chance, so for them every target step must equal
    one fixed position of the input in every sample (a next-token target, x shifted by one, is not: its last
    step is in no input; nor is the whole input in another order, a reversal task). A target flattened to
    (samples * steps, ...) is read per sample."""
    x, y = setup.x, setup.y
    floats = x.is_floating_point() and y.is_floating_point()
    ids = not (x.is_floating_point() or y.is_floating_point() or x.is_complex() or y.is_complex()
               or x.dtype == torch.bool or y.dtype == torch.bool)
    if not (floats or ids) or x.dim() < 2 or y.dim() < 1:
        return []
    if x.shape == y.shape and bool((x == y).all()):
        return []  # an autoencoder: reproducing the input is the task
    samples = x.shape[0]
    if y.shape[0] != samples and not (y.shape[0] > samples and y.shape[0] % samples == 0):
        return []
    if samples < (2 if floats else 8) or y.unique().numel() < 2:
        return []  # ids: enough samples that one position matching in all of them is no coincidence
    checked = min(samples, 64)  # enough to be sure, and bounded: every target value against every input value
    xs, ys = x[:checked].reshape(checked, -1), y.reshape(samples, -1)[:checked]
    flattened = "" if y.shape[0] == samples else f" (read as {samples} samples of {ys.shape[1]} values each)"
    if floats:
        if not bool((ys.unsqueeze(-1) == xs.unsqueeze(1)).any(-1).all()):
            return []
        evidence = (f"in all of the first {checked} samples, every target value occurs exactly in the sample's "
                    f"input (x {shape_of(x)}, y {shape_of(y)}{flattened})")
    else:
        matches = []
        for step in range(ys.shape[1]):
            found = (xs == ys[:, step:step + 1]).all(0)  # (input positions,): equal in every sample
            if not bool(found.any()):
                return []
            matches.append(found)
        single = [int(found.nonzero()[0]) for found in matches if int(found.sum()) == 1]
        if len(single) == len(matches) == xs.shape[1] and len(set(single)) == len(single):
            return []  # the whole input in another order (reversed, rotated): that rearrangement is the task
        per_sample = tuple(x.shape[1:])

        def where(position: int) -> str:
            index = [int(i) for i in torch.unravel_index(torch.tensor(position), per_sample)]
            return f"x[:, {', '.join(map(str, index))}]"
        steps = len(matches)
        # A block of the input, in order (a decoder fed the target itself), if there is one; else the first match.
        block = next((start for start in range(xs.shape[1] - steps + 1)
                      if all(bool(found[start + step]) for step, found in enumerate(matches))), None)
        if block is not None:
            shown = (f"the target equals a block of each sample's input in order, steps 0..{steps - 1} = "
                     f"{where(block)} .. {where(block + steps - 1)}" if steps > 1 else
                     f"the target equals {where(block)}")
        else:
            positions = [int(found.nonzero()[0]) for found in matches]
            shown = "; ".join([f"target step {step} = {where(p)}" for step, p in enumerate(positions)][:3]
                              + ([f"... step {steps - 1} = {where(positions[-1])}"] if steps > 3 else []))
        evidence = (f"in all of the first {checked} samples, each of the {steps} target step"
                    f"{'s' if steps != 1 else ''} equals one fixed position of the input: {shown} "
                    f"(x {shape_of(x)}, y {shape_of(y)}{flattened})")
    return [Issue(
        "Every value of each sample's target already appears in that sample's own input, so the model can "
        "learn to copy it: training looks excellent and predicting the future without those values fails. "
        "Typical causes: a decoder fed the target sequence itself instead of the target shifted by one step "
        "(teacher forcing gives the decoder the previous true value, never the one it must predict); the "
        "target column left among the input features; windows that include the value they predict.",
        evidence=evidence,
        fix="Feed the decoder [start token or last observed value, target[:-1]] (shifted by one), drop the target "
        "from the features, and end each input window before the value it predicts.",
    )]


_TARGET_WHY = _measured_once("target", "every peak (largest value) tried but the smallest")


@check("unscaled_target", "warning", f"target values beyond ±{TARGET_LIMIT:g} (noted from ±{TARGET_NOTE_LIMIT:g}): "
                                     "measured once, at the best budget a raw target was not clearly worse up to a "
                                     "peak of 60, every seed worse at 611; nothing between was measured")
def _unscaled_target(setup: Setup) -> list[Issue]:
    return _unscaled("y", setup.y, _TARGET_WHY,
                     "Standardise with the training split's statistics: y = (y - mean) / std, and undo it on the "
                     "predictions: pred * std + mean.",
                     TARGET_NOTE_LIMIT, TARGET_LIMIT)


# --- checks on how the recurrent layers read their input ------------------------------------------------


@check("input_size_mismatch", "error",
       "a recurrent layer's input has a last dimension other than its input_size", needs="trace")
def _input_size_mismatch(setup: Setup) -> list[Issue]:
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
def _unbatched_input(setup: Setup) -> list[Issue]:
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
            reasons.append(f"the model returns {shape_of(prediction)} ({prediction.numel()} value"
                           f"{'s' if prediction.numel() != 1 else ''}) for a target of {shape_of(y)}")
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
            + ("For one long series, say so explicitly: x.unsqueeze(0) -> (1, seq, feature)."
               if call.module.batch_first else
               "For one long series, say so explicitly: x.unsqueeze(1) -> (seq, 1, feature) (this layer has "
               "batch_first=False; x.unsqueeze(0) would make seq sequences of one step each)."),
            severity=None if reasons else "info",
        ))
    return issues


@check("batch_first_ignored", "warning", "batch_first=True has no effect because the input is 2-D (unbatched)",
       needs="trace")
def _batch_first_ignored(setup: Setup) -> list[Issue]:
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
def _single_step_sequences(setup: Setup) -> list[Issue]:
    issues = []
    for call in setup.trace.recurrent_calls:
        if len(call.input_shape) != 3:
            continue
        batch, seq = _batch_and_seq(call)
        if seq == 1 and batch > 1:
            if setup.state_chained(call.module):
                continue  # called step by step, each call from the state the one before returned: it recurs
            started = _started_from_the_input(setup, call)
            if started is None:
                message = (f"{_layer(call)} sees {batch} sequences of ONE time step with {call.input_shape[-1]} "
                           "features each. If it is a decoder fed one step at a time from a state carried over, "
                           "that is right; the doctor cannot follow the samples through this model to tell, so a "
                           "note only.")
            elif started:
                message = (f"{_layer(call)} sees {batch} sequences of ONE time step, but it starts from an initial "
                           "state computed from the input (an encoder's, say), so the recurrence runs through that "
                           "state: right for a decoder fed one step at a time; a note only.")
            else:
                message = (f"{_layer(call)} sees {batch} sequences of ONE time step with {call.input_shape[-1]} "
                           "features each: the recurrence never runs, so the layer is a feed-forward net on each "
                           "sample.")
            issues.append(Issue(
                message,
                evidence=f"input to the layer: {call.input_shape}"
                + ("; its initial state depends on the input" if started else ""),
                fix=("If the window was meant to be read step by step, put it on the time axis: "
                     if started is not False else "Put the window on the time axis: ") + _time_axis_layout(call),
                severity="info" if started is not False else None,
            ))
    return issues


def _time_axis_layout(call: LayerCall) -> str:
    """The layout that puts a window on the time axis, keeping every input channel the layer has."""
    features = call.input_shape[-1]
    rows = call.input.detach().reshape(-1, features) if call.input is not None else None
    window = rows is not None and rows.shape[0] > 1 and features > 1 and rows.is_floating_point() \
        and bool(torch.allclose(rows[1:, :-1], rows[:-1, 1:]))  # the features are a sliding window of one series
    if features == 1 or window:
        return "(batch, window, 1) with batch_first=True, input_size=1."
    return (f"(batch, window, channels) with batch_first=True and input_size = the channels per step ({features} "
            "if these features are channels; 1 only if they are a window of one series), or call the layer once "
            "per step from the state the previous call returned.")


def _started_from_the_input(setup: Setup, call: LayerCall) -> bool | None:
    """Whether the recurrent layer of ``call`` is given an initial state that depends on the input; ``None`` when
    the doctor cannot tell (it cannot follow the samples: no differentiable path from x or its embedding)."""
    flow = setup.flow
    label = _layer(call).split(" (")[0]
    for layer in setup.layer_calls:
        if layer.recurrent and layer.label.startswith(label + " (") and layer.initial_state is not None:
            if not layer.initial_state.requires_grad:
                return False
            if flow is None:
                return None
            (grad,) = torch.autograd.grad(projected(layer.initial_state), [flow.leaf], retain_graph=True,
                                          allow_unused=True)
            return grad is not None and bool((grad != 0).any())
    return False


@check("layout_mismatch", "error",
       "the targets suggest (batch, seq, feature) but the layer reads (seq, batch, feature), or the reverse",
       needs="trace")
def _layout_mismatch(setup: Setup) -> list[Issue]:
    return [issue for call in setup.trace.recurrent_calls if (issue := _mismatch(setup, call)) is not None]


def _mismatch(setup: Setup, call: LayerCall) -> Issue | None:
    y = setup.y
    shape, module = call.input_shape, call.module
    if len(shape) != 3:
        return None
    batch, seq = _batch_and_seq(call)
    # Targets are indexed by sample: if their count matches the layer's time axis
    # instead of its batch axis, the layout is the other one.
    per_step_targets = y.dim() >= 2 and shape_of(y)[:2] == shape[:2]
    by_shape = (batch > 1 and shape[0] != shape[1] and not per_step_targets and y.dim() >= 1
                and y.shape[0] == seq)
    smoothness = None if by_shape else _continuation(setup, call) or _smoothness(setup, call)
    if not by_shape and smoothness is None:
        return None
    meant = "(batch, seq, feature)" if not module.batch_first else "(seq, batch, feature)"
    read = "(seq, batch, feature)" if not module.batch_first else "(batch, seq, feature)"
    # Where forward() picks a step of the output, the flag changes which index is the last step; where it reads
    # every step (flattens them, a head on each), the flag alone is the fix.
    last_only = not _reads_every_step(setup, call)
    fix = (
        "Create the layer with batch_first=True"
        + (" and take the last step as out[:, -1]" if last_only else "")
        + ", or transpose the input with x.transpose(0, 1) (not x.view, which scrambles samples)."
        if not module.batch_first else
        "Drop batch_first=True" + (" (then the last step is out[-1])" if last_only else "")
        + ", or pass x.transpose(0, 1)."
    )
    if by_shape:
        why = f"the target has {y.shape[0]} samples, matching the other axis"
        evidence = f"input to the layer {shape}, target {shape_of(y)}"
    else:
        why, evidence = smoothness
    return Issue(
        f"{_layer(call)} reads its input {shape} as {read}: a batch of {batch} sequences of {seq} steps. "
        f"But {why}, so {meant} was meant: the hidden state runs across your samples.",
        evidence=evidence,
        fix=fix,
    )


@check("layout_undecided", "info",
       "neither the shapes nor the values tell which axis of a recurrent layer's input is time: the layout was not "
       "checked (the target laid out like the input, or as many sequences as steps, and values that are neither "
       "smooth along one axis nor continued by the target)", needs="trace")
def _layout_undecided(setup: Setup) -> list[Issue]:
    issues = []
    for call in setup.trace.recurrent_calls:
        shape, module, y = call.input_shape, call.module, setup.y
        if len(shape) != 3 or _read(setup, call) is None or _mismatch(setup, call) is not None:
            continue
        if not ((y.dim() >= 2 and shape_of(y)[:2] == shape[:2]) or shape[0] == shape[1]):
            continue  # the target's sample count tells the batch axis
        flipped = SimpleNamespace(module=SimpleNamespace(batch_first=not module.batch_first), input=call.input,
                                  input_shape=shape)
        if _continuation(setup, flipped) or _smoothness(setup, flipped):
            continue  # the values confirm the layer's reading
        batch, seq = _batch_and_seq(call)
        time_axis = 1 if module.batch_first else 0
        issues.append(Issue(
            f"Could not tell which axis is time for {_layer(call)}: it reads axis {time_axis} ({seq}) of its input "
            f"{shape} as time and axis {1 - time_axis} ({batch}) as the batch, and nothing here confirms or "
            "contradicts that. The layout check (layout_mismatch) therefore says nothing about this layer.",
            evidence=f"input to the layer {shape}, target {shape_of(y)}: "
            + ("the target is laid out like the input" if shape[0] != shape[1] else
               "as many sequences as steps")
            + "; the values are neither smooth along one axis nor continued by the target along one (quantised, "
            "periodic or random data defeat both)",
            fix=f"Check by hand that x is {'(batch, seq, feature)' if module.batch_first else '(seq, batch, feature)'}"
            f" as the layer reads it (batch_first={module.batch_first}); if your data are (batch, seq, feature), "
            f"{'keep' if module.batch_first else 'pass'} batch_first=True.",
        ))
    return issues


def _reads_every_step(setup: Setup, call: LayerCall) -> bool:
    """Whether the prediction reads the layer's per-step output at every step of every sequence (flattened, or a
    head on each step), so that no step is picked by an index like out[:, -1]."""
    if call.output is None or not call.output.requires_grad or call.output.dim() != 3 \
            or not isinstance(setup.prediction, Tensor) or not setup.prediction.requires_grad:
        return False
    (grad,) = setup.gradients([call.output])
    return grad is not None and bool(grad.ne(0).any(-1).all())


# A sampled signal changes little from one step to the next; a batch of samples drawn from different places
# does not. Along the axis a layer reads as time, steps this many times larger than along the other axis,
# which itself moves by less than SMOOTH of the values' spread per step, are the data's evidence that the two
# axes are swapped. It needs no shapes, so it works for a square input (batch = window length) too.
SMOOTH, JUMPY = 0.3, 4.0

# The target's evidence is sharper than the input's roughness (it compares each sample with its own target, not
# neighbouring samples, so noise on the series does not blur it): along the time axis the target must follow the
# input's last step within FOLLOWS of the values' spread, and CLEARER times closer than along the other axis.
# Between two unrelated values the mean gap is about 1.1 spreads.
FOLLOWS, CLEARER = 0.5, 2.5


def _read(setup: Setup, call: LayerCall) -> tuple[Tensor, float] | None:
    """What the layer reads, as float64, and its standard deviation, when it is values of x (x itself, or a slice
    of it: values of the series, which the data's evidence is about, not features computed from them) in a 3-D,
    finite, varied tensor of at least 3 steps and 3 samples; else ``None``."""
    read = call.input
    if read is None or read.dim() != 3 or not read.is_floating_point() or min(read.shape[:2]) < 3:
        return None
    read = read.detach().double()
    if not (setup.finite_x and bool(torch.isin(read.reshape(-1)[:256].contiguous(),
                                                             setup.x.detach().double().reshape(-1).contiguous()).all())):
        return None
    spread = float(read.std())
    return (read, spread) if spread > 0 else None


def _smoothness(setup: Setup, call: LayerCall) -> tuple[str, str] | None:
    """(why, evidence) when what the layer reads is far rougher along its time axis than along its batch axis;
    ``None`` otherwise."""
    read = _read(setup, call)
    if read is None:
        return None
    values, spread = read
    time_axis = 1 if call.module.batch_first else 0
    other_axis = 1 - time_axis
    along_time, along_other = (float(values.diff(dim=axis).abs().mean()) / spread
                               for axis in (time_axis, other_axis))
    if not (along_other < SMOOTH and along_time > JUMPY * along_other):
        return None
    return (f"the data change smoothly along axis {other_axis} and jump along axis {time_axis}, the one it reads "
            "as time",
            f"input to the layer {call.input_shape}: mean step {along_other:.2f} of the values' spread along axis "
            f"{other_axis}, {along_time:.2f} along axis {time_axis}")


def _continuation(setup: Setup, call: LayerCall) -> tuple[str, str] | None:
    """(why, evidence) when the target says which axis of x is time and the layer reads the other one.

    Where shapes cannot tell (a batch as long as the window, or a target laid out like the input), the values
    can: a forecast's first value follows the input's last step along the time axis, and a per-step target is
    the input shifted by one step along it. Both are measured along each axis of what the layer reads (values of
    x, (samples, time, features) in one of the two layouts), as the mean gap in units of the values' spread (the
    best over the features, one of which may be the target's); the axis whose gap is within FOLLOWS of the
    spread and CLEARER times smaller than the other's is time. A target equal to the input (an autoencoder) says
    nothing about time, nor does a sliding-window batch as long as its windows, which reads the same either way.
    """
    read, y = _read(setup, call), setup.y
    if read is None or not y.is_floating_point() or y.dim() < 1 or not bool(torch.isfinite(y).all()):
        return None
    x, spread = read
    if y.shape == x.shape and bool((y == x).all()):
        return None
    gaps = [_gap_along(x, y.double(), time_axis) for time_axis in (0, 1)]
    if None in gaps:
        return None
    read = 1 if call.module.batch_first else 0
    (gap_time, how), (gap_read, _) = gaps[1 - read], gaps[read]
    if not (gap_time / spread < FOLLOWS and gap_read > CLEARER * gap_time):
        return None
    return (f"the target {how} along axis {1 - read}, not along axis {read}, the one it reads as time",
            f"input to the layer {call.input_shape}, target {shape_of(y)}: mean gap {gap_time / spread:.2f} of the "
            f"values' spread along axis {1 - read}, {gap_read / spread:.2f} along axis {read}")


def _gap_along(x: Tensor, y: Tensor, time_axis: int) -> tuple[float, str] | None:
    """How far the target is from continuing x (samples, time, features) read with time on ``time_axis`` of x:
    (the smaller mean gap, what it measured); ``None`` when y's shape does not fit that reading."""
    samples, steps = x.shape[1 - time_axis], x.shape[time_axis]
    last = x.select(time_axis, -1)  # (samples, features)
    if y.dim() == x.dim() and y.shape[:2] == x.shape[:2]:
        # Laid out like x: its first step per sample, and the whole of it against x shifted by one step.
        first = y.select(time_axis, 0).reshape(samples, -1)[:, :1]
        shifted = min(float((y.narrow(time_axis, 0, steps - 1)[..., :1] - x.narrow(time_axis, 1, steps - 1)[
            ..., feature : feature + 1]).abs().mean()) for feature in range(x.shape[-1]))
    elif y.shape[0] == samples:
        first, shifted = y.reshape(samples, -1)[:, :1], math.inf
    else:
        return None
    follows = float((first - last).abs().mean(0).min())
    return (follows, "continues each sample's input") if follows <= shifted else (
        shifted, "is each sample's input shifted by one step")


def _embeddings_into_conv1d(setup: Setup) -> list[tuple[str, nn.Conv1d, str, tuple[int, ...]]]:
    """(conv name, conv, embedding name, shape) for every nn.Conv1d whose input is an nn.Embedding's output as the
    embedding returned it, (batch, steps, embedding_dim), with in_channels equal to steps (not embedding_dim)."""
    modules = dict(setup.model.named_modules())
    embeddings = {name: m for name, m in modules.items() if isinstance(m, nn.Embedding)}
    convs = {name: m for name, m in modules.items() if isinstance(m, nn.Conv1d)}
    if not embeddings or not convs:
        return []
    seen: list[tuple[str, Tensor]] = []
    found: list[tuple[str, nn.Conv1d, str, tuple[int, ...]]] = []

    def embedded(name):
        return lambda module, args, output: seen.append((name, output)) if isinstance(output, Tensor) else None

    def convolved(name):
        def hook(module, args):
            read = args[0] if args and isinstance(args[0], Tensor) else None
            if read is None or read.dim() != 3 or module.in_channels != read.shape[1] \
                    or read.shape[1] == read.shape[2]:
                return
            for source, output in seen:
                if output.shape == read.shape and output.shape[-1] == modules[source].embedding_dim \
                        and torch.equal(output, read) and not any(f[0] == name for f in found):
                    found.append((name, module, source, tuple(read.shape)))
        return hook

    handles = [m.register_forward_hook(embedded(n)) for n, m in embeddings.items()]
    handles += [m.register_forward_pre_hook(convolved(n)) for n, m in convs.items()]
    try:
        setup.call(setup.x)
    finally:
        for handle in handles:
            handle.remove()
    return found


@check("conv_over_features", "error",
       "an nn.Conv1d reads an embedding's output (batch, steps, embedding_dim) as (batch, channels, length): it "
       "takes the steps as channels and slides along the embedding's features", needs="trace")
def _conv_over_features(setup: Setup) -> list[Issue]:
    issues = []
    found = _embeddings_into_conv1d(setup)
    for source in dict.fromkeys(f[2] for f in found):
        convs = [(name, conv, shape) for name, conv, src, shape in found if src == source]
        shape = convs[0][2]
        named = ", ".join(f"'{name}' (in_channels={conv.in_channels}, kernel_size={conv.kernel_size[0]})"
                          for name, conv, _ in convs)
        layers = "layer" if len(convs) == 1 else "layers"
        issues.append(Issue(
            f"nn.Conv1d {named} read{'s' if len(convs) == 1 else ''} the output of nn.Embedding '{source}' as it is, "
            f"(batch, steps, embedding_dim) = {shape}. Conv1d expects (batch, channels, length), so it takes the "
            f"{shape[1]} token positions as channels and slides its kernel along the {shape[2]} embedding features: "
            "neighbouring features, not neighbouring words, are convolved.",
            evidence=f"the input to each {shape} is the output of '{source}' (embedding_dim={shape[2]}); "
            f"in_channels={convs[0][1].in_channels} is the number of steps",
            fix=f"Swap the axes before the convolution, x = x.permute(0, 2, 1) (or x.transpose(1, 2)), and build the "
            f"{layers} with in_channels={shape[2]} (the embedding size); the output length then follows the steps.",
        ))
    return issues


# --- checks on the forward pass and the loss ------------------------------------------------------------


@check("forward_error", "error", "the forward pass raised", needs="trace")
def _forward_error(setup: Setup) -> list[Issue]:
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
    elif setup.unpacked_in_another_layout:
        packed = setup.unpacking[0]
        fix = (f"forward() packs the batch with batch_first={packed} but unpacks it with pad_packed_sequence(..., "
               f"batch_first={not packed}), which returns "
               f"{'(seq, batch, hidden)' if packed else '(batch, seq, hidden)'}: unpack in the layout you packed, "
               f"pad_packed_sequence(out, batch_first={packed}).")
    elif (mixup := _sizing_mixup(setup)) is not None:
        fix = mixup
    elif setup.smaller_batch is not None:
        axis, smaller = setup.smaller_batch
        fix = (f"The forward pass runs on the first {smaller.x.shape[axis]} samples (axis {axis} of x) but not on "
               f"all {setup.x.shape[axis]}: something in forward() is sized or indexed by the batch, e.g. a "
               "position table indexed with torch.arange(x.size(0)) that is shorter than the batch, or a state "
               "built for a fixed batch size. Size it by the sequence axis, or by x.size(0) on every call.")
    else:
        fix = "Run sine_lab.diagnostics.trace_shapes(model, x, y) to see the shape entering and leaving each layer."
    frame = setup.error_frame
    return [Issue("The forward pass raised, so this setup cannot train at all.",
                  evidence=f"{type(error).__name__}: {error}" + (f"; raised in {frame}" if frame else ""), fix=fix)]


def _sizing_mixup(setup: Setup) -> str | None:
    """The fix forward_error prints when the forward pass runs with a batch exactly as long as another axis of x
    (not one sample shorter), but not with the batch given: a length taken from one axis and applied along the
    other."""
    tried = setup.sizes_that_run
    if tried is None:
        return None
    axis, count, runs = tried
    # Runs at another axis's length exactly, not one sample fewer: sized by that axis, not merely too small.
    lengths = {setup.x.shape[a] for a in range(setup.x.dim()) if a != axis}
    matching = [size for size, ran in runs.items()
                if ran and size > 1 and size in lengths and not runs.get(size - 1, False)]
    if not matching or any(setup.x.shape[a] == count for a in range(setup.x.dim()) if a != axis):
        return None
    size = matching[0]
    other = next(a for a in range(setup.x.dim()) if a != axis and setup.x.shape[a] == size)
    ran = ", ".join(f"{s}: {'runs' if r else 'raises'}" for s, r in runs.items())
    return (f"The forward pass runs when the batch (axis {axis} of x) has {size} samples, the length of axis {other}, "
            f"but not with its {count}: a batch/sequence sizing mix-up. Something in forward() takes its length "
            f"from one of these axes and is applied along the other, e.g. a (seq, 1, d) position table added to a "
            f"(batch, seq, d) input, or a state or mask built with the wrong axis's size. Batch sizes tried: {ran}. "
            "Check the line quoted in the evidence against the layout the layers use.")


@check("output_not_tensor", "error", "the model returned something other than a tensor", needs="trace")
def _output_not_tensor(setup: Setup) -> list[Issue]:
    prediction = setup.trace.prediction
    if setup.trace.error is not None or isinstance(prediction, Tensor):
        return []
    return [Issue(
        f"The model returned a {type(prediction).__name__}, not a tensor, so the loss cannot use it.",
        fix="Return only the prediction from forward(), e.g. `return self.linear(out[:, -1])`, not `(out, hidden)`.",
    )]


def _judged(comparison: Comparison) -> tuple[tuple[int, ...] | None, int]:
    """The broadcast shape of a comparison (``None`` if it cannot broadcast) and its element count."""
    try:
        shape = tuple(torch.broadcast_shapes(comparison.prediction_shape, comparison.target_shape))
    except RuntimeError:
        return None, 0
    return shape, math.prod(shape)


def _received(setup: Setup, comparison: Comparison) -> str:
    raw = shape_of(setup.prediction)
    note = "" if raw == comparison.prediction_shape else f" (the model returned {raw}; the loss reshaped it)"
    return (f"{comparison.function} compares prediction {comparison.prediction_shape}, "
            f"target {comparison.target_shape}{note}")


@check("shape_mismatch", "error", "prediction and target shapes cannot broadcast: the loss raises",
       needs="prediction")
def _shape_mismatch(setup: Setup) -> list[Issue]:
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
def _broadcast_in_loss(setup: Setup) -> list[Issue]:
    if setup.loss.error is not None:
        return []  # the loss raised rather than broadcast: loss_error explains the shapes
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
            fix=_same_shape_fix(comparison),
        )]
    return []


def _differing(setup: Setup) -> tuple[Comparison, tuple[int, ...]] | None:
    """The first comparison in the loss whose two shapes differ in more than size-1 axes but broadcast, with the
    shape they broadcast to; ``None`` if there is none."""
    for comparison in setup.loss.comparisons:
        broadcast, size = _judged(comparison)
        if broadcast is not None and not size == math.prod(comparison.prediction_shape) == math.prod(
                comparison.target_shape):
            return comparison, broadcast
    return None


def _same_shape_fix(comparison: Comparison) -> str:
    pred_shape, target_shape = comparison.prediction_shape, comparison.target_shape
    target_size = math.prod(target_shape)
    if math.prod(pred_shape) == target_size:
        squeezed = [a for a in range(len(pred_shape)) if pred_shape[a] == 1]
        hint = (f" (here y.unsqueeze({squeezed[0]}))" if len(pred_shape) == len(target_shape) + 1 and squeezed
                and tuple(s for a, s in enumerate(pred_shape) if a != squeezed[0]) == tuple(target_shape) else "")
        return (f"Both hold {target_size} values: make them the same shape, e.g. y = y.reshape{pred_shape}{hint} "
                "or return out.reshape(target shape) (a reshape keeps the gradient; .detach() would cut it) — check "
                "that the order of samples agrees.")
    return (f"Make the model return one prediction per target, shape {target_shape} (for a 2-D input to a "
            "recurrent layer, see unbatched_input).")


@check("loss_error", "error", "the loss function raised", needs="prediction")
def _loss_error(setup: Setup) -> list[Issue]:
    error = setup.loss.error
    if error is None or any(_judged(c)[0] is None for c in setup.loss.comparisons):
        return []  # no error, or shape_mismatch explains it
    class_dtype = setup.class_targets and setup.y.dtype != torch.int64 and "Long" in str(error)
    differing = None if class_dtype else _differing(setup)
    if differing is not None:
        # The loss compared two shapes that differ and raised rather than broadcast them (binary_cross_entropy
        # does; mse_loss only warns, which broadcast_in_loss reports).
        comparison, broadcast = differing
        return [Issue(
            f"The loss raised on (prediction, target): {comparison.function} got the prediction "
            f"{comparison.prediction_shape} and the target {comparison.target_shape}, which differ in shape. It "
            f"refuses them rather than broadcast them to {broadcast}, so this setup cannot train until they agree.",
            evidence=f"{_received(setup, comparison)}; {type(error).__name__}: {str(error).splitlines()[0]}",
            fix=_same_shape_fix(comparison))]
    runs = None if class_dtype else _loss_that_runs(setup)
    return [Issue("The loss function raised on (prediction, target)."
                  + (f" It runs once the axes are rearranged: {runs[1]}" if runs else ""),
                  evidence=f"{type(error).__name__}: {error}"
                  + (f"; tried on the prediction {shape_of(setup.prediction)}: {runs[0]} runs" if runs else ""),
                  fix=f"Class indices for this loss must be int64: y = y.long() (y is {setup.y.dtype})."
                  if class_dtype else f"Call the loss as {runs[0]}." if runs else
                  "Check the loss's expected shapes and dtypes against the prediction and target (tried: the "
                  "class axis moved to dim 1, and both flattened to (N, C) and (N,); neither runs).")]


def _loss_that_runs(setup: Setup) -> tuple[str, str] | None:
    """When the loss raises: the first of a few rearrangements of (prediction, target) under which it runs and
    gives a finite value, as (the call, why); ``None`` if none does. Tried: the last axis of the prediction moved
    to dim 1 (cross_entropy wants (N, C, d1, ...)), and both flattened, (N * d1, C) against (N * d1,)."""
    out, y = setup.prediction, setup.y
    if not isinstance(out, Tensor) or out.dim() < 3 or not out.is_floating_point():
        return None
    classes = out.shape[-1]
    order = ", ".join(["0", str(out.dim() - 1)] + [str(a) for a in range(1, out.dim() - 1)])
    candidates = [
        (f"loss_fn(out.permute({order}), y)", lambda: (out.movedim(-1, 1), y),
         f"the prediction holds its {classes} classes on the last axis, and this loss wants them on dim 1, "
         "(N, C, steps)."),
    ]
    if y.numel() * classes == out.numel():
        candidates.append((f"loss_fn(out.reshape(-1, {classes}), y.reshape(-1))",
                           lambda: (out.reshape(-1, classes), y.reshape(-1)),
                           f"one row of {classes} scores per target value once both are flattened (check that "
                           "they are flattened in the same order)."))
    for call, made, why in candidates:
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("error")  # a broadcast warning means it does not fit either
                value = setup.loss_fn(*made())
        except Exception:
            continue
        if isinstance(value, Tensor) and value.numel() == 1 and math.isfinite(float(value)):
            return call, why
    return None


@check("target_order", "error",
       "the prediction is flattened time-major, (steps * samples, ...), by a forward() that transposes x, but the "
       "target is flattened in x's order, (samples * steps, ...): each prediction is scored against another "
       "sample's target at another step", needs="prediction")
def _target_order(setup: Setup) -> list[Issue]:
    """Decided by gradients (or exchanged inputs) on the prediction's order and by the values on the target's: the
    target read in x's order is x shifted by k steps (a next-step or next-token target)."""
    axes, split, y, out = setup.sample_axes, setup.prediction_split, setup.y, setup.prediction
    if axes is None or split is None or axes[0] == axes[1] or y.dim() < 1 or y.shape[0] != out.shape[0]:
        return []
    shift = setup.per_step_shift
    if shift is None or shift[0] == axes[0]:
        return []
    x = setup.x
    samples, steps = x.shape[axes[0]], x.shape[1 - axes[0]]
    held, read = ("(samples * steps)", "(steps * samples)") if axes[0] == 0 else ("(steps * samples)",
                                                                               "(samples * steps)")
    return [Issue(
        f"The prediction {shape_of(out)} is flattened {read}, but the target {shape_of(y)} is flattened {held}, "
        f"in the order x {shape_of(x)} holds them: forward() transposes x (e.g. x.T or a sequence-first layer) "
        "before it flattens, and the target was not transposed with it. So row i of the prediction is scored "
        "against the target of another sample at another step.",
        evidence=f"each row of the prediction depends on one sample's input only when read as {read} "
        f"({samples} samples, {steps} steps); the target read as {held} is x shifted by {shift[1]} step"
        f"{'s' if shift[1] > 1 else ''} along axis {shift[0]}",
        fix=("Flatten the target in the prediction's order: Y.T.reshape(-1) where it is built from a (samples, "
             "steps) Y (Y.transpose(0, 1).reshape(-1, ...) in general), as x was transposed; or return the "
             "prediction in x's order from forward(): out.transpose(0, 1).reshape(-1, out.shape[-1])."),
    )]


@check("class_head_too_wide", "warning",
       "cross_entropy/nll_loss scores many more classes than the class-index target uses (more than twice "
       "max(target) + 1): a final layer that is never applied, or a head sized by a hidden width",
       needs="loss")
def _class_head_too_wide(setup: Setup) -> list[Issue]:
    """Low in false alarms: the width must exceed twice the largest class id + 1 (not the distinct ids, which a
    small batch of a large vocabulary would trip), and match no nn.Embedding's vocabulary (a language model)."""
    if not setup.class_targets:
        return []
    y = setup.y[setup.y >= 0]  # ignore_index (-100) marks unscored positions
    if y.numel() < 2:
        return []
    used = int(y.max()) + 1
    for function, value in setup.loss.inputs:
        if function not in ("cross_entropy", "nll_loss") or value.dim() < 1:
            continue
        classes = value.shape[1] if value.dim() >= 2 else value.shape[0]
        vocabularies = {m.num_embeddings for m in setup.model.modules() if isinstance(m, nn.Embedding)}
        if classes <= 2 * used or classes in vocabularies:
            return []
        unused = [(name, m) for name, m in setup.model.named_modules()
                  if isinstance(m, nn.Linear) and m.in_features == classes and m.out_features <= 2 * used]
        hint = "".join(f" nn.Linear '{name}' ({m.in_features} -> {m.out_features}) takes this width and returns "
                       f"{m.out_features}: check that forward() applies it." for name, m in unused[:2])
        return [Issue(
            f"{function} scores {classes} classes, but the target's class ids go up to {used - 1} only: "
            f"{classes - used} of the model's outputs are classes no target ever names. This is usually a final "
            f"layer that forward() does not apply, or a head sized by a hidden width.{hint}",
            evidence=f"input to {function} {shape_of(value)} (classes on dim {1 if value.dim() >= 2 else 0}); "
            f"target ids from {int(y.min())} to {used - 1} ({int(y.unique().numel())} distinct)",
            fix=f"End the model in a layer with one output per class ({used} here, or your dataset's class count), "
            "e.g. nn.Linear(hidden, num_classes), and make sure forward() applies it.",
        )]
    return []


@check("nonfinite_loss", "error", "the loss is NaN or inf (at the first step or during the probe)",
       needs="prediction")
def _nonfinite_loss(setup: Setup) -> list[Issue]:
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


def _final_activation(prediction: Tensor) -> str | None:
    """"softmax", "sigmoid" or "log_softmax" when one of these is the last operation that made the prediction
    (through view-like steps: view, reshape, squeeze, slicing); ``None`` otherwise."""
    node, steps = prediction.grad_fn, 0
    while node is not None and steps < 8:
        name = type(node).__name__.lower()
        for activation in ("logsoftmax", "softmax", "sigmoid"):
            if name.startswith(activation):
                return "log_softmax" if activation == "logsoftmax" else activation
        if not re.match(r"(view|reshape|unsafeview|squeeze|unsqueeze|select|slice|clone|transpose|permute|t)backward",
                        name):
            return None
        node = next((f for f, _ in node.next_functions if f is not None), None)
        steps += 1
    return None


def _probabilities(value: Tensor, dim: int) -> bool:
    """Whether every row of ``value`` along ``dim`` is a probability vector: all in [0, 1], summing to 1."""
    if not value.is_floating_point() or value.dim() == 0 or value.shape[dim] < 2 or not bool(
            torch.isfinite(value).all()):
        return False
    value = value.double()
    return bool(((value >= 0) & (value <= 1)).all()) and bool(((value.sum(dim) - 1).abs() < 1e-4).all())


@check("loss_input_kind", "warning",
       "the loss receives a different kind of value than it expects: probabilities where CrossEntropyLoss expects "
       "logits, anything but log-probabilities in NLLLoss, or sigmoid outputs where BCEWithLogitsLoss expects logits",
       needs="prediction")
def _loss_input_kind(setup: Setup) -> list[Issue]:
    if setup.loss.error is not None:
        return []
    last = _final_activation(setup.prediction)
    made = f" (the model ends in {last})" if last else ""
    for function, value in setup.loss.inputs:
        dim = 0 if value.dim() == 1 else 1
        if function == "cross_entropy" and _probabilities(value, dim):
            return [Issue(
                f"cross_entropy (nn.CrossEntropyLoss) receives probabilities{made}: every row of its input is in "
                "[0, 1] and sums to 1. The loss applies log_softmax itself, so it squashes them again: the "
                "gradients shrink and the model learns slowly, if at all.",
                evidence=f"input to cross_entropy {shape_of(value)}: all values in [0, 1], rows along dim {dim} "
                "sum to 1",
                fix="Return the raw scores (logits): drop the final softmax from forward() and apply it only where "
                "you need probabilities (at inference). Or keep it as log_softmax and use nn.NLLLoss.")]
        if function == "nll_loss" and value.is_floating_point() and bool(torch.isfinite(value).all()) \
                and bool((value > 1e-6).any()):
            probabilities = _probabilities(value, dim)
            got = "probabilities (rows in [0, 1] summing to 1)" if probabilities else "values above 0"
            return [Issue(
                f"nll_loss (nn.NLLLoss) receives {got}{made}, but it expects log-probabilities (all <= 0): it "
                "only picks -input[target], so it never takes a logarithm itself and the loss is not the "
                "cross-entropy.",
                evidence=f"input to nll_loss {shape_of(value)}: largest value {float(value.max()):.3g}"
                + (f", rows along dim {dim} sum to 1" if probabilities else ""),
                fix=("Use F.log_softmax(..., dim=1) where the model applies softmax, or return the logits and use "
                     "nn.CrossEntropyLoss." if probabilities else
                     "Apply F.log_softmax(scores, dim=1) at the end of forward(), or use nn.CrossEntropyLoss on "
                     "these scores."))]
        if function == "binary_cross_entropy_with_logits" and last == "sigmoid" and value.is_floating_point() \
                and bool(((value >= 0) & (value <= 1)).all()):
            return [Issue(
                "binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss) receives outputs of a sigmoid: it applies "
                "the sigmoid itself, so every prediction is squashed twice and stays between 0.5 and 0.73.",
                evidence=f"input to binary_cross_entropy_with_logits {shape_of(value)}: the model ends in sigmoid, "
                "all values in [0, 1]",
                fix="Drop the final sigmoid from forward() (apply it at inference), or keep it and use nn.BCELoss.")]
    return []


# --- checks on what the prediction depends on (by autograd) ---------------------------------------------


@check("input_ignored", "error", "the prediction does not depend on the input", needs="prediction")
def _input_ignored(setup: Setup) -> list[Issue]:
    if not (setup.trace.x.requires_grad and setup.prediction.requires_grad):
        return []
    grad = setup.input_gradient
    if grad is not None and bool((grad != 0).any()):
        return []
    return [Issue(
        "The prediction does not depend on the input at all: whatever x holds, the output is the same, so "
        "the model can only learn the mean of the targets.",
        evidence="d(prediction)/dx is zero for every element of x",
        fix="Check forward(): the returned value must come from the layers' output on x "
        + ("(e.g. out[:, -1] or the returned h_n), not from an initial state or a constant." if setup.recurrent else
           "(e.g. the encoder's output at the last position), not from a constant or a tensor built inside "
           "forward()."),
    )]


@check("wrong_axis", "error",
       "the prediction reads the recurrent output along the batch axis instead of the time axis", needs="prediction")
def _wrong_axis(setup: Setup) -> list[Issue]:
    calls = [c for c in setup.trace.recurrent_calls
             if c.output is not None and c.output.requires_grad and len(c.input_shape) == 3]
    issues = []
    for call, grad in zip(calls, setup.gradients([c.output for c in calls]), strict=True):
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
            evidence=f"the layer's output has shape {shape_of(call.output)}; the prediction depends on batch entry "
            f"{row} only",
            fix=(f"Fix the layout first (layout_mismatch): with batch_first={not call.module.batch_first} the "
                 f"code's {wrong} becomes the last time step of every sequence; if you transpose the input "
                 f"instead, read {right}." if _mismatch(setup, call) is not None else
                 f"Take the last time step of every sequence: {right}."),
        ))
    return issues


@check("samples_mixed", "error", "the prediction for one sample depends on other samples' inputs",
       needs="prediction")
def _samples_mixed(setup: Setup) -> list[Issue]:
    """All pairs of samples, by autograd from x or from the embedding of token ids; then where the mixing
    starts: in a layer's input (its layout), in a recurrent layer's initial state, or after the layers."""
    axes = setup.sample_axes
    if axes is None:
        return []
    flow = setup.flow
    if flow is None:
        return _mixed_without_gradients(setup)
    if setup.own_only(flow.prediction, flow.prediction_axis):
        return []
    count = flow.leaf.shape[flow.axis]
    sample, others = next(((s, n) for s in range(count - 1, -1, -1) if (n := setup.others_reached(s))), (0, 0))
    where, fix = _where_mixed(setup)
    source = "x" if setup.x.is_floating_point() else "the embedding of x"
    return [Issue(
        f"The prediction for sample {sample} depends on the inputs of {others} other samples: the model mixes "
        f"samples, so information leaks between them. {where}",
        evidence=f"x {shape_of(setup.x)} has its samples on axis {axes[0]} ({_sample_axis_source(setup)}); "
        f"d(prediction[{sample}])/d({source}[{sample}']) is non-zero for {others} of the {count - 1} other "
        "samples",
        fix=fix,
    )]


_AFTER_FIX = ("Keep the sample axis where the next step expects it: flatten a final state per sample with "
              "h_n.transpose(0, 1).reshape(batch, -1) (or torch.cat([h_n[-2], h_n[-1]], dim=1) for the top layer "
              "of a bidirectional one) and restore it with .view(batch, layers, hidden).transpose(0, 1)"
              ".contiguous(), never h_n.view(batch, -1) or h_n.view(-1, ...); index a (seq, batch, hidden) output "
              "as out[step, sample].")


def _where_mixed(setup: Setup) -> tuple[str, str]:
    """(where the mixing starts, the fix for that place), from the layers that choose a layout."""
    layers = setup.flow.layers
    for layer in layers:
        axis = 0 if layer.batch_first else 1
        if layer.input is not None and not setup.own_only(layer.input, axis):
            if layer.input.dim() >= 2 and setup.own_only(layer.input, 1 - axis):
                layout = "(batch, seq, feature)" if layer.batch_first else "(seq, batch, feature)"
                if _flip_cures(setup, layer):
                    return (f"It starts at {layer.label}: it reads its input {shape_of(layer.input)} as {layout}, "
                            f"but the samples are on axis {1 - axis} of that input (batch_first="
                            f"{not layer.batch_first}, tried on a copy of the model, ends the mixing).",
                            f"Create {layer.label.split(' (')[0]} with batch_first={not layer.batch_first}, or pass "
                            "its input through .transpose(0, 1) (never view/reshape across the batch and time "
                            "axes).")
                return (f"It starts at {layer.label}: it reads its input {shape_of(layer.input)} as {layout}, but "
                        f"the samples are on axis {1 - axis} of that input. batch_first={not layer.batch_first} "
                        "alone does not end the mixing (tried on a copy of the model): something else in forward() "
                        "depends on the layout too.",
                        "Put the samples on the axis the layer reads as the batch with .transpose/.permute where the "
                        "data are built, and check every index and reshape in forward() against that layout.")
            return (f"It starts before {layer.label}: each sequence that layer reads is already stitched from "
                    "pieces of several samples, the mark of a view/reshape where a transpose was meant.",
                    "Change the layout with .transpose/.permute, never view/reshape across the batch and time axes.")
        if layer.recurrent and not setup.own_only(layer.initial_state, 1):
            return (f"{layer.label} reads its input in the right layout, but the initial state it is given mixes "
                    "samples: between the layers the final state h_n, (layers * directions, batch, hidden), was "
                    "reshaped across its batch axis.", _AFTER_FIX)
    if not layers:
        return ("Attention running across the batch axis, or a reshape where a transpose was meant, does this.",
                "Change the layout with .transpose/.permute (never view/reshape across the batch and time axes).")
    names = ", ".join(layer.label for layer in layers)
    unpacked = setup.unpacked_in_another_layout
    kept = (f"The layers that choose a layout keep the samples apart ({names}: what each reads and returns for "
            "sample i depends on sample i only), so the mixing happens after them. Their batch_first is not the "
            "problem.")
    if unpacked:
        return (kept + " Here forward() packs the batch batch-first but unpacks it with pad_packed_sequence("
                f"..., batch_first={not setup.unpacking[0]}), which returns "
                f"{'(seq, batch, hidden)' if setup.unpacking[0] else '(batch, seq, hidden)'}.",
                f"Unpack in the layout you packed: pad_packed_sequence(out, batch_first={setup.unpacking[0]}).")
    op = _first_mixing_op(setup)
    if op is not None:
        return kept + " " + op[0], op[1]
    return (kept + " The doctor could not name the operation (a view/reshape of a final state, an output indexed "
            "in the other layout, or a reduction over the sample axis does this).",
            "Find the first operation after the layers that works across the sample axis. " + _AFTER_FIX)


# Operations that reduce or normalise along a dim, and those that only rearrange memory.
_REDUCING = {"softmax", "log_softmax", "sum", "mean", "max", "min", "amax", "amin", "norm", "normalize", "std",
             "var", "logsumexp", "prod", "cumsum", "cumprod", "median", "argmax", "argmin", "layer_norm",
             "batch_norm", "instance_norm", "group_norm"}
_VIEWS = {"view", "reshape", "flatten", "unflatten", "view_as", "reshape_as", "as_strided", "unfold"}
_PRODUCTS = {"matmul", "bmm", "mm", "einsum", "linear", "bilinear", "scaled_dot_product_attention", "baddbmm",
             "tensordot", "conv1d", "conv2d"}


def _own_axes(setup: Setup, value: Tensor, leaf: Tensor) -> list[int] | None:
    """The axes of ``value`` that hold the samples apart (entry i depends on sample i only); ``None`` when
    ``value`` depends on at most one sample (nothing to mix); ``[]`` when it mixes them."""
    if not isinstance(value, Tensor) or not value.requires_grad or not value.is_floating_point():
        return None
    (grad,) = torch.autograd.grad(projected(value), [leaf], retain_graph=True, allow_unused=True)
    if grad is None or int(grad.movedim(setup.flow.axis, 0).flatten(1).ne(0).any(1).sum()) < 2:
        return None
    count = leaf.shape[setup.flow.axis]
    own = [a for a in range(value.dim()) if value.shape[a] == count and setup.own_only(value, a, leaf)]
    if own:
        return own
    # Samples flattened together with another axis, (batch * seq, ...): apart if either split keeps them apart.
    for a in range(value.dim()):
        size = value.shape[a]
        if size > count and size % count == 0:
            if setup.own_only(value.unflatten(a, (count, size // count)), a, leaf) or \
                    setup.own_only(value.unflatten(a, (size // count, count)), a + 1, leaf):
                return [a]
    return []


def _first_mixing_op(setup: Setup) -> tuple[str, str] | None:
    """(where, fix): the first torch operation of the forward pass whose output mixes samples although every
    output before it kept them apart, named with its dim and the fix for that kind of operation."""
    recorded = setup.recorded_ops
    if recorded is None:
        return None
    leaf, ops = recorded
    for name, args, kwargs, output in ops[:400]:
        if _own_axes(setup, output, leaf) != []:
            continue
        name = name.strip("_")
        source = next((a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)), None)
        own = _own_axes(setup, source, leaf) if source is not None else None
        dim = kwargs.get("dim", next((a for a in args[1:2] if isinstance(a, int) and not isinstance(a, bool)), None))
        if isinstance(dim, int) and source is not None and source.dim():
            dim %= source.dim()
        shape = f"its input {shape_of(source)}" if source is not None else "its input"
        samples = f", whose samples are on axis {own[0]}" if own else ""
        if name in _REDUCING:
            label = f"{name}({f'dim={dim}' if dim is not None else ''})"
        else:  # the sizes or indices it was given, as written
            given = [a for a in args[1:] if isinstance(a, (int, tuple, list)) and not isinstance(a, bool)]
            label = f"{name}({', '.join(str(tuple(a)) if isinstance(a, list) else str(a) for a in given)})"
        where = f"It starts at the operation {label} on {shape}{samples}"
        if name in _REDUCING and own and dim in own:
            steps = [a for a in range(source.dim() - 1) if a not in own]
            return (where + f": it {'normalises' if 'norm' in name or 'softmax' in name else 'reduces'} over "
                    f"dim {dim}, the sample axis, so every sample's value depends on the others.",
                    f"Run {name} over the axis it is meant for, not the samples: "
                    + (f"dim={steps[0]} (the steps, in this layout) " if len(steps) == 1 else "the steps' axis ")
                    + f"instead of dim={dim}; check the layout the tensor has at that line.")
        if name in _VIEWS:
            return where + ": a view/reshape across the sample axis.", _AFTER_FIX
        if name in _PRODUCTS:
            return (where + ": a product that runs across the sample axis (attention or a matrix product over "
                    "the batch).",
                    f"Transpose so that {name} runs over the steps or the features, and keep the samples on the "
                    "axis the product treats as the batch.")
        if name in ("getitem", "index_select", "gather", "take_along_dim", "select"):
            return (where + ": an index that picks along the wrong axis.",
                    "Index in the tensor's layout: a (seq, batch, hidden) output is out[step, sample], a "
                    "(batch, seq, hidden) one out[sample, step].")
        return (where + ": its output for one sample depends on other samples.",
                f"Check the dims {name} works on against the layout of {shape}; the sample axis must stay apart.")
    return None


def _flip_cures(setup: Setup, layer) -> bool:
    """Whether the fix samples_mixed would print, the other batch_first for ``layer``, ends the mixing: tried on
    a copy of the model before it is printed, so a fix that creates the mixing it claims to cure never is."""
    if layer.module is None:
        return False
    model = copy.deepcopy(setup.model)
    names = {id(module): name for name, module in setup.model.named_modules()}
    name = names.get(id(layer.module))
    if name is None:
        return False
    flipped = model.get_submodule(name) if name else model
    for module in flipped.modules():  # a Transformer layer passes its flag on to its attention
        if isinstance(getattr(module, "batch_first", None), bool):
            module.batch_first = not layer.batch_first
    trial = Setup(model, setup.x, setup.y, setup.loss_fn, 0, setup.probe_lr)
    return trial.ready("prediction") and trial.sample_axes is not None and not _mixing(trial)


def _mixed_without_gradients(setup: Setup) -> list[Issue]:
    """samples_mixed where no gradient reaches the samples: change some samples' inputs, watch all the others."""
    changed = setup.others_moved
    if not _moved(setup, changed):
        return []
    x_axis = setup.sample_axes[0]
    return [Issue(
        "The predictions for some samples change when only other samples' inputs change: the model mixes "
        f"samples ({_across_the_batch(setup)} running across the batch axis, or a reshape where a transpose was "
        "meant), so information leaks between samples.",
        evidence=f"x {shape_of(setup.x)} has its samples on axis {x_axis} ({_sample_axis_source(setup)}); with "
        f"the inputs of some samples replaced by their neighbours', the predictions for the unchanged samples move "
        f"by up to {changed:.3g}",
        fix="Change the layout with .transpose/.permute (never view/reshape across the batch and time axes)"
        + (f"; if a layer reads the batch as time, set its batch_first to match the data ({', '.join(setup.layouts)})."
           if setup.layouts else "."),
    )]


# A prediction that moves by less than this fraction of its size moved by rounding, not by the input.
_TOLERANCE = 1e-5


def _across_the_batch(setup: Setup) -> str:
    """What in this model can run across the batch axis: its layers that choose a layout, else attention."""
    kinds = {"recurrent layer" if isinstance(m, torch.nn.RNNBase) else "attention"
             for m in setup.model.modules() if isinstance(getattr(m, "batch_first", None), bool)}
    return " or ".join(sorted(kinds)) or "attention or a recurrent layer"


def _sample_axis_source(setup: Setup) -> str:
    if setup.trace.recurrent_calls:
        return "from the recurrent layer's batch_first and the data's shapes"
    return "the axis whose size is the target's sample count"


@check("samples_ignored", "error", "the predictions for some samples do not depend on their own input",
       needs="prediction")
def _samples_ignored(setup: Setup) -> list[Issue]:
    """Per sample: is d(prediction)/d(x[sample]) zero? One backward pass gives it for every sample."""
    axes, grad = setup.sample_axes, setup.input_gradient
    if axes is None:
        return []
    x_axis = axes[0]
    if grad is not None:
        if not bool((grad != 0).any()):
            return []  # input_ignored reports a prediction that ignores all of x
        used = grad.movedim(x_axis, 0).flatten(1).ne(0).any(1)
        how = "d(prediction)/dx is zero on every element of"
    else:  # integer inputs (token ids): no gradient reaches them
        found = _ids_used(setup)
        if found is None:
            return []
        used, how = found
        if not bool(used.any()):
            return []  # nothing depends on the input: input_ignored's case
    ignored = (~used).nonzero().flatten().tolist()
    if not ignored:
        return _padding_read(setup)
    packed = any(call.packed for call in setup.trace.recurrent_calls)
    return [Issue(
        f"The predictions for {len(ignored)} of the {used.numel()} samples do not depend on their own input: "
        "whatever those samples hold, their outputs stay the same."
        + (" The recurrent layer reads a packed batch: reading the padded output at the last step "
           "(out[:, -1] after pad_packed_sequence) gives the padding, zeros, for every sequence shorter than "
           "the longest." if packed else ""),
        evidence=f"{how} samples {ignored[:8]}"
        f"{' ...' if len(ignored) > 8 else ''} (axis {x_axis} of x {shape_of(setup.x)})",
        fix=(f"First unpack in the layout you packed: pad_packed_sequence(out, batch_first={setup.unpacking[0]}) "
             "(it returns (seq, batch, hidden) by default, so out[torch.arange(batch), lengths - 1] reads step i of "
             "another sample); then each sequence's last valid step is that line, or h_n[-1] from the packed call."
             if packed and setup.unpacked_in_another_layout else
             "Take each sequence's last valid step: h_n[-1] from the packed call, or "
             "out[torch.arange(batch), lengths - 1] from the padded output." if packed else
             "Check which step or position the prediction reads: it must be one every sample fills, e.g. "
             "out[:, -1] of its own sequence."),
    )]


def _ids_used(setup: Setup) -> tuple[Tensor, str] | None:
    """For token ids, per sample: whether its prediction depends on its own ids, and how that was measured.

    Exchanging inputs needs no gradient: a sample whose prediction moves by more than rounding when its ids are
    replaced by the previous sample's uses them. Rounding is judged against the predictions' spread across the
    samples, not their size (an untrained classifier's outputs can all be 0.50 +- 0.001, and a real but small
    move is not rounding), with a floor of a few units in the last place. A sample that does not move is tried
    again with the ids of the sample half a batch away, and, where the embedding of x is followed (the flow),
    a non-zero gradient on its own embedding counts as use too: only a sample that passes all three is reported.
    ``None`` when the inputs cannot be exchanged."""
    first = setup.exchanged(1)
    if first is None:
        return None
    moved, differs = first
    prediction = setup.per_sample(setup.prediction.detach()).movedim(setup.sample_axes[1], 0).flatten(1)
    magnitude = float(prediction.double().abs().max())
    spread = float(prediction.double().std(0).max()) if prediction.shape[0] > 1 else 0.0
    ulp = torch.finfo(prediction.dtype).eps if prediction.is_floating_point() else 0.0
    tolerance = max(_TOLERANCE * min(magnitude, spread), 4 * ulp * magnitude)
    used = ~differs | (moved > tolerance)
    how = "the prediction stays the same when each sample's ids are replaced by the previous sample's"
    count = used.numel()
    if not bool(used.all()) and count >= 4:
        second = setup.exchanged(count // 2)
        if second is not None:
            used |= second[1] & (second[0] > tolerance)
            how += f" and again by those {count // 2} samples away"
    flow = setup.flow
    if not bool(used.all()) and flow is not None and flow.prediction.requires_grad:
        (grad,) = torch.autograd.grad(projected(flow.prediction), [flow.leaf], retain_graph=True, allow_unused=True)
        if grad is not None:
            used |= grad.movedim(flow.axis, 0).flatten(1).ne(0).any(1)
            how += ", and d(prediction)/d(the embedding of x) is zero,"
    return used, how + " for"


def _real_steps_read(setup: Setup) -> tuple[Tensor, Tensor] | None:
    """With padding inferred from the data: (steps each sample's prediction reads, the sample's real steps), both
    (samples, steps); ``None`` without padding or without a gradient to follow."""
    padding = setup.padding
    read = _read_steps(setup) if padding is not None else None
    if read is None:
        return None
    grad, sample_axis, time_axis = read
    steps = grad.ne(0).movedim((sample_axis, time_axis), (0, 1))
    steps = steps.flatten(2).any(2) if steps.dim() > 2 else steps  # token ids: one leaf entry per step
    return steps, ~padding[0]


def _padding_read(setup: Setup) -> list[Issue]:
    """samples_ignored on padded data: a sample whose prediction reads padding only, none of its real steps."""
    found = _real_steps_read(setup)
    if found is None:
        return []
    steps, real = found
    ignored = ((steps & real).any(1).logical_not() & real.any(1)).nonzero().flatten().tolist()
    if not ignored:
        return []
    mask, end, what = setup.padding
    return [Issue(
        f"The predictions for {len(ignored)} of the {real.shape[0]} samples read only padding: the batch is padded "
        f"({what} at the {end} of the sequences, found in the data), and these samples' predictions depend on none "
        "of their real steps.",
        evidence=f"d(prediction)/dx is zero on every non-padding step of samples {ignored[:8]}"
        f"{' ...' if len(ignored) > 8 else ''}; {int(mask.any(1).sum())} of the {real.shape[0]} sequences are padded",
        fix=("The sequences are padded at the start, so each one ends at the last step: read out[:, -1] "
             "(out[torch.arange(batch), lengths - 1] is right only for padding at the end)." if end == "start" else
             "Read each sequence's last real step, out[torch.arange(batch), lengths - 1] with lengths counted "
             "without the padding, or pack the batch (pack_padded_sequence) and use h_n[-1]."),
    )]


@check("end_padding_read", "warning",
       "the batch is padded at the end (found in the data, not packed), and each padded sample's single prediction "
       "depends on the pads after its real steps: the state is read after the padding, e.g. out[:, -1] or h_n[-1] "
       "of an unpacked recurrent layer", needs="prediction")
def _end_padding_read(setup: Setup) -> list[Issue]:
    """One prediction per sample only (a per-step output at a pad step reads that pad by design); judged by the
    gradient of each sample's prediction on its own padded steps. Padding at the start (keras' pre-padding) is
    read before the real steps, which is the point of it."""
    padding = setup.padding
    if padding is None or padding[1] != "end" or not setup.trace.recurrent_calls:
        return []
    found = _real_steps_read(setup)
    flow = setup.flow
    if found is None or flow is None or flow.prediction.dim() > 2:
        return []
    steps, real = found
    pads = ~real
    # Stricter than the padding found for samples_ignored: the pad value occurs nowhere but in the end runs (a
    # reserved id, or all-zero rows), and at least 2 sequences end in 2 or more pads; random ids that happen to
    # repeat at the end do not pass.
    rows = setup.x.movedim(setup.sample_axes[0], 0)
    if setup.x.is_floating_point():
        blank = rows.eq(0).all(-1)
    else:
        blank = rows.eq(rows[pads][0]) if bool(pads.any()) else rows.eq(rows.min() - 1)
    if bool((blank & real).any()) or int((pads.sum(1) >= 2).sum()) < 2:
        return []
    padded = pads.any(1) & real.any(1)
    through = (steps & pads).any(1) & (steps & real).any(1) & padded
    count, total = int(through.sum()), int(padded.sum())
    if count < 2 or 2 * count < total:
        return []
    mask, _, what = padding
    samples = through.nonzero().flatten().tolist()
    return [Issue(
        f"The batch is padded at the end ({what}, found in the data), and for {count} of the {total} padded "
        "samples the prediction depends on the pads that follow the real steps: the recurrent layer runs on "
        "through the padding, and the state read (out[-1], out[:, -1] or h_n) is the one after the pads, not "
        "after the sequence's last real step.",
        evidence=f"d(prediction)/d({'x' if setup.x.is_floating_point() else 'the embedding of x'}) is non-zero "
        f"on padded steps of samples {samples[:8]}"
        f"{' ...' if len(samples) > 8 else ''}; {int(mask.any(1).sum())} of the {real.shape[0]} sequences end in "
        "padding",
        fix=("Pack the batch with nn.utils.rnn.pack_padded_sequence(emb, lengths, enforce_sorted=False) and read "
             "h_n[-1], or read each sequence's last real step: out[lengths - 1, torch.arange(batch)] for "
             "(seq, batch, hidden), out[torch.arange(batch), lengths - 1] for batch_first; or pad at the start."),
    )]


@check("reshape_swaps_axes", "info",
       "a view/reshape in forward() turns (batch, a, b) into (batch, b, a): the shape of a transpose, not its "
       "order, which interleaves the values within each sample (a limit: no check can tell that from intent)",
       needs="prediction")
def _reshape_swaps_axes(setup: Setup) -> list[Issue]:
    """Named from the recorded ops (float x only): the first view/reshape whose output shape is its input's with two
    different-sized axes after the first exchanged. Within one sample nothing leaks between samples, so only a note."""
    if not setup.x.is_floating_point() or setup.x.dim() < 3:
        return []
    recorded = setup.recorded_ops
    if recorded is None:
        return []
    for name, args, _, output in recorded[1]:
        if name not in ("view", "reshape") or not args or not isinstance(args[0], Tensor):
            continue
        before, after = tuple(args[0].shape), tuple(output.shape)
        if len(before) != len(after) or len(before) < 3 or before[0] != after[0] or before == after:
            continue
        swapped = [a for a in range(1, len(before)) if before[a] != after[a]]
        if len(swapped) == 2 and before[swapped[0]] == after[swapped[1]] and before[swapped[1]] == after[swapped[0]]:
            i, j = swapped
            return [Issue(
                f"forward() calls .{name}() to turn {before} into {after}: the shape a transpose of axes {i} and "
                f"{j} would give, but a {name} keeps the memory order, so within each sample the values are "
                "interleaved (e.g. the features of one time step spread over several channels) rather than "
                "transposed. The per-sample checks cannot see this (nothing crosses between samples).",
                evidence=f"a {name} from {before} to {after} in the forward pass",
                fix=f"If axes {i} and {j} were meant to be exchanged, use .transpose({i}, {j}) (or torch.swapdims / "
                ".permute); if the data really are laid out as the new shape, ignore this note.",
            )]
    return []


@check("sample_position_used", "error",
       "a sample's prediction depends on where it stands in the batch, e.g. a position embedding indexed by the "
       "batch axis", needs="trace")
def _sample_position_used(setup: Setup) -> list[Issue]:
    """Judged on the setup, or, when the forward pass fails on the whole batch but runs on its first samples
    (a position table shorter than the batch), on those."""
    if setup.ready("prediction"):
        return _position_used(setup, "")
    if setup.trace.error is None or setup.smaller_batch is None:
        return []
    axis, smaller = setup.smaller_batch
    if not smaller.ready("prediction"):
        return []
    return _position_used(smaller, f"; with all {setup.x.shape[axis]} samples the forward pass raises "
                          f"{type(setup.trace.error).__name__}, so this was measured on the first "
                          f"{smaller.x.shape[axis]}")


def _position_used(setup: Setup, note: str) -> list[Issue]:
    changed = setup.reordered
    if not _moved(setup, changed):
        return []
    if _mixing(setup):
        return []  # samples_mixed explains it: the samples see each other
    x_axis = setup.sample_axes[0]
    return [Issue(
        "A sample's prediction changes when the same samples come in another order, although no sample's "
        "prediction reads another sample's input: the model uses each sample's position in the batch. A "
        "positional encoding or embedding indexed along the batch axis (torch.arange(x.size(0)) on a "
        "(batch, seq) input) does this; so does anything sized or indexed by the batch where the sequence "
        "was meant.",
        evidence=f"model(x reversed along axis {x_axis}), reversed back, differs from model(x) by up to "
        f"{changed:.3g}{note}",
        fix="Index positions along the time axis: torch.arange(x.size(1)) for a (batch, seq) input (or use "
        "batch_first consistently), so that every sample gets the same positions.",
    )]


def _mixing(setup: Setup) -> bool:
    """Whether a sample's prediction reads other samples' inputs (samples_mixed's all-pairs tests)."""
    if setup.sample_axes is None:
        return False
    flow = setup.flow
    if flow is None:
        return _moved(setup, setup.others_moved)
    return not setup.own_only(flow.prediction, flow.prediction_axis)


def _moved(setup: Setup, change: float | None) -> bool:
    """Whether predictions that changed by ``change`` moved by more than rounding."""
    return change is not None and change > _TOLERANCE * (float(setup.prediction.detach().abs().max()) + 1e-12)


@check("upper_layers_unused", "error",
       "the prediction does not depend on the top layers of a stacked recurrent layer (h_n[0] where h_n[-1] was "
       "meant)", needs="prediction")
def _upper_layers_unused(setup: Setup) -> list[Issue]:
    issues = []
    for call, used in _stacks_read_below_the_top(setup):
        module = call.module
        top = max(layer for layer, is_used in enumerate(used) if is_used)
        unused = (f"layer {top + 1} is" if top + 1 == module.num_layers - 1
                  else f"layers {top + 1}-{module.num_layers - 1} are")
        issues.append(Issue(
            f"The prediction depends on layer {top} of the {module.num_layers}-layer {_layer(call)} but on none "
            f"above it: it reads a lower layer's final state (h_n[{top}]), so {unused} trained for nothing. "
            "h_n is (num_layers * directions, batch, hidden) with the bottom layer first.",
            evidence="per-layer gradient of the prediction: " + ", ".join(
                f"layer {layer} {'non-zero' if is_used else 'zero'}" for layer, is_used in enumerate(used)),
            fix="Read the top layer: h_n[-1] (for a bidirectional layer torch.cat([h_n[-2], h_n[-1]], dim=-1)), "
            + ("or the output's last step, out[:, -1] (batch_first=True)." if module.batch_first else
               "or the output's last step, out[-1] (the layer is sequence-first)."),
        ))
    return issues


def _stacks_read_below_the_top(setup: Setup) -> list[tuple[LayerCall, list[bool]]]:
    """The stacked recurrent layers whose top layer the prediction does not depend on though a lower one it does,
    each with which of its layers the prediction depends on."""
    found = []
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
        if not used[-1] and any(used):
            found.append((call, used))
    return found


# --- checks on which time steps the prediction reads -----------------------------------------------------


def _read_steps(setup: Setup) -> tuple[Tensor, int, int] | None:
    """(d(prediction)/d(leaf), sample axis, time axis of the leaf) for x of 3 axes, or token ids of 2 read through
    an nn.Embedding, with at least 3 steps; ``None`` otherwise."""
    flow, axes = setup.flow, setup.sample_axes
    if flow is None or axes is None or axes[0] not in (0, 1):
        return None
    if (setup.x.dim() != 3 if setup.x.is_floating_point() else setup.x.dim() != 2):
        return None
    time_axis = 1 - axes[0]
    if flow.leaf.shape[time_axis] < 3:
        return None
    (grad,) = torch.autograd.grad(projected(flow.prediction), [flow.leaf], retain_graph=True, allow_unused=True)
    return (grad, axes[0], time_axis) if grad is not None else None


@check("future_leak", "error",
       "the per-step target is the input k >= 1 steps on, and the prediction at step t reads the input at step "
       "t + k: the value it must predict (a bidirectional layer, attention without a causal mask)",
       needs="prediction")
def _future_leak(setup: Setup) -> list[Issue]:
    shift, flow, axes = setup.per_step_shift, setup.flow, setup.sample_axes
    if shift is None or flow is None or axes is None or flow.prediction.dim() < 2 or flow.prediction_axis > 1:
        return []
    time_axis, k = shift
    prediction_time = 1 - flow.prediction_axis
    steps = setup.x.shape[time_axis]
    if flow.prediction.shape[prediction_time] != steps:
        return []
    leaks = []
    for t in sorted({0, (steps - 1 - k) // 2, steps - 1 - k}):
        (grad,) = torch.autograd.grad(projected(flow.prediction.select(prediction_time, t)), [flow.leaf],
                                      retain_graph=True, allow_unused=True)
        if grad is not None and bool(grad.select(time_axis, t + k).ne(0).any()):
            leaks.append(t)
    if not leaks:
        return []
    step = projected(flow.prediction.select(prediction_time, leaks[0]))
    bidirectional = [call.label for call in flow.layers if call.recurrent and _backward_half_read(call, step)]
    attention = [call.label for call in flow.layers if not call.recurrent and _reads_ahead(call, step)]
    if flow.layers and not (bidirectional or attention):
        # The layers that read the sequence per step are causal or unread: the future arrives through a summary,
        # e.g. an encoder's final state that starts a decoder (an autoencoder's bottleneck, by design).
        return []
    if bidirectional:
        where = f"the backward direction of {', '.join(bidirectional)} reads the sequence from its end"
        fix = ("For a per-step forecast use a unidirectional layer (bidirectional=False), or keep the bidirectional "
               "encoder and predict beyond the window (the target x[T : T + horizon]).")
    elif attention:
        where = f"{', '.join(attention)} lets every step attend to every other, later ones included"
        fix = ("Pass a causal mask, so that step t attends to steps <= t only: mask = "
               "nn.Transformer.generate_square_subsequent_mask(seq_len) (or is_causal=True with that mask).")
    else:
        where = "a layer that reads the whole sequence (a convolution padded on both sides, say) does this"
        fix = "Make every layer causal: step t may read steps <= t only (pad a convolution on the left only)."
    source = "x" if setup.x.is_floating_point() else "the embedding of x"
    return [Issue(
        f"The target at step t is the input at step t + {k}, and the prediction at step t depends on that very "
        f"input: {where}. The model can copy the value it must predict, so training looks excellent and "
        "forecasting, where that value is not yet known, fails.",
        evidence=f"y equals x shifted by {k} step{'s' if k > 1 else ''} along axis {time_axis}; "
        f"d(prediction at step t)/d({source} at step t + {k}) is non-zero at t = {leaks}",
        fix=fix,
    )]


def _backward_half_read(call, of: Tensor) -> bool:
    """Whether ``of`` depends on the backward half of a bidirectional recurrent layer's per-step output."""
    if call.module is None or not call.module.bidirectional:
        return False
    output = call.output if call.output is not None else (
        call.packed_output.data if call.packed_output is not None else None)
    if output is None or not output.requires_grad:
        return False
    (grad,) = torch.autograd.grad(of, [output], retain_graph=True, allow_unused=True)
    return grad is not None and bool(grad[..., call.module.hidden_size:].ne(0).any())


def _reads_ahead(call, of: Tensor) -> bool:
    """Whether ``of`` depends on the per-step output of an attention layer whose output at its first step depends
    on its input at the second (no causal mask)."""
    output, source = call.output, call.input
    if output is None or source is None or not (output.requires_grad and source.requires_grad) \
            or output.dim() != 3 or source.dim() != 3:
        return False
    (grad,) = torch.autograd.grad(of, [output], retain_graph=True, allow_unused=True)
    if grad is None or not bool(grad.ne(0).any()):
        return False
    time = 1 if call.batch_first else 0
    if output.shape[time] < 2 or source.shape[time] < 2:
        return False
    (ahead,) = torch.autograd.grad(projected(output.select(time, 0)), [source], retain_graph=True, allow_unused=True)
    return ahead is not None and bool(ahead.select(time, 1).ne(0).any())


@check("first_step_only", "warning",
       "the prediction depends on the first time step of the input only (e.g. outputs collected in reverse, then "
       "read at [-1])", needs="prediction")
def _first_step_only(setup: Setup) -> list[Issue]:
    read = _read_steps(setup)
    if read is None:
        return []
    grad, _, time_axis = read
    used = grad.ne(0).movedim(time_axis, 0).flatten(1).any(1)
    if not bool(used[0]) or bool(used[1:].any()):
        return _first_real_step_only(setup)
    return [Issue(
        f"The prediction depends on the first of the {used.numel()} time steps of each input only: the rest of the "
        "window is read for nothing. A loop that prepends each step's output (torch.cat((h, outputs), 1)) reverses "
        "time, so outputs[:, -1] is the state after step 0; an index on the wrong axis does the same.",
        evidence=f"d(prediction)/dx along axis {time_axis} is non-zero at step 0 only",
        fix="Collect step outputs in time order (torch.cat((outputs, h), 1), or a list and torch.stack(list, 1)) "
        "and read the last step, outputs[:, -1], the state after the whole window.",
    )]


def _first_real_step_only(setup: Setup) -> list[Issue]:
    """first_step_only on padded data: samples whose prediction reads the first of their 3 or more real steps
    and no later one."""
    found = _real_steps_read(setup)
    if found is None:
        return []
    steps, real = found
    first = real.int().cumsum(1).eq(1) & real  # each sample's first real step
    read = steps & real
    only = (read.eq(first).all(1) & first.any(1) & real.sum(1).ge(3)).nonzero().flatten().tolist()
    if not only:
        return []
    _, end, what = setup.padding
    return [Issue(
        f"The predictions for {len(only)} samples depend on the first of their real steps only ({what} at the "
        f"{end} of the sequences are padding): the rest of each sequence is read for nothing.",
        evidence=f"d(prediction)/dx on the non-padding steps is non-zero at the first one only, samples {only[:8]}"
        f"{' ...' if len(only) > 8 else ''}",
        fix="Read each sequence's last real step: out[:, -1] for padding at the start, "
        "out[torch.arange(batch), lengths - 1] for padding at the end.",
    )]


def _direction_reads(setup: Setup, layer) -> tuple[Tensor, Tensor, Tensor, Tensor] | None:
    """For a bidirectional recurrent layer of the flow: (time step, last valid step of its sequence, forward half
    read, backward half read) per position of its per-step output, from d(prediction)/d(output); packed outputs
    at each sequence's own length. ``None`` when the output is not read or not available."""
    module, hidden = layer.module, layer.module.hidden_size
    output = layer.output if layer.output is not None else (
        layer.packed_output.data if layer.packed_output is not None else None)
    if output is None or not output.requires_grad or output.shape[-1] != 2 * hidden:
        return None
    (grad,) = torch.autograd.grad(projected(setup.flow.prediction), [output], retain_graph=True, allow_unused=True)
    if grad is None:
        return None
    if layer.packed_output is not None:
        sizes = layer.packed_output.batch_sizes
        steps = torch.repeat_interleave(torch.arange(len(sizes)), sizes)
        rows = torch.cat([torch.arange(int(size)) for size in sizes])
        lengths = (sizes.unsqueeze(0) > torch.arange(int(sizes[0])).unsqueeze(1)).sum(1)
        last = lengths[rows] - 1
        flat = grad
    else:
        grid = grad if module.batch_first else grad.transpose(0, 1)  # (batch, seq, 2 * hidden)
        batch, seq = grid.shape[:2]
        steps = torch.arange(seq).repeat(batch)
        last = torch.full_like(steps, seq - 1)
        flat = grid.reshape(batch * seq, -1)
    return steps, last, flat[:, :hidden].ne(0).any(1), flat[:, hidden:].ne(0).any(1)


@check("direction_one_step", "warning",
       "the prediction reads a direction of a bidirectional layer only where it has seen one step (the backward "
       "half of out[:, -1], the forward half of out[:, 0])", needs="prediction")
def _direction_one_step(setup: Setup) -> list[Issue]:
    flow = setup.flow
    issues = []
    for layer in flow.layers if flow is not None else ():
        if not (layer.recurrent and layer.module is not None and layer.module.bidirectional):
            continue
        reads = _direction_reads(setup, layer)
        if reads is None:
            continue
        steps, last, forward, backward = reads
        if int(last.max()) < 2:
            continue
        packed = layer.packed_output is not None
        name = layer.label.split(" (")[0]
        h = layer.module.hidden_size
        if bool(backward.any()) and bool((steps[backward] == last[backward]).all()):
            half, where, seen = "backward", "each sequence's last" + (" valid" if packed else ""), "that step"
        elif bool(forward.any()) and bool((steps[forward] == 0).all()):
            half, where, seen = "forward", "the first", "that step"
        else:
            continue
        issues.append(Issue(
            f"The prediction reads the {half} direction of {name} only at {where} step, where it has read {seen} "
            f"and nothing else of the sequence: half of the features the head gets carry one step. The {half} half "
            f"is out[..., {':' if half == 'forward' else ''}{h}{'' if half == 'forward' else ':'}] of the "
            "per-step output.",
            evidence=f"d(prediction)/d(output of {name}): the {half} half is non-zero only at {where} step"
            + (" (steps counted at each sequence's own length in the packed batch)" if packed else ""),
            fix=(f"Use the final states of both directions, torch.cat([h_n[-2], h_n[-1]], dim=1), which end each "
                 "sequence at its own length in a packed batch; or join the forward half at the last step with the "
                 f"backward half at the first: torch.cat([out[:, -1, :{h}], out[:, 0, {h}:]], dim=1) "
                 "(batch_first)."),
        ))
    return issues


@check("state_from_lower_layers", "warning",
       "a recurrent layer starts from a stacked layer's final state h_n, but from its lower layers only (h_n[:n] "
       "of a bidirectional stack is layer 0's two directions)", needs="prediction")
def _state_from_lower_layers(setup: Setup) -> list[Issue]:
    layers = setup.layer_calls  # internal tensors against each other: no sample leaf needed
    issues = []
    # A stack whose top layer the prediction never reads is reported by upper_layers_unused; a state taken from its
    # lower layers is the same cause, and its fix (hand h_n over whole) may not fit what lies in between.
    try:
        explained = {id(call.module) for call, _ in _stacks_read_below_the_top(setup)} \
            if setup.ready("prediction") else set()
    except Exception:  # noqa: BLE001 - only a reason to stay silent; the guard in check_setup reports failures
        explained = set()
    for decoder in layers:
        start = decoder.initial_state
        if not decoder.recurrent or start is None or not start.requires_grad:
            continue
        for encoder in layers:
            if encoder is decoder or encoder.state is None or encoder.module is None \
                    or encoder.module.num_layers < 2 or not encoder.state.requires_grad \
                    or id(encoder.module) in explained:
                continue
            (grad,) = torch.autograd.grad(projected(start), [encoder.state], retain_graph=True, allow_unused=True)
            if grad is None:
                continue
            used = grad.ne(0).flatten(1).any(1)  # per row of h_n: (layers * directions)
            directions = 2 if encoder.module.bidirectional else 1
            top = used[-directions:]
            if not bool(used.any()) or bool(top.any()):
                continue
            rows = used.nonzero().flatten().tolist()
            named = [f"layer {row // directions}" + (f" {('forward', 'backward')[row % 2]}" if directions == 2 else "")
                     for row in rows]
            enc, dec = encoder.label.split(" (")[0], decoder.label.split(" (")[0]
            issues.append(Issue(
                f"{dec} starts from the final state of {enc}, but only from rows {rows} of its h_n "
                f"({', '.join(named)}): none from its top layer. h_n is (num_layers * directions, batch, hidden), "
                "bottom layer first, the two directions of a layer side by side, so h_n[:num_layers] of a "
                "bidirectional stack is layer 0's forward and backward states, not one state per layer.",
                evidence=f"d(initial state of {dec})/d(h_n of {enc}) is non-zero on rows {rows} of "
                f"{encoder.module.num_layers * directions}",
                fix=_lower_layers_fix(enc, dec, encoder.module, decoder.module),
            ))
    return issues


def _lower_layers_fix(enc: str, dec: str, encoder, decoder) -> str:
    """The fix for state_from_lower_layers, written for the two layers' actual num_layers and directions."""
    layers, dec_layers = encoder.num_layers, getattr(decoder, "num_layers", 1)
    if encoder.bidirectional:
        if dec_layers == 1:
            return (f"Start {dec} (1 layer) from the top layer of {enc}: its two directions summed, "
                    "h_n[-2:-1] + h_n[-1:], shape (1, batch, hidden).")
        if dec_layers == layers:
            return (f"Give each of the {layers} layers of {dec} the matching layer of {enc}, its two directions "
                    f"summed: h_n.view({layers}, 2, batch, hidden).sum(1).")
        return (f"Start {dec} from the top {dec_layers} layers of {enc}, each with its two directions summed: "
                f"h_n.view({layers}, 2, batch, hidden)[-{dec_layers}:].sum(1).")
    if dec_layers == layers:
        return f"Give each of the {layers} layers of {dec} the matching layer of {enc}: pass h_n whole."
    plural = "s" if dec_layers > 1 else ""
    return f"Start {dec} ({dec_layers} layer{plural}) from the top of {enc}: h_n[-{dec_layers}:]."


# --- checks on what one call leaves for the next --------------------------------------------------------


@check("state_not_detached", "info",
       "forward() keeps a hidden state on the model without detaching it: the next call fails unless the "
       "training loop resets that state first, which the doctor cannot see", needs="loss")
def _state_not_detached(setup: Setup) -> list[Issue]:
    state = setup.state
    if state.second_call_error is None:
        return []
    where = ", ".join(f"model.{name}" for name in state.attributes) or "an attribute of the model"
    return [Issue(
        f"forward() stores its final hidden state in {where} and starts the next call from it without "
        ".detach(). If your training loop resets that state before every batch (as some tutorials do), this "
        "is fine; the doctor cannot see the loop, so it cannot tell. If it does not, the second training "
        "step's backward runs into the first step's graph, whose buffers are already freed, and raises "
        "(retain_graph=True only hides this and grows the graph without end).",
        evidence=f"two calls of model(x), each followed by a backward pass: the second call raised "
        f"{type(state.second_call_error).__name__}: {str(state.second_call_error).splitlines()[0]}",
        fix=f"Store {where} detached ({_detached(state)}) if batches continue each other's sequences, or do not "
        "keep a state at all: pass no initial state (zeros) for unrelated sequences.",
    )]


def _detached(state) -> str:
    """The assignment that stores each kept state detached, written for what forward() actually stored there."""
    lines = []
    for name, kind in zip(state.attributes, state.kinds or ("other",) * len(state.attributes), strict=True):
        attribute = name.rsplit(".", 1)[-1]
        if kind == "tensor":
            lines.append(f"self.{attribute} = {attribute}.detach(): it holds one tensor, as nn.RNN and nn.GRU return")
        elif kind == "tuple":
            lines.append(f"self.{attribute} = tuple(h.detach() for h in {attribute}): it holds a tuple, as nn.LSTM's "
                         "(h, c)")
        else:
            lines.append(f"every tensor in self.{attribute} through .detach()")
    return "; ".join(lines) or "every tensor kept through .detach()"


@check("state_carried_over", "warning",
       "forward() carries a hidden state from one call into the next: right only for consecutive chunks of one "
       "series", needs="loss")
def _state_carried_over(setup: Setup) -> list[Issue]:
    state = setup.state
    if state.second_call_error is not None or not state.attributes or not _moved(setup, state.changed):
        return []  # no state kept, or one whose effect on the prediction is rounding
    where = ", ".join(f"model.{name}" for name in state.attributes)
    windows = setup.windows
    return [Issue(
        f"forward() keeps its final hidden state in {where}, and a call that follows another starts from it: the "
        "same x gives a different prediction the second time. The doctor cannot see the training loop, so it "
        "cannot tell whether the loop resets that state before every batch (then this is fine). If it does not, "
        "this is right only when each batch continues the sequences of the previous one (stateful training, "
        "truncated BPTT over one long series). "
        + ("Here the samples are sliding windows of one series, which training usually shuffles: a batch would "
           "then start from the state of unrelated windows." if windows else
           "Make sure batches are consecutive chunks and are not shuffled."),
        evidence=f"model(x) called twice from the same random state: the predictions differ by up to "
        f"{state.changed:.3g}; forward() replaced {where}"
        + ("; x's samples are sliding windows (sample i+1 is sample i shifted by one)" if windows else ""),
        fix="For unrelated sequences reset the state before every batch, or start every call from zeros (pass no "
        "state to the layer); keep a state only across consecutive chunks, detached, and reset it at the start "
        "of every epoch.",
        severity=None if windows else "info",
    )]


# --- the training probe ----------------------------------------------------------------------------------


@check("constant_output", "warning",
       "after the training probe the output is (nearly) constant over the batch: it learns the mean", needs="probe")
def _constant_output(setup: Setup) -> list[Issue]:
    probe, y = setup.probe, setup.y
    if not all(math.isfinite(loss) for loss in probe.losses):
        return []  # nonfinite_loss reports it
    if setup.class_targets:
        return _one_class(setup)
    prediction = probe.prediction
    target_std = float(y.double().std()) if y.numel() > 1 else 0.0
    spread = float(prediction.double().std()) if prediction.numel() > 1 else 0.0
    if target_std == 0 or spread >= CONSTANT_SPREAD * target_std:
        return []
    return [Issue(
        f"After {probe.steps_run} Adam steps (lr={setup.probe_lr}) on a copy of the model, its output is nearly "
        "constant over the batch: nothing it computes tells the samples apart, so at best it learns the mean of "
        "the targets.",
        evidence=f"prediction {shape_of(prediction)} spans [{float(prediction.min()):.4g}, "
        f"{float(prediction.max()):.4g}], std {spread:.3g} = {spread / target_std:.1%} of the target's std "
        f"{target_std:.3g}; loss {probe.final_loss:.4g} vs var(y) = {float(y.double().var(unbiased=False)):.4g}",
        fix="Fix the errors and warnings above first; if there are none, scale the data, train longer or with a "
        "larger lr, and check that each input really determines its target.",
    )]


def _one_class(setup: Setup) -> list[Issue]:
    """constant_output for class targets: the probe predicts one class for every sample."""
    probe, y = setup.probe, setup.y
    prediction = probe.prediction
    if prediction.dim() < 2 or y.unique().numel() < 2:
        return []
    predicted = prediction.argmax(dim=1)  # the class axis of CrossEntropyLoss and NLLLoss
    if predicted.unique().numel() > 1:
        return []
    share = float((y == predicted.flatten()[0]).double().mean()) if y.shape == predicted.shape else math.nan
    return [Issue(
        f"After {probe.steps_run} Adam steps (lr={setup.probe_lr}) on a copy of the model, it predicts class "
        f"{int(predicted.flatten()[0])} for every sample: nothing it computes tells the samples apart, so at best "
        "it learns the most frequent class.",
        evidence=f"the targets hold {y.unique().numel()} classes"
        + (f"; the predicted class is the target of {share:.1%} of the samples" if not math.isnan(share) else "")
        + f"; loss {probe.final_loss:.4g}",
        fix="Fix the errors and warnings above first; if there are none, scale the inputs, train longer or with "
        "a larger lr, and check that each input really determines its class.",
    )]


# --- what the doctor could not check ---------------------------------------------------------------------

# The checks that need to know which axis of x and of the prediction holds the samples.
PER_SAMPLE_CHECKS = ("samples_mixed", "samples_ignored", "sample_position_used", "future_leak", "first_step_only",
                     "direction_one_step")


@check("checks_skipped", "info",
       "the per-sample checks could not run, because the doctor could not tell which axis holds the samples: a "
       "report without errors then says nothing about samples mixed, ignored or leaking", needs="prediction")
def _checks_skipped(setup: Setup) -> list[Issue]:
    why = setup.samples_unlocated
    if not why:
        return []
    return [Issue(
        f"The per-sample checks did not run ({', '.join(PER_SAMPLE_CHECKS)}): the doctor could not tell which "
        "axis holds the samples. Nothing is known about samples mixed by attention or a reshape, samples that "
        "ignore their own input, or a target the model can read ahead.",
        evidence=why,
        fix="If the layout is right, let the doctor see the samples: return the prediction with the batch on an axis "
        "of its own (or flattened from (batch, steps, ...) in x's order) and reshape inside loss_fn; pass x with "
        "the batch on one axis, as the layers read it. A layout error reported beside this (layout_mismatch, "
        "wrong_axis) is often the reason: fix it first.",
    )]
