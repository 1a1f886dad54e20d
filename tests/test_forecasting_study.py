import copy
import json
import math
from dataclasses import replace

import pytest
import torch

from sine_lab.bench import make_task, run_sweep
from sine_lab.forecasting import ForecastSettings, fit
from sine_lab.models import forecast
from sine_lab.studies.forecasting_study import (
    NEW,
    OLD,
    VARIANTS,
    AfterEachStage,
    ControlRun,
    Variant,
    control_summary,
    describe_recipe,
    difference_spread,
    error_misses,
    format_by_period,
    format_commands,
    format_control,
    format_control_summary,
    gradient_rms,
    load_control,
    load_sweep,
    recurrence_forecast,
    run_control,
    save_control,
    sine_fit_forecast,
    sine_fit_forecast_free,
    sweep_run,
    teacher_forced_loss,
)

# Small enough for a unit test; the chapter and scripts/residual_control.py run the real sizes.
TINY = ForecastSettings(hidden_size=4, warmup=5, chunk=30, batch_size=4, adam_steps=3, lbfgs_steps=1, rollout=20,
                        rollout_steps=1, rollout_warmup=10)


def test_variants_are_the_four_corners_and_change_only_order_and_loss():
    assert {(v.delta_order, v.scaled_loss) for v in VARIANTS} == {(1, False), (1, True), (2, False), (2, True)}
    assert OLD.label == "change head, raw MSE" and NEW.label == "curvature head, scaled MSE"
    settings = OLD.settings(TINY)
    assert (settings.delta_order, settings.scaled_loss) == (1, False)
    assert settings.adam_steps == TINY.adam_steps and settings.rollout == TINY.rollout
    # The new recipe's corner is the standard recipe itself.
    assert NEW.settings(ForecastSettings()) == ForecastSettings()


@pytest.mark.parametrize(("order", "scaled", "error"), [(3, True, ValueError), (0, False, ValueError),
                                                        (2, "yes", TypeError)])
def test_bad_variants_are_refused(order, scaled, error):
    with pytest.raises(error, match="delta_order|scaled_loss"):
        Variant(order, scaled)


def test_difference_spread_of_a_sine_follows_its_period():
    period = 100.0
    n = torch.arange(4000, dtype=torch.float64)
    wave = torch.sin(n / period)[None]
    # Closed forms: s[n+1] - 2 s[n] + s[n-1] = -(2 - 2 cos(1/P)) s[n] and
    # s[n+1] - s[n] = 2 sin(1/(2P)) cos((n + 1/2)/P).
    second = (2 - 2 * math.cos(1 / period)) * float(wave[:, 1:-1].std())
    first = 2 * math.sin(1 / (2 * period)) * float(torch.cos((n[:-1] + 0.5) / period).std())
    assert difference_spread(wave, 2) == pytest.approx(second, rel=1e-3)
    assert difference_spread(wave, 1) == pytest.approx(first, rel=1e-3)
    assert difference_spread(wave, 0) == pytest.approx(float(wave.std())), "order 0: the values themselves"
    with pytest.raises(ValueError, match="order"):
        difference_spread(wave, -1)
    with pytest.raises(ValueError, match="series"):
        difference_spread(wave[0], 1)


def test_teacher_forced_loss_of_the_residual_alone_is_the_mean_squared_curvature():
    task = make_task(50.0)
    recipe = TINY(task.train)
    model, _ = fit("rnn", task.train, recipe, seed=0)
    with torch.no_grad():
        for parameter in model.head.parameters():
            parameter.zero_()
    # The head at zero predicts 2 x[n] - x[n-1]: its error is the next second difference.
    # Every chunk scores its steps after the warm-up; stride 5 keeps them evenly spread.
    x, y = recipe.stages[0].data(task.train[:, :800])
    curvature = (y - (2 * x[:, TINY.warmup:, 0] - x[:, TINY.warmup - 1:-1, 0])) ** 2
    assert teacher_forced_loss(model, recipe, task.train, pairs=None) == pytest.approx(float(curvature.mean()),
                                                                                    rel=1e-5)
    chosen = torch.linspace(0, x.shape[0] - 1, 100).round().long()
    assert teacher_forced_loss(model, recipe, task.train, pairs=100) == pytest.approx(
        float(curvature[chosen].mean()), rel=1e-5)
    with pytest.raises(TypeError, match="Recipe"):
        teacher_forced_loss(model, TINY, task.train)


