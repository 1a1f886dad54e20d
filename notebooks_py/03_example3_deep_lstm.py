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
# # 03 · Example 3: the deep LSTM, run as written
#
# > **You need:** [chapter 01](01_example1_simple_rnn.ipynb) (a 2-D input is one sequence; one output number can
# > at best learn `mean(y)`) and [chapter 02](02_example2_lstm.ipynb) (the LSTM).
# >
# > **The question:** the article's third example makes the network much larger; does more capacity help? **The
# > short answer:** as printed it does not run at all. Made to run, its 51,451 parameters learn the same single
# > number as the small RNN, `mean(y)` (3 of 3 seeds).
#
# The article's third example is headed "Addressing Long-Range Dependencies with a Larger Network": 3 stacked LSTM
# layers of 50 units, `batch_first=True`, reading `out[:, -1, :]`, with a lower learning rate
# ([Adam](glossary.ipynb#adam), `lr=0.001`). As in [Chapter 02](02_example2_lstm.ipynb), only what differs from
# Chapter 01 is shown; its walk-through applies to everything else.

# %%
# %matplotlib inline
import re
import warnings

import matplotlib.pyplot as plt
import torch

from sine_lab.callbacks import PrintLoss
from sine_lab.data import article_data
from sine_lab.diagnostics import format_trace, trace_shapes
from sine_lab.doctor import check_setup
from sine_lab.plots import colour, plot_prediction
from sine_lab.studies.article import EXAMPLES, example_source, load_per_time
from sine_lab.training import seed_everything, train

torch.set_num_threads(1)  # one thread: the same floating-point results on machines with any number of cores

# %% [markdown]
# ## 1. What changed: layers, units, `batch_first`, the last-step index, the learning rate

# %% tags=["nbval-check-output"]
print(example_source(3))
x, y = article_data()
example = EXAMPLES[3]
print(f"x: {tuple(x.shape)}, y: {tuple(y.shape)}; Adam lr={example.lr}, epochs={example.epochs}")

# %% [markdown]
# ## 2. Follow the shapes
#
# `batch_first=True` tells `nn.LSTM` to read a **3-D** input as `(batch, seq, feature)`. The article's
# input is still **2-D**, and PyTorch reads any 2-D input as one unbatched sequence `(L, H_in)`, whatever
# `batch_first` says. So `out` is 2-D, `(1000, 50)` — and `out[:, -1, :]` asks for three indices. (The next
# cell checks that the rows are one sequence: changing `x[0]` changes the next row's output.)

# %% tags=["nbval-check-output"]
seed_everything(0)
model = example.build()
steps = trace_shapes(model, x, y)
print(format_trace(steps))

# %%
with torch.no_grad():  # one sequence: the state runs from row to row, and h_n's top layer is the last row of out
    out, (h_n, _) = model.lstm(x)
    nudged = x.clone()
    nudged[0] += 1
    changed = (model.lstm(nudged)[0] - out).abs().amax(dim=1) > 0
print(f"x[0] + 1 changes out[1]: {bool(changed[1])}; h_n[-1] == out[-1]: {torch.equal(h_n[-1], out[-1])}")
assert changed[1] and torch.equal(h_n[-1], out[-1])
assert steps[0].output_shape == (1000, 50)
assert steps[-1].stage == "forward pass raised" and steps[-1].note.startswith("IndexError")

# %% [markdown]
# ## 3. Run it as written
#
# The article's loop with the article's settings. The next cell raises an error on purpose: it is marked as
# expected to raise, and the rest of the chapter continues after it.

# %% tags=["raises-exception"]
train(model, x, y, epochs=example.epochs, lr=example.lr, callbacks=[PrintLoss(every=100)])

# %% [markdown]
# **Example 3 never trains**: the first forward pass raises
# `IndexError: too many indices for tensor of dimension 2`. The article reports no result for Example 3;
# as printed, its code could not have produced one.
#
# `check_setup` (Chapter 01, section 5) names the cause before it happens: `batch_first=True` is
# ignored for a 2-D input, so the output has no batch axis for `out[:, -1, :]`.

