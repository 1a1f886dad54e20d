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
# # 01 · Example 1: the simple RNN, run as written
#
# **The question.** The article's first example trains an `nn.RNN` on `x = linspace(0, 10, 1000)`
# with target `sin(x)` and says the result "will likely exhibit poor performance … precisely due to
# the [vanishing gradient](glossary.ipynb#vanishing-and-exploding-gradients) problem". Before we blame gradients, we run the code exactly as written
# and look at what the trained model computes.
#
# Everything we use comes from the small `sine_lab` package; each helper is explained where it first appears.

# %%
# %matplotlib inline
import math
import statistics
import warnings

import matplotlib.pyplot as plt
import torch

from sine_lab.callbacks import PrintLoss, RecordPredictions
from sine_lab.data import article_data
from sine_lab.diagnostics import format_trace, trace_shapes
from sine_lab.plots import colour, plot_loss, plot_prediction
from sine_lab.studies.article import (
    ARTICLE_LOOP,
    EXAMPLES,
    example_source,
    format_controls,
    load_controls,
    median_controls,
    seed_rank,
    summarise_controls,
)
from sine_lab.training import fit_autoregressive, seed_everything, train

torch.set_num_threads(1)  # one thread: the same floating-point results on machines with any number of cores

# %% [markdown]
# ## 1. The code, as the article wrote it
#
# `sine_lab.models.ArticleSimpleRNN` is the article's `SimpleRNN` class verbatim — only the name
# changed, so we can tell it apart from the corrected models later; `example_source(1)` prints it.
# `EXAMPLES[1]` holds its settings ([Adam](glossary.ipynb#adam)'s learning rate, epochs), and `article_data()` returns
# the article's `x = torch.linspace(0, 10, 1000).reshape(-1, 1)` and `y = torch.sin(x)`.

# %% tags=["nbval-check-output"]
print(example_source(1))
x, y = article_data()
print("shape of x", tuple(x.shape), "and of y", tuple(y.shape))
example = EXAMPLES[1]
print(f"optimizer: Adam, lr={example.lr}, epochs={example.epochs}")

# %% [markdown]
# ## 2. Follow the shapes
#
# `trace_shapes(model, x, y)` runs one forward pass with hooks on each submodule and reports the shape
# going in and out, then what `nn.MSELoss` does with the prediction and the target.

# %% tags=["nbval-check-output"]
seed_everything(0)
model = example.build()
steps = trace_shapes(model, x, y)
print(format_trace(steps))

# %% [markdown]
# Read it row by row:
#
# 1. **`nn.RNN` gets a 2-D input `(L, H_in) = (1000, 1)`.** PyTorch reads a 2-D input as *one unbatched
#    sequence* of 1000 time steps with one feature each. So the RNN walks through all 1000 values of `t`
#    in order, and `out` has shape `(1000, 10)`: the [hidden state](glossary.ipynb#hidden-state) after each step.
# 2. **`out[-1]` is the hidden state after the last step**, shape `(10,)`. Everything the network computes
#    is funnelled into this one vector.
# 3. **`nn.Linear(10, 1)` turns it into shape `(1,)` — one number for the whole sequence.**
# 4. **`MSELoss` compares that one number with each of the 1000 targets**: PyTorch broadcasts `(1,)`
#    against `(1000, 1)` and warns about it (you will see the warning when we train).

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

# %% tags=["nbval-check-output"]
mean_y = y.mean().item()
var_y = y.var(unbiased=False).item()
print(f"mean(y) = {mean_y:.4f}, var(y) = {var_y:.4f}")

# %% [markdown]
# ## 3. Train it exactly as written
#
# The article's loop, as printed in the article:

# %%
print(ARTICLE_LOOP)

# %% [markdown]
# Each epoch: clear the old gradients (`zero_grad`), run the model, compute the loss, back-propagate
# (`backward`), let Adam update the weights (`step`). `sine_lab.training.train` runs exactly this loop — with
# the whole data as one batch, a unit test checks that it gives bit-identical losses and weights to the loop
# above typed out by hand, for 15 epochs of this model — and lets small *callback* objects watch it: `PrintLoss(every=100)` prints the
# article's line every 100 epochs (a repeated line is shown once), `RecordPredictions(at=[…])` keeps the
# output at the epochs we ask for, and a divergence guard stops a run whose loss turns NaN or explodes.

