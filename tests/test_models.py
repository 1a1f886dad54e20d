import math

import pytest
import torch

from sine_lab.data import article_data
from sine_lab.models import ArticleDeepLSTM, ArticleLSTM, ArticleSimpleRNN, SequenceModel, forecast


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
        (torch.nn.Linear(1, 1), torch.zeros(1, 3, 1), 2, TypeError, "model must be a SequenceModel"),
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
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_identity_relu_rnn_starts_as_an_identity_memory():
    from sine_lab.models import identity_relu_rnn

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
    from sine_lab.models import init_orthogonal_recurrent

    torch.manual_seed(0)
    model = SequenceModel("gru", hidden_size=5, num_layers=2)
    init_orthogonal_recurrent(model, gain=1.0)
    for l in range(2):
        for block in getattr(model.rnn, f"weight_hh_l{l}").split(5, dim=0):
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
    with pytest.raises(ValueError, match="cell 'lstm'"):
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
