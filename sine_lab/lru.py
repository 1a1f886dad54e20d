"""A Linear Recurrent Unit (Orvieto et al. 2023, "Resurrecting Recurrent Neural
Networks for Long Sequences"): a diagonal complex linear recurrence with a nonlinear
readout, registered as the model kind ``"lru"``.

Chapter 06 showed that a sine is a *linear* recurrence and that gradients vanish at
the rate of the recurrence's eigenvalues. The LRU takes both at their word: its
recurrence is linear and diagonal, so the eigenvalues are parameters, kept inside
the unit circle by construction and started close to it, where memory is long.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
from torch import Tensor

from .arguments import check_float, check_int
from .models import register_model_kind
from .stepwise import StepwiseModel

__all__ = ["LinearRecurrentUnit"]


@register_model_kind("lru", "linear recurrent unit: diagonal complex linear recurrence, "
                            "nonlinear readout (Orvieto et al. 2023)")
class LinearRecurrentUnit(StepwiseModel):
    """An LRU layer on a one-value input with a two-layer MLP readout.

    State ``s_t`` ``(batch, state_size)`` complex:

        s_t = λ ⊙ s_{t-1} + γ ⊙ (B x_t),        y_t = Re(C s_t) + D x_t,
        output_t = W_2 GELU(W_1 y_t + b_1) + b_2

    with ``λ_j = exp(-exp(ν_j) + i exp(θ_j))``: the modulus ``exp(-exp(ν_j))`` lies in
    (0, 1) for any real ``ν_j``, so the recurrence is stable whatever gradient descent
    does, and the log-parameterisation resolves moduli close to 1 finely. The moduli
    start uniformly on the ring ``r_min <= |λ| <= r_max`` (uniform in area), the
    phases uniformly in ``[0, max_phase]``. ``γ_j = exp(γlog_j)``, started at
    ``sqrt(1 - |λ_j|²)``, normalises the input so that a mode near the unit circle
    does not blow up the state of a white-noise input.

    Because the recurrence is linear and diagonal, :meth:`run` computes a whole
    sequence at once as a convolution with the kernel ``λ^k`` (via FFT), not step by
    step. Shapes: ``x`` ``(batch, seq, 1)`` -> ``(batch, 1)`` (or ``(batch, seq, 1)`` per
    step); the state is a complex ``(batch, state_size)`` tensor.
    Parameters: ``3 N + 2 N + 2 N H + H + H (H + 1) + H + 1`` (``N = state_size``,
    ``H = hidden_size``); 3,329 at the defaults (an LSTM of 32 units has 4,513).

    Args:
        hidden_size: ``H``, width of ``y`` and of the readout's hidden layer.
        state_size: ``N``, complex state dimensions (eigenvalues).
        r_min, r_max: the ring the eigenvalue moduli start on, ``0 <= r_min < r_max < 1``.
        max_phase: the largest initial eigenvalue phase, radians per step.
        per_step, delta_scale, delta_order: see :class:`~sine_lab.stepwise.StepwiseModel`.
    """

    def __init__(
        self, hidden_size: int = 32, state_size: int = 32, r_min: float = 0.9, r_max: float = 0.999,
        max_phase: float = 2 * math.pi, *, per_step: bool = False, delta_scale: float | None = None,
        delta_order: int = 1,
    ) -> None:
        super().__init__(per_step=per_step, delta_scale=delta_scale, delta_order=delta_order)
        self.hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        self.state_size = check_int("state_size", state_size, minimum=1)
        r_min = check_float("r_min", r_min, minimum=0.0)
        r_max = check_float("r_max", r_max, maximum=1.0)
        if not r_min < r_max < 1.0:
            raise ValueError(f"the eigenvalue ring needs 0 <= r_min < r_max < 1, got r_min={r_min}, r_max={r_max}")
        max_phase = check_float("max_phase", max_phase, minimum=0.0, exclusive_minimum=True)
        n, h = state_size, hidden_size
        modulus_squared = torch.rand(n) * (r_max**2 - r_min**2) + r_min**2
        self.nu_log = nn.Parameter(torch.log(-0.5 * torch.log(modulus_squared)))
        self.theta_log = nn.Parameter(torch.log(max_phase * torch.rand(n).clamp_min(1e-4)))
        self.gamma_log = nn.Parameter(0.5 * torch.log(1.0 - modulus_squared))
        self.B = nn.Parameter(torch.randn(n, 2) / math.sqrt(2.0))  # real and imaginary parts of B (N, 1)
        self.C = nn.Parameter(torch.randn(h, n, 2) / math.sqrt(2.0 * n))  # real and imaginary parts of C (H, N)
        self.D = nn.Parameter(torch.randn(h))
        self.readout = nn.Sequential(nn.Linear(h, h), nn.GELU(), nn.Linear(h, 1))

    def _log_eigenvalues(self) -> Tensor:
        return torch.complex(-torch.exp(self.nu_log), torch.exp(self.theta_log))

    def eigenvalues(self) -> Tensor:
        """The recurrence's eigenvalues ``λ`` ``(state_size,)``, complex, detached."""
        return torch.exp(self._log_eigenvalues()).detach()

    def eigenvalue_moduli(self) -> Tensor:
        """``|λ_j| = exp(-exp(ν_j))`` ``(state_size,)``: the fraction of mode ``j`` kept per step."""
        return torch.exp(-torch.exp(self.nu_log)).detach()

    def memory_at_lag(self, lag: int) -> float:
        """``max_j |λ_j|^lag``: the 2-norm of ``∂s_t/∂s_{t-lag}`` (a diagonal matrix), i.e.
        how much of a value written ``lag`` steps ago the best-kept mode still holds,
        and the factor by which a gradient reaching back that far is scaled."""
        lag = check_int("lag", lag, minimum=0)
        return float(self.eigenvalue_moduli().max() ** lag)

    def _check_state(self, state: object, batch: int) -> None:
        expected = (batch, self.state_size)
        if not isinstance(state, Tensor) or not state.is_complex() or tuple(state.shape) != expected:
            if isinstance(state, Tensor):
                got = f"{state.dtype} tensor of shape {tuple(state.shape)}"
            else:
                got = type(state).__name__
            raise ValueError(f"state of an lru must be a complex tensor of shape (batch, state_size) = {expected}, "
                             f"got {got}")

    def _run(self, x: Tensor, state: Tensor | None) -> tuple[Tensor, Tensor]:
        seq = x.shape[1]
        log_lambda = self._log_eigenvalues()
        b = torch.complex(self.B[:, 0], self.B[:, 1])
        drive = x.to(torch.complex64) * (torch.exp(self.gamma_log) * b)  # (batch, seq, N)
        if seq == 1:
            states = drive if state is None else drive + torch.exp(log_lambda) * state[:, None]
        else:
            # s_t = sum_{k<=t} λ^(t-k) drive_k (+ λ^(t+1) s_{-1}): a causal convolution with λ^k.
            powers = torch.exp(torch.arange(seq, dtype=torch.float32)[:, None] * log_lambda)  # (seq, N)
            size = 2 * seq
            states = torch.fft.ifft(torch.fft.fft(drive, n=size, dim=1) * torch.fft.fft(powers, n=size, dim=0), dim=1)
            states = states[:, :seq]
            if state is not None:
                states = states + torch.exp(log_lambda) * powers * state[:, None]
        c = torch.complex(self.C[..., 0], self.C[..., 1])
        y = (states @ c.T).real + x * self.D
        return self.readout(y), states[:, -1]
