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
# # 00 · Overview: why can't a PyTorch RNN learn a sine?
#
# A popular answer (the article *"Why can't a PyTorch RNN learn a sine function dataset?"*, 2025) opens:
#
# > The core difficulty in training a recurrent neural network (RNN) to learn a sine function, despite its
# > apparent simplicity, stems from the inherent limitations of standard RNN architectures when faced with
# > long-range dependencies and the vanishing gradient problem.
#
# It illustrates the claim with three PyTorch examples, all fed `x = torch.linspace(0, 10, 1000).reshape(-1, 1)`
# with target `y = torch.sin(x)`: a simple `nn.RNN`, an `nn.LSTM`, and a 3-layer `nn.LSTM`. This series
# **runs those examples exactly as written and measures** what happens. The chapters' findings are `assert`s
# in their cells, so the chapters are also the test suite.
#
# This chapter holds what the others assume: a primer on recurrent networks, the answer in plain words, a
# glossary the chapters link to, the ledger of the article's claims and the map of the series.
#
# **New to recurrent networks?** Read the primer below, then chapters 01–03 (what the article's examples
# really do), then chapter 04 (the fix, in plain PyTorch). Terms in *links* lead to the glossary.

# %% [markdown]
# Chapter 01 runs Example 1 as written and plots what the trained RNN outputs:

# %%
from IPython.display import Image

Image(filename="../docs/example1.png")

# %% [markdown]
# ## A primer: what a recurrent network computes
#
# An RNN reads a sequence one step at a time and keeps a vector, its
# [hidden state](#hidden-state) `h`. At step `t` a plain (`tanh`) RNN computes
#
# $$h_t = \tanh(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}),$$
#
# from the input `x_t` and the previous state `h_{t−1}` (`h_0 = 0`), with the same weights at every step.
# `nn.RNN(input_size, hidden_size)` returns two things: `out`, the state after *every* step, and `h_n`, the
# state after the *last* step (one per layer). A [head](#head), usually an `nn.Linear`, turns a state into a
# prediction.
#
# **Shapes.** By default PyTorch expects `(seq, batch, features)`; with `batch_first=True`,
# `(batch, seq, features)`. A 2-D input `(seq, features)` is read as **one unbatched sequence**: the
# article's `(1000, 1)` is one sequence of 1000 steps, not 1000 samples. That is the mistake chapters
# 01–03 trace.
#
# **LSTM and GRU.** An LSTM adds a second vector, the cell state `c`, and three [gates](#gates): numbers
# between 0 and 1, computed from `x_t` and `h_{t−1}`, that scale how much of the old cell state is kept
# (forget gate), how much new information enters it (input gate), and how much of it shows in `h_t`
# (output gate). A GRU merges these into two gates and no separate cell. Gates let a network keep a value
# for many steps when it needs to.
#
# **Training** compares predictions with targets by the [MSE](#mse), follows the gradient backwards through
# every step ([BPTT](#bptt)) and updates the weights with an optimizer such as [Adam](#adam).
#
# **Judging a result.** A low MSE means little on its own: a sampled sine is so regular that formulas with no
# training predict it well. Every chapter compares a model with these [baselines](#learned): predicting zero,
# repeating the last value ([persistence](#persistence)), continuing the line through the last two values
# ([linear extrapolation](#linear-extrapolation)), and the two-coefficient
# [least-squares recurrence](#least-squares-recurrence).

# %% [markdown]
# ## The answer in plain words
#
# Five points, each in two plain sentences; the evidence behind them (numbers, seeds, what the runs cannot
# separate) is folded under the list. Both are rendered from `sine_lab.studies.ledger`, which also writes them
# into the README.

# %%
from IPython.display import Markdown

from sine_lab.studies.ledger import answer_list

Markdown(answer_list(""))

