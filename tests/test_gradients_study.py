"""Chapter 06's study functions: the input-scale control, the clipping trial, the unrolled-RNN figure."""

import matplotlib

matplotlib.use("Agg")

import dataclasses

import matplotlib.pyplot as plt
import pytest
import torch

from sine_lab.data import article_data, make_windows, sine_series
from sine_lab.models import ArticleSimpleRNN
from sine_lab.studies.gradients import clipping_trial, draw_unrolled_rnn, input_scale_control
from sine_lab.training import seed_everything


@pytest.mark.filterwarnings("ignore:Using a target size")  # the article's broadcasting loss, on purpose
def test_input_scale_control_uses_the_same_weights_for_every_input():
    x, y = article_data()
    results = input_scale_control(lambda: ArticleSimpleRNN(1, 10, 1), {"raw": x, "again": x.clone()}, y, seed=0)
    assert [r.input_name for r in results] == ["raw", "again"]
    # Same seed, same input: the same measurements (to rounding), so any difference in the chapter comes
    # from the input.
    first, second = dataclasses.astuple(results[0])[1:], dataclasses.astuple(results[1])[1:]
    assert first == pytest.approx(second, rel=1e-9)
    seed_everything(0)
    assert results[0].spectral_radius == pytest.approx(
        float(torch.linalg.eigvals(ArticleSimpleRNN(1, 10, 1).rnn.weight_hh_l0).abs().max()), rel=1e-6)
    assert 0 < results[0].mean_tanh_slope <= 1 and 0 < results[0].factor_per_step < 1


@pytest.mark.filterwarnings("ignore:Using a target size")
def test_input_scale_control_rejects_bad_input():
    x, y = article_data()
    with pytest.raises(TypeError, match="non-empty dict"):
        input_scale_control(lambda: ArticleSimpleRNN(1, 10, 1), {}, y, seed=0)
    with pytest.raises(ValueError, match=r"\(seq, 1\)"):
        input_scale_control(lambda: ArticleSimpleRNN(1, 10, 1), {"bad": x[None]}, y, seed=0)
    with pytest.raises(TypeError, match=r"\.rnn or \.lstm"):
        input_scale_control(lambda: torch.nn.Linear(1, 1), {"raw": x}, y, seed=0)


def test_clipping_keeps_sgd_finite_where_it_blows_up_without():
    _, values = sine_series(200, step=0.1)
    x, y = make_windows(values, window=40)
    plain = clipping_trial(x, y, radius=3.0, clip=None, optimizer="sgd", lr=0.05, seed=0, epochs=40)
    clipped = clipping_trial(x, y, radius=3.0, clip=1.0, optimizer="sgd", lr=0.05, seed=0, epochs=40)
    assert plain.blew_up and plain.epochs < 40
    assert not clipped.blew_up and clipped.epochs == 40 and clipped.final_loss < 10
    with pytest.raises(ValueError, match="optimizer must be one of"):
        clipping_trial(x, y, radius=3.0, clip=None, optimizer="lbfgs", lr=1.0, seed=0)


def test_the_unrolled_rnn_figure_labels_every_state():
    fig, ax = plt.subplots()
    draw_unrolled_rnn(ax, steps=4)
    texts = [t.get_text() for t in ax.texts]
    assert "h$_T$" in texts and "loss" in texts and sum("W$_{hh}$" in t for t in texts) == 3
    with pytest.raises(ValueError):
        draw_unrolled_rnn(ax, steps=1)
    plt.close(fig)
