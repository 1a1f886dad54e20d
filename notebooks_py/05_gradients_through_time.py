# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Gradients through time: where "vanishing gradients" holds and where it does not
#
# The seed article says an RNN cannot learn a sine because **gradients vanish over long time
# spans**, because "information from many previous time steps contributes to the current value",
# and because "the unbounded nature of the sine function's derivatives" makes updates unstable.
# This chapter turns each claim into a measurement:
#
# 1. In the article's own models, does the gradient reaching an early hidden state vanish — and
#    is that why Examples 1–3 fail?
# 2. How fast does `‖∂h_T/∂h_{T−k}‖` shrink with the lag `k` for `nn.RNN`, `nn.LSTM` and `nn.GRU`,
#    at initialisation and after training, on the article's 1000-step input and on properly framed
#    windows — and do the models learn anyway?
# 3. How does the decay depend on the scale of the recurrent weights, and does it respect the
#    bound of Pascanu, Mikolov & Bengio (2013)?
# 4. Does predicting a sine need information from many steps back? Are its derivatives unbounded?
#
# Every verdict below is an `assert`, so this notebook fails if a verdict stops being true.
# Tools: `sine_lab.diagnostics` — `hidden_state_grad_norms` (‖∂L/∂h_t‖ through every path),
# `jacobian_norms_vs_lag` (‖∂h_T/∂h_{T−k}‖, spectral norm), `largest_singular_value`,
# `spectral_radius`, `tanh_rnn_jacobian_bound`, `fit_decay_rate`.

# %%
# %matplotlib inline
import math
import warnings

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from sine_lab.data import article_data, make_windows, sine_series
from sine_lab.diagnostics import (
    fit_decay_rate,
    hidden_state_grad_norms,
    jacobian_norms_vs_lag,
    largest_singular_value,
    linear_closed_loop_matrix,
    scale_recurrent_weights,
    spectral_radius,
    tanh_rnn_jacobian_bound,
)
from sine_lab.models import ArticleDeepLSTM, ArticleLSTM, ArticleSimpleRNN, SequenceModel, forecast
from sine_lab.training import seed_everything, train

# One thread: on a small shared machine this is faster for these tiny models; results are the same.
torch.set_num_threads(1)
seed_everything(0)
x_article, y_article = article_data()
var_y = float(y_article.var(unbiased=False))

# %% [markdown]
# ## 1. The article's models: the gradient vanishes — and it does not matter
#
# Examples 1 and 2 feed `x` of shape `(1000, 1)`: one unbatched sequence of 1000 steps ([Chapter 01](01_example1_simple_rnn.ipynb)).
# We measure ‖∂L/∂h_t‖, the gradient of the article's own loss with respect to each hidden state
# through every path, at initialisation and after training with the article's optimiser (Adam,
# lr = 0.01) for 60 of its 1000 epochs — enough to reach the loss floor, as asserted below.

# %%
def train_article_model(model, epochs=60):
    """‖∂L/∂h_t‖ per step before and after training, the history, and the trained model."""
    before = hidden_state_grad_norms(model, x_article, y_article)[-1]
    history = train(model, x_article, y_article, epochs=epochs, lr=0.01)
    after = hidden_state_grad_norms(model, x_article, y_article)[-1]
    return {"before": before, "after": after, "history": history, "model": model}


with warnings.catch_warnings():
    # The article's loss broadcasts one prediction against 1000 targets ([Chapter 01](01_example1_simple_rnn.ipynb)); kept on purpose.
    warnings.filterwarnings("ignore", message="Using a target size")
    seed_everything(0)
    examples = {"Example 1 (RNN)": train_article_model(ArticleSimpleRNN(1, 10, 1))}
    seed_everything(0)
    examples["Example 2 (LSTM)"] = train_article_model(ArticleLSTM(1, 10, 1))

lag_of_step = torch.arange(1000).flip(0)  # the lag T − t of step t
fig, ax = plt.subplots(figsize=(8, 4))
for name, run in examples.items():
    ax.semilogy(lag_of_step, run["before"].clamp_min(1e-40), label=f"{name}, at initialisation")
    ax.semilogy(lag_of_step, run["after"].clamp_min(1e-40), "--", label=f"{name}, after training")
