import math

import pytest
import torch

from sine_lab.data import article_data
from sine_lab.models import (
    MODEL_KINDS,
    ArticleDeepLSTM,
    ArticleLSTM,
    ArticleSimpleRNN,
    SequenceModel,
    build_model,
    forecast,
    identity_relu_rnn,
    init_orthogonal_recurrent,
    recurrent_layer,
    register_model_kind,
)


@pytest.fixture
def seed_x():
    return article_data()[0]


def test_article_rnn_returns_one_number_for_the_whole_sequence(seed_x):
    torch.manual_seed(0)
    assert ArticleSimpleRNN(1, 10, 1)(seed_x).shape == (1,)


def test_article_lstm_returns_one_number_for_the_whole_sequence(seed_x):
    torch.manual_seed(0)
    assert ArticleLSTM(1, 10, 1)(seed_x).shape == (1,)


def test_article_deep_lstm_raises_on_the_articles_input(seed_x):
    torch.manual_seed(0)
    with pytest.raises(IndexError, match="too many indices"):
        ArticleDeepLSTM(1, 50, 1, num_layers=3)(seed_x)


def test_article_deep_lstm_runs_on_a_batched_input(seed_x):
    torch.manual_seed(0)
    assert ArticleDeepLSTM(1, 50, 1, num_layers=3)(seed_x.unsqueeze(0)).shape == (1, 1)


def test_article_rnn_output_is_the_head_of_the_last_hidden_state(seed_x):
    torch.manual_seed(0)
    model = ArticleSimpleRNN(1, 10, 1)
    out, h_n = model.rnn(seed_x)
    assert torch.equal(out[-1], h_n[0])
    assert torch.allclose(model(seed_x), model.linear(h_n[0]))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_sequence_model_shapes(cell):
    torch.manual_seed(0)
    model = SequenceModel(cell, hidden_size=8, num_layers=2, output_size=3)
    x = torch.randn(5, 7, 1)
    per_step, state = model.run(x)
    assert per_step.shape == (5, 7, 3)
    assert model(x).shape == (5, 3)
    assert torch.allclose(model(x), per_step[:, -1])
    h = state[0] if cell == "lstm" else state
    assert h.shape == (2, 5, 8)


def test_sequence_model_continues_from_a_state_exactly():
    torch.manual_seed(0)
    model = SequenceModel("gru", hidden_size=6)
    x = torch.randn(2, 10, 1)
    whole, _ = model.run(x)
    first, state = model.run(x[:, :4])
    rest, _ = model.run(x[:, 4:], state)
    assert torch.allclose(torch.cat([first, rest], dim=1), whole, atol=1e-6)


def test_sequence_model_names_the_expected_layout():
    model = SequenceModel("lstm")
    with pytest.raises(ValueError, match=r"3-D tensor \(batch, seq, input_size\), got a 2-D"):
        model(torch.zeros(1000, 1))


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"cell": "transformer"}, ValueError, "cell must be one of .rnn., .lstm., .gru., .linear."),
        ({"hidden_size": 0}, ValueError, "hidden_size must be >= 1"),
        ({"dropout": 1.5}, ValueError, "dropout must be <= 1.0"),
        ({"num_layers": 2.0}, TypeError, "num_layers must be an int"),
    ],
)
def test_sequence_model_rejects_bad_arguments(kwargs, error, text):
    with pytest.raises(error, match=text):
        SequenceModel(**kwargs)


def test_linear_recurrence_matches_a_hand_computed_loop():
    torch.manual_seed(0)
    layer = SequenceModel("linear", hidden_size=3).rnn
    x = torch.randn(2, 6, 1)
    h = torch.zeros(2, 3)
    expected = []
    for t in range(6):
        h = layer.weight_hh_l0 @ h.T
        h = h.T + (layer.weight_ih_l0 @ x[:, t].T).T + layer.bias_l0
        expected.append(h)
    out, h_n = layer(x)
    assert torch.allclose(out, torch.stack(expected, dim=1), atol=1e-6)
    assert torch.equal(h_n[0], out[:, -1])


def test_linear_oscillator_predicts_the_next_sample_to_float_precision():
    from sine_lab.data import sine_series

    step = 0.05
    _, s = sine_series(400, step=step, angular_frequency=1.3, amplitude=0.7, phase=0.4)
    model = SequenceModel.linear_oscillator(1.3 * step)
    per_step, _ = model.run(s[:-1].reshape(1, -1, 1))
    # From the second input on, both state units hold real samples.
    assert torch.allclose(per_step[0, 1:, 0], s[2:], atol=1e-5)


def test_linear_cell_has_one_layer():
    with pytest.raises(ValueError, match="exactly one layer"):
        SequenceModel("linear", num_layers=2)


