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
# # Chapter 05 — Framing the problem: windows of past values
#
# **The question.** Chapters [01](01_example1_simple_rnn.ipynb)–[03](03_example3_deep_lstm.ipynb) showed that the article's three models never had a chance: fed time
# `t` as one unbatched sequence, they returned one number (or raised), and the loss floor was `var(y)`.
# What happens when the *same three architectures* — an `nn.RNN` with 10 units, an `nn.LSTM` with 10
# units and a 3-layer `nn.LSTM` with 50 units — are given the problem a recurrent network is built for:
# **the last `W` values of the wave predict the next one**? And is a recurrent network even needed?

# %%
# %matplotlib inline
import math

import matplotlib.pyplot as plt
import torch

from sine_lab.data import Standardizer, make_windows, sine_series, time_split
from sine_lab.models import SequenceModel
from sine_lab.plots import plot_prediction
from sine_lab.training import fit_autoregressive, seed_everything, train

seed_everything(0)
torch.set_num_threads(1)  # small models: one thread is faster than two on a busy machine

# %% [markdown]
# ## 1. Data done right
#
# One long sine, `s[n] = sin(n Δt)` with `Δt = 0.1` (about 63 samples per period), 1000 samples. It is
# split **in time** before anything else: the first 70 % trains, the next 15 % validates (early
# stopping), the last 15 % tests. Every test value is later than every value the model was fitted to.
# The values are standardised with the mean and spread of the *training part only*.
#
# Then each part is cut into windows: `W = 20` past values `(batch, W, 1)`, batch-first, predict the
# next value `(batch, 1)`. A validation or test window may *look back* into the previous part (those are
# past values, known at prediction time); its target is always inside its own part.

# %%
# NBVAL_CHECK_OUTPUT
DT, W = 0.1, 20
t, s = sine_series(1000, step=DT)
train_part, val_part, test_part = time_split(s, train=0.7, validation=0.15)
scaler = Standardizer.fit(train_part)
z = scaler.transform(s)
n_train, n_val = train_part.numel(), val_part.numel()
x_train, y_train = make_windows(z[:n_train], W)
x_val, y_val = make_windows(z[n_train - W : n_train + n_val], W)
x_test, y_test = make_windows(z[n_train + n_val - W :], W)
t_test = t[n_train + n_val :]
print(f"train {tuple(x_train.shape)} -> {tuple(y_train.shape)}")
print(f"val   {tuple(x_val.shape)} -> {tuple(y_val.shape)}")
print(f"test  {tuple(x_test.shape)} -> {tuple(y_test.shape)}, t from {t_test[0]:.1f} to {t_test[-1]:.1f}")

# %%
# The test targets are exactly the last 15 % of the series, and no training window reaches them.
assert torch.allclose(scaler.inverse(y_test[:, 0]), s[n_train + n_val :], atol=1e-6)
assert x_train.shape[0] + W == n_train

# %% [markdown]
# ## 2. The article's three architectures, correctly framed
#
# `SequenceModel` is the article's architecture with the shapes fixed: a batch-first recurrent layer and
# a linear head on the *last step*. Training: mini-batches of 32, Adam with a one-cycle learning-rate
# schedule, gradient clipping, and early stopping on the validation windows (the best weights are kept).
# The scores are in the original units (the standardisation undone), on the held-out later stretch.

# %%
ARCHITECTURES = {
    "RNN, 10 units (Example 1)": dict(cell="rnn", hidden_size=10),
    "LSTM, 10 units (Example 2)": dict(cell="lstm", hidden_size=10),
    "3-layer LSTM, 50 units (Example 3)": dict(cell="lstm", hidden_size=50, num_layers=3),
}
models, histories, test_mse = {}, {}, {}
for name, config in ARCHITECTURES.items():
    seed_everything(0)
    model = SequenceModel(**config)
    histories[name] = train(model, x_train, y_train, epochs=40, lr=1e-2, batch_size=32, schedule="onecycle",
                            clip_grad_norm=1.0, validation=(x_val, y_val), patience=8, seed=0)
    model.eval()
    with torch.no_grad():
        prediction = scaler.inverse(model(x_test))
    models[name] = prediction[:, 0]
    test_mse[name] = float(((prediction - scaler.inverse(y_test)) ** 2).mean())

