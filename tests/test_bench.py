import json
import math
import re
from dataclasses import replace
from pathlib import Path
from statistics import median

import pytest
import torch

from sine_lab.bench import (
    FREE_RUN_TARGETS,
    RESIDUAL_ONLY,
    TARGETS,
    cli,
    cycle_steps,
    format_sweep,
    free_run_mse,
    make_task,
    plot_sweep,
    run_misses,
    run_sweep,
    score,
    summarize,
)
from sine_lab.bench.cli import main
from sine_lab.forecasting import ForecastSettings, StableRollout, fit, one_step_mse
from sine_lab.models import SequenceModel

# Small enough for a unit test; the benchmark's own sizes are measured by running it.
TINY = ForecastSettings(hidden_size=4, warmup=5, chunk=30, batch_size=4, adam_steps=3, lbfgs_steps=1, rollout=0,
                        rollout_warmup=10)


def test_task_is_the_examples_data():
    task = make_task(20.0, seed=3)
    assert task.train.shape == (97, 1000) and task.test.shape == (3, 1000)
    n = torch.arange(1000, dtype=torch.float64)
    # Independent reference: every allowed wave sin((n + shift) / 20), shift in [-80, 80).
    candidates = torch.sin((n[None] + torch.arange(-80, 80, dtype=torch.float64)[:, None]) / 20)
    distance = torch.cdist(torch.cat([task.train, task.test]).double(), candidates)
    assert distance.min(dim=1).values.max() < 1e-4
    for row, shift in zip(task.test, task.test_shifts, strict=False):
        assert torch.allclose(row.double(), torch.sin((n + shift) / 20), atol=1e-6)
    assert not torch.equal(task.train[0], task.train[1]) or not torch.equal(task.train[1], task.train[2])


def test_continuation_is_the_true_future_of_the_test_series():
    task = make_task(7.5, seed=1)
    future = task.continuation(50)
    n = torch.arange(1000, 1050, dtype=torch.float64)
    expected = torch.sin((n[None] + task.test_shifts[:, None].double()) / 7.5)
    assert future.shape == (3, 50) and torch.allclose(future.double(), expected, atol=1e-6)


def test_the_exact_oscillator_scores_float_precision():
    task = make_task(20.0)
    model = SequenceModel.linear_oscillator(1 / 20)
    assert one_step_mse(model, task.test, warmup=2) < 1e-12
    mse, generated = free_run_mse(model, task, horizon=300)
    assert generated.shape == (3, 300) and mse < 1e-9


def test_free_run_mse_scores_a_hand_rolled_forecast():
    task = make_task(20.0)
    torch.manual_seed(0)
    model = SequenceModel("rnn", hidden_size=3).eval()
    mse, generated = free_run_mse(model, task, horizon=5)
    with torch.no_grad():
        sequence = task.test[:, :999, None]
        for _ in range(6):  # n = 999, then the five scored values n = 1000 .. 1004
            sequence = torch.cat([sequence, model(sequence).unsqueeze(1)], dim=1)
    assert torch.allclose(generated, sequence[:, -5:, 0], atol=1e-5)
    assert mse == pytest.approx(float(((generated - task.continuation(5)) ** 2).mean()))


def test_linear_cell_is_fitted_in_closed_form():
    model, histories = fit("linear", make_task(12.0).train, ForecastSettings())
    assert histories == []
    # The correction to 2x[n] - x[n-1]: (2cos(1/12) - 2, 0).
    assert torch.allclose(model.head.weight, torch.tensor([[2 * math.cos(1 / 12) - 2, 0.0]]), atol=1e-6)


def test_fit_runs_every_stage_of_the_recipe():
    task = make_task(20.0)
    recipe = replace(TINY, rollout=5, rollout_steps=1)
    model, histories = fit("gru", task.train, recipe, seed=1)
    assert [h.epochs for h in histories] == [1, 1, 1]
    assert [len(h.validation_epochs) for h in histories] == [0, 2, 2]
    assert all(math.isfinite(h.final_loss) for h in histories)
    assert not model.training


