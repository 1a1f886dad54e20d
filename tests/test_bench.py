import json
import math

import pytest
import torch

from sine_lab.bench import (
    TARGETS,
    Recipe,
    format_table,
    free_run_mse,
    main,
    make_task,
    one_step_mse,
    run_benchmark,
    train_model,
)
from sine_lab.models import SequenceModel

# Small enough for a unit test; the benchmark's own sizes are measured by running it.
TINY = Recipe(hidden_size=4, warmup=5, chunk=30, batch_size=4, adam_steps=3, lbfgs_steps=1, rollout=0, rollout_warmup=10)


def test_task_is_the_examples_data():
    task = make_task(20.0, seed=3)
    assert task.train.shape == (97, 1000) and task.test.shape == (3, 1000)
    n = torch.arange(1000, dtype=torch.float64)
    # Independent reference: every allowed wave sin((n + shift) / 20), shift in [-80, 80).
    candidates = torch.sin((n[None] + torch.arange(-80, 80, dtype=torch.float64)[:, None]) / 20)
    distance = torch.cdist(torch.cat([task.train, task.test]).double(), candidates)
    assert distance.min(dim=1).values.max() < 1e-4
    for row, shift in zip(task.test, task.test_shifts):
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
    model, histories = train_model("linear", make_task(12.0))
    assert histories == []
    assert torch.allclose(model.head.weight, torch.tensor([[2 * math.cos(1 / 12), -1.0]]), atol=1e-4)


def test_train_model_runs_every_stage_and_never_sees_the_test_series():
    task = make_task(20.0)
    recipe = Recipe(**{**TINY.__dict__, "rollout": 5, "rollout_steps": 1})
    poisoned = type(task)(task.period, task.train, torch.full_like(task.test, float("nan")), task.test_shifts)
    model, histories = train_model("gru", poisoned, recipe, seed=1)
    assert [h.epochs for h in histories] == [1, 1, 1]
    assert all(math.isfinite(h.final_loss) for h in histories)
    assert not model.training


def test_run_benchmark_reports_every_cell_in_the_documented_shape():
    result = run_benchmark(period=20.0, horizon=20, cells=["linear", "rnn"], seed=0, recipe=TINY)
    assert set(result) == {"period", "horizon", "threads", "seed", "rows"}
    assert (result["period"], result["horizon"], result["threads"]) == (20.0, 20, 1)
    assert [row["cell"] for row in result["rows"]] == ["linear", "rnn"]
    for row in result["rows"]:
        assert set(row) == {"cell", "train_seconds", "one_step_mse", "free_run_mse"}
        assert row["train_seconds"] >= 0 and row["one_step_mse"] >= 0 and row["free_run_mse"] >= 0
    linear = result["rows"][0]
    assert linear["one_step_mse"] < TARGETS["one_step_mse"] and linear["free_run_mse"] < TARGETS["free_run_mse"]
    table = format_table(result)
    assert "linear" in table and "met" in table and "threads 1" in table


def test_format_table_says_which_targets_were_missed():
    result = {"period": 20.0, "horizon": 1000, "threads": 2, "seed": 0, "rows": [
        {"cell": "lstm", "train_seconds": 12.0, "one_step_mse": 1e-7, "free_run_mse": 3e-3},
    ]}
    line = format_table(result).splitlines()[2]
    assert line.split()[:4] == ["lstm", "12.00", "1.00e-07", "3.00e-03"]
    assert line.endswith("missed: time, free-run")


def test_main_writes_json_and_prints_the_table(tmp_path, capsys, monkeypatch):
    import sine_lab.bench as bench

    monkeypatch.setattr(bench.run_benchmark, "__kwdefaults__", {**bench.run_benchmark.__kwdefaults__, "recipe": TINY})
    path = tmp_path / "out.json"
    assert main(["--cells", "linear,rnn", "--horizon", "10", "--period", "5", "--json", str(path)]) == 0
    written = json.loads(path.read_text())
    assert written["period"] == 5.0 and [r["cell"] for r in written["rows"]] == ["linear", "rnn"]
    assert "one-step MSE" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, text",
    [
        (["--period", "4.9"], "must be between 5 and 100"),
        (["--period", "101"], "must be between 5 and 100"),
        (["--horizon", "0"], "must be between 1 and 5000"),
        (["--horizon", "5001"], "must be between 1 and 5000"),
        (["--horizon", "ten"], "expected a int"),
        (["--cells", "rnn,mamba"], "unknown cell"),
    ],
)
def test_main_rejects_bad_arguments_with_exit_code_2(argv, text, capsys):
    assert main(argv) == 2
    assert text in capsys.readouterr().err


def test_fitting_sees_only_values_before_the_cut_and_validation_scores_only_after(monkeypatch):
    import sine_lab.bench as bench
    from sine_lab.callbacks import Validate
    from sine_lab.training import History

    calls = []

    def recording_train(model, x, y, **kwargs):
        validate = [c for c in kwargs.get("callbacks", ()) if isinstance(c, Validate)]
        calls.append((x, y, (validate[0].x_val, validate[0].y_val) if validate else None))
        return History()

    monkeypatch.setattr(bench, "train", recording_train)
    n = torch.arange(1000, dtype=torch.float32)
    # Each value is its own time index (give or take 0.1), so a tensor's values say which times it holds.
    ramp = (n + 0.1 * torch.sin(n)).expand(97, -1).clone()
    task = make_task(20.0)
    recipe = Recipe(**{**TINY.__dict__, "rollout": 5, "rollout_steps": 1})
    train_model("rnn", type(task)(task.period, ramp, task.test, task.test_shifts), recipe)
    cut = recipe.validation_start
    assert len(calls) == 3 and calls[0][2] is None
    for x, y, validation in calls:
        assert x.max() < cut and y.max() < cut
    for _, _, (x_val, y_val) in calls[1:]:
        assert y_val.min() > cut - 0.5, "every validation target is at or after the cut"
        assert x_val.max() < y_val.max()


def test_recipe_stretches_the_warmup_for_slow_waves_only():
    recipe = Recipe(warmup=40, chunk=120, reference_period=20.0)
    assert recipe.for_period(5.0) == recipe and recipe.for_period(20.0) == recipe
    slow = recipe.for_period(100.0)
    assert (slow.warmup, slow.chunk - slow.warmup) == (200, 80)
    assert Recipe(reference_period=None).for_period(100.0) == Recipe(reference_period=None)


def test_validation_rejects_a_free_run_that_blows_up_after_the_scored_steps():
    from sine_lab.bench import _StableRollout

    context = torch.ones(2, 3, 1)
    steady = SequenceModel.linear_predictor([1.0])  # repeats its input forever
    growing = SequenceModel.linear_predictor([1.01])  # 1.01 ** 100 > 2: leaves the bound late
    objective = _StableRollout(5, bound=2.0, checked=100)
    with torch.no_grad():
        assert torch.allclose(objective.predict(steady, context), torch.ones(2, 5))
        assert torch.isinf(objective.predict(growing, context)).all()
        short = _StableRollout(5, bound=2.0, checked=5)
        assert torch.allclose(short.predict(growing, context), 1.01 ** torch.arange(1, 6.0))