ax.set_xlim(0, 150)
ax.set_ylim(1e-40, 10)
ax.set(xlabel="lag T − t (steps)", ylabel="‖∂L/∂h_t‖ (loss units per unit of h)",
       title="Article's models: the gradient reaching h_t vanishes within a few dozen steps")
ax.legend()
plt.show()

decay = {}
for name, run in examples.items():
    fit = fit_decay_rate(run["before"].flip(0), min_lag=0, max_lag=60)
    decay[name] = fit
    print(f"{name}: ‖∂L/∂h_t‖ shrinks ×{fit.factor_per_step:.2f} per step at initialisation "
          f"(tenfold every {fit.lags_per_decade:.1f} steps); final loss {run['history'].final_loss:.4f}, "
          f"var(y) = {var_y:.4f}")

# %% [markdown]
# The gradient does vanish: the output hardly depends on any step more than ~100 steps back. But
# both models return **one number** for the whole sequence and the loss compares it with all 1000
# targets ([Chapter 01](01_example1_simple_rnn.ipynb)), so the best possible loss is `var(y)`, reached by outputting `mean(y)` —
# which needs no memory at all. Training reaches exactly that floor. Example 3 never computes a
# gradient: its forward pass raises.

# %%
for name, run in examples.items():
    assert run["before"][-101] < 1e-6 * run["before"][-1], f"{name}: the gradient should vanish within 100 steps"
    assert decay[name].factor_per_step < 0.9, name
    assert abs(run["history"].final_loss - var_y) < 0.01 * var_y, f"{name}: should sit at the var(y) floor"

seed_everything(0)
try:
    ArticleDeepLSTM(1, 50, 1, num_layers=3)(x_article)
    example_3_error = None
except IndexError as error:
    example_3_error = error
assert isinstance(example_3_error, IndexError)
print("Verdict — did vanishing gradients make Examples 1–3 fail? No.")
print("  Examples 1, 2: gradients vanish, yet training reaches the best loss their output shape allows, var(y).")
print(f"  Example 3: no gradient is ever computed; the forward pass raises {type(example_3_error).__name__}.")

# %% [markdown]
# ## 2. Jacobians through time: RNN, LSTM, GRU, on the article's input and on framed windows
#
# `‖∂h_T/∂h_{T−k}‖` measures the recurrence alone: how much the last hidden state still responds
# to a change `k` steps back. Every gradient that reaches step `T−k` from the end is multiplied by
# this matrix. We measure it for `SequenceModel`s of the article's size (10 units) fed the
# article's 1000 time values as one sequence — and for the trained Examples 1 and 2, by loading
# their `nn.RNN`/`nn.LSTM` weights into the same recurrence — and then on a properly framed task:
# windows of 40 sine values, predict the next value ([Chapters 05](04_framing_the_problem.ipynb)–[06](06_forecasting_far_ahead.ipynb) treat framing in depth).

# %%
_, values = sine_series(400, step=0.1)
x_windows, y_windows = make_windows(values, window=40)  # (360, 40, 1) inputs, (360, 1) next values

x_long = x_article.reshape(1, 1000, 1)  # the article's sequence, batch-first
curves, fits, losses = {}, {}, {}
for cell in ("rnn", "lstm", "gru"):
    seed_everything(0)
    model = SequenceModel(cell, hidden_size=10)
    curves[f"{cell}, article input, initial"] = jacobian_norms_vs_lag(model, x_long)
    seed_everything(0)
    model = SequenceModel(cell, hidden_size=32)
    curves[f"{cell}, windows, initial"] = jacobian_norms_vs_lag(model, x_windows[::20])
    losses[cell] = train(model, x_windows, y_windows, epochs=100, lr=0.01).final_loss
    curves[f"{cell}, windows, trained"] = jacobian_norms_vs_lag(model, x_windows[::20])