def test_score_slices_one_free_run_at_each_horizon():
    task = make_task(20.0)
    torch.manual_seed(0)
    model = SequenceModel("rnn", hidden_size=3).eval()
    scores = score(model, task, warmup=5, horizons=[4, 9])
    _, generated = free_run_mse(model, task, 9)
    truth = task.continuation(9)
    assert set(scores) == {"one_step_mse", "free_run_mse"} and list(scores["free_run_mse"]) == ["4", "9"]
    first_four = float(((generated[:, :4] - truth[:, :4]) ** 2).mean())
    assert scores["free_run_mse"]["4"] == pytest.approx(first_four, rel=1e-5)
    assert scores["free_run_mse"]["9"] == pytest.approx(free_run_mse(model, task, 9)[0], rel=1e-5)
    assert scores["one_step_mse"] == pytest.approx(one_step_mse(model, task.test, 5))


def test_score_calls_a_forecast_that_leaves_the_floats_infinite():
    task = make_task(20.0)
    exploding = SequenceModel.linear_predictor([1e30])  # overflows float32 within a few steps
    scores = score(exploding, task, warmup=2, horizons=[50])
    assert scores["free_run_mse"]["50"] == math.inf and scores["one_step_mse"] == math.inf


def test_run_sweep_runs_every_cell_period_and_seed_in_the_documented_shape():
    seen = []
    result = run_sweep(periods=[5.0, 37.5], seeds=[0, 2], cells=["linear", "rnn"], horizons=[10, 20],
                       recipe=TINY, report=seen.append)
    assert set(result) == {"periods", "seeds", "cells", "horizons", "cycles", "delta_order", "threads", "load_average",
                           "runs", "summary"}
    assert len(result["load_average"]) == 2 and min(result["load_average"]) >= 0
    keys = [(r["period"], r["seed"], r["cell"]) for r in result["runs"]]
    assert keys == [(p, s, c) for p in (5.0, 37.5) for s in (0, 2) for c in ("linear", "rnn", RESIDUAL_ONLY)]
    assert seen == result["runs"]
    for row in result["runs"]:
        assert set(row) == {"cell", "period", "seed", "train_seconds", "cpu_seconds", "one_step_mse", "free_run_mse"}
        assert list(row["free_run_mse"]) == ["10", "20"] and row["train_seconds"] >= 0 and row["cpu_seconds"] >= 0
    # the linear recurrence is exact at any period: the sweep must score it so
    for row in result["runs"]:
        if row["cell"] == "linear":
            assert row["one_step_mse"] < 1e-9 and row["free_run_mse"]["20"] < 1e-9, row
    assert [(e["cell"], e["period"], e["seeds"]) for e in result["summary"]] == [
        ("linear", 5.0, 2), ("linear", 37.5, 2), ("rnn", 5.0, 2), ("rnn", 37.5, 2),
        (RESIDUAL_ONLY, 5.0, 2), (RESIDUAL_ONLY, 37.5, 2)]
    assert json.loads(json.dumps(result)) == result


def _row(cell="lstm", period=20.0, seed=0, seconds=1.0, one=1e-7, f1000=1e-5, f2000=1e-4):
    return {"cell": cell, "period": period, "seed": seed, "train_seconds": seconds, "cpu_seconds": seconds,
            "one_step_mse": one, "free_run_mse": {"1000": f1000, "2000": f2000}}


def _result(runs):
    return {"periods": sorted({r["period"] for r in runs}), "seeds": sorted({r["seed"] for r in runs}),
            "cells": list(dict.fromkeys(r["cell"] for r in runs)), "horizons": [1000, 2000], "threads": 1,
            "runs": runs}


