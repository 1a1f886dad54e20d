"""Property-based tests (hypothesis) of windowing: shapes, contents, no leakage, argument errors."""

import re

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sine_lab.data import make_windows


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


@given(series_and_sizes())
def test_windows_have_the_documented_shapes_and_contents(case):
    series, window, horizon = case
    inputs, targets = make_windows(series, window, horizon)
    rows = series.reshape(-1, series.shape[-1])
    per_series = rows.shape[1] - window - horizon + 1
    assert inputs.shape == (rows.shape[0] * per_series, window, 1)
    assert targets.shape == (rows.shape[0] * per_series, horizon)
    # A hand loop over series, then start positions, as documented.
    k = 0
    for row in rows:
        for start in range(per_series):
            assert torch.equal(inputs[k, :, 0], row[start : start + window])
            assert torch.equal(targets[k], row[start + window : start + window + horizon])
            k += 1


@given(series_and_sizes())
def test_no_pair_leaks_across_series_and_targets_come_strictly_after_inputs(case):
    series, window, horizon = case
    inputs, targets = make_windows(series, window, horizon)
    pair = torch.cat([inputs[:, :, 0], targets], dim=1)
    assert bool((torch.div(pair, 1000, rounding_mode="floor") == torch.div(pair[:, :1], 1000, rounding_mode="floor")).all())
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
