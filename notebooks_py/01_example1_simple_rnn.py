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
# # Chapter 01 — Example 1: the simple RNN, run exactly as written
#
# **The question.** The article's first example trains an `nn.RNN` on `x = linspace(0, 10, 1000)`
# with target `sin(x)` and reports that it "will likely exhibit poor performance … precisely due to
# the vanishing gradient problem". Before we blame gradients, let us run the code exactly as written
# and look at what the trained model actually computes.
#
# Everything we use comes from the small `sine_lab` package; each helper is explained where it first appears.

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
# `sine_lab.models.ArticleSimpleRNN` is the article's `SimpleRNN` class verbatim — only the name
# changed, so we can tell it apart from the corrected models later; `example_source(1)` prints it.
# `EXAMPLES[1]` holds its settings (model, Adam's learning rate, epochs), and `article_data()` returns
# the article's `x = torch.linspace(0, 10, 1000).reshape(-1, 1)` and `y = torch.sin(x)`.

# %%
# NBVAL_CHECK_OUTPUT
print(example_source(1))
x, y = article_data()
print("x:", tuple(x.shape), "y:", tuple(y.shape))
example = EXAMPLES[1]
print(f"optimizer: Adam, lr={example.lr}, epochs={example.epochs}")

# %% [markdown]
# ## 2. Follow the shapes
#
# `trace_shapes(model, x, y)` runs one forward pass with hooks on each submodule and reports the shape
# going in and out, then what `nn.MSELoss` does with the prediction and the target.

# %%
# NBVAL_CHECK_OUTPUT
seed_everything(0)
model = example.build()
steps = trace_shapes(model, x, y)
print(format_trace(steps))

# %% [markdown]
# Read it row by row:
#
# 1. **`nn.RNN` gets a 2-D input `(L, H_in) = (1000, 1)`.** PyTorch reads a 2-D input as *one unbatched
#    sequence* of 1000 time steps with one feature each. So the RNN walks through all 1000 values of `t`
#    in order, and `out` has shape `(1000, 10)`: the hidden state after each step.
# 2. **`out[-1]` is the hidden state after the last step**, shape `(10,)`. Everything the network computes
#    is funnelled into this one vector.
# 3. **`nn.Linear(10, 1)` turns it into shape `(1,)` — one number for the whole sequence.**
# 4. **`MSELoss` compares that one number with each of the 1000 targets**: PyTorch broadcasts `(1,)`
#    against `(1000, 1)` and warns about it (you will see the warning when we train).
#
# The claims, checked:

# %%
rnn_row, head_row, loss_row = steps
assert rnn_row.input_shape == (1000, 1) and rnn_row.output_shape == (1000, 10)
assert rnn_row.note == "unbatched: one sequence of 1000 steps"
assert head_row.input_shape == (10,) and head_row.output_shape == (1,)
assert loss_row.input_shape == (1,) and loss_row.output_shape == (1000, 1)

# %% [markdown]
# A model that outputs one number `c` can at best pick the `c` that minimises
# $\frac{1}{N}\sum_i (c - y_i)^2 = \operatorname{var}(y) + (c - \bar y)^2$.
# So whatever its architecture and however well gradients flow, **its best possible output is
# `mean(y)` and its loss cannot go below `var(y)`** (the population variance). For our data:

# %%
# NBVAL_CHECK_OUTPUT
mean_y = y.mean().item()
var_y = y.var(unbiased=False).item()
print(f"mean(y) = {mean_y:.4f}, var(y) = {var_y:.4f}")

# %% [markdown]
# ## 3. Train it exactly as written
#
# `train(model, x, y, epochs, lr, …)` is the article's loop — `zero_grad`, forward, `MSELoss`,
# `backward`, Adam `step` — with the same print every 100 epochs. (A unit test checks that it produces
# bit-identical losses and weights to the article's loop typed out by hand.) It also returns a
# `History` with the loss of every epoch, any warnings PyTorch raised, and predictions at the epochs we ask for.

# %%
history = train(model, x, y, epochs=example.epochs, lr=example.lr, log_every=100,
                record_predictions_at=[0, 10, 100, 1000], progress=True)

# %% [markdown]
# PyTorch's warning (above) is the whole story in one line: the prediction has size `(1,)`, the target
# `(1000, 1)`, and broadcasting compares every target with the same single output.

# %%
assert len(history.warnings) == 1
assert "Using a target size (torch.Size([1000, 1])) that is different to the input size (torch.Size([1]))" in history.warnings[0]
assert history.stop_reason == "completed" and history.epochs == 1000

# %% [markdown]
# ## 4. What did it learn?
#
# The trained model's output, next to the two statistics of `y`:

# %%
with torch.no_grad():
    output = model(x)
print(f"model(x) = {output.tolist()}  (shape {tuple(output.shape)})")
print(f"mean(y)  = {mean_y:.6f}")
print(f"final loss = {history.final_loss:.6f},  var(y) = {var_y:.6f}")

# %% [markdown]
# **The model learned the mean.** Its output is a single number equal to `mean(y)` to within 1e-4,
# and its final loss equals `var(y)` — the floor for a constant, reached. Training did not fail:
# it solved the problem it was given, which is "find the best constant".

# %%
assert output.shape == (1,)
assert abs(output.item() - mean_y) < 1e-4, "the output is mean(y)"
assert abs(history.final_loss - var_y) < 1e-5, "the final loss is var(y), the best a constant can do"