def test_run_misses_names_each_target_at_its_threshold():
    assert run_misses(_row()) == []
    assert run_misses(_row(seconds=TARGETS["train_seconds"], one=TARGETS["one_step_mse"],
                           f1000=FREE_RUN_TARGETS[1000], f2000=FREE_RUN_TARGETS[2000])) == []
    assert run_misses(_row(seconds=10.5, one=2e-6, f1000=2e-4, f2000=math.inf)) == [
        "time", "one-step", "free-run 1000", "free-run 2000"]
    assert run_misses({**_row(), "free_run_mse": {"10": 1.0}}) == [], "a horizon without a target is not judged"
    assert run_misses(_row(one=math.nan, f1000=math.nan)) == ["one-step", "free-run 1000"], "NaN misses"


def test_window_models_have_their_own_time_budget():
    from sine_lab.bench import WINDOW_SECONDS, time_targets

    assert time_targets("lstm") == (TARGETS["train_seconds"], TARGETS["median_train_seconds"])
    assert time_targets("attention") == time_targets("transformer") == (WINDOW_SECONDS, WINDOW_SECONDS)
    assert run_misses(_row(cell="transformer", seconds=WINDOW_SECONDS)) == []
    assert run_misses(_row(cell="transformer", seconds=WINDOW_SECONDS + 0.5)) == ["time"]
    assert run_misses(_row(cell="lru", seconds=TARGETS["train_seconds"] + 0.5)) == ["time"]


def test_summarize_takes_worst_and_median_over_seeds_and_judges_the_worst():
    runs = [_row(seed=s, seconds=t, f1000=f) for s, t, f in [(0, 4.0, 1e-6), (1, 6.0, 3e-6), (2, 9.0, 2e-4)]]
    runs.append(_row(cell="gru", seed=0, seconds=6.0))
    summary = summarize(_result(runs))
    lstm, gru = summary
    assert (lstm["cell"], lstm["seeds"], lstm["met_runs"]) == ("lstm", 3, 2)
    assert lstm["train_seconds"] == {"worst": 9.0, "median": 6.0}
    assert lstm["free_run_mse"]["1000"] == {"worst": 2e-4, "median": 3e-6}
    assert lstm["missed"] == ["free-run 1000", "median time"]
    assert (gru["seeds"], gru["met_runs"], gru["missed"]) == (1, 1, ["median time"])
    even = summarize(_result([_row(seed=0, one=1e-8), _row(seed=1, one=3e-8)]))[0]
    assert even["one_step_mse"]["median"] == pytest.approx(2e-8)


def test_format_sweep_prints_one_line_per_cell_and_period_with_its_verdict():
    runs = [_row(period=p, seed=s, f1000=f) for p, f in [(5.0, 1e-5), (50.0, 0.95)] for s in (0, 1)]
    lines = format_sweep(_result(runs)).splitlines()
    assert "periods 5, 50" in lines[0] and "seeds 0, 1" in lines[0]
    assert lines[2].split()[:3] == ["lstm", "5", "2/2"] and lines[2].endswith("met")
    assert lines[3].split()[:3] == ["lstm", "50", "0/2"] and lines[3].endswith("missed: free-run 1000")
    assert "9.5e-01 / 9.5e-01" in lines[3]
    assert lines[-1].startswith("targets per run")
    assert "load average 1.5 before, 2 after" in format_sweep({**_result(runs), "load_average": [1.5, 2.0]})
    with pytest.raises(TypeError, match="run_sweep returns"):
        format_sweep({"rows": []})


