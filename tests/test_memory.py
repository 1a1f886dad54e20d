import matplotlib

matplotlib.use("Agg")

import json

import pytest
import torch

from sine_lab.data import delayed_recall
from sine_lab.diagnostics import jacobian_norms_vs_lag
from sine_lab.studies.delayed_recall import (
    MEMORY_CONFIGS,
    SUCCESS_NMSE,
    MemoryResult,
    format_success_table,
    load_results,
    plot_memory_sweep,
    run_memory_sweep,
    run_memory_trial,
    success_counts,
    success_rates,
)
from sine_lab.training import seed_everything


def _result(config, lag, seed, nmse, stop_reason="completed", jacobian_norm=1.0):
    return MemoryResult(config, lag, seed, nmse, jacobian_norm=jacobian_norm, epochs=1, stop_reason=stop_reason)


def test_success_needs_a_small_error_and_no_divergence():
    assert _result("a", 5, 0, SUCCESS_NMSE / 2).success
    assert not _result("a", 5, 0, SUCCESS_NMSE).success
    assert not _result("a", 5, 0, 0.0, stop_reason="diverged").success
    assert _result("a", 5, 0, 0.01).as_dict()["success"] is True


def test_success_rates_and_the_table_count_seeds(tmp_path):
    results = [
        _result("a", 5, 0, 0.01), _result("a", 5, 1, 0.01),
        _result("a", 20, 0, 0.01), _result("a", 20, 1, 0.9),
        _result("a", 50, 0, 0.9, jacobian_norm=1e-8), _result("a", 50, 1, 0.01, jacobian_norm=1e-7),
        _result("b", 5, 0, 0.9),
        _result("rnn + tbptt 10", 50, 0, 0.9, jacobian_norm=1e-9),
    ]
    rates = success_rates(results)
    assert rates["a"] == {5: 1.0, 20: 0.5, 50: 0.5} and rates["b"] == {5: 0.0}
    counts = success_counts(results)
    assert counts["a", 5] == (2, 2) and counts["a", 20] == (1, 2) and counts["b", 5] == (0, 1)
    assert ("b", 20) not in counts
    table = format_success_table(results).splitlines()
    assert table[1].split() == ["a", "2/2", "1/2", "1/2"]
    assert table[2].split() == ["b", "0/1", "-", "-"]
    # Truncated BPTT cuts the gradient by design: its vanished start is not counted.
    assert table[-1].endswith("< 1e-6: 2, of which 1 succeeded")
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps([r.as_dict() for r in results]))
    assert load_results(path) == results
    with pytest.raises(ValueError, match="memory-sweep JSON"):
        load_results(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="at least one"):
        format_success_table([])


def test_a_trial_records_the_initial_jacobian_at_the_lag_and_learns_a_short_lag():
    result = run_memory_trial(MEMORY_CONFIGS["gru"], lag=2, seed=0, train_sequences=128, test_sequences=64,
                              epochs=40, lr=1e-2)
    x, _ = delayed_recall(128, 2, seed=0)
    seed_everything(0)
    model = MEMORY_CONFIGS["gru"].build(16)
    # The burst's last step is 2 steps before the answer.
    assert result.jacobian_norm == pytest.approx(float(jacobian_norms_vs_lag(model, x[:4])[2]))
    assert (result.config, result.lag, result.seed) == ("gru", 2, 0)
    assert result.success, result


def test_configs_build_what_they_describe():
    seed_everything(0)
    orthogonal = MEMORY_CONFIGS["rnn + orthogonal"].build(6).rnn.weight_hh_l0
    assert torch.allclose(orthogonal @ orthogonal.T, torch.eye(6), atol=1e-5)
    irnn = MEMORY_CONFIGS["irnn (relu, identity)"].build(6).rnn
    assert irnn.nonlinearity == "relu" and torch.equal(irnn.weight_hh_l0, torch.eye(6))
    lstm = MEMORY_CONFIGS["lstm + forget bias 1"].build(6).rnn
    assert torch.equal((lstm.bias_ih_l0 + lstm.bias_hh_l0)[6:12], torch.ones(6))
    assert MEMORY_CONFIGS["rnn + clipping"].clip_grad_norm == 1.0
    assert MEMORY_CONFIGS["rnn + tbptt 10"].truncate_bptt == 10
    assert {MEMORY_CONFIGS[c].build(3).cell for c in ("rnn", "lstm", "gru")} == {"rnn", "lstm", "gru"}


def test_sweep_runs_every_combination_in_order_and_reports_progress():
    seen = []
    configs = [MEMORY_CONFIGS["rnn"], MEMORY_CONFIGS["lstm"]]
    results = run_memory_sweep(configs, [1, 3], [0, 1], progress=seen.append, train_sequences=8,
                               test_sequences=8, epochs=1, hidden_size=2)
    assert [(r.config, r.lag, r.seed) for r in results] == [
        (c.name, lag, seed) for c in configs for lag in (1, 3) for seed in (0, 1)
    ]
    assert seen == results


def test_plot_memory_sweep_draws_one_line_per_config_in_each_panel():
    results = [_result(c, lag, 0, 0.05 * lag) for c in ("a", "b") for lag in (1, 2, 4)]
    figure = plot_memory_sweep(results, title="t")
    axes = figure.axes
    assert len(axes) == 3
    assert all(len(ax.get_lines()) >= 2 for ax in axes)
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["a", "b"]
    first, second = axes[0].get_lines()[:2]
    assert list(first.get_ydata()) == [1.0, 0.0, 0.0]  # NMSE 0.05, 0.1, 0.2: only < 0.1 succeeds
    # Equal values must not hide one line behind the other: each config sits beside its lag.
    assert all(a < lag < b for a, lag, b in zip(first.get_xdata(), (1, 2, 4), second.get_xdata(), strict=True))
    assert first.get_color() != second.get_color()
