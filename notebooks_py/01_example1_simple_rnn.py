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
# > **You need:** Python, numpy and one PyTorch model you have trained (a module, a loss, an optimizer); no RNN
# > experience. The primer in [chapter 00](00_overview.ipynb) says what `nn.RNN` computes and how PyTorch reads
# > the shape of its input.
# >
# > **The question:** the article's first example does not fit `sin t`, and the article blames vanishing
# > gradients; is that what goes wrong? **The short answer:** no. The input's shape makes the model output one
# > number for all 1000 targets, so the best it can learn is their mean, and training finds exactly that (3 of 3
# > seeds, section 4).
#
# The article's first example trains an `nn.RNN` on `x = linspace(0, 10, 1000)` with target `sin(x)` and says
# the result "will likely exhibit poor performance … precisely due to the
# [vanishing gradient](glossary.ipynb#vanishing-and-exploding-gradients) problem". We run it exactly as written and
# look at what the trained model computes; each `sine_lab` helper is explained where first used.

# %%
# %matplotlib inline
import html
import math
import statistics
import warnings

import matplotlib.pyplot as plt
import torch
from IPython.display import display
from torch import nn

from sine_lab.baselines import MARGIN
from sine_lab.callbacks import PrintLoss, RecordPredictions
from sine_lab.data import article_data
from sine_lab.diagnostics import format_trace, trace_shapes
from sine_lab.models import SequenceModel, forecast
from sine_lab.plots import colour, plot_prediction
from sine_lab.studies.article import (
    ARTICLE_LOOP,
    EXAMPLES,
    article_timeline,
    example_source,
    feed_previous_value,
    format_controls,
    gap_fills,
    load_controls,
    median_controls,
    plot_one_step_errors,
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
#    in order, and `out` has shape `(1000, 10)`: the [hidden state](glossary.ipynb#hidden-state) after each step
#    (the next cell checks it: changing `x[0]` changes the next row's output).
# 2. **`out[-1]` is the hidden state after the last step**, shape `(10,)`. Everything the network computes
#    is funnelled into this one vector.
# 3. **`nn.Linear(10, 1)` turns it into shape `(1,)` — one number for the whole sequence.**
# 4. **`MSELoss` compares that one number with each of the 1000 targets**: PyTorch broadcasts `(1,)`
#    against `(1000, 1)` and warns about it (you will see the warning when we train).

# %%
rnn_row, head_row, loss_row = steps
assert rnn_row.input_shape == (1000, 1) and rnn_row.output_shape == (1000, 10)
with torch.no_grad():  # one sequence: the state runs from row to row, and h_n is the last row of out
    out, h_n = model.rnn(x)
    nudged = x.clone()
    nudged[0] += 1
    changed = (model.rnn(nudged)[0] - out).abs().amax(dim=1) > 0
print(f"x[0] + 1 changes out[1]: {bool(changed[1])}; last row it changes: {int(changed.nonzero().max())}; "
      f"h_n == out[-1]: {torch.equal(h_n[-1], out[-1])}")
assert changed[1] and torch.equal(h_n[-1], out[-1])
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
# (`backward`), let Adam update the weights (`step`). `sine_lab.training.train` runs exactly this loop (a unit test
# checks bit-identical losses and weights against it typed out by hand) and lets *callbacks* watch it:
# `PrintLoss(every=100)` prints the article's line every 100 epochs, `RecordPredictions(at=[…])` keeps the output at
# the epochs we ask for, and a guard stops a run whose loss turns NaN or explodes.

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
# The trained model's output, next to the two statistics of `y`, and the output at a few epochs of training:

# %%
with torch.no_grad():
    output = model(x)
print(f"model(x) = {output.item():.6f}, one number (shape {tuple(output.shape)})")
print(f"mean(y)  = {mean_y:.6f}")
print(f"final loss = {history.final_loss:.6f},  var(y) = {var_y:.6f}")
print("the output during training: "
      + ", ".join(f"epoch {epoch} {prediction.item():+.4f}" for epoch, prediction in history.predictions.items()))

# %% [markdown]
# **The model learned the mean.** Its output is a single number equal to `mean(y)` to within 1e-4,
# and its final loss equals `var(y)` to within 1e-5 — the floor for a constant, reached. The last line shows the
# output reaching `mean(y)` within 100 epochs and staying there. [Seeds](glossary.ipynb#seed) 1 and 2, trained the same way below, do the
# same: 3 of 3 seeds. Training did not fail: it solved the problem it was given, "find the best constant".

# %%
assert output.shape == (1,)
assert abs(output.item() - mean_y) < 1e-4, "the output is mean(y)"
assert abs(history.final_loss - var_y) < 1e-5, "the final loss is var(y), the best a constant can do"
assert abs(history.predictions[100].item() - mean_y) < 1e-3 < abs(history.predictions[0].item() - mean_y)
assert abs(history.predictions[1000].item() - mean_y) < 1e-4, "and stays there"
gaps = {0: (output.item() - mean_y, history.final_loss - var_y)}
for seed in (1, 2):  # the same training, two more seeds (about half a minute each)
    seed_everything(seed)
    other = example.build()
    with warnings.catch_warnings():  # the broadcasting warning, shown above
        warnings.simplefilter("ignore", UserWarning)
        other_loss = train(other, x, y, epochs=example.epochs, lr=example.lr).final_loss
    with torch.no_grad():
        gaps[seed] = (other(x).item() - mean_y, other_loss - var_y)
for seed, (out_gap, loss_gap) in gaps.items():
    print(f"seed {seed}: model(x) - mean(y) = {out_gap:+.1e}, final loss - var(y) = {loss_gap:+.1e}")
at_mean = sum(abs(out_gap) < 1e-4 and abs(loss_gap) < 1e-5 for out_gap, loss_gap in gaps.values())
print(f"within 1e-4 of mean(y) and 1e-5 of var(y): {at_mean} of {len(gaps)} seeds")
assert at_mean == 3, "the mean, 3 of 3 seeds"


# %% [markdown]
# A demonstration (true by construction, not new evidence) that the loss never sees the *shape* of the sine:
# shuffle the 1000 targets and train the same model from the same start. The broadcast loss
# $\frac1N\sum_i (c - y_i)^2$ does not depend on the order, so the two loss curves agree to float rounding over
# the first 100 epochs. A model that used how `sin` varies
# with `t` would give different losses.

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
# The figures: the loss minus `var(y)` (left, on a log axis, so the approach to the floor is visible) falls until
# float32 rounding, and the "prediction" is the same number at every time.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.2))
excess = (torch.tensor(history.loss) - var_y).abs().clamp(min=1e-9)  # below about 1e-7: float32 rounding
left.plot(range(1, history.epochs + 1), excess, color=colour("rnn"), label="|training loss - var(y)|")
left.axhspan(1e-9, 1e-7, color=colour("underflow"), label="float32 rounding of a loss near 0.44")
left.set(yscale="log", ylim=(1e-9, 1), xlabel="epoch", ylabel="|loss - var(y)|",  # the same axis in chapters 01-03
         title="Example 1's loss falls to var(y): it fits a constant")
left.grid(True, alpha=0.3)
label = f"model(x) = {output.item():.4f} at every t"
plot_prediction(x, y, {label: output}, ax=right, kinds={label: "rnn"},
                title="Example 1 outputs one number for all 1000 times: mean(y)")
right.axhline(mean_y, color=colour("reference"), linewidth=6, alpha=0.3, zorder=1,
              label=f"mean(y) = {mean_y:.4f} (under the dashed line)")
left.legend(loc="upper right", framealpha=0.9)
right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
plt.tight_layout()

# %% [markdown]
# ## 5. Could a tool have caught this before training?
#
# `sine_lab.doctor.check_setup(model, x, y)` runs one forward pass and reports, with evidence and a fix, the two
# errors we found by hand: the 2-D input read as one sequence, and one prediction broadcast against 1000 targets.
# Its warning and its note are about the input itself: it is the time, not past values of the wave (section 7
# comes back to this), and its values reach 10 rather than staying near `[−1, 1]`. The note's advice is to
# [standardise](glossary.ipynb#standardisation) it (subtract the mean, divide by the spread).

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
# beat `var(y)` with one output number. [Chapter 06](06_gradients_through_time.ipynb) measures the gradients:
# they do shrink here, but that is not the cause.
#
# ## 7. (Optional) Time as input: a lookup, or an input out of range?
#
# With the shapes fixed, one problem is left: the input is **time `t`**. A network fed `t` can learn the curve
# `t ↦ sin t` as a lookup from a clock reading to a value. What people usually want is different:
# **predict the next value from the past values** and, fed its own predictions, *generate* the wave
# ([chapter 04](04_framing_the_problem.ipynb) does this properly). This section asks what a fixed RNN does after
# `t = 10`, where its training data ends; a first reading can skip to *What we learned*.
#
# The fixed model in plain PyTorch: an `nn.RNN` of 10 units, batch first, with a linear
# [head](glossary.ipynb#head) applied to the [hidden state](glossary.ipynb#hidden-state) at **every step**, so the
# whole curve, fed as one sequence `(1, 1000, 1)`, gets one prediction per step `(1, 1000, 1)`. Fed the wave's
# previous value, it can also run [free](glossary.ipynb#free-running): after `t = 10` each output becomes the next
# input. The stored runs below used the package's `SequenceModel` and `forecast`; the cell checks that this code
# computes the same, on the same (untrained) weights.

# %%
class PerStepRNN(nn.Module):
    def __init__(self, hidden_size=10):
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, inputs, state=None):  # inputs (1, steps, 1): one sequence
        out, state = self.rnn(inputs, state)  # the hidden state after every step, (1, steps, 10)
        return self.head(out), state  # one prediction per step (1, steps, 1), and the last state


