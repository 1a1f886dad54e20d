"""Recipes as stages: pair builders, the generic runner `fit`, and the scores."""

import math
import re
from dataclasses import replace

import pytest
import torch

import sine_lab.forecasting as forecasting
from sine_lab.callbacks import ClipGradNorm
from sine_lab.forecasting import (
    ForecastSettings,
    Recipe,
    Stage,
    estimate_period,
    fit,
    free_run_mse,
    least_squares_predictor,
    rollout_pairs,
    teacher_forcing_pairs,
)
from sine_lab.models import SequenceModel, forecast
from sine_lab.objectives import PerStep
from sine_lab.training import History, train

TINY = ForecastSettings(hidden_size=4, warmup=5, chunk=30, batch_size=4, adam_steps=3, lbfgs_steps=1, rollout=0,
                        rollout_warmup=10, validation_start=150, stable_until=300)


def _waves(n=6, length=200, period=8.0):
    shifts = torch.arange(n, dtype=torch.float32)[:, None] * 3
    return torch.sin((torch.arange(length, dtype=torch.float32)[None, :] + shifts) / period)


def test_teacher_forcing_pairs_target_each_next_value_after_the_warmup():
    series = torch.arange(40.0).reshape(2, 20)
    x, y = teacher_forcing_pairs(series, chunk=6, warmup=2, stride=3)
    assert x.shape[1:] == (6, 1) and y.shape[1] == 4
    # Each value is its time index (plus 20 for the second series): the target is the input one step later.
    assert torch.equal(y, x[:, 2:, 0] + 1)


def test_rollout_pairs_are_contexts_and_their_continuations():
    series = torch.arange(30.0).reshape(1, 30)
    x, y = rollout_pairs(series, context=5, steps=3, stride=4)
    assert torch.equal(y[:, 0], x[:, -1, 0] + 1) and torch.equal(y[:, -1], x[:, -1, 0] + 3)


def test_free_run_mse_skips_the_lead_and_scores_the_rest():
    model = SequenceModel.linear_predictor([1.01])  # grows by 1 % a step
    context, future = torch.ones(2, 4), torch.ones(2, 3)
    mse, generated = free_run_mse(model, context, future, lead=2)
    assert torch.allclose(generated, 1.01 ** torch.arange(3, 6.0).expand(2, 3))
    assert mse == pytest.approx(float(((1.01 ** torch.arange(3, 6.0) - 1) ** 2).mean()), rel=1e-5)


def test_a_stage_trains_exactly_as_train_with_its_settings():
    torch.manual_seed(0)
    a = SequenceModel("gru", hidden_size=4)
    b = SequenceModel("gru", hidden_size=4)
    b.load_state_dict(a.state_dict())
    x, y = torch.randn(10, 8, 1), torch.randn(10, 6)
    stage = Stage(0.01, steps=5, objective=PerStep(2), batch_size=4, clip=0.5, schedule="cosine")
    by_stage = stage.train(a, x, y, seed=3)
    by_hand = train(b, x, y, steps=5, lr=0.01, objective=PerStep(2), batch_size=4, schedule="cosine",
                    callbacks=[ClipGradNorm(0.5)], seed=3)
    assert by_stage.loss == by_hand.loss


def test_stages_sharing_data_train_on_nested_samples(monkeypatch):
    seen = []

    def recording_train(model, x, y, **kwargs):
        seen.append(x)
        return History()

    monkeypatch.setattr(forecasting, "train", recording_train)
    fit("rnn", _waves(), TINY, seed=2)
    adam, lbfgs = seen
    assert adam.shape[0] == TINY.adam_steps * TINY.batch_size and lbfgs.shape[0] == TINY.batch_size
    assert torch.equal(lbfgs, adam[: TINY.batch_size])  # L-BFGS refines on chunks Adam saw
    fit("rnn", _waves(), TINY, seed=3)
    assert not torch.equal(seen[2], adam)  # the control: another seed draws other chunks