def test_main_writes_json_and_prints_the_table(tmp_path, capsys, monkeypatch):

    monkeypatch.setattr(cli, "_recipe", lambda order, reference: replace(TINY, delta_order=order,
                                                                         reference_period=reference))
    path = tmp_path / "out.json"
    argv = ["--cells", "linear,rnn", "--horizons", "10,20", "--periods", "5,7", "--seeds", "0-1", "--json", str(path),
            "--cycles", "1", "--delta-order", "0", "--reference-period", "5"]
    assert main(argv) == 0
    written = json.loads(path.read_text())
    assert written["command"] == "python -m sine_lab.bench " + " ".join(argv), "the file says how it was made"
    assert written["periods"] == [5.0, 7.0] and written["seeds"] == [0, 1] and written["horizons"] == [10, 20]
    assert written["delta_order"] == 0 and written["cycles"] == [1]
    assert len(written["runs"]) == 12 and len(written["summary"]) == 6, "linear, rnn and the residual alone"
    assert all(r["cycle_steps"]["1"] in (31, 44) for r in written["runs"]), "one cycle: 2π·P steps, P measured"
    out, err = capsys.readouterr()
    assert "one-step MSE" in out and "free-run 20" in out and "free-run 1 cyc" in out
    assert len(out.splitlines()) == 2 + 6 + 1
    assert len(err.splitlines()) == 12, "one progress line per run"


@pytest.mark.parametrize("where", ["missing/out.json", "."])
def test_main_refuses_a_json_path_it_cannot_write_before_training(where, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "run_sweep", lambda **_: pytest.fail("trained before checking the --json path"))
    assert main(["--json", str(tmp_path / where)]) == 2
    assert "--json" in capsys.readouterr().err


def test_cycles_count_whole_waves_and_score_the_same_free_run():
    assert cycle_steps(1, 5.0) == 31 and cycle_steps(10, 100.0) == 6283
    task = make_task(20.0, seed=0)
    exact = SequenceModel.linear_predictor(torch.tensor([2 * math.cos(1 / 20.0), -1.0]))
    scores = score(exact, task, warmup=5, horizons=[126], cycles=[1], period=20.0)
    assert scores["cycle_steps"] == {"1": 126}
    assert scores["free_run_cycles"]["1"] == pytest.approx(scores["free_run_mse"]["126"])
    with pytest.raises(TypeError, match="period must be a number"):
        score(exact, task, warmup=5, cycles=[1])


def test_the_residual_alone_is_linear_extrapolation_and_the_bare_cell_adds_nothing_fixed():
    task = make_task(100.0, seed=0)
    row = run_sweep(periods=[100.0], cells=["linear"], horizons=[10], recipe=TINY)["runs"][-1]
    x = task.test.double()
    extrapolation = float(((2 * x[:, 50:-1] - x[:, 49:-2] - x[:, 51:]) ** 2).mean())
    assert row["cell"] == RESIDUAL_ONLY and row["one_step_mse"] == pytest.approx(extrapolation, rel=0.05)
    recipe = ForecastSettings(delta_order=0)(task.train)
    assert recipe.model["delta_order"] == 0
    assert recipe.model["delta_scale"] == pytest.approx(float(task.train[:, :800].std()))
    model = SequenceModel("rnn", hidden_size=3, per_step=True, delta_scale=2.0, delta_order=0)
    with torch.no_grad():
        model.head.weight.fill_(0.0)
        model.head.bias.fill_(0.5)
    assert torch.allclose(model(torch.randn(2, 4, 1)), torch.full((2, 4, 1), 1.0)), "output = scale * head"


