"""The kinds beyond the article (attention, transformer, lru) keep the registry's contract."""

import math

import pytest
import torch

from sine_lab.attention import CausalTransformer, RelativeSelfAttention, SelfAttentionModel
from sine_lab.data import delayed_recall, make_windows, sine_series
from sine_lab.doctor import check_setup
from sine_lab.lru import LinearRecurrentUnit
from sine_lab.models import MODEL_KINDS, build_model, forecast
from sine_lab.training import seed_everything, train

KINDS = ["attention", "transformer", "lru"]


def built(kind, seed=0, **config):
    seed_everything(seed)
    return build_model(kind, **config)


def windows(n=12, window=40):
    _, s = sine_series(200, step=0.1)
    x, y = make_windows(s, window)
    return x[:n], y[:n]


def test_the_kinds_are_registered_when_the_package_is_imported():
    assert {"attention", "transformer", "lru"} <= set(MODEL_KINDS)
    assert MODEL_KINDS["lru"].build is LinearRecurrentUnit


@pytest.mark.parametrize("kind, count", [("attention", 4449), ("transformer", 4657), ("lru", 3329)])
def test_default_sizes_are_comparable_to_a_32_unit_lstm(kind, count):
    lstm = sum(p.numel() for p in build_model("lstm", hidden_size=32).parameters())
    model = built(kind)
    assert model.parameter_count() == count == sum(p.numel() for p in model.parameters())
    assert 0.5 * lstm < count < 1.5 * lstm


@pytest.mark.parametrize("kind", KINDS)
def test_shapes_last_step_and_per_step(kind):
    x = torch.randn(4, 30, 1)
    assert built(kind)(x).shape == (4, 1)
    assert built(kind, per_step=True)(x).shape == (4, 30, 1)
    outputs, _ = built(kind).run(x)
    assert outputs.shape == (4, 30, 1)


@pytest.mark.parametrize("kind, config", [("attention", {"context": 8}), ("transformer", {"context": 6, "layers": 3}),
                                          ("lru", {}), ("attention", {"context": 1})])