def previous_values(wave):  # the input at step n is the wave at step n - 1 (0 at the first step)
    return torch.cat([torch.zeros(1, 1, 1), wave[:, :-1]], dim=1)


def free_run(model, inputs, steps):  # read the inputs, then feed each prediction back in as the next input
    predictions, state = model(inputs)
    value, generated = predictions[:, -1:], []
    for _ in range(steps):
        value, state = model(value, state)
        generated.append(value)
    return torch.cat(generated, dim=1)


seed_everything(0)
package_model = SequenceModel("rnn", hidden_size=10, per_step=True)  # what the stored runs trained
plain_model = PerStepRNN()
plain_model.load_state_dict(package_model.state_dict())
t, sine = article_timeline()  # t from 0 to 20 on the article's grid, and sin t
inputs = previous_values(sine[None, :1000])  # the values up to t = 10
with torch.no_grad():
    same_steps = torch.equal(plain_model(inputs)[0], package_model(inputs))
    same_run = torch.equal(free_run(plain_model, inputs, 999)[..., 0], forecast(package_model, inputs, 1000)[:, 1:])
print(f"the same per-step outputs: {same_steps}; the same free run to t = 20: {same_run}")
assert torch.equal(inputs[0], feed_previous_value(t, sine, 1000)[:1000]) and same_steps and same_run

