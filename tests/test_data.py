import math

import numpy as np
import pytest
import torch

from sine_lab.data import Standardizer, article_data, make_windows, random_sines, sine_series, time_split


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


def test_make_windows_stride_keeps_every_stride_th_pair():
    series = torch.arange(30, dtype=torch.float32).reshape(2, 15)
    all_in, all_out = make_windows(series, 4, 2)
    strided_in, strided_out = make_windows(series, 4, 2, stride=3)
    per_series = 15 - 4 - 2 + 1
    keep = [i * per_series + k for i in range(2) for k in range(0, per_series, 3)]
    assert torch.equal(strided_in, all_in[keep]) and torch.equal(strided_out, all_out[keep])


def test_time_split_cuts_along_time_in_order():
    series = torch.arange(40, dtype=torch.float32).reshape(2, 20)
    train, val, test = time_split(series, train=0.5, validation=0.25)
    assert train.shape == (2, 10) and val.shape == (2, 5) and test.shape == (2, 5)
    assert torch.equal(torch.cat([train, val, test], dim=1), series)
    # Every validation time is later than every training time, every test time later still.
    assert train[:, -1].lt(val[:, 0]).all() and val[:, -1].lt(test[:, 0]).all()


def test_time_split_needs_a_test_part():
    with pytest.raises(ValueError, match="must leave a test part"):
        time_split(torch.zeros(10), train=0.8, validation=0.2)


def test_random_sines_match_their_reported_parameters():
    values, omega, amp = random_sines(6, 400, step=0.05, angular_frequency=(0.5, 2.0), amplitude=(0.3, 1.5), seed=4)
    assert values.shape == (6, 400) and omega.shape == (6,) and amp.shape == (6,)
    assert omega.min() >= 0.5 and omega.max() <= 2.0 and amp.min() >= 0.3 and amp.max() <= 1.5
    # Independent check of frequency and amplitude: the exact sine recurrence, and the peak.
    c = torch.cos(omega.double() * 0.05)[:, None]
    v = values.double()
    assert torch.allclose(v[:, 2:], 2 * c * v[:, 1:-1] - v[:, :-2], atol=1e-5)
    assert torch.allclose(v.abs().amax(dim=1), amp.double(), rtol=2e-3)
    again, _, _ = random_sines(6, 400, step=0.05, angular_frequency=(0.5, 2.0), amplitude=(0.3, 1.5), seed=4)
    assert torch.equal(values, again)


def test_random_sines_noise_has_the_requested_scale():
    clean, _, _ = random_sines(4, 5000, seed=1)
    noisy, _, _ = random_sines(4, 5000, noise=0.1, seed=1)
    assert (noisy - clean).std().item() == pytest.approx(0.1, rel=0.05)


def test_random_sines_rejects_reversed_bounds():
    with pytest.raises(ValueError, match="angular_frequency high must be >= 1.0"):
        random_sines(2, 10, angular_frequency=(1.0, 0.5))


def test_standardizer_uses_training_statistics_only_and_inverts():
    train = torch.tensor([1.0, 2.0, 3.0, 4.0])
    later = torch.tensor([10.0, -2.0])
    scaler = Standardizer.fit(train)
    assert scaler.mean == pytest.approx(2.5) and scaler.std == pytest.approx(float(np.std([1, 2, 3, 4], ddof=1)))
    assert torch.allclose(scaler.transform(later), (later - 2.5) / scaler.std)
    assert torch.allclose(scaler.inverse(scaler.transform(later)), later)


def test_standardizer_rejects_constant_data():
    with pytest.raises(ValueError, match="standard deviation is 0"):
        Standardizer.fit(torch.ones(5))


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
