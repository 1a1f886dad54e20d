"""Chapter 06's study functions: the article runs, the input-scale control, the radius sweep, the window
task, the clipping study and its stored seeds, the sign test, the unrolled-RNN figure."""

import matplotlib

matplotlib.use("Agg")

import dataclasses
import math

import matplotlib.pyplot as plt
import pytest
import torch

from sine_lab.data import article_data, make_windows, sine_series
from sine_lab.diagnostics import spectral_radius
from sine_lab.models import ArticleSimpleRNN
from sine_lab.studies.gradients import (
    CLIPPING_SETTINGS,
    SEEDS_PATH,
    ClippingSetting,
    article_run,
    chance_of_at_least,
    clipping_study,
    clipping_trial,
    draw_unrolled_rnn,
    input_scale_control,
    load_seeds,
    paired_count,
    radius_sweep,
    save_seeds,
    train_on_windows,
    window_task,
)
from sine_lab.training import seed_everything


def test_an_article_run_measures_the_last_steps_before_and_after_training():
    run = article_run("lstm", seed=0, epochs=2, lags=30)
    assert run.before.shape == run.after.shape == (30,)
    assert not torch.equal(run.before, run.after), "training changed the weights, so the gradient"
    assert 0 < run.factor_before < 1 and run.var_y == pytest.approx(0.4432, abs=1e-4)
    assert set(run.summary()) == {"example", "seed", "epochs", "factor_before", "factor_after", "final_loss", "var_y"}
    with pytest.raises(ValueError, match="example must be one of"):
        article_run("gru", seed=0)
    with pytest.raises(ValueError, match=r"\(1000, 1\)"):
        article_run("rnn", seed=0, x=torch.zeros(10, 1))


@pytest.mark.filterwarnings("error:Using a target size")  # the article's broadcast is expected, and kept quiet
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
        spectral_radius(ArticleSimpleRNN(1, 10, 1).rnn.weight_hh_l0), rel=1e-6)
    assert 0 < results[0].mean_tanh_slope <= 1 and 0 < results[0].factor_per_step < 1


def test_input_scale_control_rejects_bad_input():
    x, y = article_data()
    with pytest.raises(TypeError, match="non-empty dict"):
        input_scale_control(lambda: ArticleSimpleRNN(1, 10, 1), {}, y, seed=0)
    with pytest.raises(ValueError, match=r"\(seq, 1\)"):
        input_scale_control(lambda: ArticleSimpleRNN(1, 10, 1), {"bad": x[None]}, y, seed=0)
    with pytest.raises(ValueError, match="more than 60 steps"):
        input_scale_control(lambda: ArticleSimpleRNN(1, 10, 1), {"short": x[:20]}, y[:20], seed=0)
    with pytest.raises(TypeError, match=r"\.rnn or \.lstm"):
        input_scale_control(lambda: torch.nn.Linear(1, 1), {"raw": x}, y, seed=0)


def test_the_radius_sweep_rescales_to_each_radius_and_respects_the_bound():
    _, wave = sine_series(120, step=0.5)
    rows = radius_sweep(wave.reshape(2, 60, 1), (0.5, 2.0), seeds=[0, 1], hidden_size=8)
    assert [(r.seed, round(r.rho, 6)) for r in rows] == [(0, 0.5), (0, 2.0), (1, 0.5), (1, 2.0)]
    for row in rows:
        assert row.norms.shape == row.bound.shape == (60,)
        assert bool((row.norms <= row.bound * (1 + 1e-6)).all())
        assert 0 < row.mean_slope <= 1 and row.sigma >= row.rho
    small, large = rows[0], rows[1]
    assert small.factor < large.factor and large.mean_slope < small.mean_slope


def test_the_window_task_scores_a_later_stretch_next_to_its_baselines():
    task = window_task(step=0.5, window=10, values=60)
    assert task.x_train.shape == task.x_test.shape == (50, 10, 1) and task.samples_per_radian == 2
    # The test windows start where the training stretch ends: t = 30.
    assert float(task.x_test[0, 0, 0]) == pytest.approx(math.sin(30.0), abs=1e-6)
    assert task.baselines["recurrence"] < 1e-10 < task.baselines["extrapolation"] < task.baselines["persistence"]
    run = train_on_windows(task, "gru", seed=0, hidden_size=4, epochs=3)
    assert run.initial.shape == run.trained.shape == (10,)
    assert run.test_mse > 0 and run.judgement.mse == run.test_mse
    with pytest.raises(ValueError, match="cell must be one of"):
        train_on_windows(task, "linear", seed=0)