# %%
history = train(model, x, y, epochs=example.epochs, lr=example.lr,
                callbacks=[PrintLoss(every=100), RecordPredictions(at=[0, 10, 100, 1000])])

# %% [markdown]
# PyTorch's warning (above) is the whole story in one line: the prediction has size `(1,)`, the target
# `(1000, 1)`, and broadcasting compares every target with the same single output. `train` keeps each
# distinct warning in `history.warnings` and shows it once.

# %%
assert len(history.warnings) == 1
broadcast = "Using a target size (torch.Size([1000, 1])) that is different to the input size (torch.Size([1]))"
assert broadcast in history.warnings[0]
assert history.stop_reason == "completed" and history.epochs == 1000

# %% [markdown]
# ## 4. What did it learn?
#
# The trained model's output, next to the two statistics of `y`:

# %%
with torch.no_grad():
    output = model(x)
print(f"model(x) = {output.item():.6f}, one number (shape {tuple(output.shape)})")
print(f"mean(y)  = {mean_y:.6f}")
print(f"final loss = {history.final_loss:.6f},  var(y) = {var_y:.6f}")

# %% [markdown]
# **The model learned the mean.** Its output is a single number equal to `mean(y)` to within 1e-4,
# and its final loss equals `var(y)` to within 1e-5 — the floor for a constant, reached. Training did not
# fail: it solved the problem it was given, which is "find the best constant".

# %%
assert output.shape == (1,)
assert abs(output.item() - mean_y) < 1e-4, "the output is mean(y)"
assert abs(history.final_loss - var_y) < 1e-5, "the final loss is var(y), the best a constant can do"


# %% [markdown]
# A demonstration (true by construction, not new evidence) that the loss never sees the *shape* of the sine:
# shuffle the 1000 targets into a random order and train the same model from the same initialisation. The
# broadcast loss $\frac1N\sum_i (c - y_i)^2$ does not depend on the order, so the curves agree to float
# rounding (we compare the first 100 epochs, and silence the broadcasting warning, already shown above). A model that
# used how `sin` varies with `t` would give different losses.

# %%
def first_losses(target, epochs=100):
    seed_everything(0)
    with warnings.catch_warnings():  # the same broadcasting warning as above: shown once is enough
        warnings.simplefilter("ignore", UserWarning)
        return torch.tensor(train(example.build(), x, target, epochs=epochs, lr=example.lr).loss)

shuffled = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(0))]
assert not torch.equal(shuffled, y)
sine_losses, shuffled_losses = first_losses(y), first_losses(shuffled)
difference = (sine_losses - shuffled_losses).abs().max().item()
print(f"largest difference between the loss curves, sine vs shuffled targets: {difference:.1e}")
print(f"(the loss itself falls from {sine_losses[0]:.4f} to {sine_losses[-1]:.4f} over these epochs)")
assert difference < 1e-6 < 1e-2 * (sine_losses[0] - sine_losses[-1]).item()

# %% [markdown]
# The figures: the loss falls to the `var(y)` floor and stays there, and the "prediction"
# is the same number at every time.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.2))
plot_loss(history, ax=left, log_scale=False,
          kinds={"training loss": "rnn"}, title="Example 1's loss stops at var(y): it fits a constant")
left.set_ylim(0.44, 0.52)  # the same loss axis in chapters 01, 02 and 03
left.axhline(var_y, color=colour("highlight"), linewidth=1, linestyle=(0, (4, 3)), zorder=3,
             label="var(y): best a constant can do (thin, over the curve)")
label = f"model(x) = {output.item():.4f} at every t"
plot_prediction(x, y, {label: output}, ax=right, kinds={label: "rnn"},
                title="Example 1 outputs one number for all 1000 times: mean(y)")
right.axhline(mean_y, color=colour("highlight"), linewidth=6, alpha=0.3, zorder=1,
              label=f"mean(y) = {mean_y:.4f} (under the dashed line)")