def test_per_step_model_returns_every_step():
    torch.manual_seed(0)
    model = SequenceModel("rnn", hidden_size=4, per_step=True)
    x = torch.randn(3, 11, 1)
    assert model(x).shape == (3, 11, 1)
    assert torch.equal(model(x), model.run(x)[0])
    with pytest.raises(TypeError, match="per_step must be a bool"):
        SequenceModel(per_step="yes")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru", "linear"])
def test_forecast_matches_a_hand_written_feedback_loop(cell):
    torch.manual_seed(0)
    model = SequenceModel(cell, hidden_size=5)
    context = torch.randn(3, 7, 1)
    # Independent reference: rerun the whole growing sequence from scratch each step.
    sequence = context
    expected = []
    with torch.no_grad():
        for _ in range(6):
            nxt = model(sequence)
            expected.append(nxt[:, 0])
            sequence = torch.cat([sequence, nxt.unsqueeze(1)], dim=1)
        got = forecast(model, context, 6)
    assert got.shape == (3, 6)
    assert torch.allclose(got, torch.stack(expected, dim=1), atol=1e-5)


def test_forecast_with_the_linear_oscillator_continues_the_sine_for_a_long_time():
    from sine_lab.data import sine_series

    step = 0.05
    _, s = sine_series(1100, step=step, angular_frequency=1.0, amplitude=0.8, phase=1.0)
    model = SequenceModel.linear_oscillator(step)
    with torch.no_grad():
        got = forecast(model, s[:100].reshape(1, -1, 1), 1000)
    assert torch.allclose(got[0], s[100:], atol=1e-3)


def test_forecast_is_differentiable_for_a_rollout_loss():
    torch.manual_seed(0)
    model = SequenceModel("gru", hidden_size=4)
    forecast(model, torch.randn(2, 5, 1), 4).pow(2).mean().backward()
    assert model.rnn.weight_hh_l0.grad is not None and model.rnn.weight_hh_l0.grad.abs().sum() > 0


@pytest.mark.parametrize(
    "model, context, steps, error, text",
    [
        (SequenceModel("gru", output_size=2), torch.zeros(1, 3, 1), 2, ValueError, "input_size == output_size == 1"),
        (SequenceModel("gru"), torch.zeros(3, 1), 2, ValueError, "context must be a 3-D tensor \\(batch, W, 1\\)"),
        (SequenceModel("gru"), torch.zeros(1, 0, 1), 2, ValueError, "at least one time step"),
        (SequenceModel("gru"), torch.zeros(1, 3, 1), 0, ValueError, "steps must be >= 1"),
        (torch.nn.Linear(1, 1), torch.zeros(1, 3, 1), 2, TypeError, "got Linear, which has no run method"),
    ],
)
def test_forecast_rejects_bad_arguments(model, context, steps, error, text):
    with pytest.raises(error, match=text):
        forecast(model, context, steps)


def test_delta_scale_adds_the_scaled_head_to_the_input():
    torch.manual_seed(0)
    model = SequenceModel("lstm", hidden_size=4, delta_scale=0.1)
    x = torch.randn(2, 5, 1)
    out, _ = model.run(x)
    hidden, _ = model.rnn(x)
    assert torch.allclose(out, x + 0.1 * model.head(hidden), atol=1e-7)


def test_delta_scale_needs_matching_sizes():
    with pytest.raises(ValueError, match="needs input_size == output_size"):
        SequenceModel("gru", output_size=2, delta_scale=0.1)


def test_linear_predictor_computes_its_autoregression():
    coefficients = [0.5, -0.25, 0.125]
    model = SequenceModel.linear_predictor(coefficients)
    s = torch.randn(1, 20, 1)
    out, _ = model.run(s)
    v = s[0, :, 0]
    expected = 0.5 * v[2:] - 0.25 * v[1:-1] + 0.125 * v[:-2]
    assert torch.allclose(out[0, 2:, 0], expected, atol=1e-6)


def test_linear_oscillator_is_the_order_two_predictor():
    a = SequenceModel.linear_oscillator(0.3)
    b = SequenceModel.linear_predictor([2 * math.cos(0.3), -1.0])
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def test_identity_relu_rnn_starts_as_an_identity_memory():
    torch.manual_seed(0)
    model = identity_relu_rnn(hidden_size=6)
    assert model.rnn.nonlinearity == "relu"
    assert torch.equal(model.rnn.weight_hh_l0, torch.eye(6))
    x = torch.zeros(1, 20, 1)
    x[0, 0, 0] = 1.0
    hidden, _ = model.rnn(x)
    # After the pulse the input is zero and biases are zero: the state is carried unchanged.
    assert torch.equal(hidden[0, 1], hidden[0, -1])
    assert hidden[0, 0].abs().sum() > 0