for name, cell, layer in (("Example 1 (RNN)", "rnn", "rnn"), ("Example 2 (LSTM)", "lstm", "lstm")):
    twin = SequenceModel(cell, hidden_size=10)
    twin.rnn.load_state_dict(getattr(examples[name]["model"], layer).state_dict())
    curves[f"{cell}, article input, trained ({name.split(' (')[0]})"] = jacobian_norms_vs_lag(twin, x_long)

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for name, curve in curves.items():
    ax = axes[0] if "article" in name else axes[1]
    ax.semilogy(curve.clamp_min(1e-40), "--" if "trained" in name else "-", label=name)
    fits[name] = fit_decay_rate(curve, max_lag=min(len(curve) - 1, 60))
axes[0].set(xlim=(0, 150), ylim=(1e-40, 10), title="Article's 1000-step input: decay at every lag")
axes[1].set(title="Framed windows: decay, yet next-value loss ~1e-4 or less")
for ax in axes:
    ax.set(xlabel="lag k (steps)", ylabel="‖∂h_T/∂h_(T−k)‖₂")
    ax.legend(fontsize=7)
plt.show()
for name, fit in fits.items():
    print(f"{name:42s} ×{fit.factor_per_step:.3f} per step, tenfold every {fit.lags_per_decade:6.1f} steps")
print("next-value training loss on windows:", {cell: f"{loss:.1e}" for cell, loss in losses.items()})

# %% [markdown]
# All three cells' Jacobians decay exponentially with the lag, before and after training, on both
# inputs. Yet on framed windows every cell learns the next value to a training loss of order 1e-4
# or better. Vanishing gradients and learning a sine coexist, because (section 4) the next value
# needs only the last two.

# %%
for name, fit in fits.items():
    assert fit.rate > 0, f"{name}: the Jacobian should shrink with the lag"
    assert fit.lags_per_decade < 40, f"{name}: tenfold decay within 40 steps"
for cell, loss in losses.items():
    assert loss < 1e-3 * float(y_windows.var()), f"{cell}: windows should be learned despite the decay"
print("Verdict — gradients vanish (tenfold within at most "
      f"{max(f.lags_per_decade for f in fits.values()):.0f} steps) and all three cells still learn framed windows.")

# %% [markdown]
# ## 3. The recurrent weights' scale: across the vanishing / exploding boundary
#
# For a tanh RNN, `∂h_t/∂h_{t−1} = diag(1 − h_t²) W_hh`, with `0 < 1 − h_t² ≤ 1`, so
# `‖∂h_T/∂h_{T−k}‖ ≤ σ_max(W_hh)^k` (Pascanu, Mikolov & Bengio 2013, "On the difficulty of training
# recurrent neural networks", eq. 7 with γ = 1): `σ_max < 1` is *sufficient* for vanishing, and
# `ρ(W_hh) > 1` (spectral radius) is *necessary* for explosion. We rescale one tanh RNN's `W_hh` to
# several spectral radii and measure.

# %%
_, long_values = sine_series(1100, step=0.1)
x_probe = long_values.reshape(11, 100, 1)  # 11 back-to-back windows of 100 steps
sweep = []
fig, ax = plt.subplots(figsize=(8, 4.5))
for radius in (0.5, 0.8, 0.95, 1.05, 1.25, 2.0):
    seed_everything(0)
    model = SequenceModel("rnn", hidden_size=32)
    scale_recurrent_weights(model, radius / spectral_radius(model.rnn.weight_hh_l0))
    weight = model.rnn.weight_hh_l0
    norms = jacobian_norms_vs_lag(model, x_probe)
    bound = tanh_rnn_jacobian_bound(weight, len(norms) - 1)
    sweep.append({"rho": spectral_radius(weight), "sigma": largest_singular_value(weight),
                  "factor": fit_decay_rate(norms).factor_per_step, "norms": norms, "bound": bound})
    line, = ax.semilogy(norms, label=f"ρ = {radius:.2f}, σ_max = {sweep[-1]['sigma']:.2f}")
    ax.semilogy(bound, ":", color=line.get_color())
ax.set(xlabel="lag k (steps)", ylabel="‖∂h_T/∂h_(T−k)‖₂ (dotted: bound σ_max^k)", ylim=(1e-30, 1e8),
       title="tanh RNN: the decay per step is ≈ ρ(W_hh) below 1; the σ_max^k bound holds but is loose")