left.legend(loc="upper right", framealpha=0.9)
right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
plt.tight_layout()

# %% [markdown]
# Along the way, the output moved towards `mean(y)` and stayed:

# %%
for epoch, prediction in history.predictions.items():
    print(f"epoch {epoch:4d}: output {prediction.item():+.4f}")
assert abs(history.predictions[1000].item() - mean_y) < 1e-4

# %% [markdown]
# ## 5. Could a tool have caught this before training?
#
# `sine_lab.doctor.check_setup(model, x, y)` runs one forward pass and reports, with evidence and a fix,
# what we found by hand: the 2-D input read as one sequence and one prediction broadcast against 1000
# targets — plus, as a warning and a note, that the input is the unscaled time index itself, which section 7
# comes back to.

# %%
from sine_lab.doctor import check_setup

seed_everything(0)
report = check_setup(example.build(), x, y)
assert set(report.codes) == {"unbatched_input", "broadcast_in_loss", "time_as_input", "unscaled_input"}
assert [f.severity for f in report] == ["error", "error", "warning", "info"]
report

# %% [markdown]
# ## 6. Is this vanishing gradients?
#
# Not what makes it fail. A vanishing gradient would make learning *slow or impossible*; here learning
# succeeded and reached the best possible loss for the model's output shape. No amount of gradient flow can
# beat `var(y)` with one output number. The gradients themselves are measured in
# [chapter 06](06_gradients_through_time.ipynb), which finds that they do shrink in this example: shrinking,
# not the cause of the failure.
#
# ## 7. Time as input: a lookup, or an input out of range?
#
# Even with the shapes fixed, the input is **time `t`**. A network fed `t` can learn the curve
# `t ↦ sin t` as a fit — a lookup from a clock reading to a value. What people usually want from an
# RNN is different: **predict the next value from the past values** (and, fed its own predictions,
# *generate* the wave); [Chapter 04](04_framing_the_problem.ipynb) does that.
#
# So we fix the shapes and keep everything else: `fit_per_step` builds a `SequenceModel` — an
# `nn.RNN` of 10 units, `batch_first`, with a linear [head](glossary.ipynb#head) applied at **every step** — and trains it on the
# whole curve as one sequence, input `(1, 1000, 1)`, target `(1, 1000, 1)`, with the article's Adam
# `lr=0.01` and 1000 full-batch epochs on `t ∈ [0, 10]`. Then it runs the trained model on the unbroken
# sequence `t ∈ [0, 20]`.
#
# If it fails after `t = 10`, **several causes are mixed**: the input is a clock, which carries nothing
# about how a wave continues; the input has *left the range it was trained on* (and, raw, reaches 20, far
# outside the [standardised](glossary.ipynb#standardisation) range `check_setup`'s `unscaled_input` note asks for); and the task after `t = 10`
# is ten radians of extrapolation. The controls below keep the model, the loss, the targets and the training;
# most change more than one thing, so each is listed with what it changes and what it holds fixed:
#
# - **inside vs after the range, at equal length**: the targets for `t ∈ [4, 5]` are left out of the loss
#   (the model still reads those inputs as it runs through them). Comparing that radian with the first radian
#   after `t = 10` changes where the unfitted times lie and also whether fitted targets follow them (after
#   `[4, 5]` the fit resumes; after `t = 10` nothing is fitted), and these runs do not separate the two; the
#   input is raw time in both;
# - **[standardised](glossary.ipynb#standardisation) time** `(t − 5.00) / 2.89`: changes the input's scale;
#   holds its information (a clock) and its range problem: after `t = 10` it still leaves the range seen;
# - **a constant input** (0.5 at every step): changes the information (none) and the range (always inside
#   what was seen), so the network can only produce the wave from its own state;
# - **the previous value** `sin t[n−1]`: changes the information (the wave's past), the range (it stays in
#   `[−1, 1]`) and the scale at once. Fed the *true* previous value this is
#   [one-step prediction](glossary.ipynb#one-step-prediction), not generation, so it is also run
#   [free](glossary.ipynb#free-running) after `t = 10` (fed its own outputs) and compared with the
#   two-coefficient [least-squares recurrence](glossary.ipynb#least-squares-recurrence) run the same way.
#
# Each fit trains the article's way (10 units, Adam 0.01, 1000 full-batch epochs). The fits were made once by
# `python scripts/article_controls.py --seeds 0 1 2` (3 [seeds](glossary.ipynb#seed) per input) and are loaded
# here. The table gives the median of the 3 seeds for each input; every seed's row is
# in the last section of this chapter. Errors are [MSE](glossary.ipynb#mse). The figure below the table shows
# seed 0 of each input (the only seed whose curves are stored); its titles say where seed 0 ranks among the 3
# seeds after `t = 10` ("tied" where another seed is within 5 %).