def test_orthogonal_recurrent_init_makes_every_gate_block_orthogonal():
    torch.manual_seed(0)
    model = SequenceModel("gru", hidden_size=5, num_layers=2)
    init_orthogonal_recurrent(model, gain=1.0)
    for index in range(2):
        for block in getattr(model.rnn, f"weight_hh_l{index}").split(5, dim=0):
            assert torch.allclose(block @ block.T, torch.eye(5), atol=1e-5)


def test_forget_gate_bias_sets_only_the_forget_slice():
    from sine_lab.models import init_forget_gate_bias

    torch.manual_seed(0)
    model = SequenceModel("lstm", hidden_size=3)
    before = model.rnn.bias_ih_l0.detach().clone()
    init_forget_gate_bias(model, 1.0)
    total = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0
    assert torch.equal(total[3:6], torch.ones(3))
    assert torch.equal(model.rnn.bias_ih_l0[:3], before[:3])
    with pytest.raises(ValueError, match=r"needs a model whose recurrent layer is an nn.LSTM \(e.g. kind 'lstm'\); "
                                         r"the 'gru' model \(SequenceModel\) has GRU"):
        init_forget_gate_bias(SequenceModel("gru"), 1.0)


def test_eval_mode_restores_the_previous_mode_even_after_an_error():
    from sine_lab.models import eval_mode

    model = SequenceModel("lstm", num_layers=2, dropout=0.5)
    with eval_mode(model):
        assert not model.training
    assert model.training
    with pytest.raises(RuntimeError), eval_mode(model):
        raise RuntimeError("inside")
    assert model.training
    model.eval()
    with eval_mode(model):
        pass
    assert not model.training


# --- the registry of model kinds ----------------------------------------------------------------------------


@pytest.fixture
def scratch_registry():
    """Kinds a test registers are removed afterwards, so other tests see the real registry."""
    before = dict(MODEL_KINDS)
    yield
    MODEL_KINDS.clear()
    MODEL_KINDS.update(before)


@pytest.mark.parametrize("kind", sorted(MODEL_KINDS))
def test_every_registered_kind_keeps_the_contract(kind):
    torch.manual_seed(0)
    model = build_model(kind).eval()
    assert (model.kind, model.config) == (kind, {})
    x = torch.randn(3, 9, 1)
    with torch.no_grad():
        last = model(x)
        whole, _ = model.run(x)
        first, state = model.run(x[:, :4])
        rest, _ = model.run(x[:, 4:], state)
        assert last.shape == (3, 1) and whole.shape == (3, 9, 1)
        assert torch.allclose(last, whole[:, -1], atol=1e-6)
        # run(x2, state) continues exactly where run(x1) stopped: what forecast and rollouts rely on.
        assert torch.allclose(torch.cat([first, rest], dim=1), whole, atol=1e-5)
        got = forecast(model, x, 3)
        grown, expected = x, []
        for _ in range(3):
            expected.append(model(grown))
            grown = torch.cat([grown, expected[-1].unsqueeze(1)], dim=1)
    assert torch.allclose(got, torch.cat(expected, dim=1), atol=1e-5)


def test_a_sequence_model_records_the_same_kind_and_config_as_build_model():
    direct = SequenceModel("gru", hidden_size=5, num_layers=2)
    built = build_model("gru", hidden_size=5, num_layers=2)
    assert direct.kind == built.kind == "gru"
    assert SequenceModel(direct.kind, **direct.config).state_dict().keys() == built.state_dict().keys()
    assert direct.config["hidden_size"] == 5 and direct.config["num_layers"] == 2


def test_the_irnn_kind_is_a_relu_rnn_and_records_its_own_kind():
    direct = identity_relu_rnn(6, scale=0.5, num_layers=2)
    assert direct.kind == "irnn"
    assert direct.config == {"hidden_size": 6, "scale": 0.5, "num_layers": 2, "per_step": False, "delta_scale": None,
                             "delta_order": 1}
    rebuilt = build_model("irnn", **direct.config)
    assert rebuilt.rnn.nonlinearity == "relu"
    assert torch.equal(rebuilt.rnn.weight_hh_l1, 0.5 * torch.eye(6))


def test_the_irnn_draws_the_same_weights_as_before_the_registry():
    # Chapter 09's recorded results depend on these draws: a tanh layer, the head, then the ReLU layer.
    torch.manual_seed(3)
    torch.nn.RNN(1, 4, batch_first=True)
    head = torch.nn.Linear(4, 1)
    relu = torch.nn.RNN(1, 4, nonlinearity="relu", batch_first=True)
    torch.manual_seed(3)
    model = identity_relu_rnn(4)
    assert torch.equal(model.head.weight, head.weight)
    assert torch.equal(model.rnn.weight_ih_l0, relu.weight_ih_l0)


def test_an_unknown_kind_lists_the_registered_ones():
    with pytest.raises(ValueError, match="kind must be one of 'rnn', 'lstm', 'gru', 'linear', 'irnn'.*; got 'tcnn'"):
        build_model("tcnn")


