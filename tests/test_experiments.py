"""The playground's pure layer (sine_lab.studies.playground), checked against the article's code and by hand."""

import math
import warnings

import pytest
import torch

from sine_lab.data import article_data
from sine_lab.diagnostics import jacobian_norms_vs_lag
from sine_lab.studies.playground import (
    FORECAST_STEPS,
    Settings,
    evaluate,
    gradient_flow,
    gradient_regime,
    prepare,
    run_experiment,
)
from sine_lab.models import ArticleLSTM, ArticleSimpleRNN, SequenceModel
from sine_lab.training import seed_everything, train


@pytest.mark.parametrize(
    "change, message",
    [
        ({"framing": "t"}, "framing must be one of 'article', 'windows'"),
        ({"cell": "tcnn"}, "cell must be one of 'rnn', 'lstm', 'gru', 'linear', 'irnn'.*; got 'tcnn'"),
        ({"lr": 0.0}, "lr must be > 0.0, got 0.0"),
        ({"window": 1}, "window must be >= 2, got 1"),
        ({"clip_grad_norm": -1.0}, "clip_grad_norm must be > 0.0"),
        ({"seed": -1}, "seed must be >= 0"),
        ({"init": "xavier"}, "init must be one of"),
    ],
)
def test_settings_reject_invalid_values_naming_expected_and_got(change, message):
    with pytest.raises(ValueError, match=message):
        Settings(**change)


def test_settings_label_names_what_differs():
    label = Settings(framing="windows", window=12, cell="gru", hidden_size=8, num_layers=2, lr=0.003,
                     clip_grad_norm=0.5, init="orthogonal", seed=4).label
    assert label == "windows W=12 gru 8x2 lr=0.003 clip=0.5 init=orthogonal seed=4"
    assert Settings(framing="article").label.startswith("article t→sin t rnn 16x1")