# %%
command, fits = load_controls()
assert command == "python scripts/article_controls.py --seeds 0 1 2"
by_feed = {feed: [f for f in fits if f.feed == feed] for feed in dict.fromkeys(f.feed for f in fits)}
time_fed, scaled, constant, previous = (by_feed[f] for f in ("time", "standardised time", "constant", "previous value"))
print(median_controls(fits))
training_times = x[:, 0]
print(f"standardised time = (t - {training_times.mean():.2f}) / {training_times.std():.2f}")

# %%
drawn = [f for f in fits if f.prediction is not None]
fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), sharey=True)
for ax, fit in zip(axes.flat, drawn, strict=True):
    place = seed_rank(fit.unseen_mse, [other.unseen_mse for other in by_feed[fit.feed]])
    ax.axvspan(*fit.held_out, color=colour("validation"), alpha=0.5, label="held out inside [0, 10]")
    ax.axvspan(10, 20, color=colour("unseen"), alpha=0.5, label="after t = 10: not trained on")
    lines = {f"RNN fed {fit.feed}": fit.prediction}
    if fit.free_run is not None:  # the value-fed model: one step ahead it lies under the truth; show its free run
        lines = {"one step ahead (under the truth)": fit.prediction,
                 "fed its own outputs": torch.cat([torch.full((1000, 1), math.nan), fit.free_run])}
    plot_prediction(fit.t, fit.truth, lines, ax=ax, kinds=dict.fromkeys(lines, "rnn"),
                    title=f"RNN fed {fit.feed}, seed {fit.seed} ({place} after t = 10)\n"
                          f"MSE {fit.held_out_mse:.1e} held out, {fit.unseen_mse:.1e} after t = 10"
                          + ("" if math.isnan(fit.free_run_mse) else f", {fit.free_run_mse:.1e} free running"))
    ax.set_ylim(-2.5, 3.6)  # room above the wave for the legend
    ax.legend(loc="upper center", ncol=2, fontsize="small", framealpha=0.9)
plt.tight_layout()

# %% [markdown]
# **Fed time, raw or standardised, these RNNs fill in the held-out radian inside `[0, 10]` and fail after
# `t = 10` (3 of 3 seeds each).** On the held-out stretch `t ∈ [4, 5]`, never fitted but inside the range read,
# the error is 4.5e-06 to 1.0e-03. Over the equal length of the first radian after `t = 10`, every seed is more
# than ten times worse (the ratios are printed below), and after `t = 10` no raw-time seed beats predicting 0.
# Standardised, the inputs are smaller, but after `t = 10` they too leave the range seen, so **these controls do
# not separate a clock from an input out of range**.

# %%
for feed in (time_fed, scaled):
    print(f"fed {feed[0].feed}: held out {min(f.held_out_mse for f in feed):.1e} to "
          f"{max(f.held_out_mse for f in feed):.1e}; first radian after / held out, by seed: "
          + ", ".join(f"{f.first_radian_mse / f.held_out_mse:.3g}" for f in feed))
assert all(f.held_out_mse < 1.05e-3 for f in time_fed + scaled), "the held-out radian: 1.0e-03 or below, as printed"
assert all(f.first_radian_mse > 10 * f.held_out_mse for f in time_fed + scaled), "more than 10x worse after"
assert not any(f.unseen_mse < f.zero_mse for f in time_fed)