def test_a_wrong_argument_lists_the_arguments_the_kind_takes():
    with pytest.raises(TypeError, match=r"model kind 'irnn' takes the arguments \(hidden_size, scale, num_layers, "
                                        r"per_step, delta_scale, delta_order\); got an unexpected keyword "
                                        r"argument 'cell'"):
        build_model("irnn", cell="lstm")


def test_registering_a_taken_name_is_an_error(scratch_registry):
    with pytest.raises(ValueError,
                       match=r"a model kind named 'lstm' is already registered \(LSTM with a linear head\)"):
        register_model_kind("lstm", "another LSTM")(lambda: SequenceModel("lstm"))
    assert MODEL_KINDS["lstm"].summary == "LSTM with a linear head"


def test_a_redefined_builder_replaces_its_kind(scratch_registry):
    # What a notebook does when the cell that defines and registers a kind runs again.
    for hidden in (3, 4):
        @register_model_kind("tiny_gru", "a GRU of a few units")
        def tiny_gru(hidden_size: int = hidden) -> SequenceModel:
            return SequenceModel("gru", hidden_size=hidden_size)
    assert build_model("tiny_gru").hidden_size == 4


@pytest.mark.parametrize(
    "name, summary, builder, error, text",
    [
        ("two words", "x", SequenceModel, ValueError, "hold only letters, digits, '_' and '-'.*got 'two words'"),
        ("a,b", "x", SequenceModel, ValueError, "typed on the command line"),
        (3, "x", SequenceModel, ValueError, "got 3"),
        ("fine", "", SequenceModel, ValueError, "needs a one-line summary"),
        ("fine", "x", "SequenceModel", TypeError, "must be registered with a class or function, got str"),
    ],
)
def test_registering_bad_kinds_is_an_error(scratch_registry, name, summary, builder, error, text):
    with pytest.raises(error, match=text):
        register_model_kind(name, summary)(builder)
    assert "fine" not in MODEL_KINDS


def test_a_builder_must_return_a_module(scratch_registry):
    register_model_kind("not_a_model", "returns a tensor")(lambda: torch.zeros(1))
    with pytest.raises(TypeError,
                       match="builder of model kind 'not_a_model' must return a torch.nn.Module, got Tensor"):
        build_model("not_a_model")


def test_a_model_with_its_own_config_attribute_is_refused(scratch_registry):
    class Configured(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.config = ("width", 3)

    register_model_kind("configured", "has a config of its own")(Configured)
    with pytest.raises(TypeError, match=r"Configured has its own .config attribute \(tuple\).*so rename it"):
        build_model("configured")


def test_forecast_names_a_kind_that_breaks_the_contract():
    class TwoOutputs(torch.nn.Module):
        kind = "two_outputs"

        def run(self, x, state=None):
            return x.repeat(1, 1, 2), state

    with pytest.raises(ValueError, match=r"the 'two_outputs' model \(TwoOutputs\) breaks the model contract: "
                                         r"run\(x\) on x of shape \(1, 3, 1\) "
                                         r"must return per-step outputs of shape \(1, 3, 1\), got \(1, 3, 2\)"):
        forecast(TwoOutputs(), torch.zeros(1, 3, 1), 2)


def test_recurrent_layer_says_what_it_found():
    assert isinstance(recurrent_layer(SequenceModel("gru"), "f"), torch.nn.GRU)
    with pytest.raises(TypeError, match="f needs a model with a recurrent layer.*; Sequential has none"):
        recurrent_layer(torch.nn.Sequential(torch.nn.Linear(1, 1)), "f")
    with pytest.raises(ValueError, match="exactly one recurrent layer; Sequential has 2"):
        recurrent_layer(torch.nn.Sequential(torch.nn.RNN(1, 2), torch.nn.GRU(2, 2)), "f")
    with pytest.raises(ValueError, match="does not support bidirectional"):
        recurrent_layer(torch.nn.LSTM(1, 2, bidirectional=True), "f")
    with pytest.raises(TypeError, match="init_orthogonal_recurrent needs a model with a recurrent layer"):
        init_orthogonal_recurrent(torch.nn.Linear(1, 1))


def test_a_forecast_that_overflows_ends_in_infinity_instead_of_an_error():
    # s[n+1] = 3 s[n] passes float32's largest value (3.4e38) after about 81 steps.
    model = SequenceModel.linear_predictor([3.0])
    with torch.no_grad():
        generated = forecast(model, torch.ones(2, 1, 1), 200)
    finite = torch.isfinite(generated[0])
    first_overflow = int((~finite).nonzero()[0])
    assert 75 < first_overflow < 90 and bool(finite[:first_overflow].all())
    assert bool(torch.isinf(generated[:, first_overflow:]).all()), "everything after the overflow counts as infinite"