# %% [markdown]
# The model is trained on `t ∈ [0, 10]` the article's way (Adam `lr=0.01`, 1000 full-batch
# epochs) with four different inputs, then run on to `t = 20`:
#
# - **time** `t`, raw, as in the article;
# - **standardised time** `(t − 5.00) / 2.89`: a smaller input, but still a clock that leaves its range after `t = 10`;
# - **a constant** (0.5 at every step): always in range, but it says nothing, so the network can only make the
#   wave from its own state;
# - **the previous value** `sin t[n−1]`: the wave's past, always in `[−1, 1]`. Fed the *true* previous value this is
#   [one-step prediction](glossary.ipynb#one-step-prediction), not generation, so after `t = 10` it is also run
#   free and compared with the two-coefficient [least-squares recurrence](glossary.ipynb#least-squares-recurrence)
#   run the same way.
#
# Every run leaves the targets of `t ∈ [4, 5]` out of the loss: a *held-out* radian inside the range, to compare
# with the first radian after `t = 10`. The fits were made once by `python scripts/article_controls.py --seeds 0 1 2`
# (3 [seeds](glossary.ipynb#seed) per input) and are loaded here; errors are [MSE](glossary.ipynb#mse). The figure
# draws every seed (for the previous value, its free runs, and in the bottom panel its one-step error beside
# copying and [linear extrapolation](glossary.ipynb#linear-extrapolation)); the medians and every seed's errors are folded tables (click to open).
#
# <details><summary>Controls and caveats: what each input changes and holds fixed</summary>
#
# The controls keep the model, the loss, the targets and the training; most change more than one thing (the list
# above says what). The held-out radian and the first radian after `t = 10` differ in where the unfitted times lie
# and also in whether fitted targets follow them (after `[4, 5]` the fit resumes; after `t = 10` nothing is
# fitted); these runs do not separate the two. If the time-fed model fails after `t = 10`, three causes are mixed:
# a clock carries nothing about how a wave continues; the input has left the range it was trained on (raw, it
# reaches 20); and the task is ten radians of extrapolation.
#
# </details>

