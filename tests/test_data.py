import math

import numpy as np
import pytest
import torch

from sine_lab.data import article_data, sine_series


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
