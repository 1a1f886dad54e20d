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
# # Chapter 02 — Example 2: the LSTM, run exactly as written
#
# **The question.** The article's second example swaps `nn.RNN` for `nn.LSTM`, whose gates are
# designed to keep gradients alive over long spans. It says the LSTM "mitigates the vanishing gradient
# problem to some extent" but may still underperform. If vanishing gradients were the culprit in
# [Chapter 01](01_example1_simple_rnn.ipynb), the LSTM should do visibly better. Does it?

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch

from sine_lab.studies.article import EXAMPLES, example_source, fit_time_to_value
from sine_lab.data import article_data
from sine_lab.diagnostics import format_trace, trace_shapes
from sine_lab.plots import plot_loss, plot_prediction
from sine_lab.training import seed_everything, train

# %% [markdown]
# ## 1. The code, as the article wrote it
#
# The article gives the model class and says to reuse Example 1's data and loop, "adjusting model and
# possibly learning rate" — it names no new rate, so `EXAMPLES[2]` keeps Example 1's Adam with `lr=0.01`
# and 1000 epochs.

# %%
# NBVAL_CHECK_OUTPUT
print(example_source(2))
x, y = article_data()
example = EXAMPLES[2]
print(f"x: {tuple(x.shape)}, y: {tuple(y.shape)}; Adam lr={example.lr}, epochs={example.epochs}")

# %% [markdown]
# ## 2. Follow the shapes
#
# Only the cell changed, so the shapes are Example 1's: `nn.LSTM` reads the 2-D `(1000, 1)` input as one
# unbatched sequence of 1000 steps, `out[-1]` is the last step's hidden state `(10,)`, and the model
# returns one number, broadcast by `MSELoss` against the 1000 targets.

# %%
# NBVAL_CHECK_OUTPUT
seed_everything(0)
model = example.build()
steps = trace_shapes(model, x, y)
print(format_trace(steps))

# %%
lstm_row, head_row, loss_row = steps
assert lstm_row.stage.endswith("(LSTM)") and lstm_row.note == "unbatched: one sequence of 1000 steps"
assert lstm_row.output_shape == (1000, 10) and head_row.output_shape == (1,)
assert loss_row.input_shape == (1,) and loss_row.output_shape == (1000, 1)

# %% [markdown]
# As in Chapter 01, one output number `c` can do no better than `c = mean(y)`, with loss `var(y)`:

# %%
# NBVAL_CHECK_OUTPUT
mean_y = y.mean().item()
var_y = y.var(unbiased=False).item()
print(f"mean(y) = {mean_y:.4f}, var(y) = {var_y:.4f}")

# %% [markdown]
# ## 3. Train it exactly as written

# %%
history = train(model, x, y, epochs=example.epochs, lr=example.lr, log_every=100,
                record_predictions_at=[0, 1000], progress=True)

# %%
assert len(history.warnings) == 1 and "different to the input size (torch.Size([1]))" in history.warnings[0]
assert history.stop_reason == "completed"

# %% [markdown]
# ## 4. What did it learn?

# %%
with torch.no_grad():
    output = model(x)
print(f"model(x) = {output.tolist()}, mean(y) = {mean_y:.6f}")
print(f"final loss = {history.final_loss:.6f}, var(y) = {var_y:.6f}")

# %% [markdown]
# **Exactly what the RNN learned: the mean.** The LSTM's gates change nothing, because nothing needed
# to flow further back in time — the task the loss defines is "choose one number", and the LSTM solved
# it perfectly: output `mean(y)`, loss `var(y)`.

# %%
assert output.shape == (1,)
assert abs(output.item() - mean_y) < 1e-4
assert abs(history.final_loss - var_y) < 1e-5

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4))
plot_loss(history, ax=left, log_scale=False, reference={"var(y): best a constant can do": var_y},
          title="Example 2 (LSTM) also stops at var(y)")
plot_prediction(x, y, {f"model(x) = {output.item():.3f} at every t": output}, ax=right,
                title="The LSTM, like the RNN, outputs mean(y) for every t")
plt.tight_layout()

# %% [markdown]
# `check_setup` (introduced in Chapter 01) says the same of the LSTM, and a 20-step training probe on a
# copy of the model confirms that the output stays constant over the batch: it can only learn the mean.

# %%
from sine_lab.doctor import check_setup

seed_everything(0)
report = check_setup(example.build(), x, y, probe_steps=20)
assert set(report.codes) == {"unbatched_input", "broadcast_in_loss", "time_as_input", "unscaled_input", "constant_output"}
report

# %% [markdown]
# Fed windows of 50 past values on the same grid instead (`make_windows`, used throughout
# [Chapter 05](04_framing_the_problem.ipynb)), an LSTM passes the same checks, probe included:

# %%
from sine_lab.data import make_windows, sine_series
from sine_lab.models import SequenceModel

seed_everything(0)
_, values = sine_series(1000, step=10 / 999)  # the article's grid, linspace(0, 10, 1000)
inputs, targets = make_windows(values, window=50)
fixed = check_setup(SequenceModel("lstm", hidden_size=10), inputs, targets, probe_steps=20)
assert fixed.ok and fixed.codes == []
fixed

# %% [markdown]
# ## 5. The framing question, for the LSTM
#
# Give the LSTM one output per step (`fit_time_to_value`, introduced in Chapter 01: same cell and size,
# batch-first, target the whole curve, the article's Adam `lr=0.01` and 1000 epochs on `t ∈ [0, 10]`),
# then run it on `t ∈ [0, 20]`.

# %%
seed_everything(0)
fit = fit_time_to_value("lstm", hidden_size=10, lr=example.lr, epochs=example.epochs, progress=True)
print(f"MSE on the seen times  t in [0, 10]:  {fit.seen_mse:.2e}")
print(f"MSE on unseen times    t in (10, 20]: {fit.unseen_mse:.3f}")
print(f"MSE of predicting 0 on (10, 20]:      {fit.zero_mse:.3f}")

# %%
ax = plot_prediction(fit.t, fit.truth, {"per-step LSTM": fit.prediction},
                     title="The per-step LSTM fits t in [0, 10] and fails beyond it")
ax.axvspan(10, 20, color="orange", alpha=0.1, label="never seen in training")
ax.legend();

# %%
assert fit.seen_mse < 1e-3, "fits the training range"
assert fit.unseen_mse > fit.zero_mse, "worse than predicting 0 on unseen times"

# %% [markdown]
# ## What we learned
#
# - Example 2 has Example 1's shape bug: one output for the whole sequence, broadcast against 1000 targets.
#   The LSTM learns `mean(y)` and reaches the `var(y)` floor, just like the RNN.
# - The LSTM's gating — the article's remedy for vanishing gradients — makes no difference, because the
#   failure had nothing to do with gradients.
# - With the shapes fixed, the LSTM fits the curve it saw but, given time as input, cannot continue it.
#
# **Next:** [Chapter 03 — Example 3, the deep LSTM](03_example3_deep_lstm.ipynb) · Previous: [Chapter 01](01_example1_simple_rnn.ipynb).