def test_fit_takes_a_recipe_that_is_a_function_of_the_data():
    def recipe(series):
        # A length derived from the data: warm up over a quarter of the series before the cut.
        warmup = series.shape[1] // 8
        data = lambda part: teacher_forcing_pairs(part, 2 * warmup, warmup, stride=7)  # noqa: E731
        return Recipe({"hidden_size": 3}, [Stage(0.01, steps=4, data=data, objective=PerStep(warmup))],
                      validation_start=series.shape[1] // 2)

    model, histories = fit("lstm", _waves(), recipe, seed=0)
    again, repeated = fit("lstm", _waves(), recipe, seed=0)
    assert [h.loss for h in histories] == [h.loss for h in repeated] and len(histories[0].loss) == 4  # full batch
    assert model.hidden_size == 3 and not model.training
    with pytest.raises(ValueError, match="needs data"):
        Stage(0.01, steps=1).run(model, _waves(), 100, orders={}, generator=torch.Generator())


def test_the_standard_recipe_validates_and_keeps_its_best_weights():
    model, histories = fit("gru", _waves(), replace(TINY, rollout=5, rollout_steps=2, rollout_patience=1), seed=0)
    assert len(histories) == 3
    for history in histories[1:]:
        assert history.validation_epochs[0] == 0 and history.best_epoch is not None
        best = history.validation_loss[history.validation_epochs.index(history.best_epoch)]
        assert min(history.validation_loss) == best
    assert all(math.isfinite(h.final_loss) for h in histories)


def test_a_closed_form_kind_skips_the_stages():
    series = _waves(period=12.0)
    model, histories = fit("linear", series, TINY)
    assert histories == []
    # Held as the correction to linear extrapolation: (2cos(1/12) - 2, -1 + 1), in float32 without losing the
    # digits that a coefficient near 2 would lose.
    assert model.delta_order == 2 and model.delta_scale == 1.0
    assert torch.allclose(model.head.weight.double(), torch.tensor([[2 * math.cos(1 / 12) - 2, 0.0]],
                                                                   dtype=torch.float64), atol=1e-6)
    exact = least_squares_predictor(2)(series)
    with torch.no_grad():
        assert torch.allclose(forecast(exact, series[:, :50, None], 20), series[:, 50:70], atol=1e-3)


def test_the_least_squares_recurrence_free_runs_a_slow_wave_to_float32_rounding():
    # At 100 samples per radian a coefficient near 2 stored in float32 drifts the frequency by ~1e-6 rad per
    # step; the correction form keeps the free run at the arithmetic's rounding for 10 cycles.
    n = torch.arange(8000, dtype=torch.float64)
    series = torch.sin(n[None, :] / 100.0 + torch.tensor([[0.0], [1.0], [2.0]], dtype=torch.float64)).float()
    model = least_squares_predictor(2)(series[:, :800])
    with torch.no_grad():
        run = forecast(model, series[:, :1000, None], 6283)
    assert float(((run.double() - series[:, 1000:7283].double()) ** 2).mean()) < 1e-7


@pytest.mark.parametrize("period", [5.0, 7.0, 13.0, 35.0, 70.0, 100.0])
def test_estimate_period_recovers_any_period_from_any_phase_and_amplitude(period):
    generator = torch.Generator().manual_seed(int(period))
    n = torch.arange(300, dtype=torch.float64)
    phases = 6.3 * torch.rand(4, 1, generator=generator, dtype=torch.float64)
    amplitudes = 0.1 + 3 * torch.rand(4, 1, generator=generator, dtype=torch.float64)
    series = (amplitudes * torch.sin(n / period + phases)).float()
    assert estimate_period(series) == pytest.approx(period, rel=1e-5)
    assert estimate_period(series[2]) == pytest.approx(period, rel=1e-5), "one series is enough"


def test_estimate_period_is_not_thrown_by_noise():
    # Lag 1 alone is 7% off here (the wave bends by only 1/400 per sample); the refit at one radian is not.
    from sine_lab.bench import make_task

    clean = make_task(20.0, seed=0).train[:, :800]
    noisy = clean + 0.01 * torch.randn(clean.shape, generator=torch.Generator().manual_seed(0))
    assert estimate_period(noisy) == pytest.approx(20.0, rel=1e-3)


@pytest.mark.parametrize(
    "series, error, text",
    [
        (torch.ones(10), ValueError, "does not oscillate"),
        (torch.arange(10.0), ValueError, "does not oscillate"),
        (torch.exp(torch.arange(30.0) / 10), ValueError, "does not oscillate"),
        (torch.tensor([1.0, -1.0, 1.0, -1.0]), ValueError, "does not oscillate"),
        (torch.zeros(5), ValueError, "all zeros"),
        (torch.tensor([1.0, 2.0]), ValueError, "at least 3 time steps"),
        (torch.tensor([0.0, 1.0, float("nan"), 1.0]), ValueError, "must be finite"),
        (torch.arange(10), TypeError, "floating-point"),
        (torch.zeros(2, 3, 4), ValueError, "(T,) or (n_series, T)"),
        ([0.0, 1.0, 0.0], TypeError, "torch.Tensor"),
    ],
)
def test_estimate_period_rejects_what_is_not_a_wave(series, error, text):
    with pytest.raises(error, match=re.escape(text)):
        estimate_period(series)


def test_the_standard_recipe_follows_the_period_it_measures_not_a_label(monkeypatch):
    from sine_lab.bench import make_task

    seen = []
    original = ForecastSettings.for_period
    monkeypatch.setattr(ForecastSettings, "for_period",
                        lambda self, period: seen.append(period) or original(self, period))
    slow = make_task(50.0).train  # nothing in the series says 50 but the wave itself
    recipe = ForecastSettings(warmup=40, chunk=120, reference_period=20.0)(slow)
    assert seen == [pytest.approx(50.0, rel=1e-6)]
    warmup = recipe.stages[0].objective.warmup
    assert warmup == 100 and recipe.validation_start == 800
    fast = ForecastSettings(warmup=40, chunk=120, reference_period=20.0)(make_task(10.0).train)
    assert fast.stages[0].objective.warmup == 40
