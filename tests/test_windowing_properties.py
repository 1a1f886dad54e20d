"""Property-based tests (hypothesis) of windowing and the train/validation/test split:
shapes, contents, no leakage across series or across the split, argument errors."""

import re

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sine_lab.data import Standardizer, make_windows, time_split


@st.composite
def series_and_sizes(draw):
    n_series = draw(st.integers(1, 4))
    window = draw(st.integers(1, 12))
    horizon = draw(st.integers(1, 5))
    length = draw(st.integers(window + horizon, window + horizon + 40))
    # Value = 1000 * series + time: every element says where it came from.
    codes = 1000.0 * torch.arange(n_series).unsqueeze(1) + torch.arange(length)
    single = draw(st.booleans()) and n_series == 1
    return (codes[0] if single else codes), window, horizon


@given(series_and_sizes(), st.integers(1, 6))
def test_windows_have_the_documented_shapes_and_contents(case, stride):
    series, window, horizon = case
    inputs, targets = make_windows(series, window, horizon, stride=stride)
    rows = series.reshape(-1, series.shape[-1])
    per_series = (rows.shape[1] - window - horizon) // stride + 1
    assert inputs.shape == (rows.shape[0] * per_series, window, 1)
    assert targets.shape == (rows.shape[0] * per_series, horizon)
    # A hand loop over series, then start positions, as documented.
    k = 0
    for row in rows:
        for start in range(0, per_series * stride, stride):
            assert torch.equal(inputs[k, :, 0], row[start : start + window])
            assert torch.equal(targets[k], row[start + window : start + window + horizon])
            k += 1


@given(series_and_sizes())
def test_no_pair_leaks_across_series_and_targets_come_strictly_after_inputs(case):
    series, window, horizon = case
    inputs, targets = make_windows(series, window, horizon)
    pair = torch.cat([inputs[:, :, 0], targets], dim=1)
    series_of = torch.div(pair, 1000, rounding_mode="floor")
    assert bool((series_of == series_of[:, :1]).all())
    time = pair % 1000
    assert bool((time.diff(dim=1) == 1).all())  # consecutive: the target follows the window, nothing skipped


@given(window=st.integers(max_value=0), horizon=st.integers(1, 3))
def test_window_below_one_is_rejected(window, horizon):
    with pytest.raises(ValueError, match=re.escape(f"window must be >= 1, got {window}")):
        make_windows(torch.zeros(50), window, horizon)


@given(horizon=st.integers(max_value=0))
def test_horizon_below_one_is_rejected(horizon):
    with pytest.raises(ValueError, match=re.escape(f"horizon must be >= 1, got {horizon}")):
        make_windows(torch.zeros(50), 5, horizon)


@given(window=st.integers(1, 20), horizon=st.integers(1, 20), short=st.integers(1, 40))
def test_a_series_shorter_than_window_plus_horizon_is_rejected(window, horizon, short):
    length = max(0, window + horizon - short)
    with pytest.raises(ValueError, match=f"at least window \\+ horizon = {window + horizon} time steps, got {length}"):
        make_windows(torch.zeros(length), window, horizon)


@given(window=st.one_of(st.floats(allow_nan=False), st.booleans(), st.none()))
def test_a_non_integer_window_is_rejected(window):
    with pytest.raises(TypeError, match="window must be an int"):
        make_windows(torch.zeros(50), window)


@given(ndim=st.sampled_from([0, 3, 4]))
def test_series_of_the_wrong_rank_is_rejected(ndim):
    with pytest.raises(ValueError, match=r"series must be a 1-D or 2-D tensor \(T,\) or \(n_series, T\)"):
        make_windows(torch.zeros((3,) * ndim), 1)


@given(window=st.integers(1, 5), stride=st.integers(max_value=0))
def test_stride_below_one_is_rejected(window, stride):
    with pytest.raises(ValueError, match=re.escape(f"stride must be >= 1, got {stride}")):
        make_windows(torch.zeros(50), window, stride=stride)


