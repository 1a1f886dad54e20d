"""Gradients through time (sine_lab.diagnostics), checked against independent computations."""

import math

import pytest
import torch
from torch.autograd.functional import jacobian

from sine_lab.diagnostics import (
    fit_decay_rate,
    hidden_state_grad_norms,
    jacobian_norms_vs_lag,
    largest_singular_value,
    linear_closed_loop_matrix,
    recurrent_weights,
    scale_recurrent_weights,
    spectral_radius,
    tanh_rnn_jacobian_bound,
)
from sine_lab.models import ArticleSimpleRNN, SequenceModel, forecast


def _reference_jacobian_norm(model: SequenceModel, x: torch.Tensor, lag: int) -> float:
    """Mean over the batch of ‖∂h_T/∂h_{T-lag}‖₂ by torch.autograd.functional.jacobian,
    running the whole-sequence module (not the step-by-step code under test)."""
    layer, seq = model.rnn, x.shape[1]
    norms = []
    for b in range(x.shape[0]):
        xb = x[b : b + 1]
        _, state = layer(xb[:, : seq - lag])  # state after step T - lag
        is_lstm = isinstance(state, tuple)
        h_all = state[0] if is_lstm else state

        def last_h(h_top, h_all=h_all, state=state, is_lstm=is_lstm, xb=xb):
            h = torch.cat([h_all[:-1], h_top.reshape(1, 1, -1)], dim=0)
            start = (h, state[1]) if is_lstm else h
            _, final = layer(xb[:, seq - lag :], start)
            return (final[0] if is_lstm else final)[-1, 0]

        jac = jacobian(last_h, h_all[-1, 0].detach())
        norms.append(float(torch.linalg.matrix_norm(jac, ord=2)))
    return sum(norms) / len(norms)


@pytest.mark.parametrize("cell, layers", [("rnn", 1), ("rnn", 2), ("lstm", 1), ("lstm", 3), ("gru", 2)])
def test_jacobian_norms_match_autograd_jacobian(cell, layers):
    torch.manual_seed(0)
    model = SequenceModel(cell, hidden_size=5, num_layers=layers)
    x = torch.randn(2, 9, 1)
    norms = jacobian_norms_vs_lag(model, x)
    assert norms.shape == (9,)
    assert norms[0] == 1.0
    for lag in (1, 4, 8):
        assert norms[lag].item() == pytest.approx(_reference_jacobian_norm(model, x, lag), rel=1e-4)


def test_jacobian_norms_of_a_linear_cell_are_the_norms_of_matrix_powers():
    torch.manual_seed(1)
    model = SequenceModel("linear", hidden_size=3)
    weight = model.rnn.weight_hh_l0.detach().double()
    norms = jacobian_norms_vs_lag(model, torch.randn(4, 12, 1))
    expected = [float(torch.linalg.matrix_norm(torch.linalg.matrix_power(weight, k), ord=2)) for k in range(12)]
    assert norms.tolist() == pytest.approx(expected, rel=1e-5)


def test_jacobian_norms_leave_mode_and_gradients_alone():
    model = SequenceModel("lstm", hidden_size=4, num_layers=2, dropout=0.5)
    model.train()
    jacobian_norms_vs_lag(model, torch.randn(1, 5, 1))
    assert model.training
    assert all(p.grad is None for p in model.parameters())


def test_jacobian_norms_reject_bad_arguments():
    with pytest.raises(ValueError, match="needs a batch-first recurrent layer; RNN has RNN with batch_first=False"):
        jacobian_norms_vs_lag(torch.nn.RNN(1, 4), torch.zeros(1, 5, 1))
    with pytest.raises(ValueError, match=r"3-D tensor \(batch, seq, input_size\)"):
        jacobian_norms_vs_lag(SequenceModel("rnn"), torch.zeros(5, 1))


def test_scaling_multiplies_every_recurrent_weight_and_nothing_else():
    torch.manual_seed(0)
    model = SequenceModel("lstm", hidden_size=4, num_layers=2)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    scale_recurrent_weights(model, 2.5)
    scaled = {f"rnn.{name}" for name in recurrent_weights(model)}
    assert scaled == {"rnn.weight_hh_l0", "rnn.weight_hh_l1"}
    for name, p in model.named_parameters():
        factor = 2.5 if name in scaled else 1.0
        assert torch.allclose(p, factor * before[name])