def test_clipping_keeps_sgd_finite_where_it_blows_up_without():
    _, values = sine_series(200, step=0.1)
    x, y = make_windows(values, window=40)
    plain = clipping_trial(x, y, radius=3.0, clip=None, optimizer="sgd", lr=0.05, seed=0, epochs=40)
    clipped = clipping_trial(x, y, radius=3.0, clip=1.0, optimizer="sgd", lr=0.05, seed=0, epochs=40,
                             test=(x[:5], y[:5]))
    assert plain.blew_up and plain.epochs < 40 and math.isnan(plain.test_mse)
    assert not clipped.blew_up and clipped.epochs == 40 and clipped.final_loss < 10 and clipped.test_mse > 0
    with pytest.raises(ValueError, match="optimizer must be one of"):
        clipping_trial(x, y, radius=3.0, clip=None, optimizer="lbfgs", lr=1.0, seed=0)
    with pytest.raises(TypeError, match="pair"):
        clipping_trial(x, y, radius=3.0, clip=None, optimizer="sgd", lr=0.05, seed=0, test=x)


def test_the_stored_seeds_round_trip_and_name_what_is_missing(tmp_path):
    task = window_task(step=0.5, window=10, values=60)
    setting = ClippingSetting("adam", 1.5, 0.01, 1.0)
    runs = list(clipping_study(task, seeds=[1, 0], settings=[setting], epochs=2))
    article = [article_run("lstm", seed=0, epochs=1, lags=10)]
    path = tmp_path / "seeds.json"
    save_seeds(path, command="python x.py", task=task, article=article, clipping=runs)
    stored = load_seeds(path)
    assert stored.command == "python x.py" and stored.task == {"step": 0.5, "window": 10, "values": 60}
    assert [r.seed for r in stored.clipping_runs(setting)] == [0, 1], "in seed order"
    assert stored.article == [article[0].summary()]
    with pytest.raises(ValueError, match="no stored runs for SGD"):
        stored.clipping_runs(ClippingSetting("sgd", 3.0, 0.05, None))
    path.write_text('{"command": "x"}', encoding="utf-8")
    with pytest.raises(ValueError, match="lacks"):
        load_seeds(path)


def test_the_chapters_stored_seeds_cover_every_setting():
    stored = load_seeds(SEEDS_PATH)
    assert stored.command.startswith("python scripts/gradients_seeds.py")
    for setting in CLIPPING_SETTINGS:
        assert [r.seed for r in stored.clipping_runs(setting)] == list(range(20))
    assert sorted((r["example"], r["seed"]) for r in stored.article) == [
        (example, seed) for example in ("lstm", "rnn") for seed in range(5)]


def test_the_chance_of_a_count_is_the_binomial_tail():
    assert chance_of_at_least(4, 5) == pytest.approx(6 / 32)
    assert chance_of_at_least(0, 7) == 1.0 and chance_of_at_least(10, 10) == pytest.approx(1 / 1024)
    assert chance_of_at_least(15, 20) < 0.05 <= chance_of_at_least(14, 20)
    with pytest.raises(ValueError, match="wins"):
        chance_of_at_least(6, 5)


def test_a_paired_count_compares_seed_by_seed():
    count = paired_count([True, True, False, True], [False, True, False, False])
    # Two-sided: 2 of 2 either way happens 2 times in 4.
    assert (count.only_first, count.only_second) == (2, 0) and count.chance == pytest.approx(1 / 2)
    assert paired_count([False, True], [True, False]).chance == 1.0, "an even split: capped at 1"
    assert paired_count([True] * 5, [False] * 5).chance == pytest.approx(2 / 32)
    assert paired_count([True], [True]).chance == 1.0, "no seed differs: nothing to test"
    with pytest.raises(ValueError):
        paired_count([True, False], [True])
    with pytest.raises(TypeError, match="bools"):
        paired_count([1, 0], [0, 1])


def test_the_unrolled_rnn_figure_labels_every_state():
    fig, ax = plt.subplots()
    draw_unrolled_rnn(ax, steps=4)
    texts = [t.get_text() for t in ax.texts]
    assert "h$_T$" in texts and "loss" in texts and sum("W$_{hh}$" in t for t in texts) == 3
    with pytest.raises(ValueError):
        draw_unrolled_rnn(ax, steps=1)
    plt.close(fig)


def test_a_clipping_run_starts_at_the_radius_it_names():
    # The rescaling the study relies on: the initial W_hh has exactly the requested spectral radius.
    from sine_lab.diagnostics import scale_recurrent_weights
    from sine_lab.models import SequenceModel

    seed_everything(3)
    model = SequenceModel("rnn", hidden_size=32)
    scale_recurrent_weights(model, 1.5 / spectral_radius(model.rnn.weight_hh_l0))
    assert spectral_radius(model.rnn.weight_hh_l0) == pytest.approx(1.5, rel=1e-6)
