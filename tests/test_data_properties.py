"""Property-based tests (hypothesis) of data generation: shapes, values and argument errors."""

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from sine_lab.data import ARTICLE_POINTS, article_data, random_sines, sine_series

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)
positive = st.floats(min_value=1e-3, max_value=10.0)


@given(
    length=st.integers(1, 400),
    step=positive,
    angular_frequency=positive,
    amplitude=st.floats(0.0, 100.0),
    phase=finite,
    start=finite,
)
def test_sine_series_matches_a_float64_numpy_reference(length, step, angular_frequency, amplitude, phase, start):
    t, values = sine_series(length, step=step, angular_frequency=angular_frequency, amplitude=amplitude,
                            phase=phase, start=start)
    assert t.shape == values.shape == (length,) and t.dtype == values.dtype == torch.float32
    t_ref = start + step * np.arange(length)
    np.testing.assert_allclose(t.numpy(), t_ref, rtol=1e-6, atol=1e-6 * (abs(start) + step * length))
    np.testing.assert_allclose(values.numpy(), amplitude * np.sin(angular_frequency * t_ref + phase),
                               rtol=1e-5, atol=1e-5 * max(amplitude, 1e-30))
    assert float(values.abs().max()) <= amplitude * (1 + 1e-6)


@given(length=st.integers(1, 200), noise=st.floats(1e-3, 5.0), seed=st.integers(0, 2**31 - 1))
def test_noise_is_reproducible_by_seed_and_absent_without_noise(length, noise, seed):
    _, clean = sine_series(length)
    _, a = sine_series(length, noise=noise, seed=seed)
    _, b = sine_series(length, noise=noise, seed=seed)
    assert torch.equal(a, b)
    assert torch.equal(sine_series(length, seed=seed)[1], clean)  # the seed only drives noise
    assert not torch.equal(a, clean)


@given(start=finite, width=st.floats(1e-2, 1e3))
def test_article_data_is_a_1000_point_grid_and_its_sine(start, width):
    stop = start + width
    assume(stop > start)
    x, y = article_data(start, stop)
    assert x.shape == y.shape == (ARTICLE_POINTS, 1)
    assert torch.equal(y, torch.sin(x))
    assert x[0, 0].item() == pytest.approx(start, abs=1e-4 * max(1.0, abs(start)))
    assert x[-1, 0].item() == pytest.approx(stop, abs=1e-4 * max(1.0, abs(stop)))
    assert bool((x.diff(dim=0) >= 0).all())


@given(start=finite, back=st.floats(0.0, 1e3))
def test_article_data_rejects_an_empty_or_reversed_range(start, back):
    with pytest.raises(ValueError, match=re.escape(f"stop must be greater than start, got start={start}")):
        article_data(start, start - back)


@given(
    argument=st.sampled_from(["step", "angular_frequency"]),
    value=st.one_of(st.floats(max_value=0.0, allow_nan=False), st.just(math.nan), st.just(math.inf)),
)
def test_sine_series_rejects_non_positive_or_non_finite_rates(argument, value):
    with pytest.raises(ValueError, match=f"{argument} must be"):
        sine_series(10, **{argument: value})


@given(
    argument=st.sampled_from(["amplitude", "noise"]),
    value=st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False),
)
def test_sine_series_rejects_negative_amplitude_or_noise(argument, value):
    with pytest.raises(ValueError, match=re.escape(f"{argument} must be >= 0.0, got {value}")):
        sine_series(10, **{argument: value})


@given(length=st.one_of(st.integers(max_value=0), st.floats(allow_nan=False), st.booleans(), st.text(max_size=3)))
def test_sine_series_rejects_bad_lengths(length):
    expected = ValueError if isinstance(length, int) and not isinstance(length, bool) else TypeError
    with pytest.raises(expected, match="length must be"):
        sine_series(length)


@given(seed=st.one_of(st.integers(max_value=-1), st.floats(allow_nan=False)))
def test_sine_series_rejects_bad_seeds(seed):
    with pytest.raises((ValueError, TypeError), match="seed must be"):
        sine_series(10, noise=0.1, seed=seed)


@st.composite
def bounds(draw, low_min):
    low = draw(st.floats(low_min, 5.0))
    return low, draw(st.floats(low, 10.0))


@given(n_series=st.integers(1, 6), length=st.integers(1, 80), omega=bounds(1e-2), amp=bounds(0.0),
       seed=st.integers(0, 2**31 - 1))
def test_random_sines_respect_their_bounds_and_seed(n_series, length, omega, amp, seed):
    values, omegas, amps = random_sines(n_series, length, angular_frequency=omega, amplitude=amp, seed=seed)
    assert values.shape == (n_series, length) and omegas.shape == amps.shape == (n_series,)
    assert bool(((omegas >= omega[0] * (1 - 1e-6)) & (omegas <= omega[1] * (1 + 1e-6))).all())
    assert bool(((amps >= amp[0] * (1 - 1e-6)) & (amps <= amp[1] * (1 + 1e-6))).all())
    assert bool((values.abs() <= amps[:, None] * (1 + 1e-5) + 1e-6).all())
    again = random_sines(n_series, length, angular_frequency=omega, amplitude=amp, seed=seed)
    assert all(torch.equal(a, b) for a, b in zip((values, omegas, amps), again, strict=True))


@given(low=st.floats(0.1, 5.0), gap=st.floats(1e-3, 5.0))
def test_random_sines_reject_reversed_bounds(low, gap):
    with pytest.raises(ValueError, match="angular_frequency high must be >= "):
        random_sines(2, 10, angular_frequency=(low, low - gap))
    with pytest.raises(ValueError, match="amplitude high must be >= "):
        random_sines(2, 10, amplitude=(low, low - gap))


@given(omega=st.floats(max_value=0.0, allow_nan=False, allow_infinity=False))
def test_random_sines_reject_a_non_positive_frequency(omega):
    with pytest.raises(ValueError, match="angular_frequency low must be > 0.0"):
        random_sines(2, 10, angular_frequency=(omega, 1.0))