# %%
command, fits = load_controls()
assert command == "python scripts/article_controls.py --seeds 0 1 2"
by_feed = {feed: [f for f in fits if f.feed == feed] for feed in dict.fromkeys(f.feed for f in fits)}
time_fed, scaled, constant, previous = (by_feed[f] for f in ("time", "standardised time", "constant", "previous value"))


def folded(summary, text):  # a long table folded under one line (plain text where HTML is not shown)
    display({"text/html": f"<details><summary>{summary}</summary><pre>{html.escape(text)}</pre></details>",
             "text/plain": f"{summary}\n{text}"}, raw=True)


folded("The median of the 3 seeds per input, and the baselines (click to open)", median_controls(fits))
training_times = x[:, 0]
print(f"standardised time = (t - {training_times.mean():.2f}) / {training_times.std():.2f}")

# %%
fig = plt.figure(figsize=(12, 14), layout="constrained")  # the legends below the panels, outside the data
layout = fig.add_gridspec(3, 2, height_ratios=[1, 1, 0.9])
axes = [fig.add_subplot(layout[row, column]) for row in (0, 1) for column in (0, 1)]
for ax, (feed, seeds) in zip(axes, by_feed.items(), strict=True):
    ax.axvspan(*seeds[0].held_out, color=colour("validation"), alpha=0.5, label="held out inside [0, 10]")
    ax.axvspan(10, 20, color=colour("unseen"), alpha=0.5, label="after t = 10: not trained on")
    if feed == "previous value":  # one step ahead its lines lie under the truth (bottom panel); here its free runs
        lines = {f"seed {f.seed}, fed its own outputs": torch.cat([torch.full((1000, 1), math.nan), f.free_run])
                 for f in seeds}
        scores = "MSE free running after t = 10: " + ", ".join(f"{f.free_run_mse:.1e}" for f in seeds)
    else:
        lines = {f"seed {f.seed}": f.prediction for f in seeds}
        scores = "MSE after t = 10: " + ", ".join(f"{f.unseen_mse:.1e}" for f in seeds)
    plot_prediction(seeds[0].t, seeds[0].truth, lines, ax=ax, kinds=dict.fromkeys(lines, "rnn"),
                    title=f"RNN fed {feed}, seeds 0, 1, 2\n{scores}")
    for line in ax.lines[1:]:
        line.set_linewidth(1)
    ax.set_ylim(-1.8, 1.8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize="small", frameon=False)
# The one-step error, as root mean square over each half radian (50 steps), on a log axis.
plot_one_step_errors(fig.add_subplot(layout[2, :]), previous, "rnn",
                     "One step ahead; pooled MSE after t = 10: every seed far above linear extrapolation, "
                     "seed 0 above copying (the half-radian blocks cross)")

# %% [markdown]
# The ratios the verdicts rest on, one row per comparison, one column per seed, and which side favours the model (after `t = 10` means all of
# `t ∈ (10, 20]`; "first radian after" means `t ∈ (10, 11]`, as long as the held-out radian):

