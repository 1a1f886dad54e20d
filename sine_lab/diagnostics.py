"""Diagnostics: what a model does to shapes, and (later chapters) to gradients."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
from torch import Tensor

from .validation import check_tensor

__all__ = ["ShapeStep", "trace_shapes", "format_trace"]


@dataclass(frozen=True)
class ShapeStep:
    """One stage of a forward pass: a submodule, or the loss."""

    stage: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    note: str = ""


def _first_tensor_shape(value: object) -> tuple[int, ...]:
    if isinstance(value, Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)) and value:
        return _first_tensor_shape(value[0])
    return ()


def trace_shapes(model: nn.Module, x: Tensor, y: Tensor | None = None) -> list[ShapeStep]:
    """Run ``model(x)`` once and record the shape entering and leaving each direct
    submodule, then what ``nn.MSELoss`` does with the prediction and ``y``.

    The recurrent layers' rows say whether PyTorch treated ``x`` as batched:
    a 2-D ``(L, H_in)`` input is one unbatched sequence of ``L`` steps.

    Args:
        model: the model to trace (its direct children are hooked).
        x: its input.
        y: the target; adds a ``loss`` row with the broadcast shape.

    Returns:
        one :class:`ShapeStep` per submodule call, in call order, then the loss row;
        if the forward pass raises, the last row names the error instead.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    # Any dtype and non-finite values are allowed: tracing a broken input is the point.
    check_tensor("x", x, floating=False, finite=False)
    if y is not None:
        check_tensor("y", y, floating=False, finite=False)
    steps: list[ShapeStep] = []

    def hook(name: str):
        def record(module: nn.Module, inputs: tuple, output: object) -> None:
            note = ""
            if isinstance(module, nn.RNNBase):
                first = inputs[0]
                batched = first.dim() == 3
                note = (
                    "batched (batch, seq, feature)" if batched and module.batch_first
                    else "batched (seq, batch, feature)" if batched
                    else f"unbatched: one sequence of {first.shape[0]} steps"
                    + (" (batch_first ignored)" if module.batch_first else "")
                )
            steps.append(ShapeStep(f"{name} ({type(module).__name__})",
                                   _first_tensor_shape(inputs), _first_tensor_shape(output), note))
        return record

    handles = [child.register_forward_hook(hook(name)) for name, child in model.named_children()]
    try:
        with torch.no_grad():
            prediction = model(x)
    except Exception as error:  # the trace is the diagnosis: report where the forward pass broke
        steps.append(ShapeStep("forward pass raised", (), (), f"{type(error).__name__}: {error}"))
        return steps
    finally:
        for handle in handles:
            handle.remove()
    if y is not None:
        pred_shape, target_shape = tuple(prediction.shape), tuple(y.shape)
        try:
            broadcast = tuple(torch.broadcast_shapes(prediction.shape, y.shape))
            note = (
                "same shape: element-wise" if pred_shape == target_shape
                else f"broadcast: each of the {y.numel()} targets is compared with "
                + ("the same single prediction" if prediction.numel() == 1 else "a broadcast copy")
            )
        except RuntimeError:
            broadcast, note = (), "shapes cannot broadcast: MSELoss raises"
        steps.append(ShapeStep(f"loss (MSELoss) vs target {target_shape}", pred_shape, broadcast, note))
    return steps


def format_trace(steps: list[ShapeStep]) -> str:
    """A fixed-width table of :func:`trace_shapes` rows, one per line."""
    if not isinstance(steps, (list, tuple)) or not all(isinstance(s, ShapeStep) for s in steps):
        raise TypeError(f"steps must be a list of ShapeStep from trace_shapes, got {type(steps).__name__}")
    rows = [("stage", "input", "output", "note")] + [
        (s.stage, str(s.input_shape), str(s.output_shape), s.note) for s in steps
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip() for r in rows
    )