# %%
seed_everything(0)
report = check_setup(example.build(), x, y)
expected = {"unbatched_input", "batch_first_ignored", "forward_error", "time_as_input", "unscaled_input"}
assert set(report.codes) == expected
assert "IndexError: too many indices" in report[report.codes.index("forward_error")].evidence
print("check_setup finds:", ", ".join(report.codes))  # chapter 01, section 5, shows each finding in full
# the line number points into sine_lab/models.py, where the article's class is stored: not shown
print("forward_error:", re.sub(r", line \d+:", ":", report[report.codes.index("forward_error")].evidence))

# %% [markdown]
# ## 4. The smallest change that makes it run
#
# The model was written for a batched input, so the smallest fix is to give it one. `x.unsqueeze(k)` inserts an
# axis of length 1 at position `k`: `x.unsqueeze(0)` has shape `(1, 1000, 1)`, which with `batch_first=True`
# reads as a batch of one sequence of 1000 steps, and `x.unsqueeze(1)` has shape `(1000, 1, 1)`, 1000 sequences of
# one step (without `batch_first` the two readings swap). Nothing else changes: not the model, not the target, not
# the loop.

# %% tags=["nbval-check-output"]
x_batched = x.unsqueeze(0)
fixed_steps = trace_shapes(model, x_batched, y)
print(format_trace(fixed_steps))

# %% [markdown]
# It runs — and the trace shows Examples 1 and 2's trap: the model returns one value `(1, 1)` for the
# whole sequence, and `MSELoss` broadcasts it against the 1000 targets.

# %%
assert fixed_steps[0].note == "batched (batch, seq, feature)" and fixed_steps[0].output_shape == (1, 1000, 50)
assert fixed_steps[-1].input_shape == (1, 1) and fixed_steps[-1].output_shape == (1000, 1)

# %% [markdown]
# An equally small change reads the input the other way: `x.unsqueeze(1)`, shape `(1000, 1, 1)`, is a batch
# of 1000 sequences of one step each, one per time, so the model returns 1000 predictions `(1000, 1)`, the
# target's shape, and nothing broadcasts: another possible reading of the article's `batch_first=True`,
# though it leaves the LSTM no sequence to remember. Trained the article's way on a fresh copy of the model,
# then run on the times after `t = 10` that it never saw ([seed](glossary.ipynb#seed) 0 here; seeds 0 to 2
# were trained once by `python scripts/article_per_time.py --example 3 --seeds 0 1 2` and are loaded below):

# %%
seed_everything(0)
per_time = example.build()
per_time_history = train(per_time, x.unsqueeze(1), y, epochs=example.epochs, lr=example.lr)
print(f"x.unsqueeze(1): prediction {tuple(per_time(x.unsqueeze(1)).shape)}, final loss "
      f"{per_time_history.final_loss:.2e} against var(y) = {y.var(unbiased=False).item():.4f}")
step = float(x[1, 0] - x[0, 0])
later = (torch.arange(1000, 2000) * step).reshape(-1, 1)  # t from 10 to 20 on the same grid
with torch.no_grad():
    later_mse = float(((per_time(later.unsqueeze(1)) - torch.sin(later)) ** 2).mean())
zero_mse = float((torch.sin(later) ** 2).mean())
print(f"after t = 10 (seed 0): MSE {later_mse:.2f}, predicting 0: {zero_mse:.2f}")
command, stored = load_per_time()
assert command == "python scripts/article_per_time.py --example 3 --seeds 0 1 2"
for fit in stored:
    print(f"stored seed {fit.seed}: final loss {fit.final_loss:.1e}, after t = 10 MSE {fit.unseen_mse:.2f} "
          f"({fit.unseen_mse / fit.zero_mse:.2f}x predicting 0)")
assert per_time(x.unsqueeze(1)).shape == (1000, 1) and not per_time_history.warnings, "one prediction per time"
assert abs(stored[0].unseen_mse - later_mse) < 1e-6 * later_mse, "the stored seed 0 is this run"
assert all(f.final_loss < f.var_y / 1000 for f in stored), "it fits the curve, 3 of 3 seeds"
assert all(2 < f.unseen_mse / f.zero_mse < 7 for f in stored), "after t = 10: 2 to 7 times predicting 0's error"