# %%
grid = torch.arange(2000, dtype=torch.float64) * float(x[1, 0] - x[0, 0])  # the article's grid, continued to t = 20
wave = torch.sin(grid)
# The best a constant output can do on the fitted times (all of [0, 10] but [4, 5]): their variance.
fitted = [(grid[:1000] < fit.held_out[0]) | (grid[:1000] > fit.held_out[1]) for fit in constant]
target_variance = [float(wave[:1000][mask].var(unbiased=False)) for mask in fitted]
gap = [1 - f.fit_mse / v for f, v in zip(constant, target_variance, strict=True)]
held_zero = [float(wave[:1000][~mask].pow(2).mean()) for mask in fitted]  # predicting 0 on the held-out radian
inside = [f.held_out_mse / z for f, z in zip(constant, held_zero, strict=True)]
outside = [f.unseen_mse / f.zero_mse for f in constant]
copy_ratio = [f.repeat_mse / f.unseen_mse for f in previous]
free_ratio = [f.free_run_mse / f.zero_mse for f in previous]
# Fills of the held-out radian from the fitted samples next to it: a straight line across the gap, and a cubic
# through the two fitted samples on each side (both use the data only, no training).
line_fill, cubic_fill = gap_fills(constant[0].held_out)
# The last column says which side of 1 (of 0 for the %) favours the model; "-": two of the model's own errors.
rows = [
    ("time: held out, straight line across the gap / model", [line_fill / f.held_out_mse for f in time_fed], ".3g"),
    ("time: held out, cubic across the gap / model", [cubic_fill / f.held_out_mse for f in time_fed], ".3g"),
    ("time: first radian after / held out", [f.first_radian_mse / f.held_out_mse for f in time_fed], ".3g"),
    ("time: after t = 10 / predicting 0", [f.unseen_mse / f.zero_mse for f in time_fed], ".3g"),
    ("standardised time: held out, straight line / model", [line_fill / f.held_out_mse for f in scaled], ".3g"),
    ("standardised time: held out, cubic / model", [cubic_fill / f.held_out_mse for f in scaled], ".3g"),
    ("standardised time: first radian after / held out", [f.first_radian_mse / f.held_out_mse for f in scaled], ".3g"),
    ("standardised time: after t = 10 / predicting 0", [f.unseen_mse / f.zero_mse for f in scaled], ".3g"),
    ("constant: fitted times, % below their variance", [100 * g for g in gap], ".2f"),
    ("constant: held out / predicting 0", inside, ".3g"),
    ("constant: after t = 10 / predicting 0", outside, ".3g"),
    ("previous value, one step after t = 10: copying / model", copy_ratio, ".3g"),
    ("previous value, one step after t = 10: model / linear extrap.",
     [f.unseen_mse / f.extrapolation_mse for f in previous], ".3g"),
    ("previous value, free run after t = 10 / predicting 0", free_ratio, ".3g"),
]
print(f"{'by seed':<64}" + "".join(f"{seed:>10}" for seed in (0, 1, 2)) + "  model better if")
for label, values, spec in rows:
    better = ("> 0" if "%" in label else "< 1" if "/ predicting 0" in label or "/ linear" in label
              else "-" if "/ held out" in label else "> 1")
    print(f"{label:<64}" + "".join(f"{value:>10{spec}}" for value in values) + f"  {better}")
clock_fed = time_fed + scaled
line_beaten = sum(MARGIN * f.held_out_mse <= line_fill for f in clock_fed)
cubic_beaten = sum(f.held_out_mse < cubic_fill for f in clock_fed)
print(f"the held-out radian filled from the fitted samples next to it: straight line MSE {line_fill:.1e}, "
      f"cubic MSE {cubic_fill:.1e};\n  fed time, raw or standardised, at least {MARGIN:g}x below the straight line: "
      f"{line_beaten} of {len(clock_fed)}, below the cubic: {cubic_beaten} of {len(clock_fed)}")
