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
# # Chapter 03 — Example 3: the deep LSTM, run exactly as written
#
# **The question.** The article's third example "addresses long-range dependencies with a larger
# network": 3 stacked LSTM layers of 50 units, `batch_first=True`, reading `out[:, -1, :]`, with a lower
# learning rate (Adam, `lr=0.001`). Does more capacity help?

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

# %%
# NBVAL_CHECK_OUTPUT
print(example_source(3))
x, y = article_data()
example = EXAMPLES[3]
print(f"x: {tuple(x.shape)}, y: {tuple(y.shape)}; Adam lr={example.lr}, epochs={example.epochs}")

# %% [markdown]
# ## 2. Follow the shapes
#
# `batch_first=True` tells `nn.LSTM` to read a **3-D** input as `(batch, seq, feature)`. The article's
# input is still **2-D**, and PyTorch reads any 2-D input as one unbatched sequence `(L, H_in)`, whatever
# `batch_first` says. So `out` is 2-D, `(1000, 50)` — and `out[:, -1, :]` asks for three indices.

# %%
# NBVAL_CHECK_OUTPUT
seed_everything(0)
model = example.build()
steps = trace_shapes(model, x, y)
print(format_trace(steps))

# %%
assert steps[0].note == "unbatched: one sequence of 1000 steps (batch_first ignored)"
assert steps[0].output_shape == (1000, 50)
assert steps[-1].stage == "forward pass raised" and steps[-1].note.startswith("IndexError")

# %% [markdown]
# ## 3. Run it as written
#
# The article's loop, with the article's settings. This cell raises on purpose (nbval expects it to):

# %%
# NBVAL_RAISES_EXCEPTION
train(model, x, y, epochs=example.epochs, lr=example.lr, log_every=100)

# %% [markdown]
# **Example 3 never trains**: the first forward pass raises
# `IndexError: too many indices for tensor of dimension 2`. Whatever the article reports about its
# performance could not have come from this code.
#
# `check_setup` (introduced in Chapter 01) names the cause before it happens: `batch_first=True` is
# ignored for a 2-D input, so the output has no batch axis for `out[:, -1, :]`.

# %%
from sine_lab.doctor import check_setup

seed_everything(0)
report = check_setup(example.build(), x, y)
assert set(report.codes) == {"unbatched_input", "batch_first_ignored", "forward_error", "time_as_input", "unscaled_input"}
assert "IndexError: too many indices" in report[report.codes.index("forward_error")].evidence
report

# %% [markdown]
# ## 4. The smallest change that makes it run
#
# The model was written for a batched input, so the smallest fix is to give it one: `x.unsqueeze(0)`
# has shape `(1, 1000, 1)` — a batch of one sequence of 1000 steps — and `batch_first=True` now applies.
# Nothing else changes: not the model, not the target, not the loop.

# %%
# NBVAL_CHECK_OUTPUT
x_batched = x.unsqueeze(0)
print(format_trace(trace_shapes(model, x_batched, y)))

# %% [markdown]
# It runs — and the trace shows the same trap as Examples 1 and 2: the model returns one value
# `(1, 1)` for the whole sequence, and `MSELoss` broadcasts it against the 1000 targets.

# %%
fixed_steps = trace_shapes(model, x_batched, y)
assert fixed_steps[0].note == "batched (batch, seq, feature)" and fixed_steps[0].output_shape == (1, 1000, 50)
assert fixed_steps[-1].input_shape == (1, 1) and fixed_steps[-1].output_shape == (1000, 1)

# %%
history = train(model, x_batched, y, epochs=example.epochs, lr=example.lr, log_every=100, progress=True)

# %% [markdown]
# ## 5. What does the running model learn?

# %%
# NBVAL_CHECK_OUTPUT
mean_y = y.mean().item()
var_y = y.var(unbiased=False).item()
print(f"mean(y) = {mean_y:.4f}, var(y) = {var_y:.4f}")

# %%
with torch.no_grad():
    output = model(x_batched)
print(f"model(x) = {output.tolist()}")
print(f"final loss = {history.final_loss:.6f}")

# %% [markdown]
# **The mean again.** 3 layers and 50 units per layer — about 51,000 parameters — and the model outputs
# `mean(y)` with loss `var(y)`, exactly like the 10-unit RNN. Capacity cannot help a model whose output
# is one number compared with 1000 targets.

# %%
assert sum(p.numel() for p in model.parameters()) > 50_000
assert "different to the input size (torch.Size([1, 1]))" in history.warnings[0]
assert output.shape == (1, 1)
assert abs(output.item() - mean_y) < 1e-3
assert abs(history.final_loss - var_y) < 1e-5

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4))
plot_loss(history, ax=left, log_scale=False, reference={"var(y): best a constant can do": var_y},
          title="Example 3, made to run, also stops at var(y)")
plot_prediction(x, y, {f"model(x) = {output.item():.3f} at every t": output}, ax=right,
                title="51,000 parameters, one number out: mean(y)")
plt.tight_layout()

# %% [markdown]
# ## 6. The framing question, for the deep LSTM
#
# With one output per step (`fit_time_to_value`, from Chapter 01) the 3-layer, 50-unit LSTM is fitted on
# `t ∈ [0, 10]` with the article's `lr=0.001`; 300 epochs are enough for it to fit the seen range, which
# keeps this chapter quick. Then it runs on `t ∈ [0, 20]`.

# %%
seed_everything(0)
fit = fit_time_to_value("lstm", hidden_size=50, num_layers=3, lr=example.lr, epochs=300, progress=True)
print(f"MSE on the seen times  t in [0, 10]:  {fit.seen_mse:.2e}")
print(f"MSE on unseen times    t in (10, 20]: {fit.unseen_mse:.3f}")
print(f"MSE of predicting 0 on (10, 20]:      {fit.zero_mse:.3f}")

# %%
ax = plot_prediction(fit.t, fit.truth, {"per-step 3-layer LSTM": fit.prediction},
                     title="More capacity fits [0, 10] but still cannot continue the wave")
ax.axvspan(10, 20, color="orange", alpha=0.1, label="never seen in training")
ax.legend();

# %%
assert fit.seen_mse < 1e-3, "fits the training range"
assert fit.unseen_mse > fit.zero_mse, "worse than predicting 0 on unseen times"

# %% [markdown]
# ## What we learned
#
# - As written, Example 3 **does not run**: `batch_first=True` is ignored for a 2-D input, the LSTM's
#   output is 2-D, and `out[:, -1, :]` raises `IndexError`.
# - The smallest fix (a batch dimension on the input) makes it run into the same trap as Examples 1 and 2:
#   one output for 1000 targets, so it learns `mean(y)` and stops at `var(y)` despite 51,000 parameters.
# - None of the three examples fails because of vanishing gradients: two learn the only thing their loss
#   allows, one crashes. [Chapter 04](05_gradients_through_time.ipynb) measures gradients directly, and
#   [Chapter 05](04_framing_the_problem.ipynb) frames the problem so that every one of these cells learns sine.
#
# **Next:** [Chapter 04 — Gradients through time](05_gradients_through_time.ipynb) · Previous: [Chapter 02](02_example2_lstm.ipynb).