# %% [markdown]
# Read this way the deep LSTM fits the curve, its loss more than a thousand times below `var(y)`, and after
# `t = 10` it is worse than predicting 0, 2.09 to 6.62 times its error, in 3 of 3 seeds
# (printed above), as chapter 01 found for an RNN fed time. Each sequence is a single time, so the model is a
# map from a clock reading to a value; as in chapter 01, these runs do not separate a clock from an input out of
# the range trained on. Whether a smaller or regularised model would fail less after `t = 10` is not tested here;
# the article's Example 3 advice (batch size, [dropout](glossary.ipynb#dropout),
# [overfitting](glossary.ipynb#overfitting)) is measured on [windows](glossary.ipynb#window) of past values in
# [Chapter 05](05_the_articles_advice.ipynb).
#
# The rest of this chapter follows the first reading, `x.unsqueeze(0)`, the one the model's `batch_first`
# was written for:

# %%
with warnings.catch_warnings():  # chapter 01's broadcasting warning: kept in history.warnings, not shown again
    warnings.simplefilter("ignore", UserWarning)
    history = train(model, x_batched, y, epochs=example.epochs, lr=example.lr, callbacks=[PrintLoss(every=100)])

# %% [markdown]
# ## 5. What does the running model learn?

# %%
mean_y, var_y = y.mean().item(), y.var(unbiased=False).item()
with torch.no_grad():
    output = model(x_batched)
parameters = sum(p.numel() for p in model.parameters())
print(f"parameters: {parameters:,}")
print(f"model(x) = {output.item():.6f}, mean(y) = {mean_y:.6f}, difference {abs(output.item() - mean_y):.1e}")
print(f"final loss = {history.final_loss:.6f}, var(y) = {var_y:.6f}")

# %% [markdown]
# **The mean again (3 of 3 seeds with the two below).** 51,451 parameters — 3 layers of 50 units — and the model outputs `mean(y)` with loss
# `var(y)`, like the 10-unit RNN, and within the same tolerances as Chapters 01 and 02 (1e-4 for the
# output, whose difference prints as 0.0e+00 here; 1e-5 for the loss) although its learning rate is ten times smaller. Capacity cannot help a
# model whose output is one number compared with 1000 targets.

# %%
assert parameters == 51_451
assert len(history.warnings) == 1 and "different to the input size (torch.Size([1, 1]))" in history.warnings[0]
assert output.shape == (1, 1)
assert abs(output.item() - mean_y) < 1e-4
assert abs(history.final_loss - var_y) < 1e-5

# %% [markdown]
# One seed is a spot check, so seeds 1 and 2 are trained the same way:

# %%
more_seeds = {}
for seed in (1, 2):
    seed_everything(seed)
    other = example.build()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        other_history = train(other, x_batched, y, epochs=example.epochs, lr=example.lr)
    with torch.no_grad():
        more_seeds[seed] = (other(x_batched).item() - mean_y, other_history.final_loss - var_y)
    print(f"seed {seed}: model(x) - mean(y) = {more_seeds[seed][0]:.1e}, "
          f"final loss - var(y) = {more_seeds[seed][1]:.1e}")
assert all(abs(out) < 1e-4 and abs(loss) < 1e-5 for out, loss in more_seeds.values()), "the mean: seeds 1 and 2 too"

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.2))
excess = (torch.tensor(history.loss) - var_y).abs().clamp(min=1e-9)  # below about 1e-7: float32 rounding
left.plot(range(1, history.epochs + 1), excess, color=colour("lstm"), linestyle="-.",  # 3 x 50: LSTM, dash-dot
          label="|training loss - var(y)|")
left.axhspan(1e-9, 1e-7, color=colour("underflow"), label="float32 rounding of a loss near 0.44")
left.set(yscale="log", ylim=(1e-9, 1), xlabel="epoch", ylabel="|loss - var(y)|",  # the same axis in chapters 01-03
         title="Example 3, made to run, also falls to var(y)")
left.grid(True, alpha=0.3)
label = f"model(x) = {output.item():.4f} at every t"
plot_prediction(x, y, {label: output}, ax=right, kinds={label: "lstm"},
                title=f"{parameters:,} parameters, one number out: mean(y)")
