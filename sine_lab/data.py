"""Sine data: the article's exact inputs, and general sampled sine series."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from .arguments import check_float, check_int, check_tensor

__all__ = [
    "ARTICLE_START",
    "ARTICLE_STOP",
    "ARTICLE_POINTS",
    "Standardizer",
    "article_data",
    "make_windows",
    "random_sines",
    "sine_series",
    "time_split",
    "delayed_recall",
]

ARTICLE_START = 0.0
ARTICLE_STOP = 10.0
ARTICLE_POINTS = 1000


def article_data(start: float = ARTICLE_START, stop: float = ARTICLE_STOP) -> tuple[Tensor, Tensor]:
    """The article's data: ``x = linspace(start, stop, 1000).reshape(-1, 1)``, ``y = sin(x)``.

    With the defaults this is exactly the seed's ``x = torch.linspace(0, 10, 1000)``.
    Other bounds give the same grid density elsewhere in time, e.g. ``(10, 20)``
    to ask what a model fitted on ``[0, 10]`` does on times it never saw.

    Returns:
        ``x`` of shape ``(1000, 1)`` (time ``t`` in radians) and ``y = sin(x)``
        of shape ``(1000, 1)``, both float32.
    """
    start = check_float("start", start)
    stop = check_float("stop", stop)
    if stop <= start:
        raise ValueError(f"stop must be greater than start, got start={start}, stop={stop}")
    x = torch.linspace(start, stop, ARTICLE_POINTS).reshape(-1, 1)
    return x, torch.sin(x)


def sine_series(
    length: int,
    *,
    step: float = 0.1,
    angular_frequency: float = 1.0,
    amplitude: float = 1.0,
    phase: float = 0.0,
    noise: float = 0.0,
    start: float = 0.0,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    """Sample ``amplitude * sin(angular_frequency * t + phase) + noise * N(0, 1)``.

    Times are ``t[n] = start + n * step`` for ``n = 0 .. length - 1``.

    Args:
        length: number of samples, at least 1.
        step: time between samples (``Δt``, in the same unit as ``1 / angular_frequency``), > 0.
        angular_frequency: ``ω`` in radians per unit of time, > 0.
        amplitude: peak value, >= 0.
        phase: phase in radians.
        noise: standard deviation of additive Gaussian noise, >= 0.
        start: the first sample's time.
        seed: seeds the noise; the same seed gives the same series.

    Returns:
        ``t`` and ``values``, both float32 of shape ``(length,)``.
    """
    length = check_int("length", length, minimum=1)
    step = check_float("step", step, minimum=0.0, exclusive_minimum=True)
    angular_frequency = check_float("angular_frequency", angular_frequency, minimum=0.0, exclusive_minimum=True)
    amplitude = check_float("amplitude", amplitude, minimum=0.0)
    phase = check_float("phase", phase)
    noise = check_float("noise", noise, minimum=0.0)
    start = check_float("start", start)
    seed = check_int("seed", seed, minimum=0)
    # float64 for the phase so that long series keep their accuracy; cast at the end.
    t = start + step * torch.arange(length, dtype=torch.float64)
    values = amplitude * torch.sin(angular_frequency * t + phase)
    if noise > 0:
        generator = torch.Generator().manual_seed(seed)
        values = values + noise * torch.randn(length, generator=generator, dtype=torch.float64)
    return t.float(), values.float()


def make_windows(series: Tensor, window: int, horizon: int = 1, *, stride: int = 1) -> tuple[Tensor, Tensor]:
    """Cut series into supervised pairs: ``window`` past values predict the next ``horizon``.

    A pair starts every ``stride`` samples and no pair crosses from one series
    into another. Pairs are ordered series by series, then by time, so that
    with ``stride=1`` ``inputs[k]`` of series ``i`` starts at sample ``k`` of that series.

    Args:
        series: one series ``(T,)`` or several of equal length ``(n_series, T)``.
        window: past values per input, >= 1.
        horizon: future values per target, >= 1.
        stride: samples between the starts of consecutive pairs, >= 1.

    Returns:
        ``inputs`` ``(N, window, 1)`` (batch-first, one feature) and ``targets``
        ``(N, horizon)``, with ``N = n_series * ((T - window - horizon) // stride + 1)``.
    """
    check_tensor("series", series, ndim=(1, 2), layout="(T,) or (n_series, T)")
    window = check_int("window", window, minimum=1)
    horizon = check_int("horizon", horizon, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    rows = series.unsqueeze(0) if series.dim() == 1 else series
    span = window + horizon
    if rows.shape[1] < span:
        raise ValueError(
            f"series must have at least window + horizon = {span} time steps, got {rows.shape[1]}"
        )
    pairs = rows.unfold(1, span, stride).reshape(-1, span)
    return pairs[:, :window].unsqueeze(-1).contiguous(), pairs[:, window:].contiguous()


def time_split(series: Tensor, train: float = 0.7, validation: float = 0.15) -> tuple[Tensor, Tensor, Tensor]:
    """Split along time: the first part trains, the next validates, the last tests.

    Cut before windowing, so that no training window contains a value from the
    validation or test stretch: every evaluation is on a later time than anything
    the model was fitted to.

    Args:
        series: ``(T,)`` or ``(n_series, T)``.
        train: fraction of the time steps for training, in ``(0, 1)``.
        validation: fraction for validation, ``>= 0``; the rest (``> 0``) is the test part.

    Returns:
        ``(train_part, validation_part, test_part)``, each with the leading shape of
        ``series`` and ``int(train * T)``, ``int(validation * T)`` and the remaining steps.
    """
    check_tensor("series", series, ndim=(1, 2), layout="(T,) or (n_series, T)")
    train = check_float("train", train, minimum=0.0, maximum=1.0, exclusive_minimum=True)
    validation = check_float("validation", validation, minimum=0.0, maximum=1.0)
    length = series.shape[-1]
    n_train, n_val = int(train * length), int(validation * length)
    if n_train + n_val >= length:
        raise ValueError(
            f"train + validation must leave a test part: {train} + {validation} of {length} steps "
            f"leaves {length - n_train - n_val}"
        )
    return series[..., :n_train], series[..., n_train : n_train + n_val], series[..., n_train + n_val :]


def random_sines(
    n_series: int,
    length: int,
    *,
    step: float = 0.1,
    angular_frequency: tuple[float, float] = (1.0, 1.0),
    amplitude: tuple[float, float] = (1.0, 1.0),
    noise: float = 0.0,
    seed: int = 0,
) -> tuple[Tensor, Tensor, Tensor]:
    """Many sine series at random phases, frequencies and amplitudes.

    Series ``i`` is ``A_i sin(ω_i t + φ_i) + noise * N(0, 1)`` at ``t = n * step``,
    with ``φ_i`` uniform in ``[0, 2π)``, ``ω_i`` uniform in ``angular_frequency``
    and ``A_i`` uniform in ``amplitude`` (give equal bounds for a fixed value).

    Args:
        n_series: number of series, >= 1.
        length: samples per series, >= 1.
        step: ``Δt``, > 0.
        angular_frequency: ``(low, high)`` bounds of ``ω``, ``0 < low <= high``.
        amplitude: ``(low, high)`` bounds of ``A``, ``0 <= low <= high``.
        noise: standard deviation of additive Gaussian noise, >= 0.
        seed: seeds phases, frequencies, amplitudes and noise.

    Returns:
        ``values`` ``(n_series, length)`` float32, and the ``ω`` and ``A`` of each
        series, each ``(n_series,)``.
    """
    n_series = check_int("n_series", n_series, minimum=1)
    length = check_int("length", length, minimum=1)
    step = check_float("step", step, minimum=0.0, exclusive_minimum=True)
    noise = check_float("noise", noise, minimum=0.0)
    seed = check_int("seed", seed, minimum=0)
    bounds = {}
    for name, pair, minimum in (("angular_frequency", angular_frequency, 0.0), ("amplitude", amplitude, 0.0)):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"{name} must be a (low, high) tuple, got {pair!r}")
        low = check_float(f"{name} low", pair[0], minimum=minimum, exclusive_minimum=name == "angular_frequency")
        high = check_float(f"{name} high", pair[1], minimum=low)
        bounds[name] = (low, high)
    generator = torch.Generator().manual_seed(seed)

    def uniform(low: float, high: float) -> Tensor:
        return low + (high - low) * torch.rand(n_series, generator=generator, dtype=torch.float64)

    omega = uniform(*bounds["angular_frequency"])
    amp = uniform(*bounds["amplitude"])
    phase = uniform(0.0, 2 * math.pi)
    t = step * torch.arange(length, dtype=torch.float64)
    values = amp[:, None] * torch.sin(omega[:, None] * t + phase[:, None])
    if noise > 0:
        values = values + noise * torch.randn(n_series, length, generator=generator, dtype=torch.float64)
    return values.float(), omega.float(), amp.float()


@dataclass(frozen=True)
class Standardizer:
    """Shift and scale values to mean 0 and standard deviation 1, and back.

    Fit it on the training part only (:meth:`fit`), then apply the same numbers to
    validation and test data, so that no statistic of a later stretch leaks into training.
    """

    mean: float
    std: float

    @classmethod
    def fit(cls, train: Tensor) -> Standardizer:
        """Take the mean and standard deviation of all values in ``train`` (any shape, >= 2 values)."""
        check_tensor("train", train)
        if train.numel() < 2:
            raise ValueError(f"train needs at least 2 values to estimate a spread, got {train.numel()}")
        mean, std = float(train.mean()), float(train.std())
        # A constant tensor's computed std is rounding noise (about eps * |mean|), not always exactly 0.
        if std <= 16 * torch.finfo(train.dtype).eps * abs(mean) or std == 0.0:
            raise ValueError(
                f"train is constant: its standard deviation is 0 (computed {std:.3g} for values around {mean:.6g}), "
                "so it cannot be scaled"
            )
        return cls(mean, std)

    def transform(self, values: Tensor) -> Tensor:
        """``(values - mean) / std``, same shape."""
        return (check_tensor("values", values) - self.mean) / self.std

    def inverse(self, values: Tensor) -> Tensor:
        """Undo :meth:`transform`: ``values * std + mean``, same shape."""
        return check_tensor("values", values) * self.std + self.mean


def delayed_recall(
    n_sequences: int, lag: int, *, burst_length: int = 5, seed: int = 0
) -> tuple[Tensor, Tensor]:
    """A sine task that truly needs memory: recall a burst's amplitude after ``lag`` silent steps.

    Each sequence starts with a burst of half a sine period,
    ``a · sin(π (j + 1) / (burst_length + 1))`` for ``j = 0 .. burst_length - 1``,
    then ``lag`` zeros. The target is the amplitude ``a ~ U(-1, 1)``, read at the
    last step, so the only information about it lies ``lag`` steps or more back.
    Predicting 0 (knowing nothing) gives a mean squared error of ``E[a²] = 1/3``.

    Args:
        n_sequences: number of sequences, >= 1.
        lag: silent steps between the burst's last sample and the answer, >= 0.
        burst_length: samples in the burst, >= 1.
        seed: seeds the amplitudes.

    Returns:
        ``x`` of shape ``(n_sequences, burst_length + lag, 1)`` and ``y`` (the
        amplitudes) of shape ``(n_sequences, 1)``, float32.
    """
    n_sequences = check_int("n_sequences", n_sequences, minimum=1)
    lag = check_int("lag", lag, minimum=0)
    burst_length = check_int("burst_length", burst_length, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    generator = torch.Generator().manual_seed(seed)
    amplitude = 2.0 * torch.rand(n_sequences, 1, generator=generator) - 1.0
    shape = torch.sin(torch.pi * torch.arange(1, burst_length + 1) / (burst_length + 1))
    x = torch.zeros(n_sequences, burst_length + lag, 1)
    x[:, :burst_length, 0] = amplitude * shape
    return x, amplitude