# %% [markdown]
# ## Glossary
#
# Chapters link here at a term's first use.
#
# ### hidden state
# The vector `h_t` a recurrent network carries from one step to the next; its only memory of the past.
#
# ### head
# The layer (usually one `nn.Linear`) that turns a hidden state into the prediction. Its output is multiplied
# by a fixed `scale` (the typical size of what it predicts: the training values' spread for a head that
# predicts the next value, the spread of their [curvature](#curvature) for one that predicts the curvature),
# so the layer's own outputs stay near 1. Not to be confused with an [attention](#attention) layer's *heads*.
#
# ### gates
# In an LSTM or GRU, values between 0 and 1 computed at every step that scale what is kept, written and
# shown of the memory. See the primer above.
#
# ### seed
# The number that starts the random number generator; it fixes the initial weights and the data's order.
# A result that changes with the seed is reported as "n of N seeds".
#
# ### mse
# Mean squared error: the average of (prediction − target)². It is in squared units of the wave, whose
# amplitude is 1 here, so an MSE of 1e-4 means errors of about 0.01.
#
# ### nmse
# Normalised MSE: the MSE divided by the variance of the targets. About 1 for the best constant prediction,
# 0 for a perfect one.
#
# ### sign test
# How often chance alone would split paired seeds at least as unevenly as observed, either way. Only seeds
# where the two arms differ count (where both succeed or both fail, the seed says nothing): a 5–0 split
# happens by chance with probability 2/32 = 0.0625, a 4–0 split 2/16 = 0.125, and a 4–1 split or worse
# 12/32 ≈ 0.38. Below 5 % counts as beyond chance, so 5 seeds can never show it.
#
# ### fisher exact test
# For two groups of yes/no outcomes (runs that succeed, by how they started, say): the chance that a split
# at least as lopsided as the one seen arises when the outcomes are shuffled between the groups at random.
#
# ### zero predictor
# Always predicts 0, the average of a sine over whole cycles. Its MSE is the wave's mean square (0.5 for
# amplitude 1).
#
# ### persistence
# Predicts that the next value equals the last one, `x[n]`. Good for slowly changing series; its error is
# the wave's slope per sample.
#
# ### linear extrapolation
# Predicts `2x[n] − x[n−1]`: the straight line through the last two values, continued. No parameters; its
# one-step error is the wave's [curvature](#curvature), so on a finely sampled sine it is hard to beat.
#
# ### curvature
# The second difference `x[n+1] − 2x[n] + x[n−1]`: how far the next value falls off the straight line
# through the last two. For `sin(n/P)` it is about `−sin(n/P)/P²`, so it shrinks fast as the sampling rate
# rises (chapter 04's exercise 1).
#
# ### quadratic extrapolation
# The parabola through the last three values, continued one step: `3x[n] − 3x[n−1] + x[n−2]`. Like linear
# extrapolation it needs no training; on a finely sampled wave it is far more accurate.
#
# ### least-squares recurrence
# Predicts `a·x[n] + b·x[n−1]` with `a`, `b` fitted by least squares to training data (also called the
# *2-tap* recurrence: each coefficient is a *tap*). For a noise-free sine it is exact (`a = 2cos ω`,
# `b = −1`, a *closed form*: a formula, not a fit), so no model can beat it there; it is the reference,
# not a bar.
#
# ### learned
# In this series a model has *learned* a task when its MSE is at least twice as low as the best of the
# zero predictor, persistence and linear extrapolation on the same targets; it *beats* a baseline when it is
# at least twice as low as that baseline (`sine_lab.baselines.judge`).
#
# ### window
# The last `W` values of the series, given to a model as one input of shape `(W, 1)` to predict what follows.
#
# ### one-step prediction
# Predicting the next value from true past values only. Errors cannot accumulate.
#
# ### teacher forcing
# Training on one-step predictions: at every step the model is fed the *true* previous value, whatever it
# predicted.
#
# ### free running
# Generating: the model is fed its *own* predictions, so each error becomes part of the next input and
# errors can grow.
#
# ### autoregressive
# A model that predicts the next value of a series from its own earlier values (true ones, or its own
# predictions when free running).
#
# ### rollout
# A free run of a fixed number of steps used in training: the loss scores the whole generated stretch, so
# the model learns from its own errors.
#
# ### horizon
# How many steps ahead a free run is scored. Across sampling rates horizons are compared in cycles of the
# wave, not steps.
#
# ### sampling rate
# Counted in **samples per radian**, `P`: the series is `sin(n/P + φ)`, a cycle is `2πP` samples (`P = 20`:
# 126 samples per cycle). The article's data have `P ≈ 100`.
#
# ### noise floor
# The lowest MSE any predictor can expect on noisy data: the variance of the noise in the targets.
#
# ### standardisation
# Shifting and scaling values to mean 0 and spread 1, with the mean and spread of the training data only.
#
# ### saturation
# A `tanh` or sigmoid unit whose input is so large that its output sits near ±1 (or 0, 1): its slope is
# nearly zero, so almost no gradient passes through it.
#
# ### vanishing and exploding gradients
# Backpropagation multiplies one [Jacobian](#jacobian) per step; over many steps the product can shrink
# towards zero (vanishing) or grow without bound (exploding), so distant steps get no useful gradient, or
# one that is far too large.
#
# ### bptt
# Backpropagation through time: the gradient of a sequence loss follows the network back through every
# step it ran. *Truncated* BPTT follows it back a fixed number of steps only.
#
# ### jacobian
# The matrix of derivatives of one vector with respect to another, here `∂h_t/∂h_{t−1}`: how a small change
# in the state at one step changes the next.
#
# ### eigenvalue
# A number `λ` with `W v = λ v` for some vector `v ≠ 0` (an *eigenvector*): along `v`, multiplying by `W`
# only scales by `λ`. `W = [[0.5, 0], [0, 2]]` has eigenvalues 0.5 and 2: multiplying again and again
# shrinks the first axis and stretches the second. Eigenvalues can be complex: a rotation by the angle `θ`
# has eigenvalues `e^{±iθ}`, of modulus `|λ| = 1`: it turns vectors without changing their length.
#
# ### singular value
# The largest singular value `σ_max(W)` is the most `W` stretches any vector, `max ‖W v‖ / ‖v‖`. It is never
# below the spectral radius, and can be far above it: `[[0.9, 3], [0, 0.9]]` has both eigenvalues `0.9` but
# stretches some vectors more than threefold ([chapter 06](06_gradients_through_time.ipynb), section 2).
#
# ### sigmoid
# `σ(z) = 1 / (1 + e^{−z})`, a smooth step from 0 to 1; [gates](#gates) use it as a soft switch.
#
# ### spectral radius
# The largest absolute value among a square matrix's [eigenvalues](#eigenvalue), `ρ(W)`. Multiplying by `W` again and
# again shrinks vectors in the long run when `ρ < 1` and grows them when `ρ > 1`.
#
# ### norm
# The size of a vector or matrix; here the Euclidean norm `‖v‖` and, for a matrix, the largest factor by
# which it stretches any vector (its largest singular value).
#
# ### gradient clipping
# Scaling the gradient down whenever its norm exceeds a limit, so one huge gradient cannot throw the weights
# far away. It does nothing against vanishing gradients.
#
# ### dropout
# Setting a random fraction of a layer's outputs to zero at each training step, to keep a network from
# relying on any single unit; a remedy for overfitting.
#
# ### overfitting
# Fitting the training data's accidents (such as noise) so well that error on new data grows.
#
# ### epoch
# One pass of training over all the training data (in mini-batches, several steps).
#
# ### adam
# The optimizer most of the series uses: gradient descent with a step size adapted per weight from running
# averages of the gradient and of its square. It divides by the square root of that average plus a small
# `eps` (1e-8 by default), so gradients far below `eps` move the weights almost not at all.
#
# ### l-bfgs
# A quasi-Newton optimizer: it estimates the loss's curvature from recent gradients and takes larger, better
# aimed steps than Adam near a minimum; used on full batches to polish a fit.
#
# ### one-cycle
# A learning-rate schedule that rises to a peak over the first part of training and then decays to nearly 0.
#
# ### early stopping
# Scoring held-out data during training and keeping the weights that scored best, stopping when the score
# has not improved for a while (the *patience*).
#
# ### bare cell
# A recurrent cell whose [head](#head) outputs the next value itself, with no [fixed residual](#fixed-residual)
# added: what `nn.RNN` plus `nn.Linear` gives.
#
# ### fixed residual
# An unlearned part of a model's output that the head's output is added to: `x[n]` (the head predicts the
# change) or `2x[n] − x[n−1]` (the head predicts the curvature). Alone, it is persistence or linear
# extrapolation, so it is always shown as a row of its own.
#
# ### scaled loss
# The MSE divided by the square of the typical size of what the head predicts, so that the loss is near 1
# whatever that size is.
#
# ### recipe
# A complete training procedure: data, model, loss, optimizer, stages. Chapters 04–05 call their mini-batch
# procedure (windows, Adam with a one-cycle schedule, early stopping; chapter 04 section 2 lists it)
# "the recipe"; from chapter 07 on, *the recipe* is the one training procedure of the forecasting chapters,
# the same for every kind of model and every sampling rate: a [fixed residual](#fixed-residual) with a [head](#head) predicting the curvature, the
# [scaled loss](#scaled-loss), and three stages ([Adam](#adam), [L-BFGS](#l-bfgs), a [rollout](#rollout)
# stage). Chapter 07 prints it in full.
#
# ### chunk
# A stretch of consecutive values cut from a training series (120 in the recipe); the model is trained on
# many chunks at once, [teacher-forced](#teacher-forcing).
#
# ### warm-up
# The first values of a chunk, or of a forecast's observed past, that only set up the cell's
# [hidden state](#hidden-state): no prediction is scored on them (40 values in the recipe).
#
# ### ablation
# Taking one part out of a working setup (or putting one back) and measuring what changes, one part at a
# time.
#
# ### benchmark targets
# What a forecasting run must meet in the benchmark of chapter 07 and the README: one-step MSE ≤ 1e-6,
# free-run MSE ≤ 1e-4 over 1000 steps and ≤ 1e-3 over 2000 (the published task's step horizons), and, to
# compare sampling rates fairly, free runs scored over whole cycles (10 cycles: ≤ 1e-4, chapter 08).
#
# ### var(y)
# The variance of the targets: the MSE of predicting their mean for every target, which is the best one
# number can do. A model whose loss stops at var(y) has learned only the mean.
#
# ### floquet multiplier
# How much a free-running model amplifies a small disturbance over one cycle of the wave (the eigenvalues of
# its Jacobian over one cycle). Above 1, errors grow every cycle.
#
# ### delayed recall
# A memory task: the model sees a short burst, then `k` steps of silence, and must report the burst's
# amplitude. The answer lies exactly `k` steps back.
#
# ### irnn
# A ReLU RNN whose recurrent weights start as the identity matrix and biases as zero (Le et al., 2015), so
# the state is copied from step to step at the start of training.
#
# ### orthogonal initialisation
# Starting the recurrent weights as a random orthogonal matrix, which keeps a vector's length when it
# multiplies it.
#
# ### lru
# The linear recurrent unit (Orvieto et al., 2023): a recurrence with no nonlinearity inside, whose
# diagonal weights are kept just inside the unit circle, so memory fades as slowly as training wants. Each
# diagonal entry `λ` is one *mode*: a complex number whose modulus `|λ|` says how much of the mode survives
# one step (`|λ|^k` after `k` steps) and whose angle says how fast it turns.
#
# ### attention
# A layer that forms each output as a weighted average of all the window's values, with weights computed
# from the values themselves; it can look back any number of steps directly. Each position asks a *query*;
# each earlier position offers a *key* (what it is about) and a *value* (what it passes on); the weights
# come from how well the query matches each key. A layer with several *heads* does this several times in
# parallel with different weights (nothing to do with the output [head](#head)). *Causal*: a position may
# only look back.
#
# ### transformer
# A network of attention layers and small feed-forward layers with residual connections (Vaswani et al.,
# 2017).

