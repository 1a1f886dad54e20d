"""The trivial baselines a model of a sampled sine is judged against, and the judgement.

Each predicts the next value ``s[n+1]`` from the values before it:

- ``zero``: 0, the mean of a sine over whole cycles;
- ``persistence``: ``s[n]``, the last value;
- ``extrapolation``: ``2 s[n] - s[n-1]``, the straight line through the last two values
  (no parameters; its one-step error is the wave's curvature, about ``ω²`` times the amplitude
  for ``ω`` radians per sample);
- ``recurrence``: ``a s[n] + b s[n-1]`` with ``(a, b)`` fitted by least squares to training
  data (two parameters; for a noise-free sine exactly ``(2 cos ω, -1)``, so it is the best any
  model can do there, up to rounding).

The first three need no fitting, so a model that is no better than them has learned nothing a
formula did not already give. In this series a model has **learned** a task when its MSE is at
least :data:`MARGIN` times below the strongest of the three, and it **beats** a baseline when its
MSE is at least :data:`MARGIN` times below that baseline's (:func:`judge`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor

from .arguments import check_choice, check_int, check_tensor
from .training import fit_autoregressive

__all__ = ["BASELINES", "MARGIN", "PARAMETER_FREE", "Judgement", "free_run", "judge", "next_value", "one_step",
           "recurrence_run"]

PARAMETER_FREE = ("zero", "persistence", "extrapolation")
BASELINES = (*PARAMETER_FREE, "recurrence")
# "Clearly better": a factor, not any difference, since MSEs of repeated runs differ by tens of percent.
MARGIN = 2.0


def _past(past: Tensor) -> Tensor:
    # (N, W) or (N, W, 1) -> (N, W), W >= 2
    check_tensor("past", past, ndim=(2, 3), layout="(N, W) or (N, W, 1)")
    if past.dim() == 3:
        if past.shape[2] != 1:
            raise ValueError(f"past must have one feature per step, (N, W, 1); got shape {tuple(past.shape)}")
        past = past[..., 0]
    if past.shape[1] < 2:
        raise ValueError(f"past must hold at least the last 2 values of each window, got shape {tuple(past.shape)}")
    return past


def _coefficients(fitted_on: Tensor | None, name: str) -> Tensor | None:
    if name != "recurrence":
        return None
    if fitted_on is None:
        raise ValueError("the recurrence baseline is fitted by least squares: pass fitted_on, the training series "
                         "(T,) or (n_series, T)")
    return fit_autoregressive(fitted_on, order=2)


def next_value(past: Tensor, name: str, *, fitted_on: Tensor | None = None) -> Tensor:
    """One baseline's prediction of the value after each window.

    Args:
        past: ``(N, W)`` or ``(N, W, 1)`` windows of past values, newest last, ``W >= 2``.
        name: one of :data:`BASELINES`.
        fitted_on: the training series ``(T,)`` or ``(n_series, T)`` the ``recurrence`` is
            fitted to (required for it, ignored by the others).

    Returns:
        ``(N, 1)`` predictions.
    """
    name = check_choice("name", name, BASELINES)
    past = _past(past)
    last, before = past[:, -1:], past[:, -2:-1]
    if name == "zero":
        return torch.zeros_like(last)
    if name == "persistence":
        return last.clone()
    if name == "extrapolation":
        return 2 * last - before
    a, b = _coefficients(fitted_on, name)
    return a * last + b * before


def one_step(past: Tensor, target: Tensor, *, fitted_on: Tensor | None = None,
             names: tuple[str, ...] = BASELINES) -> dict[str, float]:
    """The one-step MSE of each baseline on windows ``past`` ``(N, W[, 1])`` against ``target`` ``(N, 1)``.

    ``fitted_on`` is the training series the ``recurrence`` is fitted to; leave ``recurrence`` out of
    ``names`` to score the parameter-free baselines only.
    """
    past = _past(past)
    check_tensor("target", target, ndim=2, layout="(N, 1)")
    if tuple(target.shape) != (past.shape[0], 1):
        raise ValueError(f"target must have shape (N, 1) = {(past.shape[0], 1)} for {past.shape[0]} windows, "
                         f"got {tuple(target.shape)}")
    return {name: float(((next_value(past, name, fitted_on=fitted_on) - target) ** 2).mean()) for name in names}


def free_run(context: Tensor, horizon: int, *, fitted_on: Tensor | None = None,
             names: tuple[str, ...] = BASELINES) -> dict[str, Tensor]:
    """Each baseline run free: it sees ``context`` ``(n, W)`` (``W >= 2``), then is fed its own predictions.

    Zero stays 0, persistence repeats the last value, extrapolation continues the straight line
    through the last two values, and the recurrence continues its fitted oscillation.

    Returns:
        ``{name: (n, horizon)}``, the generated values.
    """
    window = _past(context)
    horizon = check_int("horizon", horizon, minimum=1)
    runs = {}
    for name in names:
        coefficients = _coefficients(fitted_on, check_choice("name", name, BASELINES))
        if name == "recurrence":
            runs[name] = recurrence_run(window, coefficients, horizon)
            continue
        last, before = window[:, -1:], window[:, -2:-1]
        generated = []
        for _ in range(horizon):
            following = next_value(torch.cat([before, last], dim=1), name)
            generated.append(following)
            before, last = last, following
        runs[name] = torch.cat(generated, dim=1)
    return runs


def recurrence_run(context: Tensor, coefficients: Tensor, horizon: int) -> Tensor:
    """Free-run ``s[n+1] = a s[n] + b s[n-1]`` from the last two values of each row of ``context`` ``(n, W)``
    for ``horizon`` values ``(n, horizon)``, in the arithmetic of ``context`` and ``coefficients``:
    the pair ``(a, b)`` for every row ``(2,)``, or one pair per row ``(n, 2)``."""
    a, b = coefficients[..., 0:1], coefficients[..., 1:2]  # (1,) or (n, 1): broadcast over the rows
    before, last = context[:, -2:-1], context[:, -1:]
    generated = []
    for _ in range(horizon):
        before, last = last, a * last + b * before
        generated.append(last)
    return torch.cat(generated, dim=1)


@dataclass(frozen=True)
class Judgement:
    """A model's MSE next to the baselines' on the same targets.

    Attributes:
        mse: the model's MSE.
        baselines: ``{name: MSE}`` for some or all of :data:`BASELINES`; at least one parameter-free.
    """

    mse: float
    baselines: Mapping[str, float]

    @property
    def strongest(self) -> tuple[str, float]:
        """The parameter-free baseline with the lowest MSE, and that MSE."""
        return min(((n, m) for n, m in self.baselines.items() if n in PARAMETER_FREE), key=lambda item: item[1])

    def factor(self, name: str) -> float:
        """How many times lower the model's MSE is than baseline ``name``'s (> 1: better)."""
        return self.baselines[name] / self.mse if self.mse > 0 else float("inf")

    @property
    def learned(self) -> bool:
        """At least :data:`MARGIN` times below the strongest parameter-free baseline."""
        return self.factor(self.strongest[0]) >= MARGIN

    def beats(self, name: str) -> bool:
        """At least :data:`MARGIN` times below baseline ``name``."""
        return self.factor(name) >= MARGIN

    def verdict(self) -> str:
        """A few words: learned or not, measured against which baseline, and against the recurrence."""
        name, _ = self.strongest
        words = (f"learned: {self._against(name)}" if self.learned
                 else f"not learned: {self._against(name)} (needs {MARGIN:g}x below it)")
        if "recurrence" in self.baselines:
            relation = "beats" if self.beats("recurrence") else "does not beat"
            words += f"; {relation} the fitted recurrence ({self._against('recurrence')})"
        return words

    def _against(self, name: str) -> str:
        """The model's MSE next to baseline ``name``'s, read the right way round: ``"3x below zero"``
        when the model's is lower, ``"2.4x zero's MSE, worse than zero"`` when it is higher."""
        factor = self.factor(name)
        if factor >= 1:
            return f"{factor:.3g}x below {name}"
        return f"{1 / factor:.3g}x {name}'s MSE, worse than {name}"


def judge(mse: float, baselines: Mapping[str, float]) -> Judgement:
    """Judge a model's MSE against baselines' MSEs on the same targets (see :class:`Judgement`)."""
    if not isinstance(mse, int | float) or mse != mse or mse < 0:
        raise ValueError(f"mse must be a number >= 0, got {mse!r}")
    unknown = sorted(set(baselines) - set(BASELINES))
    if unknown:
        raise ValueError(f"unknown baselines {unknown}; expected names from {BASELINES}")
    if not set(baselines) & set(PARAMETER_FREE):
        raise ValueError(f"judge needs at least one parameter-free baseline {PARAMETER_FREE}, got {sorted(baselines)}")
    return Judgement(float(mse), dict(baselines))