persistence_mse = float(((s[n_train + n_val - 1 : -1] - s[n_train + n_val :]) ** 2).mean())
print(f"{'model':<36}{'one-step test MSE':>18}{'× better than persistence':>28}")
for name, mse in test_mse.items():
    print(f"{name:<36}{mse:>18.2e}{persistence_mse / mse:>28.0f}")
print(f"{'persistence (next = last value)':<36}{persistence_mse:>18.2e}")

# %% [markdown]
# The naive baseline is *persistence*: predict that the next value equals the last one. Each of the
# three architectures beats it by more than a factor of 40 on times it never saw, and the article's
# loss floor `var(y) ≈ 0.44` is far above all of them.

# %%
for name, mse in test_mse.items():
    assert mse < 1e-4, f"{name}: one-step test MSE {mse:.2e}"
    assert mse < persistence_mse / 40, f"{name} beats persistence by only {persistence_mse / mse:.0f}x"
    assert mse < 0.4434 / 1000

# %%
fig, (ax_fit, ax_err) = plt.subplots(1, 2, figsize=(13, 4))
plot_prediction(t_test, s[n_train + n_val :], models, ax=ax_fit,
                title="Given windows of past values, all three architectures learn sine")
for name, prediction in models.items():
    ax_err.semilogy(t_test, (prediction - s[n_train + n_val :]).abs() + 1e-12, label=name)
ax_err.semilogy(t_test, (s[n_train + n_val - 1 : -1] - s[n_train + n_val :]).abs(), "k--", label="persistence")
ax_err.set(xlabel="t (radians, held-out stretch)", ylabel="|one-step error|",
           title="One-step errors on unseen times are far below persistence")
ax_err.legend(fontsize=8);

# %% [markdown]
# ## 3. Is a recurrent network needed at all? A 2-input linear regression
#
# For any amplitude and phase, `sin(x + h) + sin(x − h) = 2 cos(h) sin(x)`. With `h = Δt`:
#
# $$s[n+1] = 2\cos(\omega\Delta t)\, s[n] - s[n-1].$$
#
# So the next sample is an exact *linear* function of the two before it. A least-squares regression on
# two inputs should find the coefficients `(2 cos Δt, −1)` from the training part alone, and then
# predict the test stretch to float precision.

# %%
coefficients = fit_autoregressive(train_part, order=2)
exact = torch.tensor([2 * math.cos(DT), -1.0])
linear_model = SequenceModel.linear_predictor(coefficients)
with torch.no_grad():
    per_step, _ = linear_model.run(s[n_train + n_val - 2 : -1].reshape(1, -1, 1))
linear_prediction = per_step[0, 1:, 0]
linear_mse = float(((linear_prediction - s[n_train + n_val :]) ** 2).mean())
print(f"fitted coefficients {coefficients.tolist()}")
print(f"exact  2cos(Δt), -1 {exact.tolist()}")
print(f"2-input linear regression, one-step test MSE {linear_mse:.2e}")

# %%
assert torch.allclose(coefficients, exact, atol=1e-4)
assert linear_mse < 1e-10
assert linear_mse < min(test_mse.values()) / 100, "the linear regression beats every recurrent network"

# %% [markdown]
# The regression recovers the recurrence to four decimals and predicts the unseen stretch to about
# float32 precision — at least a hundred times better than the best recurrent network, with three
# parameters instead of tens of thousands. The recurrent networks have to *approximate* this linear
# map through `tanh` and gates; that is why they are good but not exact.
#
# ## What we learned
#
# - Framed as "the last `W` values predict the next", each of the article's three architectures learns
#   sine: one-step MSE below `1e-4` on a later, never-seen stretch, 40× or more better than persistence.
# - Nothing about gradients had to be fixed: only the data (windows, a time-ordered split, training
#   statistics for scaling) and the shapes (batch-first, the head on the last step).
# - One-step prediction of a sine is a *linear* problem: `s[n+1] = 2cos(ωΔt)s[n] − s[n−1]`, which a
#   2-input regression finds exactly.
# - One step ahead is the easy part. Feeding predictions back to forecast far ahead is not:
#   **Next:** [Chapter 06 — Forecasting far ahead](06_forecasting_far_ahead.ipynb) ·
#   Previous: [Chapter 04 — Gradients through time](05_gradients_through_time.ipynb).