ax.legend(fontsize=8)
plt.show()
print(" rho    sigma_max   fitted factor/step")
for row in sweep:
    print(f"{row['rho']:5.2f}   {row['sigma']:9.2f}   {row['factor']:8.3f}")

# %%
for row in sweep:
    assert bool((row["norms"] <= row["bound"] * (1 + 1e-6)).all()), "Pascanu et al.'s bound must hold"
    if row["rho"] < 1:
        assert row["factor"] < 1, "ρ < 1: vanishing"
        assert abs(row["factor"] - row["rho"]) < 0.05, "below the boundary, the decay per step is about ρ"
assert sweep[-1]["factor"] > 1, "ρ = 2: the Jacobian grows with the lag (exploding)"
assert [r["factor"] for r in sweep] == sorted(r["factor"] for r in sweep), "decay slows as the scale grows"
below_bound = [r for r in sweep if r["sigma"] > 1 and r["factor"] < 1]
assert below_bound, "some scales have σ_max > 1, where the bound allows growth, and still vanish"
print(f"Verdict — the bound holds at every lag, but it is loose: with σ_max up to "
      f"{max(r['sigma'] for r in below_bound):.2f} gradients still vanish. Below ρ = 1 the fitted factor "
      "per step is ≈ ρ(W_hh); above it the Jacobian grows, more slowly than ρ (tanh saturates).")

# %% [markdown]
# ## 4. The article's statements about sine, one by one
#
# ### "Information from many previous time steps contributes to the current value"
#
# A sampled sine obeys `s[n+1] = 2·cos(ω·Δt)·s[n] − s[n−1]` exactly (from
# `sin(a+b) + sin(a−b) = 2 sin a cos b`): the next value depends on **two** previous values, not
# many. First, numerically on the article's own grid (`Δt = 10/999`, ω = 1), in float64:

# %%
t64 = torch.linspace(0, 10, 1000, dtype=torch.float64)
s64 = torch.sin(t64)
omega_dt = float(t64[1] - t64[0])
residual = s64[2:] - (2 * math.cos(omega_dt) * s64[1:-1] - s64[:-2])
print(f"max |s[n+1] − (2cos(ωΔt)s[n] − s[n−1])| = {float(residual.abs().max()):.1e}")
assert float(residual.abs().max()) < 1e-14

# %% [markdown]
# `SequenceModel.linear_oscillator` is a 2-unit **linear** recurrent model with hand-set weights:
# the state holds `(s[n], s[n−1])` and the head computes the recurrence. Fed the wave it predicts
# each next value; fed its own outputs it *generates* the wave. In float32 a single step is exact
# to float precision; over 1000 free-running steps the float32 rounding of `2cos(ωΔt)` shifts the
# frequency slightly. In float64 (same weights, coefficient recomputed in double) the whole
# 1000-step wave is reproduced to ~1e-12.

# %%
oscillator = SequenceModel.linear_oscillator(omega_dt)
with torch.no_grad():
    one_step, _ = oscillator.run(s64.float().reshape(1, -1, 1))
# From the second step on (the first sees one value, and a zero state, only).
one_step_error = float((one_step[0, 1:-1, 0].double() - s64[2:]).abs().max())

with torch.no_grad():
    generated32 = forecast(oscillator, s64[:2].float().reshape(1, 2, 1), 998)
oscillator64 = SequenceModel.linear_oscillator(omega_dt).double()
with torch.no_grad():
    oscillator64.head.weight[0, 0] = 2 * math.cos(omega_dt)  # the float64 coefficient
    generated64 = forecast(oscillator64, s64[:2].reshape(1, 2, 1), 998)
free32 = float((generated32[0].double() - s64[2:]).abs().max())
free64 = float((generated64[0] - s64[2:]).abs().max())
print(f"one-step error (float32): {one_step_error:.1e}; free-running 998 steps: "
      f"float32 {free32:.1e}, float64 {free64:.1e}")
assert one_step_error < 1e-6
assert free64 < 1e-10
assert free32 < 1e-2