# %% [markdown]
# One more piece of evidence that the loss never sees the *shape* of the sine: shuffle the 1000 targets
# into a random order and train the same model from the same initialisation. If the RNN were learning
# anything about how `sin` varies with `t`, shuffling would change the losses. The loss
# $\frac1N\sum_i (c - y_i)^2$ does not depend on the order, so the curves agree to float rounding
# (we compare the first 100 epochs).

# %%
def first_losses(target, epochs=100):
    seed_everything(0)
    return torch.tensor(train(example.build(), x, target, epochs=epochs, lr=example.lr).loss)

shuffled = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(0))]
assert not torch.equal(shuffled, y)
difference = (first_losses(y) - first_losses(shuffled)).abs().max().item()
print(f"largest difference between the loss curves, sine vs shuffled targets: {difference:.1e}")
assert difference < 1e-5

# %% [markdown]
# The figures: the loss falls straight to the `var(y)` floor and stays there, and the "prediction"
# is the same number at every time.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4))
plot_loss(history, ax=left, log_scale=False, reference={"var(y): best a constant can do": var_y},
          title="Example 1's loss stops at var(y): it fits a constant")
plot_prediction(x, y, {f"model(x) = {output.item():.3f} at every t": output,
                       f"mean(y) = {mean_y:.3f}": torch.tensor([mean_y])}, ax=right,
                title="Example 1 outputs one number for all 1000 times: mean(y)")
plt.tight_layout()

# %% [markdown]
# Along the way, the output moved towards `mean(y)` and stayed:

# %%
for epoch, prediction in history.predictions.items():
    print(f"epoch {epoch:4d}: output {prediction.item():+.4f}")
assert abs(history.predictions[1000].item() - mean_y) < 1e-4

# %% [markdown]
# ## Could a tool have caught this before training?
#
# `sine_lab.doctor.check_setup(model, x, y)` runs one forward pass and reports, with evidence and a fix,
# what we found by hand: the 2-D input read as one sequence and one prediction broadcast against 1000
# targets — plus that the input is the unscaled time index itself, which section 6 comes back to.

# %%
from sine_lab.doctor import check_setup

seed_everything(0)
report = check_setup(example.build(), x, y)
assert set(report.codes) == {"unbatched_input", "broadcast_in_loss", "time_as_input", "unscaled_input"}
assert [f.severity for f in report] == ["error", "error", "warning", "warning"]
report

# %% [markdown]
# ## 5. Is this vanishing gradients?
#
# No. A vanishing gradient would make learning *slow or impossible*; here learning succeeded and
# reached the best possible loss for the model's output shape. No amount of gradient flow can beat
# `var(y)` with one output number. [Chapter 04](05_gradients_through_time.ipynb) measures the gradients themselves.
#
# ## 6. The framing question: what is the model given?
#
# Even with the shapes fixed, the input is **time `t`**. "Learning a sine" from `t` means learning the
# function `t ↦ sin t` as a curve fit — a lookup from a clock reading to a value. What people usually
# want from an RNN is different: **predict the next value from the past values** (and, fed its own
# predictions, *generate* the wave). Chapters 05 and 06 do that.
#
# What does a correctly shaped RNN do with `t`? `fit_time_to_value` builds a `SequenceModel` — the same
# kind of cell and size, batch-first, with one output **per step** — so the target is the whole curve
# `(1, 1000, 1)`, not one number. It trains with the article's optimiser, learning rate and 1000 epochs
# on `t ∈ [0, 10]`, then runs the trained model on one unbroken sequence `t ∈ [0, 20]`.

# %%
seed_everything(0)
fit = fit_time_to_value("rnn", hidden_size=10, lr=example.lr, epochs=example.epochs, progress=True)
print(f"MSE on the seen times  t in [0, 10]:  {fit.seen_mse:.2e}")
print(f"MSE on unseen times    t in (10, 20]: {fit.unseen_mse:.3f}")
print(f"MSE of predicting 0 on (10, 20]:      {fit.zero_mse:.3f}")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4))
plot_loss(fit.history, ax=left, title="With one output per step, the RNN fits t in [0, 10]")
plot_prediction(fit.t, fit.truth, {"per-step RNN": fit.prediction}, ax=right,
                title="…but past t = 10 it does worse than predicting 0")
right.axvspan(10, 20, color="orange", alpha=0.1, label="never seen in training")
right.legend()
plt.tight_layout()

# %% [markdown]
# With the shapes fixed, the RNN fits the curve it saw (MSE below 1e-3), so it *can* represent this
# sine. But given time as input, what it learned is a lookup for `t ∈ [0, 10]`: on times it never saw
# it does worse than the trivial prediction `0`.

# %%
assert fit.seen_mse < 1e-3, "fits the training range"
assert fit.unseen_mse > fit.zero_mse, "worse than predicting 0 on unseen times"
assert fit.unseen_mse > 100 * fit.seen_mse

# %% [markdown]
# ## What we learned
#
# - Example 1's `nn.RNN` receives the 2-D input `(1000, 1)` as **one unbatched sequence**, and
#   `out[-1]` makes the model output **one number** for the whole sequence.
# - `MSELoss` broadcasts that number against all 1000 targets (PyTorch warns), so the best possible
#   answer is `mean(y)` with loss `var(y)` — and training finds exactly that. Shuffling the targets
#   changes nothing.
# - It is a **shape and framing bug, not vanishing gradients**: the optimisation succeeded.
# - Fixed to one output per step, the same RNN fits `sin t` on `[0, 10]` but cannot extrapolate in
#   time: time is the wrong input for learning a wave.
#
# **Next:** [Chapter 02 — Example 2, the LSTM](02_example2_lstm.ipynb) · Back to the [overview](00_overview.ipynb).