# %% [markdown]
# **A constant input, always in range, did not help.** Fed a constant, training stopped almost at the best
# constant output: its error on the fitted times is within 0.4 % of their variance (below), though the figure
# shows a start-up transient near `t = 0`, so the network drew almost nothing from its own state. Inside the
# held-out radian and after `t = 10` its error is worse than predicting 0 (1.33× to 1.78×, printed below).

# %%
grid = torch.arange(2000, dtype=torch.float64) * float(x[1, 0] - x[0, 0])  # the article's grid, continued to t = 20
wave = torch.sin(grid)
# The best a constant output can do on the fitted times (all of [0, 10] but [4, 5]): their variance.
fitted = [(grid[:1000] < fit.held_out[0]) | (grid[:1000] > fit.held_out[1]) for fit in constant]
target_variance = [float(wave[:1000][mask].var(unbiased=False)) for mask in fitted]
gap = [1 - f.fit_mse / v for f, v in zip(constant, target_variance, strict=True)]
print("fed a constant: fit MSE " + ", ".join(f"{f.fit_mse:.4f}" for f in constant)
      + f"; variance of the fitted targets {min(target_variance):.4f} to {max(target_variance):.4f}"
      + "; below it by " + ", ".join(f"{g:.2%}" for g in gap))
held_zero = [float(wave[:1000][~mask].pow(2).mean()) for mask in fitted]  # predicting 0 on the held-out radian
inside = [f.held_out_mse / z for f, z in zip(constant, held_zero, strict=True)]
outside = [f.unseen_mse / f.zero_mse for f in constant]
print("error / predicting 0's, by seed: held out " + ", ".join(f"{r:.2f}" for r in inside)
      + "; after t = 10 " + ", ".join(f"{r:.2f}" for r in outside))
assert all(0 <= g < 0.004 for g in gap), "training stopped within 0.4 % of the best constant output"
assert all(1 < r < 2 for r in inside + outside), "worse than predicting 0, inside and after"

# %% [markdown]
# **Fed the true previous value, it predicts one step ahead better than copying that value in 2 of 3 seeds,
# and it does not generate the wave.** One step ahead after `t = 10`, copying the previous value has 6.02 and
# 11.6 times the error of seeds 2 and 1, but seed 0 is 1.42 times worse than copying (ratios printed below).
# Every seed is more than 100× above [linear extrapolation](glossary.ipynb#linear-extrapolation) from the two
# previous values (5.1e-09), and the two-coefficient
# [least-squares recurrence](glossary.ipynb#least-squares-recurrence) fitted on `[0, 10]` predicts the same
# steps to float64 rounding (printed above): a sampled sine obeys that recurrence exactly. To have
# [learned](glossary.ipynb#learned) the step, a model must be at least 2× below linear extrapolation; no seed
# is (0 of 3). Fed its own outputs from `t = 10` on, every seed leaves the wave: its error is 0.957 to 1.84 times
# that of predicting 0, and the median over seeds is about that of standardised time after `t = 10` (ratio
# printed below). The recurrence, run the same way, stays on the wave (1.3e-07, float32 rounding in the stored
# run). So under the article's training neither time nor the previous value makes this RNN continue the wave.
# Training on [windows](glossary.ipynb#window) of past values is [chapter 04](04_framing_the_problem.ipynb)'s
# subject, and generating far ahead is [chapter 07](07_forecasting_far_ahead.ipynb)'s.

# %%
coefficients = fit_autoregressive(wave[:1000], order=2, dtype=torch.float64)  # fitted on [0, 10], in float64
one_step = coefficients[0] * wave[1:-1] + coefficients[1] * wave[:-2]
recurrence_one_step = float(((one_step - wave[2:])[grid[2:] > 10] ** 2).mean())
print(f"one step after t = 10, the least-squares recurrence (float64): MSE {recurrence_one_step:.1e}")
copy_ratio = [f.repeat_mse / f.unseen_mse for f in previous]
print("copying the previous value / the model, one step after t = 10, by seed: "
      + ", ".join(f"{r:.3g}" for r in copy_ratio)
      + "".join(f"; seed {f.seed} is {1 / r:.3g}x worse than copying"
                for f, r in zip(previous, copy_ratio, strict=True) if r < 1))
print("the model / linear extrapolation, one step after t = 10, by seed: "
      + ", ".join(f"{f.unseen_mse / f.extrapolation_mse:.3g}" for f in previous))