right.lines[1].set_linestyle("-.")  # the 3 x 50 LSTM: the LSTM's colour, its own line style
right.axhline(mean_y, color=colour("reference"), linewidth=6, alpha=0.3, zorder=1,
              label=f"mean(y) = {mean_y:.4f} (under the model's line)")
left.legend(loc="upper right", framealpha=0.9)
right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
plt.tight_layout()

# %% [markdown]
# ## What we learned
#
# - As written, Example 3 **does not run**: `batch_first=True` is ignored for a 2-D input, the LSTM's
#   output is 2-D, and `out[:, -1, :]` raises `IndexError`.
# - One small fix (a batch dimension on the input) makes it run into the trap of Examples 1 and 2: one
#   output for 1000 targets, so (3 of 3 seeds) it learns `mean(y)` and stops at `var(y)` despite its 51,451 parameters. The
#   other (one sequence per time) fits `[0, 10]` as a map from time and is worse than predicting 0 after it (3 of 3
#   seeds).
# - None of the three examples fails because of [vanishing gradients](glossary.ipynb#vanishing-and-exploding-gradients): two learn the only thing their loss
#   allows, one crashes. [Chapter 04](04_framing_the_problem.ipynb) feeds [windows](glossary.ipynb#window) of past
#   values instead of time; under its mini-batch recipe the networks beat [linear extrapolation](glossary.ipynb#linear-extrapolation) one
#   step ahead in some seeds (RNN 1 of 3, both LSTMs 3 of 3; the RNN 3 of 3 with the plain full-batch loop), but
#   formulas with no training beat every network.
#   [Chapter 06](06_gradients_through_time.ipynb) measures the gradients, and its section 4 tests the article's
#   "unbounded nature of the sine function's derivatives" (every derivative of `sin t` is bounded by 1).
# - Not run here: chapter 01's per-step controls (time against the previous value, [free running](glossary.ipynb#free-running), 3 seeds) with
#   this 3-layer model and its learning rate of 0.001. This 3 × 50 model is tested on windows of past values in
#   [chapter 04, section 2](04_framing_the_problem.ipynb#2-the-articles-three-architectures-correctly-framed) (the Example 3 row) and, with the article's own training, in [chapter 05, section 1](05_the_articles_advice.ipynb#1-the-articles-tuning-advice-measured).
#
# > **In plain words.** *Shown:* the article's third example crashes as printed, because `batch_first=True` does
# > nothing for a 2-D input. Made to run as one sequence, its 51,451 parameters learn the same single number as
# > chapters 01 and 02: size cannot fix a model that outputs one number for 1000 targets. *Not shown here:* how this
# > deep model does with past values as input ([chapter 04, section 2](04_framing_the_problem.ipynb#2-the-articles-three-architectures-correctly-framed)). The other small fix, one time per sequence, fits the times it
# > was trained on and is worse than predicting 0 after them (3 of 3 seeds), like chapter 01's RNN fed time.
#
# ## Try this
#
# 1. Two small fixes: build the model with `torch.manual_seed(0); model = EXAMPLES[3].build()` and predict, before
#    running it, the shape it returns for `x.unsqueeze(0)` and for `x.unsqueeze(1)`, reading each as `(batch, seq,
#    features)`. Which one gives one prediction per time? You are right if both shapes match your predictions and
#    the one you named returns the target's shape `(1000, 1)`.
#    [solution](solutions/03_example3_deep_lstm.ipynb#exercise-1)
# 2. Count Example 3's 51,451 parameters by hand: an LSTM layer with input size `i` and hidden size `h` has `4(h·i
#    + h·h + 2h)`; the first layer reads the 1 input feature, the second and third the 50 outputs of the layer
#    below, and the [head](glossary.ipynb#head) is `nn.Linear(50, 1)`. You are right if your sum equals `sum(p.numel() for p in
#    model.parameters())`. [solution](solutions/03_example3_deep_lstm.ipynb#exercise-2)
#
# **Previous:** [02 · Example 2: the LSTM, run as written](02_example2_lstm.ipynb) · **Next:** [04 · Framing the problem: past values, not time](04_framing_the_problem.ipynb)