# %% [markdown]
# Can a linear RNN *learn* this? We train a fresh 2-unit linear `SequenceModel` to predict the
# next value at every step of 20-step windows (`per_step=True`, loss from step 3 on, since one
# value alone does not determine the next). If it learns the recurrence, its closed loop (output
# fed back as input) must rotate the state by `ωΔt` per step: eigenvalues `e^{±iωΔt}`. Here
# `Δt = 0.5` (12.6 samples per period).

# %%
dt = 0.5
_, wave = sine_series(300, step=dt)
chunks = wave.unfold(0, 21, 3)
seed_everything(0)
learner = SequenceModel("linear", hidden_size=2, per_step=True)
history = train(learner, chunks[:, :20, None], chunks[:, 1:, None], epochs=400, lr=0.03,
                loss_fn=lambda prediction, target: F.mse_loss(prediction[:, 2:], target[:, 2:]))
eigenvalues = torch.linalg.eigvals(linear_closed_loop_matrix(learner).double())
with torch.no_grad():
    generated = forecast(learner, wave[:10].reshape(1, 10, 1), 50)
free_error = float((generated[0] - wave[10:60]).abs().max())
print(f"training loss {history.final_loss:.1e}; closed-loop eigenvalues |λ| = "
      f"{eigenvalues.abs().tolist()}, angle = {eigenvalues.angle().abs().tolist()} (ωΔt = {dt})")
print(f"free-running 50 steps after 10 observed values: max error {free_error:.3f}")

# %%
assert history.final_loss < 1e-4
assert torch.allclose(eigenvalues.abs(), torch.ones(2, dtype=torch.float64), atol=0.01)
assert torch.allclose(eigenvalues.angle().abs(), torch.full((2,), dt, dtype=torch.float64), rtol=0.01)
assert free_error < 0.1
print("Verdict — does predicting a sine need information from many steps back? No: two steps suffice, "
      "a 2-unit linear recurrence generates the wave, and gradient descent finds it.")

# %% [markdown]
# ### "The unbounded nature of the sine function's derivatives"
#
# `d^n/dt^n sin(ωt)` is `±ω^n sin` or `±ω^n cos`: bounded by `ω^n` (1 for the article's ω = 1).
# Finite differences on the article's grid agree:

# %%
derivative = s64
maxima = []
for order in range(1, 5):
    derivative = torch.diff(derivative) / omega_dt
    maxima.append(float(derivative.abs().max()))
print("max |d^n sin/dt^n| for n = 1..4 (finite differences):", [f"{m:.4f}" for m in maxima])
assert all(m <= 1.0 + 1e-3 for m in maxima)
print("Verdict — are sine's derivatives unbounded? No: every derivative is bounded by ω^n = 1.")

# %% [markdown]
# ## What we learned
#
# - **Vanishing gradients are real here**: in the article's Examples 1–2 the gradient reaching
#   `h_t` shrinks by a constant factor per step, and for RNN, LSTM and GRU alike
#   `‖∂h_T/∂h_{T−k}‖` decays exponentially, at initialisation and after training.
# - **They are not why the examples fail**: Examples 1–2 reach the best loss their one-number
#   output allows (`var(y)`), and Example 3 raises before any gradient exists ([Chapters 01](01_example1_simple_rnn.ipynb)–[03](03_example3_deep_lstm.ipynb)).
# - **A sine needs two steps of memory, not many**: `s[n+1] = 2cos(ωΔt)s[n] − s[n−1]`; a 2-unit
#   linear recurrence generates it, gradient descent learns it, and all three cells learn framed
#   windows although their gradients vanish.
# - **Sine's derivatives are bounded** (by `ω^n`).
# - The decay is set by the recurrent weights: below the boundary the factor per step is about the
#   spectral radius `ρ(W_hh)`, above it the Jacobian grows (more slowly, as tanh saturates); the
#   Pascanu et al. bound `σ_max^k` holds everywhere but is loose.
#
# When *does* vanishing matter? When the answer truly lies many steps back — [Chapter 07](07_when_memory_matters.ipynb)
# builds such a task and measures the remedies. Chapters [05](04_framing_the_problem.ipynb)–[06](06_forecasting_far_ahead.ipynb)
# frame sine forecasting properly.