# --- the split ---------------------------------------------------------------------------------------


@st.composite
def split_case(draw):
    length = draw(st.integers(3, 300))
    train = draw(st.floats(0.05, 0.95))
    validation = draw(st.floats(0.0, 0.95))
    n_series = draw(st.integers(1, 3))
    codes = 1000.0 * torch.arange(n_series).unsqueeze(1) + torch.arange(length)
    return (codes[0] if n_series == 1 else codes), train, validation


@given(split_case())
def test_the_split_partitions_time_in_order(case):
    series, train, validation = case
    length = series.shape[-1]
    n_train, n_val = int(train * length), int(validation * length)
    if n_train + n_val >= length:
        with pytest.raises(ValueError, match="train \\+ validation must leave a test part"):
            time_split(series, train, validation)
        return
    parts = time_split(series, train, validation)
    assert [p.shape[-1] for p in parts] == [n_train, n_val, length - n_train - n_val]
    assert all(p.shape[:-1] == series.shape[:-1] for p in parts)
    assert torch.equal(torch.cat(parts, dim=-1), series)  # nothing lost, nothing repeated


@given(split_case(), st.integers(1, 8), st.integers(1, 3))
def test_no_window_leaks_across_the_split(case, window, horizon):
    series, train, validation = case
    length = series.shape[-1]
    n_train, n_val = int(train * length), int(validation * length)
    if n_train + n_val >= length:
        return
    parts = time_split(series, train, validation)
    bounds = [(0, n_train), (n_train, n_train + n_val), (n_train + n_val, length)]
    for part, (low, high) in zip(parts, bounds, strict=True):
        if part.shape[-1] < window + horizon:
            continue
        inputs, targets = make_windows(part, window, horizon)
        time = torch.cat([inputs[:, :, 0], targets], dim=1) % 1000
        # Every value of every pair, input or target, lies inside this part's stretch of time.
        assert bool((time >= low).all()) and bool((time < high).all())


@given(train=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0 + 1e-9, allow_infinity=False)))
def test_a_training_fraction_outside_zero_one_is_rejected(train):
    with pytest.raises(ValueError, match="train must be"):
        time_split(torch.zeros(100), train)


@given(validation=st.floats(max_value=-1e-9, allow_infinity=False))
def test_a_negative_validation_fraction_is_rejected(validation):
    with pytest.raises(ValueError, match=re.escape(f"validation must be >= 0.0, got {validation}")):
        time_split(torch.zeros(100), 0.5, validation)


# --- scaling fitted on the training part ---------------------------------------------------------------


@given(
    st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=60).filter(lambda v: max(v) - min(v) > 1e-3),
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=30),
)
def test_standardizer_uses_training_statistics_only_and_round_trips(train_values, later_values):
    train = torch.tensor(train_values, dtype=torch.float64)
    later = torch.tensor(later_values, dtype=torch.float64)
    scaler = Standardizer.fit(train)
    assert scaler.mean == pytest.approx(float(train.mean()), abs=1e-9 * (1 + float(train.abs().max())))
    assert scaler.std == pytest.approx(float(train.std()), rel=1e-9)
    scaled = scaler.transform(train)
    assert float(scaled.mean()) == pytest.approx(0.0, abs=1e-6) and float(scaled.std()) == pytest.approx(1.0, rel=1e-6)
    assert torch.allclose(scaler.inverse(scaler.transform(later)), later, rtol=1e-9, atol=1e-9 * scaler.std)


@given(value=st.floats(-1e3, 1e3), count=st.integers(2, 20))
def test_standardizer_rejects_constant_or_too_short_training_data(value, count):
    with pytest.raises(ValueError, match="train is constant"):
        Standardizer.fit(torch.full((count,), value))
    with pytest.raises(ValueError, match="train needs at least 2 values to estimate a spread, got 1"):
        Standardizer.fit(torch.tensor([value]))