def test_a_run_continued_from_its_state_equals_one_long_run(kind, config):
    model = built(kind, **config)
    x = torch.randn(3, 57, 1)
    whole, _ = model.run(x)
    pieces, state = [], None
    # Pieces shorter and longer than the buffer, and single steps as in a forecast.
    for start, stop in [(0, 3), (3, 20), (20, 21), (21, 22), (22, 57)]:
        out, state = model.run(x[:, start:stop], state)
        pieces.append(out)
    assert torch.allclose(torch.cat(pieces, dim=1), whole, atol=2e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_forecast_feeds_predictions_back_like_a_step_by_step_loop(kind):
    model = built(kind, context=10) if kind != "lru" else built(kind)
    context = torch.randn(2, 15, 1)
    with torch.no_grad():
        generated = forecast(model, context, 6)
        outputs, _ = model.run(context)
        sequence = torch.cat([context, outputs[:, -1:]], dim=1)
        for _ in range(5):
            sequence = torch.cat([sequence, model.run(sequence)[0][:, -1:]], dim=1)
    assert generated.shape == (2, 6)
    assert torch.allclose(generated, sequence[:, 15:, 0], atol=2e-5)


def test_window_models_see_exactly_their_receptive_field():
    # Changing an input further back than the receptive field leaves the last output unchanged;
    # changing the oldest input inside it does not.
    for model in [built("attention", context=5), built("transformer", context=4, layers=2)]:
        field = model.receptive_field
        x = torch.randn(1, 20, 1)
        outside, inside = x.clone(), x.clone()
        outside[0, -field - 1] += 1.0
        inside[0, -field] += 1.0
        assert torch.equal(model(outside), model(x))
        assert not torch.allclose(model(inside), model(x))


def test_attention_weights_are_causal_windowed_and_normalised():
    model = built("attention", heads=2, context=4)
    (weights,) = model.attention_weights(torch.randn(3, 9, 1))
    assert weights.shape == (3, 2, 9, 9)
    assert torch.allclose(weights.sum(-1), torch.ones(3, 2, 9))
    steps = torch.arange(9)
    hidden = (steps[None, :] > steps[:, None]) | (steps[None, :] <= steps[:, None] - 4)
    assert bool((weights[..., hidden] == 0).all())
    assert len(built("transformer", layers=3).attention_weights(torch.randn(1, 5, 1))) == 3


def test_lru_eigenvalues_start_on_the_ring_and_stay_inside_the_unit_circle():
    model = built("lru", state_size=200, r_min=0.5, r_max=0.9, max_phase=1.0)
    moduli = model.eigenvalue_moduli()
    assert moduli.shape == (200,)
    assert 0.5 - 1e-5 <= float(moduli.min()) and float(moduli.max()) <= 0.9 + 1e-5
    assert torch.allclose(model.eigenvalues().abs(), moduli)
    assert 0 < float(model.eigenvalues().angle().min()) and float(model.eigenvalues().angle().max()) <= 1.0
    # gamma normalisation: |gamma|^2 + |lambda|^2 = 1 at initialisation
    assert torch.allclose(torch.exp(2 * model.gamma_log) + moduli**2, torch.ones(200), atol=1e-5)
    with torch.no_grad():
        model.nu_log.fill_(-30.0)  # any real nu_log keeps |lambda| < 1
    assert float(model.eigenvalue_moduli().max()) <= 1.0
    assert model.memory_at_lag(0) == 1.0
    assert math.isclose(built("lru").memory_at_lag(10), float(built("lru").eigenvalue_moduli().max()) ** 10,
                        rel_tol=1e-6)


def test_lru_state_is_the_linear_recurrence():
    # The FFT convolution equals the recurrence s_t = λ s_{t-1} + γ B x_t stepped one value at a time.
    model = built("lru", state_size=4)
    x = torch.randn(2, 30, 1)
    _, state = model.run(x)
    lam = model.eigenvalues()
    drive = torch.exp(model.gamma_log) * torch.complex(model.B[:, 0], model.B[:, 1])
    s = torch.zeros(2, 4, dtype=torch.complex64)
    for t in range(30):
        s = lam * s + drive * x[:, t]
    assert torch.allclose(state, s.detach(), atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_delta_scale_predicts_the_change(kind):
    plain = built(kind, seed=3)
    residual = built(kind, seed=3, delta_scale=0.5)
    x = torch.randn(2, 10, 1)
    assert torch.allclose(residual(x), x[:, -1] + 0.5 * plain(x), atol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_bad_input_gets_a_clear_message(kind):
    model = built(kind)
    with pytest.raises(ValueError, match=r"x must be a 3-D tensor \(batch, seq, 1\), got a 2-D"):
        model(torch.randn(30, 1))
    with pytest.raises(ValueError, match="last dimension 1"):
        model(torch.randn(2, 30, 3))
    with pytest.raises(ValueError, match="at least one time step"):
        model(torch.randn(2, 0, 1))
    with pytest.raises(TypeError, match="floating-point"):
        model(torch.ones(2, 5, 1, dtype=torch.long))
    _, state = model.run(torch.randn(2, 5, 1))
    with pytest.raises(ValueError, match="state"):
        model.run(torch.randn(3, 5, 1), state)


def test_bad_settings_get_clear_messages():
    with pytest.raises(ValueError, match="d_model must be divisible by heads, got d_model=10 and heads=4"):
        SelfAttentionModel(hidden_size=10, heads=4)
    with pytest.raises(ValueError, match="context must be >= 1, got 0"):
        CausalTransformer(context=0)
    with pytest.raises(ValueError, match="r_min < r_max < 1, got r_min=0.9, r_max=0.5"):
        LinearRecurrentUnit(r_min=0.9, r_max=0.5)
    with pytest.raises(ValueError, match="r_max must be <= 1.0"):
        LinearRecurrentUnit(r_max=1.5)
    with pytest.raises(TypeError, match="per_step must be a bool"):
        LinearRecurrentUnit(per_step=1)
    with pytest.raises(ValueError, match="delta_scale must be > 0.0"):
        SelfAttentionModel(delta_scale=0)
    with pytest.raises(ValueError, match="kind must be one of .*'lru'"):
        build_model("mamba")
    with pytest.raises(TypeError, match="burst_attention needs a window model"):
        from sine_lab.studies.beyond import burst_attention

        burst_attention(built("lru"), torch.randn(1, 8, 1))


@pytest.mark.parametrize("kind", KINDS)
def test_kind_and_config_rebuild_the_exact_model(tmp_path, kind):
    # What a checkpoint stores (kind, config, weights) gives back identical outputs.
    model = built(kind, seed=4, delta_scale=0.2)
    x, y = windows()
    train(model, x, y, epochs=2, lr=0.01, seed=4)
    torch.save({"kind": model.kind, "config": model.config, "state": model.state_dict()}, tmp_path / "m.pt")
    saved = torch.load(tmp_path / "m.pt")
    loaded = build_model(saved["kind"], **saved["config"])
    loaded.load_state_dict(saved["state"])
    assert torch.equal(loaded(x), model(x))


@pytest.mark.parametrize("kind", KINDS)
def test_the_doctor_passes_a_correct_setup_and_flags_a_buggy_one(kind):
    model = built(kind)
    x, y = windows()
    assert check_setup(model, x, y).ok, check_setup(model, x, y)
    broadcast = check_setup(model, x, y[:, 0])  # target (batch,) against prediction (batch, 1)
    assert "broadcast_in_loss" in broadcast.codes and not broadcast.ok
    unbatched = check_setup(model, x[0], y[0])  # one (seq, 1) series: no batch axis
    assert not unbatched.ok
    assert "forward_error" in unbatched.codes


@pytest.mark.parametrize("kind", KINDS)
def test_training_is_deterministic_under_a_seed(kind):
    x, y = delayed_recall(32, 10, seed=1)

    def run():
        model = built(kind, seed=7, context=15) if kind != "lru" else built(kind, seed=7)
        history = train(model, x, y, epochs=3, lr=0.01, batch_size=8, seed=7)
        return history.loss, model(x)

    (loss_a, out_a), (loss_b, out_b) = run(), run()
    assert loss_a == loss_b
    assert torch.equal(out_a, out_b)


def test_relative_attention_ignores_absolute_position():
    # The same window of values gives the same output wherever it lies in time.
    layer = RelativeSelfAttention(8, 2, context=4)
    h = torch.randn(1, 12, 8)
    out, _, _ = layer(h)
    shifted, _, _ = layer(h[:, 5:])
    assert torch.allclose(out[:, -3:], shifted[:, -3:], atol=1e-6)


@pytest.mark.parametrize("kind, config", [("attention", {"context": 8}), ("transformer", {"context": 6, "layers": 3})])
def test_a_long_run_in_chunks_equals_attention_over_the_whole_sequence(kind, config):
    # run() attends in chunks of `context` steps with the cache; the full (seq, seq) attention is the reference.
    model = built(kind, **config)
    x = torch.randn(2, 100, 1)
    chunked, _ = model.run(x)
    whole, _, _ = model._layers(x, None)
    assert torch.allclose(chunked, whole, atol=2e-5)


@pytest.mark.parametrize("kind, config", [("attention", {"context": 8}), ("transformer", {"context": 6, "layers": 3})])
def test_a_window_model_keeps_a_bounded_key_value_cache_and_rejects_a_foreign_state(kind, config):
    model = built(kind, **config)
    _, state = model.run(torch.randn(2, 30, 1))
    assert len(state) == len(model.attentions)
    for keys, values in state:  # (batch, heads, context - 1 steps, head size): a bounded cache, not the sequence
        assert keys.shape == values.shape == (2, model.attentions[0].heads, config["context"] - 1,
                                              model.attentions[0].d_model // model.attentions[0].heads)
    with pytest.raises(TypeError, match=r"state must be a tuple of \d+ \(keys, values\) pairs"):
        model.run(torch.randn(2, 1, 1), torch.zeros(2, 5, 1))
    with pytest.raises(ValueError, match="layer 0 holds"):
        model.run(torch.randn(3, 1, 1), state)  # a state of 2 sequences for a batch of 3


def test_sweep_logs_read_back_what_the_script_printed(tmp_path, monkeypatch):
    from dataclasses import replace

    import sine_lab.studies.beyond as beyond

    monkeypatch.setattr(beyond, "RESULTS", tmp_path)
    recall = beyond.RecallResult("lru", 20, 1, 0.01234, 8, 0.31, 3329, {"gradient_at_lag": 0.75, "memory_after": 0.8})
    failed = beyond.RecallResult("rnn", 50, 0, 1.0189, 50, 1.0, 1153, {"gradient_at_lag": 4.89e-11})
    fit = beyond.ForecastResult("attention", 20.0, 2, "standard", 1.2e-9, 5.4e-7, 6.5, 0.352, 4449)
    cycled = replace(fit, seed=3, free_run_cycles={"1": 2.5e-9, "10": 7.25e-8})
    lines = ["# python scripts/beyond_sweep.py --name s", *map(beyond.format_recall, (recall, failed)),
             beyond.format_forecast(fit), beyond.format_forecast(cycled)]
    (tmp_path / "s.log").write_text("\n".join(lines) + "\n")
    sweep = beyond.load_sweep("s")
    assert sweep.commands == ["python scripts/beyond_sweep.py --name s"]
    assert sweep.recall == [replace(recall, test_nmse=0.0123, cpu_seconds=0.3), failed]  # to the printed digits
    assert [r.success for r in sweep.recall] == [True, False]
    assert sweep.forecast == [fit, cycled]  # free runs over whole cycles read back where the line has them
    (tmp_path / "bad.log").write_text(lines[1].replace("(ok)", "(fail)") + "\n")
    with pytest.raises(ValueError, match="verdict disagrees with the NMSE"):
        beyond.load_sweep("bad")
    (tmp_path / "unknown.log").write_text(lines[3].replace("recipe standard", "recipe rollout") + "\n")
    with pytest.raises(ValueError, match="unknown recipe 'rollout'.*expected one of \\['standard', 'teacher'\\]"):
        beyond.load_sweep("unknown")
    (tmp_path / "odd.log").write_text("Epoch 1, loss 0.3\n")
    with pytest.raises(ValueError, match="not a line the sweep writes"):
        beyond.load_sweep("odd")
    with pytest.raises(FileNotFoundError, match="no sweep log named 'missing'.*'bad', 'odd', 's', 'unknown'"):
        beyond.load_sweep("missing")


def test_a_benchmark_json_reads_back_as_standard_recipe_results(tmp_path, monkeypatch):
    import json

    import sine_lab.studies.beyond as beyond

    monkeypatch.setattr(beyond, "RESULTS", tmp_path)
    row = {"cell": "transformer", "period": 100.0, "seed": 2, "train_seconds": 9.0, "cpu_seconds": 8.5,
           "one_step_mse": 3e-9, "free_run_mse": {"1000": 2e-5, "2000": float("inf")}}
    (tmp_path / "b.json").write_text(json.dumps({"runs": [row]}))
    (result,) = beyond.load_bench("b")
    width = beyond.RECIPES["standard"].hidden_size
    assert (result.kind, result.period, result.seed, result.recipe) == ("transformer", 100.0, 2, "standard")
    assert (result.one_step_mse, result.free_run_mse, result.cpu_seconds) == (3e-9, 2e-5, 8.5)
    assert math.isnan(result.step_ms)
    # The benchmark builds the Transformer at the recipe's width, four times the chapter's size.
    assert result.parameters == built("transformer", hidden_size=width).parameter_count() > 15_000
    # Baseline rows are kept under their names, with their coefficient counts; cycles are read where stored.
    cycles = {"free_run_cycles": {"1": 1e-10, "10": 5e-9}, "cycle_steps": {"1": 628, "10": 6283}}
    rows = [{**row, "cell": "linear", "cpu_seconds": 0.0, **cycles}, {**row, "cell": "residual only", **cycles}]
    (tmp_path / "c.json").write_text(json.dumps({"command": "python -m sine_lab.bench --cycles 1,10",
                                                 "load_average": [0.5, 1.25], "runs": rows}))
    linear, residual = beyond.load_bench("c")
    assert (linear.kind, linear.parameters, residual.kind, residual.parameters) == ("linear", 2, "residual only", 0)
    assert linear.free_run_cycles == {"1": 1e-10, "10": 5e-9} and result.free_run_cycles == {}
    assert beyond.bench_header("c") == "python -m sine_lab.bench --cycles 1,10"  # no machine load in the page
    (tmp_path / "other.json").write_text(json.dumps({"cells": []}))
    with pytest.raises(ValueError, match="not a benchmark sweep's JSON"):
        beyond.load_bench("other")
    with pytest.raises(FileNotFoundError, match="no benchmark JSON named 'none'.*'b', 'c', 'other'"):
        beyond.load_bench("none")


def test_a_learned_skip_starts_as_its_bare_cell_and_adds_its_taps():
    from sine_lab.skip import LearnedSkip

    x = torch.randn(3, 25, 1)
    seed_everything(4)
    skip = build_model("gru-skip", hidden_size=8, delta_scale=0.5)
    seed_everything(4)
    bare = build_model("gru", hidden_size=8, delta_scale=0.5, delta_order=0)
    assert isinstance(skip, LearnedSkip) and torch.allclose(skip(x), bare(x)), "taps start at zero: the bare cell"
    with torch.no_grad():
        skip.taps.copy_(torch.tensor([2.0, -1.0]))
    expected = bare.run(x)[0][:, 1:] + 2 * x[:, 1:] - x[:, :-1]  # from the second step, x[n-1] is known
    assert torch.allclose(skip.run(x)[0][:, 1:], expected, atol=1e-6)
    whole, _ = skip.run(x)
    first, state = skip.run(x[:, :10])
    rest, _ = skip.run(x[:, 10:], state)
    assert torch.allclose(torch.cat([first, rest], dim=1), whole, atol=1e-6), "a continued run equals one long run"
    with pytest.raises(ValueError, match=r"state must be \(the cell's state, the last 1 inputs"):
        skip.run(x, (state[0], torch.zeros(3, 4, 1)))


def test_trivial_free_runs_are_scored_as_the_benchmark_scores_a_model():
    from sine_lab.bench import OBSERVED, make_task, score
    from sine_lab.models import SequenceModel
    from sine_lab.studies.beyond import trivial_free_run_mse

    task = make_task(20.0, seed=1)
    trivial = trivial_free_run_mse(task, 300)
    # Persistence is a 1-tap recurrence with coefficient 1: the benchmark's own scoring of it agrees.
    persistence = SequenceModel.linear_predictor(torch.tensor([1.0])).eval()
    scored = score(persistence, task, warmup=40, horizons=(300,))["free_run_mse"]["300"]
    assert trivial["persistence"] == pytest.approx(scored, rel=1e-5)
    assert trivial["zero"] == pytest.approx(float((task.continuation(300).double() ** 2).mean()))
    assert task.test.shape[1] > OBSERVED
    with pytest.raises(TypeError, match="sine_lab.bench.Task"):
        trivial_free_run_mse(task.test, 10)


def test_a_training_step_is_timed_on_the_recall_model():
    from sine_lab.studies.beyond import training_step_seconds

    threads = torch.get_num_threads()
    seconds = training_step_seconds("lru", 10, batch=2, repeats=3, warmup=1)
    assert 0 < seconds < 10
    assert torch.get_num_threads() == threads  # timed on one thread, the caller's setting restored
    with pytest.raises(ValueError, match="warmup"):
        training_step_seconds("lru", 10, warmup=-1)
    with pytest.raises(ValueError, match="lag"):
        training_step_seconds("lru", 0)
    with pytest.raises(ValueError, match="kind"):
        training_step_seconds("mlp", 10)


def test_a_forecast_step_is_timed_as_the_best_of_its_repeats():
    from sine_lab.models import build_model
    from sine_lab.studies.beyond import forecast_step_seconds

    model, context = build_model("lru"), torch.zeros(1, 20, 1)
    seconds = forecast_step_seconds(model, context, 5, repeats=3)
    assert 0 <= seconds < 1
    with pytest.raises(ValueError, match="repeats"):
        forecast_step_seconds(model, context, 5, repeats=0)
    with pytest.raises(ValueError, match="steps"):
        forecast_step_seconds(model, context, 1)


def test_plot_recall_draws_each_kind_in_its_colour_and_hides_no_point():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    from sine_lab.plots import colour
    from sine_lab.studies.beyond import RecallResult, plot_recall

    results = [RecallResult(kind, lag, seed, 1.0 if lag > 20 else 0.01, 50, 1.0, 100)
               for kind in ("rnn", "gru") for lag in (20, 50) for seed in (0, 1)]  # equal values for both kinds
    fig = plot_recall(results, title="two kinds with the same results", kinds=("rnn", "gru", "lstm"))
    left = fig.axes[0]
    points = {c.get_label(): c for c in left.collections}
    assert sorted(points) == ["gru", "rnn"]  # a kind without results is left out
    for kind, collection in points.items():
        assert tuple(collection.get_facecolor()[0]) == to_rgba(colour(kind))
    rnn, gru = (points[kind].get_offsets() for kind in ("rnn", "gru"))
    assert (rnn[:, 1] == gru[:, 1]).all() and (rnn[:, 0] != gru[:, 0]).all(), "side by side, not on top"
    assert "success threshold (NMSE 0.1)" in [t.get_text() for t in fig.legends[0].get_texts()]
    plt.close(fig)