def test_after_each_stage_sees_the_weights_validation_kept():
    task = make_task(20.0)
    recipe = TINY(task.train)
    snapshots = AfterEachStage(lambda model: {k: v.clone() for k, v in model.state_dict().items()})
    model, histories = fit("lstm", task.train, recipe, seed=0, callbacks=[snapshots])
    assert len(snapshots.values) == len(histories) == len(recipe.stages) == 3
    # The last record is the model fit returns (best weights restored), not the last step's.
    for name, value in model.state_dict().items():
        assert torch.equal(snapshots.values[-1][name], value)
    assert snapshots.seconds >= 0
    with pytest.raises(TypeError, match="callable"):
        AfterEachStage("loss")


def test_run_control_measures_every_stage_and_round_trips_through_json(tmp_path):
    _, old = run_control("rnn", 100.0, 0, OLD, base=TINY)
    model, new = run_control("rnn", 100.0, 0, NEW, base=TINY)
    task = make_task(100.0)
    assert len(new.stage_losses) == 3 and all(v > 0 for v in new.stage_losses)
    assert new.delta_scale == pytest.approx(difference_spread(task.train[:, :800], 2))
    assert old.delta_scale == pytest.approx(difference_spread(task.train[:, :800], 1))
    # The zero head is the residual alone; for order 2 at P = 100 that is the mean squared curvature.
    assert new.zero_head_loss == pytest.approx(new.delta_scale**2, rel=0.1)
    assert new.teacher_forced == new.stage_losses[1]
    # The same as the benchmark's run of this cell, seed and recipe.
    same, _ = fit("rnn", task.train, NEW.settings(TINY), seed=0)
    for name, value in model.state_dict().items():
        assert torch.equal(same.state_dict()[name], value)
    path = tmp_path / "control.json"
    save_control([old, new], path, command="python scripts/residual_control.py")
    command, runs = load_control(path)
    assert command == "python scripts/residual_control.py" and runs == [old, new]
    table = format_control(runs).splitlines()
    assert len(table) == 3 and "change head, raw MSE" in table[1] and "curvature head, scaled MSE" in table[2]


def test_run_control_refuses_bad_arguments():
    with pytest.raises(ValueError, match="cell"):
        run_control("linear", 20.0, 0, NEW)
    with pytest.raises(TypeError, match="Variant"):
        run_control("rnn", 20.0, 0, (2, True))
    with pytest.raises(ValueError, match="period"):
        run_control("rnn", 1000.0, 0, NEW, base=TINY)
    with pytest.raises(TypeError, match="ForecastSettings"):
        run_control("rnn", 20.0, 0, NEW, base={"hidden_size": 4})


def test_error_misses_leave_time_out():
    row = {"train_seconds": 99.0, "one_step_mse": 2e-6, "free_run_mse": {"1000": 1e-5, "2000": 2e-3}}
    assert error_misses(row) == ["one-step", "free-run 2000"]
    run = ControlRun("gru", 5.0, 1, 2, True, 0.1, (1.0, 0.5, 0.4), 2.0, 1e-9, {"1000": 1e-6, "2000": math.inf}, 3.0)
    assert run.misses == ["free-run 2000"] and not run.met


def test_sweep_file_reading(tmp_path):
    result = run_sweep(periods=[20.0], seeds=[0], cells=["linear"], recipe=TINY)
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(result))
    loaded = load_sweep(path)
    assert sweep_run(loaded, "linear", 20.0, 0)["one_step_mse"] < 1e-12
    with pytest.raises(ValueError, match="no run of cell 'lstm'"):
        sweep_run(loaded, "lstm", 20.0, 0)
    path.write_text(json.dumps({"runs": []}))
    with pytest.raises(TypeError, match="run_sweep"):
        load_sweep(path)