def test_spectral_radius_and_singular_value_of_known_matrices():
    angle = 0.3
    rotation = torch.tensor([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    assert spectral_radius(0.5 * rotation) == pytest.approx(0.5)
    assert largest_singular_value(0.5 * rotation) == pytest.approx(0.5)
    nilpotent = torch.tensor([[0.0, 2.0], [0.0, 0.0]])  # eigenvalues 0, yet it stretches by 2
    assert spectral_radius(nilpotent) == pytest.approx(0.0)
    assert largest_singular_value(nilpotent) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="square"):
        spectral_radius(torch.zeros(8, 2))


def test_tanh_rnn_jacobians_respect_the_bound():
    torch.manual_seed(0)
    model = SequenceModel("rnn", hidden_size=6)
    scale_recurrent_weights(model, 2.0)
    norms = jacobian_norms_vs_lag(model, torch.randn(3, 15, 1))
    bound = tanh_rnn_jacobian_bound(model.rnn.weight_hh_l0, 14)
    assert bound[0] == 1.0
    assert bound[2].item() == pytest.approx(largest_singular_value(model.rnn.weight_hh_l0) ** 2)
    assert bool((norms <= bound * (1 + 1e-6)).all())


def _cell_loop_grad_norms(layer: torch.nn.RNNBase, head, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """‖∂L/∂h_t‖ per layer and step by a hand loop over nn.*Cell modules (batch-first x)."""
    cell_type = {
        torch.nn.RNN: torch.nn.RNNCell, torch.nn.LSTM: torch.nn.LSTMCell, torch.nn.GRU: torch.nn.GRUCell,
    }[type(layer)]
    cells = []
    for index in range(layer.num_layers):
        cell = cell_type(layer.input_size if index == 0 else layer.hidden_size, layer.hidden_size)
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, kind).data.copy_(getattr(layer, f"{kind}_l{index}"))
        cells.append(cell)
    states = [None] * layer.num_layers
    recorded = []
    for t in range(x.shape[1]):
        below = x[:, t]
        row = []
        for index, cell in enumerate(cells):
            states[index] = cell(below, states[index])
            h = states[index][0] if isinstance(states[index], tuple) else states[index]
            row.append(h)
            below = h
        recorded.append(row)
    loss = torch.nn.functional.mse_loss(head(below), y)
    grads = torch.autograd.grad(loss, [h for row in recorded for h in row])
    return torch.tensor([g.norm().item() for g in grads]).reshape(x.shape[1], -1).T


@pytest.mark.parametrize("cell, layers", [("rnn", 2), ("lstm", 2), ("gru", 3)])
def test_hidden_state_grad_norms_match_a_hand_loop_over_cells(cell, layers):
    torch.manual_seed(0)
    model = SequenceModel(cell, hidden_size=4, num_layers=layers)
    x, y = torch.randn(3, 7, 1), torch.randn(3, 1)
    norms = hidden_state_grad_norms(model, x, y)
    assert norms.shape == (layers, 7)
    reference = _cell_loop_grad_norms(model.rnn, model.head, x, y)
    assert torch.allclose(norms, reference.double(), rtol=1e-4, atol=1e-9)
    assert all(p.grad is None for p in model.parameters())


def test_hidden_state_grad_norms_on_the_articles_unbatched_input():
    torch.manual_seed(0)
    model = ArticleSimpleRNN(1, 4, 1)
    x = torch.linspace(0, 1, 6).reshape(-1, 1)
    y = torch.sin(x)
    with pytest.warns(UserWarning, match="target size"):  # the article's broadcast, kept on purpose
        norms = hidden_state_grad_norms(model, x, y)
    # Same numbers as a batch of one through the cell loop (the head sees h_T only).
    reference = _cell_loop_grad_norms(model.rnn, model.linear, x.unsqueeze(0), y.mean().reshape(1, 1))
    # MSE of one prediction p against all y equals MSE against mean(y) plus a constant: same gradient.
    assert torch.allclose(norms, reference.double(), rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("cell, layers", [("rnn", 1), ("lstm", 2), ("gru", 3), ("linear", 1)])
def test_hidden_state_grad_norms_of_the_last_steps_are_those_of_the_full_measurement(cell, layers):
    torch.manual_seed(0)
    model = SequenceModel(cell, hidden_size=4, num_layers=layers)
    x, y = torch.randn(3, 9, 1), torch.randn(3, 1)
    last = hidden_state_grad_norms(model, x, y, steps=4)
    assert last.shape == (layers, 4)
    assert torch.allclose(last, hidden_state_grad_norms(model, x, y)[:, -4:], rtol=1e-5, atol=1e-12)
    with pytest.raises(ValueError, match="at most the sequence's 9 steps"):
        hidden_state_grad_norms(model, x, y, steps=10)
    with pytest.raises(ValueError, match="steps"):
        hidden_state_grad_norms(model, x, y, steps=0)


def test_hidden_state_grad_norms_of_the_last_steps_on_the_articles_unbatched_input():
    torch.manual_seed(0)
    model = ArticleSimpleRNN(1, 4, 1)
    x = torch.linspace(0, 1, 12).reshape(-1, 1)
    with pytest.warns(UserWarning, match="target size"):
        full = hidden_state_grad_norms(model, x, torch.sin(x))
    with pytest.warns(UserWarning, match="target size"):
        last = hidden_state_grad_norms(model, x, torch.sin(x), steps=5)
    assert torch.allclose(last, full[:, -5:], rtol=1e-5, atol=1e-12)


def test_fit_decay_rate_recovers_an_exponential_and_ignores_underflow():
    norms = 3.0 * 0.8 ** torch.arange(40, dtype=torch.float64)
    norms[30:] = 0.0
    fit = fit_decay_rate(norms)
    assert fit.rate == pytest.approx(-math.log(0.8))
    assert fit.factor_per_step == pytest.approx(0.8)
    assert fit.intercept == pytest.approx(math.log(3.0))
    assert fit.points == 29
    assert fit.lags_per_decade == pytest.approx(math.log(10) / -math.log(0.8))
    with pytest.raises(ValueError, match="at least 2"):
        fit_decay_rate(torch.zeros(5))


def test_fit_decay_rate_of_a_scaled_rotation_is_the_scale():
    model = SequenceModel("linear", hidden_size=2)
    angle = 0.4
    with torch.no_grad():
        model.rnn.weight_hh_l0.copy_(0.9 * torch.tensor([[math.cos(angle), -math.sin(angle)],
                                                         [math.sin(angle), math.cos(angle)]]))
    fit = fit_decay_rate(jacobian_norms_vs_lag(model, torch.randn(2, 30, 1)))
    assert fit.factor_per_step == pytest.approx(0.9, rel=1e-5)


def test_the_oscillator_free_runs_a_sine_and_its_closed_loop_rotates_by_omega_dt():
    omega_dt = 0.3
    model = SequenceModel.linear_oscillator(omega_dt)
    eigenvalues = torch.linalg.eigvals(linear_closed_loop_matrix(model).double())
    assert eigenvalues.abs().tolist() == pytest.approx([1.0, 1.0], abs=1e-6)
    assert sorted(eigenvalues.angle().tolist()) == pytest.approx([-omega_dt, omega_dt], abs=1e-6)
    t = omega_dt * torch.arange(102, dtype=torch.float64)
    with torch.no_grad():
        generated = forecast(model, torch.sin(t[:2]).float().reshape(1, 2, 1), 100)
    assert torch.allclose(generated[0].double(), torch.sin(t[2:]), atol=1e-5)
    with pytest.raises(ValueError, match="linear"):
        linear_closed_loop_matrix(SequenceModel("rnn"))


class _NoRecurrence(torch.nn.Module):
    """A stand-in for a registered kind without a recurrent layer (attention, an MLP on a window)."""

    def __init__(self) -> None:
        super().__init__()
        self.head = torch.nn.Linear(1, 1)
        self.kind = "window_mlp"


@pytest.mark.parametrize(
    "diagnostic",
    [
        lambda m: jacobian_norms_vs_lag(m, torch.zeros(1, 5, 1)),
        lambda m: recurrent_weights(m),
        lambda m: scale_recurrent_weights(m, 2.0),
        lambda m: hidden_state_grad_norms(m, torch.zeros(1, 5, 1), torch.zeros(1, 1)),
        lambda m: linear_closed_loop_matrix(m),
    ],
    ids=["jacobian_norms_vs_lag", "recurrent_weights", "scale_recurrent_weights", "hidden_state_grad_norms",
         "linear_closed_loop_matrix"],
)
def test_a_recurrent_diagnostic_names_the_kind_of_a_model_without_a_recurrent_layer(diagnostic, request):
    name = request.node.callspec.id
    with pytest.raises(TypeError, match=f"{name} needs a model with a recurrent layer .*; "
                                        r"the 'window_mlp' model \(_NoRecurrence\) has none"):
        diagnostic(_NoRecurrence())


def test_the_closed_loop_matrix_refuses_a_residual_head():
    with pytest.raises(ValueError, match="no delta_scale"):
        linear_closed_loop_matrix(SequenceModel("linear", hidden_size=2, delta_scale=0.1))