# %% [markdown]
# ## The article's claims, tested
#
# Each row quotes the article, gives the series' verdict and links the section whose cells assert it. It is
# dense: a first-time reader may skip it and come back after the chapters. The table is rendered from one
# source, `sine_lab.studies.ledger`, which also writes it into the README.

# %%
from sine_lab.studies.contents import chapter_table
from sine_lab.studies.ledger import ledger_table

Markdown(f"<details><summary>The ledger: {ledger_table('').count(chr(10)) - 1} claims of the article, each with its "
         f"verdict (click to open)</summary>\n\n{ledger_table('')}\n\n</details>")

# %% [markdown]
# ## The chapters
#
# Each asks a question, runs the code, shows the evidence, asserts its conclusions and ends with exercises,
# each with a worked solution in the `solutions` folder beside the chapters (every exercise links its own).

# %%
Markdown(chapter_table(""))

# %% [markdown]
# The map is checked against the folder: every chapter here is in it, and every chapter it lists exists.

# %%
from pathlib import Path

from sine_lab.studies.contents import CHAPTERS

present = sorted(path.stem for path in Path().glob("[0-9][0-9]_*.ipynb"))
assert present == [c.stem for c in CHAPTERS], f"the folder and the map disagree: {present}"

# %% [markdown]
# The package every chapter uses holds the article's three examples: the model classes verbatim (only
# renamed) and their optimiser settings.

# %% tags=["nbval-check-output"]
from sine_lab.studies.article import EXAMPLES

for example in EXAMPLES.values():
    model = type(example.build()).__name__
    print(f"Example {example.number}: {example.name:13} {model:17} Adam lr={example.lr}, {example.epochs} epochs")

# %% [markdown]
# ## How to run
#
# From the repository root, `./dev lab` installs what is needed and opens the series in JupyterLab;
# `./dev test` runs the unit tests and every chapter and solution under nbval. The code the chapters share
# lives in the small `sine_lab` package they import.
#
# **Next:** [01 · Example 1: the simple RNN, run as written](01_example1_simple_rnn.ipynb)