def test_describe_recipe_lists_every_stage_in_plain_words():
    task = make_task(100.0)
    recipe = ForecastSettings()(task.train)
    lines = describe_recipe(recipe).splitlines()
    assert len(lines) == 1 + len(recipe.stages) + 1
    assert "32-unit cell" in lines[0] and "2x[n] − x[n−1] + " in lines[0] and "curvature" in lines[0]
    assert f"{recipe.model['delta_scale']:.3g} · head" in lines[0]
    assert lines[1].startswith("stage 1: Adam, 150 steps; lr up to 0.005 (one-cycle); gradient norm clipped at 1")
    assert f"loss MSE / {recipe.model['delta_scale']:.3g}²" in lines[1] and "40-step warm-up" in lines[1]
    assert "L-BFGS, at most 8 steps" in lines[2] and "patience 2" in lines[2]
    assert "free runs of 200 steps" in lines[3] and "scores infinity" in lines[3]
    # No object reprs for a reader to decode.
    assert not any(word in describe_recipe(recipe) for word in ("PerStep", "Rollout(", "ScaledMSE", "sampled"))
    assert "loss MSE;" in describe_recipe(ForecastSettings(scaled_loss=False)(task.train)).splitlines()[2]
    assert "the next value itself" in describe_recipe(ForecastSettings(delta_order=0)(task.train))
    # With the series, every stage's pairs are counted: what each stage trains on and stops on.
    counted = describe_recipe(recipe, task.train).splitlines()
    x, _ = recipe.stages[0].data(task.train[:, :800])
    assert f"batches of 32 from 4800 of the {x.shape[0]} chunks of 120 values" in counted[1]
    assert "on 97 free runs of 200 steps from each series' first 800 values" in counted[3]
    with pytest.raises(TypeError, match="Recipe"):
        describe_recipe(ForecastSettings())


def test_sine_fit_forecast_continues_a_sine_and_averages_out_noise():
    period, width, steps = 20.0, 999, 1000
    n = torch.arange(width + steps, dtype=torch.float64)
    phases = torch.tensor([[0.3], [-1.2], [2.0]], dtype=torch.float64)
    waves = 0.7 * torch.sin(n / period + phases)
    forecast = sine_fit_forecast(waves[:, :width], period, steps)
    assert forecast.shape == (3, steps) and forecast.dtype == torch.float64
    assert torch.allclose(forecast, waves[:, width:], atol=1e-10), "exact on a noise-free sine of the given rate"
    noisy = (waves[:, :width] + 0.1 * torch.randn(3, width, generator=torch.Generator().manual_seed(0))).float()
    error = float(((sine_fit_forecast(noisy, period, steps).double() - waves[:, width:]) ** 2).mean())
    # Two fitted numbers from 999 values: the noise's variance (0.01) shrinks by about 2/999.
    assert error < 0.01 * 10 * 2 / width
    with pytest.raises(ValueError, match="period"):
        sine_fit_forecast(noisy, 0.0, steps)
    with pytest.raises(ValueError, match="at least 2"):
        sine_fit_forecast(noisy[:, :1], period, steps)


def test_sine_fit_forecast_free_estimates_the_frequency():
    width, steps = 999, 1000
    n = torch.arange(width + steps, dtype=torch.float64)
    periods = torch.tensor([[20.0], [13.7], [55.0]], dtype=torch.float64)
    waves = 0.7 * torch.sin(n / periods + torch.tensor([[0.3], [-1.2], [2.0]], dtype=torch.float64)) + 0.1
    forecast, estimated = sine_fit_forecast_free(waves[:, :width], steps)
    assert forecast.shape == (3, steps) and estimated.shape == (3,)
    assert torch.allclose(estimated, periods[:, 0], rtol=1e-5), "the rate of a noise-free sine, found"
    assert float((forecast - waves[:, width:]).abs().max()) < 1e-3
    # With noise, the frequency costs something: worse than the fit given the true rate, still far below 0.5.
    noisy = waves[:1, :width] + 0.1 * torch.randn(1, width, generator=torch.Generator().manual_seed(0),
                                                  dtype=torch.float64)
    free = float(((sine_fit_forecast_free(noisy, steps)[0] - waves[:1, width:]) ** 2).mean())
    assert free < 0.01
    with pytest.raises(ValueError, match="at least 4"):
        sine_fit_forecast_free(noisy[:, :3], steps)


