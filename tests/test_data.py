import math

import numpy as np
import pytest
import torch

from sine_lab.data import article_data, make_windows, sine_series


def test_article_data_is_the_seed_exactly():
    x, y = article_data()
    assert x.shape == (1000, 1) and y.shape == (1000, 1)
    assert torch.equal(x, torch.linspace(0, 10, 1000).reshape(-1, 1))
    assert torch.equal(y, torch.sin(x))


def test_article_data_elsewhere_in_time_keeps_the_grid_density():
    x, y = article_data(10.0, 20.0)
    assert x[0].item() == 10.0 and x[-1].item() == 20.0
    assert torch.equal(y, torch.sin(x))


def test_article_data_rejects_reversed_bounds():
    with pytest.raises(ValueError, match="stop must be greater than start"):
        article_data(5.0, 1.0)


def test_sine_series_matches_numpy_reference():
    t, s = sine_series(500, step=0.05, angular_frequency=2.5, amplitude=1.5, phase=0.3, start=-2.0)
    n = np.arange(500)
    t_ref = -2.0 + 0.05 * n
    assert t.shape == (500,) and s.shape == (500,)
    np.testing.assert_allclose(t.numpy(), t_ref, rtol=0, atol=1e-5)
    np.testing.assert_allclose(s.numpy(), 1.5 * np.sin(2.5 * t_ref + 0.3), rtol=0, atol=1e-6)


def test_sine_series_noise_is_seeded_and_has_the_requested_scale():
    _, clean = sine_series(20000, step=0.01)
    _, a = sine_series(20000, step=0.01, noise=0.2, seed=3)
    _, b = sine_series(20000, step=0.01, noise=0.2, seed=3)
    _, c = sine_series(20000, step=0.01, noise=0.2, seed=4)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert math.isclose(float((a - clean).std()), 0.2, rel_tol=0.03)


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"length": 0}, ValueError, "length must be >= 1"),
        ({"length": 2.5}, TypeError, "length must be an int"),
        ({"length": 10, "step": 0}, ValueError, "step must be > 0"),
        ({"length": 10, "angular_frequency": -1}, ValueError, "angular_frequency must be > 0"),
        ({"length": 10, "noise": -0.1}, ValueError, "noise must be >= 0"),
        ({"length": 10, "amplitude": float("nan")}, ValueError, "amplitude must be finite"),
    ],
)
def test_sine_series_rejects_bad_arguments(kwargs, error, text):
    with pytest.raises(error, match=text):
        sine_series(**kwargs)


def test_make_windows_matches_a_hand_loop_and_never_crosses_series():
    series = torch.arange(2 * 9, dtype=torch.float32).reshape(2, 9)
    inputs, targets = make_windows(series, window=3, horizon=2)
    expected_in, expected_out = [], []
    for row in series:
        for start in range(9 - 3 - 2 + 1):
            expected_in.append(row[start : start + 3])
            expected_out.append(row[start + 3 : start + 5])
    assert inputs.shape == (10, 3, 1) and targets.shape == (10, 2)
    assert torch.equal(inputs[..., 0], torch.stack(expected_in))
    assert torch.equal(targets, torch.stack(expected_out))


def test_make_windows_accepts_one_series_and_defaults_to_one_step():
    _, s = sine_series(50)
    inputs, targets = make_windows(s, window=10)
    assert inputs.shape == (40, 10, 1) and targets.shape == (40, 1)
    assert torch.equal(targets[:, 0], s[10:])


@pytest.mark.parametrize(
    "series, window, horizon, error, text",
    [
        (torch.zeros(5), 4, 2, ValueError, "at least window \\+ horizon = 6 time steps, got 5"),
        (torch.zeros(2, 3, 1), 1, 1, ValueError, "series must be a 1-D or 2-D tensor"),
        (torch.zeros(10), 0, 1, ValueError, "window must be >= 1"),
        (torch.zeros(10), 2, 1.0, TypeError, "horizon must be an int"),
    ],
)
def test_make_windows_rejects_bad_arguments(series, window, horizon, error, text):
    with pytest.raises(error, match=text):
        make_windows(series, window, horizon)


def test_delayed_recall_hides_the_answer_lag_steps_back():
    from sine_lab.data import delayed_recall

    x, y = delayed_recall(50, lag=7, burst_length=5, seed=3)
    assert x.shape == (50, 12, 1) and y.shape == (50, 1)
    assert torch.allclose(x[:, 2], y)  # the burst's middle sample is sin(pi/2) * amplitude
    assert torch.equal(x[:, 5:], torch.zeros(50, 7, 1))  # silence: nothing about y after the burst
    assert float(y.min()) >= -1.0 and float(y.max()) <= 1.0
    assert torch.equal(delayed_recall(50, lag=7, seed=3)[1], y)
    assert not torch.equal(delayed_recall(50, lag=7, seed=4)[1], y)
    with pytest.raises(ValueError, match="lag must be >= 0"):
        delayed_recall(5, lag=-1)