free_ratio = [f.free_run_mse / f.zero_mse for f in previous]
print("free running after t = 10 / predicting 0, by seed: " + ", ".join(f"{r:.3g}" for r in free_ratio))
medians = statistics.median(f.free_run_mse for f in previous) / statistics.median(f.unseen_mse for f in scaled)
print(f"median free run / median standardised time after t = 10: {medians:.2f}")
assert sum(r >= 5 for r in copy_ratio) == 2 and sum(r < 1 for r in copy_ratio) == 1, "better in 2, worse in 1"
assert all(f.unseen_mse < 1e-3 * f.zero_mse for f in previous)
assert all(f.unseen_mse > 100 * f.extrapolation_mse for f in previous), "over 100x above linear extrapolation"
assert recurrence_one_step < 1e-29 and all(f.recurrence_free_run_mse < 1e-6 for f in previous)
assert all(0.9 < r < 2 for r in free_ratio), "free running: no better than 0.9x predicting 0"
assert 0.8 < medians < 1.25, "free running: about standardised time after t = 10"

# %% [markdown]
# ### Every seed
#
# Each fit's errors (MSE) and the baselines after `t = 10`; below the table, per input, how many seeds beat each
# baseline by at least 2× and the ratios to the held-out error.

# %%
print(format_controls(fits))
print(summarise_controls(fits))

# %% [markdown]
# ## What we learned
#
# - Example 1's `nn.RNN` receives the 2-D input `(1000, 1)` as **one unbatched sequence**, and
#   `out[-1]` makes the model output **one number** for the whole sequence.
# - `MSELoss` broadcasts that number against all 1000 targets (PyTorch warns), so the best possible
#   answer is `mean(y)` with loss `var(y)` — and training (seed 0) finds exactly that. Shuffling the targets
#   changes nothing.
# - It is a **shape and framing bug, not caused by vanishing gradients**: the optimisation succeeded.
# - Fixed to one output per step, the same RNN fed time fits `sin t` on `[0, 10]` and a held-out radian inside
#   it, but the first radian after `t = 10` is more than ten times worse (3 of 3 seeds, raw or standardised).
#   Fed the true previous value, one step after `t = 10` it is 6.02 to 11.6× better than copying that value in
#   2 of 3 seeds and 1.42× worse in seed 0, and over 100× above linear extrapolation (learned in 0 of 3); fed its own
#   outputs it leaves the wave (3 of 3) where a two-coefficient recurrence does not. **Fed time, these 10-unit
#   RNNs fill in a held-out radian inside `[0, 10]` and fail after it (3 of 3 seeds: the first radian after
#   `t = 10` more than ten times worse than the held-out one; over all of `[10, 20]` one standardised seed is
#   level with predicting 0; clock and out-of-range input not separated); under the article's training no input tried here made them continue the wave.**
# - Not tested here: the article's "especially for longer sequences" (the sequence length was not varied);
#   [chapter 09](09_when_memory_matters.ipynb) measures how many steps back a plain RNN can recall a value.
#
# ## Try this
#
# 1. The best constant, by hand: a model that outputs one number `c` for all 1000 targets has the loss `mean((y −
#    c)²)`. Show that it is smallest at `c = mean(y)`, where it equals `var(y)`, and check both against the numbers
#    Example 1 reached (0.1834 and 0.4432). You are right if a scan over `c` finds the same minimum.
#    [solution](solutions/01_example1_simple_rnn.ipynb#exercise-1)
# 2. One output per step: give a copy of `ArticleSimpleRNN` the line `return self.linear(out)` instead of
#    `self.linear(out[-1])`. What does `check_setup` say now, and how low does the loss go in 300 epochs of the
#    article's training? You are right if `broadcast_in_loss` is gone and the loss ends far below `var(y)`.
#    [solution](solutions/01_example1_simple_rnn.ipynb#exercise-2)
#
# **Previous:** [00 · Overview: why can't a PyTorch RNN learn a sine?](00_overview.ipynb) · **Next:** [02 · Example 2: the LSTM, run as written](02_example2_lstm.ipynb)
