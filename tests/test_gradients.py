"""Gradients through time (sine_lab.diagnostics), checked against independent computations."""

import math

import pytest
import torch
from torch.autograd.functional import jacobian

from sine_lab.diagnostics import (
    jacobian_norms_vs_lag,
    largest_singular_value,
    recurrent_weights,
    scale_recurrent_weights,
    spectral_radius,
    tanh_rnn_jacobian_bound,
)
from sine_lab.models import SequenceModel


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

        def last_h(h_top):
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
    with pytest.raises(TypeError, match="SequenceModel"):
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