@pytest.mark.parametrize("cell, article_class", [("rnn", ArticleSimpleRNN), ("lstm", ArticleLSTM)])
def test_article_framing_is_the_articles_model_and_loss(cell, article_class):
    """Same seed -> same weights as the article's class; same losses as training it on the article's x."""
    settings = Settings(framing="article", cell=cell, hidden_size=6, epochs=4, lr=0.01)
    experiment = prepare(settings)
    seed_everything(settings.seed)
    reference = article_class(1, 6, 1)
    for ours, theirs in zip(experiment.model.parameters(), reference.parameters()):
        assert torch.equal(ours, theirs)
    x, y = article_data()
    assert torch.equal(experiment.inputs, x.reshape(1, 1000, 1))
    assert torch.equal(experiment.targets, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = train(reference, x, y, epochs=4, lr=0.01, seed=settings.seed).loss
        run = run_experiment(settings)
    assert run.history.loss == pytest.approx(expected, rel=1e-5)
    assert any("different to the input size" in w for w in run.history.warnings)
    assert run.experiment.constant_floor == pytest.approx(float(y.var(unbiased=False)))


def test_windows_framing_pairs_each_window_of_sin_t_with_the_next_value():
    experiment = prepare(Settings(framing="windows", window=7))
    times = torch.linspace(0, 10, 1000)
    assert experiment.inputs.shape == (993, 7, 1)
    assert experiment.targets.shape == (993, 1)
    assert torch.equal(experiment.t, times[7:])
    assert torch.allclose(experiment.targets.reshape(-1), torch.sin(experiment.t))
    assert torch.allclose(experiment.inputs[5, :, 0], torch.sin(times[5:12]))


def test_prepare_applies_the_recurrent_init():
    orthogonal = prepare(Settings(cell="gru", hidden_size=5, init="orthogonal")).model
    for block in orthogonal.rnn.weight_hh_l0.detach().split(5):
        assert torch.allclose(block.T @ block, torch.eye(5), atol=1e-5)
    irnn = prepare(Settings(cell="rnn", hidden_size=5, init="irnn")).model
    assert irnn.rnn.nonlinearity == "relu"
    assert torch.equal(irnn.rnn.weight_hh_l0.detach(), torch.eye(5))
    default = prepare(Settings(cell="rnn", hidden_size=5)).model
    seed_everything(0)
    assert torch.equal(default.rnn.weight_hh_l0, SequenceModel("rnn", 1, 5, 1, 1).rnn.weight_hh_l0)


def test_settings_refuse_irnn_for_gated_cells():
    with pytest.raises(ValueError, match="irnn initialisation is a ReLU RNN with W_hh = I, so it needs cell 'rnn'"):
        Settings(cell="lstm", init="irnn")


def test_run_experiment_is_repeatable_and_passes_the_callback():
    settings = Settings(hidden_size=4, epochs=12)
    seen = []
    first = run_experiment(settings, callback=lambda epoch, loss: seen.append((epoch, loss)))
    assert first.history.loss == run_experiment(settings).history.loss
    assert seen == list(enumerate(first.history.loss, start=1))
    stopped = run_experiment(settings, callback=lambda epoch, loss: epoch < 3)
    assert stopped.history.stop_reason == "stopped" and stopped.history.epochs == 3


def test_evaluate_windows_gives_one_step_free_running_and_lag_norms():
    run = run_experiment(Settings(hidden_size=4, epochs=5, window=10))
    result = evaluate(run)
    model, experiment = run.experiment.model, run.experiment
    with torch.no_grad():
        assert torch.allclose(result.one_step, model(experiment.inputs).reshape(-1))
        # Free-running by hand: feed the model's own output back, step by step, carrying the state.
        outputs, state = model.run(experiment.series[-10:].reshape(1, 10, 1))
        value, by_hand = outputs[:, -1:], []
        for _ in range(FORECAST_STEPS):
            by_hand.append(float(value))
            value, state = model.run(value, state)
    assert result.forecast.tolist() == pytest.approx(by_hand, rel=1e-5, abs=1e-6)
    step = 10 / 999
    assert result.forecast_t[0].item() == pytest.approx(10 + step, rel=1e-6)
    assert result.forecast_t[-1].item() == pytest.approx(10 + FORECAST_STEPS * step, rel=1e-5)
    assert torch.allclose(result.forecast_truth, torch.sin(result.forecast_t))
    assert result.one_step_mse == pytest.approx(float(((result.one_step - result.truth) ** 2).mean()))
    assert result.forecast_mse == pytest.approx(
        sum((f - math.sin(t)) ** 2 for f, t in zip(by_hand, result.forecast_t.tolist())) / FORECAST_STEPS, rel=1e-4
    )
    assert result.lag_norms.shape == (10,) and result.lag_norms[0] == 1


@pytest.mark.filterwarnings("ignore:Using a target size")
def test_evaluate_article_predicts_one_constant_and_has_no_forecast():
    run = run_experiment(Settings(framing="article", hidden_size=3, epochs=2))
    result = evaluate(run)
    with torch.no_grad():
        constant = float(run.experiment.model(run.experiment.inputs))
    assert torch.allclose(result.one_step, torch.full((1000,), constant))
    assert result.forecast is None and result.forecast_mse is None
    assert result.lag_norms.shape == (1000,)


@pytest.mark.parametrize(
    "curve, regime",
    [
        (0.5 ** torch.arange(20.0), "vanishing"),
        (2.0 ** torch.arange(20.0), "exploding"),
        (torch.ones(20), "stable"),
        (torch.tensor([1.0, 1.0, math.inf]), "exploding"),
    ],
)
def test_gradient_regime_compares_the_largest_lag_with_lag_one(curve, regime):
    assert gradient_regime(curve) == regime


def test_gradient_regime_rejects_a_curve_without_two_lags():
    with pytest.raises(ValueError, match="at least 2 lags"):
        gradient_regime(torch.ones(1))


def test_gradient_flow_scales_the_weights_and_measures_the_same_model():
    base = gradient_flow("rnn", 8, 1.0, seq_len=30)
    doubled = gradient_flow("rnn", 8, 2.0, seq_len=30)
    # ρ(cW) = c ρ(W) for c > 0.
    assert doubled.spectral_radius == pytest.approx(2 * base.spectral_radius, rel=1e-6)
    # Reference: the same seeded model scaled by hand, measured with the diagnostics directly.
    seed_everything(0)
    model = SequenceModel("rnn", 1, 8, 1, 1)
    with torch.no_grad():
        model.rnn.weight_hh_l0.mul_(2.0)
    x = article_data()[1][:30].reshape(1, 30, 1)
    assert torch.allclose(doubled.lag_norms, jacobian_norms_vs_lag(model, x))
    assert doubled.regime == gradient_regime(doubled.lag_norms)


def test_gradient_flow_shrinking_the_weights_shrinks_the_long_lag_gradient():
    norms = [float(gradient_flow("lstm", 8, f, seq_len=40).lag_norms[-1]) for f in (3.0, 1.0, 0.3)]
    assert norms[0] > norms[1] > norms[2]
    with pytest.raises(ValueError, match="factor must be > 0.0"):
        gradient_flow("rnn", 8, 0.0)