@pytest.mark.parametrize(
    "argv, text",
    [
        (["--periods", "4.9"], "between 5 and 100"),
        (["--periods", "20,101"], "between 5 and 100"),
        (["--periods", "20,x"], "expected comma-separated floats"),
        (["--periods", "20,20"], "repeated"),
        (["--seeds", "4-0"], "a range must go up"),
        (["--seeds", "-1"], "between 0 and"),
        (["--seeds", "0-x"], "expected comma-separated ints or ranges"),
        (["--seeds", "0-2,2"], "repeated"),
        (["--horizons", "0"], "between 1 and 5000"),
        (["--horizons", "5001"], "between 1 and 5000"),
        (["--horizons", "ten"], "expected comma-separated ints"),
        (["--threads", "1,2"], "expected one value"),
        (["--cells", "rnn,mamba"], "unknown cell"),
        (["--cells", "rnn,rnn"], "repeated"),
        (["--period", "20"], "unrecognized arguments"),
        (["--delta-order", "3"], "between 0 and 2"),
        (["--cycles", "0"], "between 1 and 20"),
        (["--cycles", "21"], "between 1 and 20"),
        (["--reference-period", "2"], "between 5"),
        (["--reference-period", "5,20"], "expected one value"),
    ],
)
def test_main_rejects_bad_arguments_with_exit_code_2(argv, text, capsys):
    assert main(argv) == 2
    assert text in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"periods": [3.0]}, ValueError, "periods[0]"),
        ({"periods": 20.0}, TypeError, "periods must be a list"),
        ({"seeds": []}, ValueError, "at least one"),
        ({"cells": ["rnn", "rnn"]}, ValueError, "must not repeat"),
        ({"horizons": [6000]}, ValueError, "horizons[0]"),
        ({"threads": 0}, ValueError, "threads"),
        ({"report": "print"}, TypeError, "report must be callable"),
    ],
)
def test_run_sweep_rejects_bad_input_before_training(kwargs, error, text):
    with pytest.raises(error, match=re.escape(text)):
        run_sweep(**kwargs)


def test_fitting_sees_only_values_before_the_cut_and_validation_scores_only_after(monkeypatch):
    import sine_lab.forecasting as forecasting
    from sine_lab.callbacks import Validate
    from sine_lab.training import History

    calls = []

    def recording_train(model, x, y, **kwargs):
        validate = [c for c in kwargs.get("callbacks", ()) if isinstance(c, Validate)]
        calls.append((x, y, (validate[0].x_val, validate[0].y_val) if validate else None))
        return History()

    monkeypatch.setattr(forecasting, "train", recording_train)
    n = torch.arange(1000, dtype=torch.float32)
    # Each value is its own time index (give or take 0.1), so a tensor's values say which times it holds.
    ramp = (n + 0.1 * torch.sin(n)).expand(97, -1).clone()
    recipe = replace(TINY, rollout=5, rollout_steps=1, reference_period=None)  # a ramp has no period
    fit("rnn", ramp, recipe)
    cut = recipe.validation_start
    assert len(calls) == 3 and calls[0][2] is None
    for x, y, _ in calls:
        assert x.max() < cut and y.max() < cut
    for _, _, (x_val, y_val) in calls[1:]:
        assert y_val.min() > cut - 0.5, "every validation target is at or after the cut"
        assert x_val.max() < y_val.max()


def test_recipe_stretches_the_warmup_for_slow_waves_only():
    recipe = ForecastSettings(warmup=40, chunk=120, reference_period=20.0)
    assert recipe.for_period(5.0) == recipe and recipe.for_period(20.0) == recipe
    slow = recipe.for_period(100.0)
    assert (slow.warmup, slow.chunk - slow.warmup) == (200, 80)
    assert ForecastSettings(reference_period=None).for_period(100.0) == ForecastSettings(reference_period=None)


def test_validation_rejects_a_free_run_that_blows_up_after_the_scored_steps():
    context = torch.ones(2, 3, 1)
    steady = SequenceModel.linear_predictor([1.0])  # repeats its input forever
    growing = SequenceModel.linear_predictor([1.01])  # 1.01 ** 100 > 2: leaves the bound late
    objective = StableRollout(5, bound=2.0, checked=100)
    with torch.no_grad():
        assert torch.allclose(objective.predict(steady, context), torch.ones(2, 5))
        assert torch.isinf(objective.predict(growing, context)).all()
        short = StableRollout(5, bound=2.0, checked=5)
        assert torch.allclose(short.predict(growing, context), 1.01 ** torch.arange(1, 6.0))


