import matplotlib

matplotlib.use("Agg")

import json

import pytest
import torch

from sine_lab.data import delayed_recall
from sine_lab.diagnostics import jacobian_norms_vs_lag
from sine_lab.plots import colour
from sine_lab.studies.delayed_recall import (
    FAMILIES,
    MEMORY_CONFIGS,
    RESULTS_FILE,
    SUCCESS_NMSE,
    MemoryResult,
    at_budget,
    constant_nmse,
    format_success_table,
    load_sweep,
    plot_gradient_and_outcome,
    plot_initial_gradients,
    plot_memory_outcomes,
    plot_start_by_lag,
    run_memory_sweep,
    run_memory_trial,
    success_counts,
    success_rates,
)
from sine_lab.training import seed_everything


def _result(config, lag, seed, nmse, stop_reason="completed", jacobian_norm=1.0, budget=50):
    return MemoryResult(config, lag, seed, budget, nmse, jacobian_norm=jacobian_norm, final_jacobian_norm=0.5,
                        epochs=1, stop_reason=stop_reason)


def test_success_needs_a_small_error_and_no_divergence():
    assert _result("a", 5, 0, SUCCESS_NMSE / 2).success
    assert not _result("a", 5, 0, SUCCESS_NMSE).success
    assert not _result("a", 5, 0, 0.0, stop_reason="diverged").success
    assert _result("a", 5, 0, 0.01).as_dict()["success"] is True


def test_success_rates_and_the_table_count_seeds(tmp_path):
    results = [
        _result("a", 5, 0, 0.01), _result("a", 5, 1, 0.01),
        _result("a", 20, 0, 0.01), _result("a", 20, 1, 0.9),
        _result("a", 50, 0, 0.9), _result("a", 50, 1, 0.01),
        _result("b", 5, 0, 0.9),
    ]
    rates = success_rates(results)
    assert rates["a"] == {5: 1.0, 20: 0.5, 50: 0.5} and rates["b"] == {5: 0.0}
    counts = success_counts(results)
    assert counts["a", 5] == (2, 2) and counts["a", 20] == (1, 2) and counts["b", 5] == (0, 1)
    assert ("b", 20) not in counts
    table = format_success_table(results, constant={0: 1.0, 1: 0.05}).splitlines()
    assert table[1].split() == ["a", "2/2", "1/2", "1/2"]
    assert table[2].split() == ["b", "0/1", "-", "-"]
    # The constant's row is judged by the same rule (here a made-up constant that succeeds on seed 1).
    assert table[3].split() == ["constant", "(training", "mean)", "1/2", "1/2", "1/2"]
    with pytest.raises(ValueError, match="no NMSE for seeds"):
        format_success_table(results, constant={0: 1.0})
    with pytest.raises(ValueError, match="at least one"):
        format_success_table([])


def test_results_of_two_budgets_are_never_counted_together():
    results = [_result("a", 5, 0, 0.9, budget=50), _result("a", 5, 0, 0.01, budget=200)]
    with pytest.raises(ValueError, match="mix budgets"):
        success_counts(results)
    assert success_counts(at_budget(results, 200)) == {("a", 5): (1, 1)}
    with pytest.raises(ValueError, match="no result has budget 10"):
        at_budget(results, 10)


def test_a_stored_sweep_round_trips_and_bad_files_are_named(tmp_path):
    results = [_result("a", 5, 0, 0.01), _result("a", 5, 0, 0.2, budget=200)]
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps({"command": "python x.py", "settings": {"seeds": [0]},
                                "results": [r.as_dict() for r in results]}))
    sweep = load_sweep(path)
    assert sweep.results == results and sweep.command == "python x.py" and sweep.settings == {"seeds": [0]}
    with pytest.raises(ValueError, match="missing.json is not a memory-sweep JSON"):
        load_sweep(tmp_path / "missing.json")
    path.write_text(json.dumps([r.as_dict() for r in results]))  # a bare list: no command
    with pytest.raises(ValueError, match="memory-sweep JSON"):
        load_sweep(path)


def test_the_stored_sweep_holds_every_run_its_settings_name():
    sweep = load_sweep(RESULTS_FILE)
    settings = sweep.settings
    expected = {(c, lag, seed, budget) for c in settings["configs"] for lag in settings["lags"]
                for seed in settings["seeds"] for budget in settings["budgets"]}
    found = [(r.config, r.lag, r.seed, r.budget) for r in sweep.results]
    assert sorted(found) == sorted(expected)
    assert sweep.command.startswith("python scripts/memory_sweep.py")
    assert set(settings["configs"]) == set(MEMORY_CONFIGS)