def test_recurrence_forecast_is_exact_with_exact_coefficients_and_matches_the_model():
    period, width = 20.0, 999
    n = torch.arange(width + 2000, dtype=torch.float64)
    wave = torch.sin(n / period + torch.tensor([[0.4], [-2.0]], dtype=torch.float64))
    exact = recurrence_forecast(wave[:, :width], (2 * math.cos(1 / period), -1.0), 2000)
    assert exact.dtype == torch.float64 and torch.allclose(exact, wave[:, width:], atol=1e-11)
    # The least-squares model holds its correction to 2x[n] - x[n-1] (the pair is that plus (2, -1)), so its
    # float32 free run follows the recurrence computed with that pair in float64.
    task = make_task(period)
    linear, _ = fit("linear", task.train, ForecastSettings(), seed=0)
    pair = linear.head.weight.detach().flatten().double() + torch.tensor([2.0, -1.0], dtype=torch.float64)
    with torch.no_grad():
        by_model = forecast(linear, task.test[:, :width, None], 50)
    by_hand = recurrence_forecast(task.test[:, :width], pair, 50).float()
    assert torch.allclose(by_hand, by_model, atol=1e-5)  # float32 rounding of the residual, over 50 steps
    # One pair per series: each row follows its own recurrence.
    per_row = recurrence_forecast(wave[:, :width], torch.tensor([[2 * math.cos(1 / period), -1.0], [0.0, 0.0]]), 3)
    assert torch.allclose(per_row[0], exact[0, :3]) and not per_row[1].any()
    with pytest.raises(ValueError, match="pair"):
        recurrence_forecast(wave, (1.0,), 5)
    with pytest.raises(ValueError, match="at least 2"):
        recurrence_forecast(wave[:, :1], (2.0, -1.0), 5)


def test_format_by_period_pivots_the_rows_it_is_given():
    from sine_lab.studies.forecasting_study import BARE_PATH, CYCLES_PATH, head_rows

    rows = head_rows(load_sweep(CYCLES_PATH), load_sweep(BARE_PATH))
    names = ["lstm, bare cell", "2-tap recurrence"]
    table = format_by_period(rows, names).splitlines()
    assert len(table) == 2 + len(names) and "P = 100" in table[0] and "steps)" in table[1]
    for line, name in zip(table[2:], names, strict=True):
        assert line.startswith(name)
        for r in (r for r in rows if r["row"] == name):
            assert f"{r['met']}/{r['seeds']}" in line and f"{r['free_run']:.1e}" in line
    one = format_by_period(rows, names, value="one_step").splitlines()
    assert len(one) == 1 + len(names) and "/" not in one[1]
    with pytest.raises(ValueError, match="no rows named"):
        format_by_period(rows, ["lstm, bare"])
    with pytest.raises(ValueError, match="value"):
        format_by_period(rows, names, value="cycles")


def test_format_commands_names_the_shared_options_once():
    commands = ["python -m sine_lab.bench --periods 5,20 --seeds 0-2 --cells rnn --json a.json",
                "python -m sine_lab.bench --periods 5,20 --seeds 0-2 --cells lstm --delta-order 0 --json b.json"]
    lines = format_commands(commands).splitlines()
    assert lines[0] == "python -m sine_lab.bench --periods 5,20 --seeds 0-2, and each sweep:"
    assert lines[1:] == ["  --cells rnn --json a.json", "  --cells lstm --delta-order 0 --json b.json"]
    assert format_commands(["python a.py --x 1", "python b.py --x 1"]) == "python a.py --x 1\npython b.py --x 1"