coefficients = fit_autoregressive(wave[:1000], order=2, dtype=torch.float64)  # fitted on [0, 10], in float64
one_step = coefficients[0] * wave[1:-1] + coefficients[1] * wave[:-2]
recurrence_one_step = float(((one_step - wave[2:])[grid[2:] > 10] ** 2).mean())
print(f"the least-squares recurrence, one step after t = 10 (float64): MSE {recurrence_one_step:.1e}")
medians = statistics.median(f.free_run_mse for f in previous) / statistics.median(f.unseen_mse for f in scaled)
print(f"median free run / median standardised time, after t = 10: {medians:.2f}")

# %% [markdown]
# **Fed time, raw or standardised, these RNNs fail after `t = 10` (3 of 3 seeds each).** Inside `[0, 10]`, the
# held-out radian's error (at most 1.0e-03) is at least 2× below a straight line across the gap through its two
# bordering samples (MSE 8.0e-03; 6 of 6) but above a cubic through two samples on each side (MSE 3.1e-06; 0 of 6).
# Every seed is more than ten times worse over the first radian after `t = 10` (rows `first radian after / held out`). Over all of `(10, 20]` no
# raw-time seed beats predicting 0, and the standardised seeds have 0.962 to 1.8 times its error. Standardised time
# also leaves the range seen after `t = 10`, so **these controls do not separate a clock from an input out of range.**
#
# **A constant input, always in range, did not help (3 of 3).** Training stopped within 0.4 % of the best constant
# output (row `constant: fitted times, % below their variance`): apart from a start-up transient near `t = 0`
# the network drew almost nothing from its own state. Inside the held-out radian and after
# `t = 10` every seed is worse than predicting 0.
#
# **Fed the true previous value, it predicts one step ahead, but it has not [learned](glossary.ipynb#learned) the
# step (0 of 3), and it does not generate the wave (3 of 3).** Here *learned* means at least 2× below the best of
# predicting 0, copying and linear extrapolation. One step after `t = 10`, it beats copying the
# previous value by at least 2× in 2 of 3 seeds (seed 0 is worse than copying), but every seed is more than 100×
# above [linear extrapolation](glossary.ipynb#linear-extrapolation) from the two previous values. Fed its own outputs, every seed leaves the wave: its error is of the order of predicting 0 (row `free run … / predicting 0`).
# The least-squares recurrence, run the same way, stays on the wave. These models were trained one step ahead on
# true inputs only; [chapter 07](07_forecasting_far_ahead.ipynb) trains on the model's own outputs.
#
# <details><summary>Controls and caveats: the baselines in numbers</summary>
#
# Linear extrapolation's one-step error after `t = 10` is 5.1e-09 (the folded median table's `baselines` line). The least-squares
# recurrence, fitted on `[0, 10]`, predicts the same steps to float64 rounding, because a sampled sine obeys it
# exactly, and its free run stays at 1.3e-07 (float32 rounding in the stored run). One step ahead is an easier task
# than the clock's: the true previous value at every step carries most of the answer, which copying alone turns
# into 5.0e-05. The value-fed model's median free run is about as far off as standardised time's median after
# `t = 10` (ratio 0.91).
#
# </details>
#
# So under the article's training neither time nor the previous value makes this RNN continue the wave. Training on
# [windows](glossary.ipynb#window) of past values is [chapter 04](04_framing_the_problem.ipynb)'s subject, and
# generating far ahead is [chapter 07](07_forecasting_far_ahead.ipynb)'s.

# %%
# The claims above, checked.
assert all(f.held_out_mse < 1.05e-3 for f in time_fed + scaled), "the held-out radian: 1.0e-03 or below, as printed"
assert line_beaten == 6 and cubic_beaten == 0, "2x below the straight line across the gap in 6 of 6, the cubic in 0"
assert 7.5e-3 < line_fill < 8.5e-3 and 2.5e-6 < cubic_fill < 3.5e-6, "the fills' MSE: 8.0e-03 and 3.1e-06, as printed"
assert all(f.first_radian_mse > 10 * f.held_out_mse for f in time_fed + scaled), "more than 10x worse after"
assert not any(f.unseen_mse < f.zero_mse for f in time_fed), "no raw-time seed beats predicting 0"
assert all(0.95 < f.unseen_mse / f.zero_mse < 1.85 for f in scaled), "standardised: 0.962 to 1.8 times 0's error"
assert all(0 <= g < 0.004 for g in gap), "training stopped within 0.4 % of the best constant output"
assert all(1 < r < 2 for r in inside + outside), "worse than predicting 0, inside and after"
assert sum(r >= 2 for r in copy_ratio) == 2 and sum(r < 1 for r in copy_ratio) == 1, "beats copying in 2, worse in 1"
assert all(f.unseen_mse < 1e-3 * f.zero_mse for f in previous)
assert all(f.unseen_mse > 100 * f.extrapolation_mse for f in previous), "over 100x above linear extrapolation"
assert recurrence_one_step < 1e-29 and all(f.recurrence_free_run_mse < 1e-6 for f in previous)
assert all(0.9 < r < 2 for r in free_ratio), "free running: no better than 0.9x predicting 0"
assert 0.8 < medians < 1.25, "free running: about standardised time after t = 10"