def test_a_trial_records_the_initial_jacobian_at_the_lag_and_learns_a_short_lag():
    (result,) = run_memory_trial(MEMORY_CONFIGS["gru"], lag=2, seed=0, train_sequences=128, test_sequences=64,
                                 budgets=(40,), lr=1e-2)
    x, _ = delayed_recall(128, 2, seed=0)
    seed_everything(0)
    model = MEMORY_CONFIGS["gru"].build(16)
    # The burst's last step is 2 steps before the answer.
    assert result.jacobian_norm == pytest.approx(float(jacobian_norms_vs_lag(model, x[:4])[2]))
    assert result.final_jacobian_norm != pytest.approx(result.jacobian_norm)  # measured after training
    assert (result.config, result.lag, result.seed, result.budget) == ("gru", 2, 0, 40)
    assert result.success, result


def test_one_run_scores_every_budget_as_separate_runs_would():
    options = dict(train_sequences=32, test_sequences=16, hidden_size=4)
    (alone,) = run_memory_trial(MEMORY_CONFIGS["rnn"], 3, 1, budgets=(2,), **options)
    short, long = run_memory_trial(MEMORY_CONFIGS["rnn"], 3, 1, budgets=(4, 2), **options)
    assert alone == short  # the first 2 epochs of a 4-epoch run are a 2-epoch run
    assert (short.budget, short.epochs, long.budget, long.epochs) == (2, 2, 4, 4)
    assert long.test_nmse != short.test_nmse
    with pytest.raises(ValueError, match="at least one number of epochs"):
        run_memory_trial(MEMORY_CONFIGS["rnn"], 3, 1, budgets=())
    with pytest.raises(TypeError, match="MemoryConfig"):
        run_memory_trial("rnn", 3, 1)


def test_a_run_that_stops_early_gives_its_final_score_to_every_larger_budget():
    results = run_memory_trial(MEMORY_CONFIGS["gru"], lag=2, seed=0, train_sequences=128, test_sequences=64,
                               budgets=(60, 120), lr=1e-2)
    assert results[0].stop_reason == results[1].stop_reason == "stopped"
    assert results[0].epochs == results[1].epochs < 60
    assert results[0].test_nmse == results[1].test_nmse


def test_configs_build_what_they_describe():
    seed_everything(0)
    orthogonal = MEMORY_CONFIGS["rnn + orthogonal"].build(6).rnn.weight_hh_l0
    assert torch.allclose(orthogonal @ orthogonal.T, torch.eye(6), atol=1e-5)
    lstm = MEMORY_CONFIGS["lstm + forget bias 1"].build(6).rnn
    assert torch.equal((lstm.bias_ih_l0 + lstm.bias_hh_l0)[6:12], torch.ones(6))
    assert MEMORY_CONFIGS["rnn + clipping"].clip_grad_norm == 1.0
    assert MEMORY_CONFIGS["rnn + tbptt 10"].truncate_bptt == 10
    assert {MEMORY_CONFIGS[c].build(3).cell for c in ("rnn", "lstm", "gru")} == {"rnn", "lstm", "gru"}
    assert [name for family in FAMILIES.values() for name in family] == list(
        dict.fromkeys(name for family in FAMILIES.values() for name in family))
    assert {name for family in FAMILIES.values() for name in family} == set(MEMORY_CONFIGS)


