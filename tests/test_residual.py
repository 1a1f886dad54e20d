"""The fixed residual every one-value-per-step kind shares (delta_scale, delta_order), the
loss measured in its units (ScaledMSE), and the recipe that derives both from the data."""

import math

import pytest
import torch
from torch import nn

from sine_lab.bench import make_task
from sine_lab.callbacks import DivergenceGuard
from sine_lab.checkpoints import load_model, save_model
from sine_lab.forecasting import ForecastSettings
from sine_lab.models import build_model
from sine_lab.objectives import ScaledMSE
from sine_lab.stepwise import Residual
from sine_lab.training import seed_everything, train

KINDS = ["rnn", "lstm", "gru", "irnn", "attention", "transformer", "lru"]


def built(kind, seed=0, **config):
    seed_everything(seed)
    return build_model(kind, **config)


@pytest.mark.parametrize("kind", KINDS)
def test_order_two_adds_the_scaled_head_to_a_straight_line_through_the_last_two_inputs(kind):
    plain, curved = built(kind, seed=3, per_step=True), built(kind, seed=3, per_step=True, delta_scale=0.5,
                                                               delta_order=2)
    x = torch.randn(2, 10, 1)
    with torch.no_grad():
        expected = 2 * x[:, 1:] - x[:, :-1] + 0.5 * plain(x)[:, 1:]
        assert torch.allclose(curved(x)[:, 1:], expected, atol=1e-5)
        # A fresh start has no earlier input: the first step's change is taken as zero.
        assert torch.allclose(curved(x)[:, 0], x[:, 0] + 0.5 * plain(x)[:, 0], atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_order_two_continues_exactly_from_its_state(kind):
    model = built(kind, seed=1, delta_scale=0.1, delta_order=2)
    x = torch.randn(3, 25, 1)
    with torch.no_grad():
        whole, _ = model.run(x)
        first, state = model.run(x[:, :11])
        rest, _ = model.run(x[:, 11:], state)
    assert torch.allclose(torch.cat([first, rest], dim=1), whole, atol=1e-5)
    # The state carries the last input, so stepping one value at a time agrees too.
    with torch.no_grad():
        steps, state = [], None
        for t in range(x.shape[1]):
            out, state = model.run(x[:, t : t + 1], state)
            steps.append(out)
    assert torch.allclose(torch.cat(steps, dim=1), whole, atol=1e-5)


@pytest.mark.parametrize("kind", ["lstm", "lru"])
def test_a_checkpoint_keeps_the_order(kind, tmp_path):
    model = built(kind, seed=2, delta_scale=0.3, delta_order=2)
    save_model(model, tmp_path / "m.pt")
    loaded, _ = load_model(tmp_path / "m.pt")
    assert loaded.delta_order == 2
    x = torch.randn(2, 12, 1)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def test_bad_residual_settings_get_clear_messages():
    with pytest.raises(ValueError, match="delta_order must be <= 2, got 3"):
        build_model("gru", delta_scale=0.1, delta_order=3)
    with pytest.raises(ValueError, match="delta_order=2 .* needs a delta_scale"):
        build_model("lstm", delta_order=2)
    with pytest.raises(ValueError, match="delta_scale must be > 0.0"):
        Residual(0.0, 2)
    model = built("rnn", delta_scale=0.1, delta_order=2)
    _, state = model.run(torch.randn(2, 5, 1))
    with pytest.raises(TypeError, match=r"carries \(inner state, last input\) as its state"):
        model.run(torch.randn(2, 5, 1), state[0])
    with pytest.raises(ValueError, match=r"last input must have shape \(batch, 1, input_size\) = \(3, 1, 1\)"):
        model.run(torch.randn(3, 5, 1), (torch.zeros(1, 3, 32), state[1]))


def test_the_scaled_loss_is_the_mse_in_units_of_the_scale():
    prediction, target = torch.tensor([1.0, 2.0]), torch.tensor([1.5, 1.0])
    assert float(ScaledMSE(0.5)(prediction, target)) == pytest.approx((0.25 + 1.0) / 2 / 0.25)
    with pytest.raises(ValueError, match="scale must be > 0.0"):
        ScaledMSE(0.0)


@pytest.mark.parametrize("order", [1, 2])
def test_the_recipe_derives_its_scale_from_the_differences_it_predicts(order):
    series = make_task(37.0, seed=4).train
    recipe = ForecastSettings(delta_order=order)(series)
    expected = float(series[:, : recipe.validation_start].diff(n=order, dim=1).std())
    assert recipe.model["delta_order"] == order
    assert recipe.model["delta_scale"] == pytest.approx(expected)
    # A sine's second differences are (2 - 2 cos(1/P)) times its values: about 1/P^2 as large.
    if order == 2:
        assert expected == pytest.approx(float(series[:, :800].std()) * (2 - 2 * math.cos(1 / 37.0)), rel=0.02)
    assert all(isinstance(stage.loss_fn, ScaledMSE) and stage.loss_fn.scale == expected for stage in recipe.stages)
    assert all(stage.loss_fn is None for stage in ForecastSettings(scaled_loss=False)(series).stages)


def test_a_constant_series_has_no_scale_to_derive():
    with pytest.raises(ValueError, match="the training series must vary"):
        ForecastSettings(reference_period=None)(torch.ones(4, 1000))


def test_the_divergence_guard_compares_with_the_zero_predictor_under_the_training_criterion():
    # In units of a small scale the losses are large numbers; what counts as an explosion
    # is growth past the zero predictor's loss under the same criterion, not past mean(y**2).
    # A near-perfect start (loss ~1e-6 in units of 1e-3) that Adam's first steps raise to
    # ~1e3: noise, not divergence, because predicting zero would score ~1e6.
    x = torch.linspace(-1, 1, 64)[:, None]
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(1.0), model.bias.zero_()
    history = train(model, x, x + 1e-6, epochs=3, lr=0.05, loss_fn=ScaledMSE(1e-3))
    assert history.loss[-1] > 1e3 * history.loss[0] and history.stop_reason == "completed"
    guard = DivergenceGuard()
    assert "more than 1000 times" in guard.problem([1.0, 5e3], zero_loss=2.0)
    assert guard.problem([1.0, 5e3], zero_loss=10.0) == ""


def test_free_run_multipliers_of_the_exact_oscillator_are_one_and_a_growing_one_shows():
    from sine_lab.diagnostics import free_run_multipliers
    from sine_lab.models import SequenceModel

    context = torch.sin(torch.arange(100) * 0.2)[None, :, None]
    exact = free_run_multipliers(SequenceModel.linear_oscillator(0.2), context, 31)
    assert exact[:2].tolist() == pytest.approx([1.0, 1.0], abs=1e-6)
    # s[n+1] = 2r cos(0.2) s[n] - r² s[n-1] oscillates with its amplitude growing r = 1.01 per step:
    # a disturbance grows r^31 = 1.36 times in 31 steps.
    r = 1.01
    growing = free_run_multipliers(SequenceModel.linear_predictor([2 * r * math.cos(0.2), -r * r]), context, 31)
    assert growing[:2].tolist() == pytest.approx([r**31, r**31], rel=1e-5)
    # Any nesting of states: an LSTM with the second-order residual carries ((h, c), last input).
    lstm = built("lstm", delta_scale=0.1, delta_order=2, hidden_size=4)
    assert free_run_multipliers(lstm, context, 3).shape == (4 + 4 + 1 + 1,)
    with pytest.raises(ValueError, match=r"one sequence of at least one value, \(1, W, 1\)"):
        free_run_multipliers(lstm, context.repeat(2, 1, 1), 3)
    with pytest.raises(ValueError, match="needs a real state"):
        free_run_multipliers(built("lru", delta_scale=0.1), context, 3)