# %% [markdown]
# ### Every seed (optional)

# %%
folded("Every fit's errors and, per input, how many seeds beat each baseline by 2x (click to open)",
       format_controls(fits) + "\n" + summarise_controls(fits))

# %% [markdown]
# ## What we learned
#
# - Example 1's `nn.RNN` receives the 2-D input `(1000, 1)` as **one unbatched sequence**, and
#   `out[-1]` makes the model output **one number** for the whole sequence.
# - `MSELoss` broadcasts that number against all 1000 targets (PyTorch warns), so the best possible
#   answer is `mean(y)` with loss `var(y)` — and training finds exactly that (3 of 3 seeds). Shuffling the targets
#   changes nothing.
# - It is a **shape and framing bug, not caused by vanishing gradients**: the optimisation succeeded.
# - With the shapes fixed (section 7), the RNN fed time fails after `t = 10` (3 of 3 seeds, raw or standardised;
#   clock and out-of-range input not separated); inside `[0, 10]` it fills a held-out radian better than a straight
#   line (6 of 6), not a cubic (0 of 6). Fed the true previous
#   value, it beats copying it one step ahead in 2 of 3 seeds but is over 100× above linear extrapolation (learned
#   in 0 of 3); fed its own outputs, it leaves the wave (3 of 3) where a two-coefficient recurrence does not.
# - Not tested here: the article's "especially for longer sequences" (the sequence length was not varied);
#   [chapter 09](09_when_memory_matters.ipynb) measures how many steps back a plain RNN can recall a value.
#
# > **In plain words.** *Shown:* the article's first example does not fail because gradients vanish. It hands the
# > network all 1000 times as one sequence and asks for one number, so the network does the best one number can do:
# > it outputs the average of the wave. *Not shown:* that a correctly shaped RNN can learn the wave. Fed the time,
# > it fits only the times it was trained on; fed the previous value, it predicts one step (worse than the straight
# > line through the last two values) but did not continue the wave on its own (3 of 3; trained one step ahead only).
#
# ## Try this
#
# 1. The best constant, by hand: a model that outputs one number `c` for all 1000 targets has the loss `mean((y −
#    c)²)`. Show that it is smallest at `c = mean(y)`, where it equals `var(y)`, and check both against the numbers
#    Example 1 reached (0.1834 and 0.4432). You are right if a scan over `c` finds the same minimum.
#    [solution](solutions/01_example1_simple_rnn.ipynb#exercise-1)
# 2. One output per step: give a copy of `ArticleSimpleRNN` the line `return self.linear(out)` instead of
#    `self.linear(out[-1])`, build it after `seed_everything(0)` and train it with `train(model, x, y, epochs=300,
#    lr=0.01)` (the article's Adam, 300 full-batch epochs). What does `check_setup` say now, and how low does the loss go? You are
#    right if `broadcast_in_loss` is gone, no finding is an error, and the loss ends more than 100 times below
#    `var(y)`. [solution](solutions/01_example1_simple_rnn.ipynb#exercise-2)
#
# **Previous:** [00 · Overview: why can't a PyTorch RNN learn a sine?](00_overview.ipynb) · **Next:** [02 · Example 2: the LSTM, run as written](02_example2_lstm.ipynb)