def test_plot_sweep_draws_median_and_worst_per_cell_against_the_period():
    runs = [_row(cell=c, period=p, seed=s, f1000=f * (1 + s)) for c, f in [("lstm", 1e-5), ("linear", 1e-9)]
            for p in (5.0, 50.0) for s in (0, 1, 2)]
    ax = plot_sweep(_result(runs), "free_run_mse", horizon=1000, title="t")
    lines = {line.get_label(): line for line in ax.get_lines()}
    median, worst = lines["lstm, median"], lines["lstm, worst of 3 seeds"]
    assert list(median.get_xdata()) == [5.0, 50.0] and list(median.get_ydata()) == pytest.approx([2e-5, 2e-5])
    assert list(worst.get_ydata()) == pytest.approx([3e-5, 3e-5])
    assert list(lines["target 0.0001"].get_ydata()) == [1e-4, 1e-4]
    assert median.get_color() == worst.get_color() != lines["linear, median"].get_color()
    assert ax.get_xscale() == "log" and "period" in ax.get_xlabel() and "1000 steps" in ax.get_ylabel()
    with pytest.raises(ValueError, match="one of the sweep's horizons"):
        plot_sweep(_result(runs), "free_run_mse", horizon=500, title="t")
    with pytest.raises(ValueError, match="measure must be one of"):
        plot_sweep(_result(runs), "loss", title="t")


# ---------------------------------------------------------------- the README's benchmark verdicts, held to the file

def test_the_readme_benchmark_verdicts_hold_in_the_stored_sweep() -> None:
    """Each bullet of the README's benchmark section, recomputed from ``sweep_periods.json``: a verdict that
    stops holding in the stored sweep (or a README sentence that drifts from it) fails here."""
    root = Path(__file__).resolve().parents[1]
    runs = json.loads((root / "sine_lab/studies/results/sweep_periods.json").read_text())["runs"]
    readme = (root / "README.md").read_text()

    def met(r: dict) -> bool:
        return r["one_step_mse"] <= 1e-6 and r["free_run_mse"]["1000"] <= 1e-4 and r["free_run_mse"]["2000"] <= 1e-3

    cells = ("rnn", "lstm", "gru")
    for cell in ("rnn", "gru"):
        assert [met(r) for r in runs if r["cell"] == cell].count(True) == 25
    lstm_misses = sorted((r["period"], r["seed"]) for r in runs if r["cell"] == "lstm" and not met(r))
    assert lstm_misses == [(5.0, 0), (5.0, 3)]
    assert "(25 of 25 each" in readme and "(20 of 20)" in readme and "2 of 5 seeds** (seeds 0 and 3" in readme
    cycle_misses = sorted((r["cell"], r["period"], r["seed"]) for r in runs
                          if r["cell"] in cells and r["free_run_cycles"]["10"] > 1e-4)
    assert cycle_misses == [("gru", 100.0, 1), ("gru", 100.0, 3), ("rnn", 100.0, 2)]
    assert "3 of the 75 cell runs miss 1e-4, all at 100 samples per radian" in readme
    leads = [median(r["free_run_cycles"]["10"] for r in runs if r["cell"] == cell and r["period"] == period)
             / median(r["free_run_cycles"]["10"] for r in runs if r["cell"] == "linear" and r["period"] == period)
             for cell in cells for period in {r["period"] for r in runs}]
    assert 63.5 <= min(leads) < 64.5 and 37_500 <= max(leads) < 38_500, "by 64x to 38,000x"
    assert "by 64× to 38,000×" in readme
    gru_times = [median(r["train_seconds"] for r in runs if r["cell"] == "gru" and r["period"] == period)
                 for period in {r["period"] for r in runs}]
    assert all(t > 5 for t in gru_times) and (round(min(gru_times), 1), round(max(gru_times), 1)) == (6.4, 7.5)
    assert "period (6.4–7.5 s)" in readme