def test_the_activation_and_identity_controls_change_one_thing_each():
    layers = {}
    for name in FAMILIES["activation × identity start (same W_ih, biases 0)"]:
        seed_everything(3)
        layers[name] = MEMORY_CONFIGS[name].build(6).rnn
    irnn, relu, tanh_identity, tanh = (layers[n] for n in (
        "irnn: relu, W_hh = I", "relu, W_hh default", "tanh, W_hh = I", "tanh, W_hh default"))
    for layer in layers.values():
        assert torch.equal(layer.weight_ih_l0, irnn.weight_ih_l0)
        assert not layer.bias_ih_l0.any() and not layer.bias_hh_l0.any()
    assert irnn.nonlinearity == relu.nonlinearity == "relu"
    assert tanh_identity.nonlinearity == tanh.nonlinearity == "tanh"
    assert torch.equal(irnn.weight_hh_l0, torch.eye(6)) and torch.equal(tanh_identity.weight_hh_l0, torch.eye(6))
    assert torch.equal(relu.weight_hh_l0, tanh.weight_hh_l0)
    assert relu.weight_hh_l0.abs().max() <= 6**-0.5 and not torch.equal(relu.weight_hh_l0, torch.eye(6))
    # The tanh layer really computes tanh: same input, same weights, different output from the ReLU one.
    x = torch.randn(2, 4, 1)
    assert not torch.allclose(irnn(x)[0], tanh_identity(x)[0])
    assert torch.allclose(tanh_identity(x)[0].abs(), tanh_identity(x)[0].abs().clamp(max=1))


def test_the_constant_predictions_score_about_one():
    scores = constant_nmse(0, test_sequences=64)
    assert scores["test mean"] == pytest.approx(63 / 64)  # the best constant, the test set's own mean
    assert scores["zero"] >= scores["test mean"] and scores["training mean"] >= scores["test mean"]
    # The amplitudes do not depend on the lag, so a constant scores the same on the test set of any lag.
    _, y_test = delayed_recall(64, 50, seed=10_000)
    _, y_train = delayed_recall(256, 50, seed=0)
    expected = float(((y_test - y_train.mean()) ** 2).mean() / y_test.var())
    assert scores["training mean"] == pytest.approx(expected)


def test_sweep_runs_every_combination_in_order_and_reports_progress():
    seen = []
    configs = [MEMORY_CONFIGS["rnn"], MEMORY_CONFIGS["lstm"]]
    results = run_memory_sweep(configs, [1, 3], [0, 1], progress=seen.append, train_sequences=8,
                               test_sequences=8, budgets=(1, 2), hidden_size=2)
    assert [(r.config, r.lag, r.seed, r.budget) for r in results] == [
        (c.name, lag, seed, budget) for c in configs for lag in (1, 3) for seed in (0, 1) for budget in (1, 2)
    ]
    assert seen == results


def test_plot_memory_outcomes_draws_each_run_and_both_budgets_in_one_panel_per_config():
    results = [_result(c, lag, s, 0.05 * lag, budget=b) for c in ("rnn", "lstm") for lag in (1, 2, 4)
               for s in (0, 1) for b in (50, 200)]
    figure = plot_memory_outcomes(results, title="t", constant=1.0)
    shown = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == ["rnn", "lstm"]
    rings, dots = shown[0].collections[:2]
    assert len(rings.get_offsets()) == len(dots.get_offsets()) == 6  # 3 lags x 2 seeds, each budget
    assert rings.get_edgecolor()[0][:3] == pytest.approx(matplotlib.colors.to_rgb(colour("rnn")))
    assert [t.get_text() for t in figure.legends[0].get_texts()] == [
        "50 epochs", "200 epochs", f"success: NMSE < {SUCCESS_NMSE:g}", "a constant: NMSE 1.00"]


def test_plot_initial_gradients_puts_each_family_in_a_panel_and_skips_exact_zeros():
    curves = {"rnn": torch.tensor([1.0, 0.1, 0.0]), "lstm": torch.tensor([1.0, 0.5, 0.2]),
              "gru": torch.tensor([1.0, 0.4, 0.3])}
    figure = plot_initial_gradients(curves, title="t")
    assert [ax.get_title() for ax in figure.axes] == ["tanh RNN and its remedies", "gated cells"]
    rnn_line = figure.axes[0].get_lines()[0]
    assert torch.isnan(torch.tensor(rnn_line.get_ydata()[2]))  # 0 cannot sit on a log axis: not drawn
    lstm, gru = figure.axes[1].get_lines()[:2]
    assert lstm.get_color() == colour("lstm") and gru.get_color() == colour("gru")
    # lstm and gru stay within a factor 2 of each other, so the panel names them; rnn's panel has no such pair
    notes = [text.get_text() for text in figure.axes[1].texts]
    assert len(notes) == 1 and "lstm (0.20) and gru (0.30) overlap" in notes[0]
    assert not figure.axes[0].texts
    with pytest.raises(ValueError, match="names none"):
        plot_initial_gradients({"mystery": torch.ones(3)}, title="t")