def test_control_summary_counts_each_variant_over_its_cells_and_seeds():
    _, runs = load_control()
    runs = [r for r in runs if r.period == 100.0]
    summary = control_summary(runs)
    assert [row["variant"] for row in summary] == list(VARIANTS)
    for row in summary:
        group = [r for r in runs if r.variant == row["variant"]]
        assert row["runs"] == len(group) and row["met"] == sum(r.met for r in group)
        assert row["taught"] == (min(r.teacher_forced / r.zero_head_loss for r in group),
                                 max(r.teacher_forced / r.zero_head_loss for r in group))
    lines = format_control_summary(runs).splitlines()
    assert len(lines) == 2 + len(VARIANTS) and lines[2].startswith(VARIANTS[0].label)


def test_gradient_rms_of_the_scaled_loss_is_the_raw_one_over_scale_squared():
    task = make_task(100.0)
    raw, scaled = Variant(2, False).settings(TINY)(task.train), NEW.settings(TINY)(task.train)
    model, _ = fit("rnn", task.train, raw, seed=0)
    scale = raw.model["delta_scale"]
    assert gradient_rms(model, scaled, task.train) == pytest.approx(gradient_rms(model, raw, task.train) / scale**2,
                                                                    rel=1e-4)
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())
    with pytest.raises(ValueError, match="pairs"):
        gradient_rms(model, raw, task.train, pairs=0)


def test_the_teacher_forcing_only_model_is_the_full_run_after_its_second_stage():
    task = make_task(20.0)
    stages = AfterEachStage(copy.deepcopy)
    fit("gru", task.train, TINY, seed=1, callbacks=[stages])
    alone, _ = fit("gru", task.train, replace(TINY, rollout=0), seed=1)
    for name, value in alone.state_dict().items():
        assert torch.equal(stages.values[1].state_dict()[name], value)


def test_head_rows_add_a_row_per_further_kind_from_its_own_sweep():
    from sine_lab.studies.forecasting_study import (
        BARE_PATH,
        CYCLES_PATH,
        KINDS_PATH,
        cycles_table,
        format_head_rows,
        head_rows,
    )

    recipe, bare, others = load_sweep(CYCLES_PATH), load_sweep(BARE_PATH), load_sweep(KINDS_PATH)
    rows = head_rows(recipe, bare, others=[others])
    kinds = [k for k in others["cells"] if k != "residual only"]  # the residual has its own row
    extra = [r for r in rows if r["row"].endswith(", recipe") and r["kind"] in kinds]
    assert {r["kind"] for r in extra} == set(kinds)
    assert len(extra) == len(kinds) * len(others["periods"])
    assert sum(r["row"].startswith("residual only") for r in rows) == len(recipe["periods"]), "one residual row"
    for r in extra:  # each row is the median and the count of its own kind's runs in its own sweep
        runs = [x for x in others["runs"] if x["cell"] == r["kind"] and x["period"] == r["period"]]
        assert r["seeds"] == len(runs) and r["met"] == sum(x["free_run_cycles"]["10"] <= 1e-4 for x in runs)
    assert all(line in cycles_table() for line in format_head_rows(rows).splitlines()[1:])
    with pytest.raises(ValueError, match="others must be sweeps over the periods"):
        head_rows(recipe, bare, others=[{**others, "periods": [20.0]}])


def test_the_stored_control_is_what_the_current_code_computes():
    # A stored file must not silently predate the code that reads it: rerun one stored run (the fastest,
    # a few seconds) and compare. Float32 training on one thread reproduces its scores closely.
    torch.set_num_threads(1)
    _, runs = load_control()
    stored = next(r for r in runs if (r.cell, r.period, r.seed) == ("rnn", 100.0, 0)
                  and (r.delta_order, r.scaled_loss) == (NEW.delta_order, NEW.scaled_loss))
    _, now = run_control("rnn", 100.0, 0, NEW)
    assert now.one_step_mse == pytest.approx(stored.one_step_mse, rel=0.05)
    assert now.free_run_mse["1000"] == pytest.approx(stored.free_run_mse["1000"], rel=0.05)
