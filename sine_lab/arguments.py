"""Argument checks shared by every public function.

Each check raises ``TypeError`` or ``ValueError`` with a message that names the
argument, what was expected and what was received, so that a mistake surfaces at
the call that made it instead of deep inside torch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = [
    "check_tensor",
    "check_int",
    "check_float",
    "check_choice",
]


def _describe(value: object) -> str:
    if isinstance(value, Tensor):
        return f"a {value.dim()}-D {value.dtype} tensor of shape {tuple(value.shape)}"
    return f"{type(value).__name__} {value!r}"


def check_tensor(
    name: str,
    value: object,
    *,
    ndim: int | Sequence[int] | None = None,
    last_dim: int | None = None,
    layout: str | None = None,
    floating: bool = True,
    finite: bool = True,
) -> Tensor:
    """Check that ``value`` is a tensor of the expected rank and return it.

    Args:
        name: the argument's name, used in the error message.
        value: what the caller passed.
        ndim: the allowed number of dimensions (one int or several).
        last_dim: the required size of the last dimension, if any.
        layout: a human description of the expected shape, e.g.
            ``"(batch, seq, feature)"``, quoted in the error message.
        floating: require a floating-point dtype.
        finite: require every element to be finite (no NaN or inf).
    """
    expected = f" {layout}" if layout else ""
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor{expected}, got {_describe(value)}")
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim) if ndim is not None else None
    if allowed is not None and value.dim() not in allowed:
        ranks = " or ".join(f"{n}-D" for n in allowed)
        raise ValueError(f"{name} must be a {ranks} tensor{expected}, got {_describe(value)}")
    if last_dim is not None and (value.dim() == 0 or value.shape[-1] != last_dim):
        raise ValueError(
            f"{name} must have last dimension {last_dim}{expected}, got {_describe(value)}"
        )
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor{expected}, got {_describe(value)}")
    if finite and value.is_floating_point() and not bool(torch.isfinite(value).all()):
        bad = int((~torch.isfinite(value)).sum())
        raise ValueError(f"{name} must be finite, but {bad} of its {value.numel()} elements are NaN or inf")
    return value


def check_int(name: str, value: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Check that ``value`` is an int (not a bool) within ``[minimum, maximum]`` and return it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {_describe(value)}")
    _check_bounds(name, value, minimum, maximum)
    return value


def check_float(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
) -> float:
    """Check that ``value`` is a finite real number within the bounds and return it as float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {_describe(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if exclusive_minimum and minimum is not None and value <= minimum:
        raise ValueError(f"{name} must be > {minimum}, got {value}")
    _check_bounds(name, value, minimum, maximum)
    return value


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """Check that ``value`` is one of ``choices`` and return it."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return str(value)


def _check_bounds(name: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