def test_plot_gradient_and_outcome_draws_one_point_per_run_with_a_norm_above_zero():
    results = [_result("rnn", 5, s, 0.5, jacobian_norm=10.0 ** -s) for s in range(3)]
    results.append(_result("gru", 5, 0, 0.05, jacobian_norm=0.0))
    figure = plot_gradient_and_outcome(results, title="t")
    rnn_points, gru_points = figure.axes[0].collections[:2]
    assert len(rnn_points.get_offsets()) == 3 and len(gru_points.get_offsets()) == 0
    # a norm below the floor is drawn at it and counted
    figure = plot_gradient_and_outcome(results, title="t", floor=0.05)
    assert sorted(float(x) for x, _ in figure.axes[0].collections[0].get_offsets()) == [0.05, 0.1, 1.0]
    assert "1 runs below 0.05" in figure.axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="mix budgets"):
        plot_gradient_and_outcome([*results, _result("rnn", 5, 9, 0.5, budget=200)], title="t")


def test_plot_start_by_lag_draws_a_panel_per_lag_a_marker_per_configuration_and_counts_starts():
    results = [_result("rnn", 20, 0, 0.05, jacobian_norm=1e-9), _result("rnn", 20, 1, 0.9, jacobian_norm=0.5),
               _result("lstm", 20, 0, 0.02, jacobian_norm=0.3), _result("tanh, W_hh = I", 50, 0, 0.9),
               _result("gru", 50, 1, 0.9, jacobian_norm=0.0), _result("rnn", 50, 2, 0.9, jacobian_norm=1e-30)]
    figure = plot_start_by_lag(results, title="t")
    k20, k50 = figure.axes
    assert k20.get_title() == "k = 20\nvanished start: 1 of 1 succeed\nopen start: 1 of 2 succeed"
    assert k50.get_title() == "k = 50\nvanished start: 0 of 2 succeed\nopen start: 0 of 1 succeed"
    # one collection per configuration, in order of first appearance: rnn, lstm, tanh W_hh = I, gru
    rnn_20, lstm_20, identity_20, _ = k20.collections[:4]
    assert len(rnn_20.get_offsets()) == 2 and len(lstm_20.get_offsets()) == 1 and len(identity_20.get_offsets()) == 0
    rnn_50, _, identity_50, gru_50 = k50.collections[:4]
    assert [float(x) for x, _ in rnn_50.get_offsets()] == [1e-20], "below the floor: drawn at it"
    assert [float(x) for x, _ in gru_50.get_offsets()] == [1e-20], "exactly 0: drawn at the floor too"
    assert len(identity_50.get_offsets()) == 1
    assert "1 runs at exactly 0" in k50.texts[0].get_text() and "1 runs below 1e-20" in k50.texts[0].get_text()
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["rnn", "lstm", "tanh, W_hh = I", "gru"]
    shapes = [h.get_marker() for h in figure.legends[0].legend_handles]
    assert len(set(shapes)) == 4, "every configuration its own marker"
    with pytest.raises(ValueError, match="mix budgets"):
        plot_start_by_lag([*results, _result("rnn", 5, 9, 0.5, budget=200)], title="t")


def test_plot_gradient_and_outcome_gives_every_configuration_its_own_shape():
    from sine_lab.studies.delayed_recall import _distinct_markers, _shape

    markers = _distinct_markers(list(MEMORY_CONFIGS))
    assert len({_shape(m) for m in markers.values()}) == len(MEMORY_CONFIGS)
    assert markers["rnn"] == "o", "a configuration keeps its own marker while it is free"


def test_plot_gradient_and_outcome_gives_every_configuration_its_own_shade_of_its_kinds_colour():
    from matplotlib.colors import to_rgb

    from sine_lab.plots import colour
    from sine_lab.studies.delayed_recall import _distinct_shades

    shades = _distinct_shades(list(MEMORY_CONFIGS))
    assert len(set(shades.values())) == len(MEMORY_CONFIGS), "no two configurations share a colour"
    assert shades["gru"] == to_rgb(colour("gru")), "a kind with one configuration keeps its colour"
    reds = [name for name in MEMORY_CONFIGS if MEMORY_CONFIGS[name].style()["color"] == colour("rnn")]
    assert len(reds) > 2 and to_rgb(colour("rnn")) in [shades[name] for name in reds]
