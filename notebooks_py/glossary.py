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
# # Glossary
#
# The words the series uses, each explained in a few lines, in alphabetical order. Chapters link here at a
# term's first use; the primer of [chapter 00](00_overview.ipynb)
# explains what a recurrent network computes.
#
# [ablation](#ablation) · [adam](#adam) · [attention](#attention) · [autoregressive](#autoregressive) ·
# [bare cell](#bare-cell) · [baseline](#baseline) · [benchmark targets](#benchmark-targets) · [bptt](#bptt) · [chunk](#chunk) ·
# [curvature](#curvature) · [delayed recall](#delayed-recall) · [dropout](#dropout) ·
# [early stopping](#early-stopping) · [eigenvalue](#eigenvalue) · [epoch](#epoch) ·
# [fisher exact test](#fisher-exact-test) · [fixed residual](#fixed-residual) ·
# [floquet multiplier](#floquet-multiplier) · [free running](#free-running) · [gates](#gates) ·
# [gradient clipping](#gradient-clipping) · [head](#head) · [hidden state](#hidden-state) · [horizon](#horizon) ·
# [irnn](#irnn) · [jacobian](#jacobian) · [l-bfgs](#l-bfgs) · [learned](#learned) ·
# [least-squares recurrence](#least-squares-recurrence) · [linear extrapolation](#linear-extrapolation) ·
# [lru](#lru) · [mse](#mse) · [nmse](#nmse) · [noise floor](#noise-floor) · [norm](#norm) ·
# [one-cycle](#one-cycle) · [one-step prediction](#one-step-prediction) ·
# [orthogonal initialisation](#orthogonal-initialisation) · [overfitting](#overfitting) ·
# [persistence](#persistence) · [quadratic extrapolation](#quadratic-extrapolation) · [recipe](#recipe) ·
# [rollout](#rollout) · [sampling rate](#sampling-rate) · [saturation](#saturation) ·
# [scaled loss](#scaled-loss) · [seed](#seed) · [sigmoid](#sigmoid) · [sign test](#sign-test) ·
# [singular value](#singular-value) · [spectral radius](#spectral-radius) · [standardisation](#standardisation) ·
# [table columns](#table-columns) · [target variance: var(y)](#target-variance) · [teacher forcing](#teacher-forcing) · [transformer](#transformer) ·
# [vanishing and exploding gradients](#vanishing-and-exploding-gradients) ·
# [warm-up](#warm-up) · [window](#window) · [zero predictor](#zero-predictor)

# %% [markdown]
# ## ablation
# Taking one part out of a working setup (or putting one back) and measuring what changes, one part at a
# time.
#
# ## adam
# The optimizer most of the series uses: gradient descent with a step size adapted per weight from running
# averages of the gradient and of its square. It divides by the square root of that average plus a small
# `eps` (1e-8 by default), so gradients far below `eps` move the weights almost not at all. How fast the
# first average forgets is `β₁` (0.9 by default; a one-cycle schedule may vary it, see chapter 04).
#
# ## attention
# A layer that forms each output as a weighted average of all the window's values, with weights computed
# from the values themselves; it can look back any number of steps directly. Each position asks a *query*;
# each earlier position offers a *key* (what it is about) and a *value* (what it passes on); the weights
# come from how well the query matches each key. A layer with several *heads* does this several times in
# parallel with different weights (nothing to do with the output [head](#head)). *Causal*: a position may
# only look back.
#
# ## autoregressive
# A model that predicts the next value of a series from its own earlier values (true ones, or its own
# predictions when free running).
#
# ## bare cell
# A recurrent cell whose [head](#head) outputs the next value itself, with no [fixed residual](#fixed-residual)
# added: what `nn.RNN` plus `nn.Linear` gives.
#
# ## baseline
# A prediction rule with no training (or a closed-form fit) that a model is compared with: predicting zero,
# [persistence](#persistence), [linear extrapolation](#linear-extrapolation), quadratic extrapolation
# (the parabola through the last three values, `3x[n] − 3x[n−1] + x[n−2]`) and the
# [least-squares recurrence](#least-squares-recurrence). See [learned](#learned) for how a model is judged.
#
# ## benchmark targets
# What a forecasting run must meet in the benchmark of chapter 07 and the README: one-step MSE ≤ 1e-6,
# free-run MSE ≤ 1e-4 over 1000 steps and ≤ 1e-3 over 2000 (the published task's step horizons), and, to
# compare sampling rates fairly, free runs scored over whole cycles (10 cycles: ≤ 1e-4, chapter 08).
#
# ## bptt
# Backpropagation through time: the gradient of a sequence loss follows the network back through every
# step it ran. *Truncated* BPTT follows it back a fixed number of steps only.
#
# ## chunk
# A stretch of consecutive values cut from a training series (120 in the recipe); the model is trained on
# many chunks at once, [teacher-forced](#teacher-forcing).
#
# ## curvature
# The second difference `x[n+1] − 2x[n] + x[n−1]`: how far the next value falls off the straight line
# through the last two. For `sin(n/P)` it is about `−sin(n/P)/P²`, so it shrinks fast as the sampling rate
# rises (chapter 04's exercise 1).
#
# ## delayed recall
# A memory task: the model sees a short burst, then `k` steps of silence, and must report the burst's
# amplitude. The answer lies exactly `k` steps back.
#
# ## dropout
# Setting a random fraction of a layer's outputs to zero at each training step, to keep a network from
# relying on any single unit; a remedy for overfitting.
#
# ## early stopping
# Scoring held-out data during training and keeping the weights that scored best, stopping when the score
# has not improved for a while (the *patience*).
#
# ## eigenvalue
# A number `λ` with `W v = λ v` for some vector `v ≠ 0` (an *eigenvector*): along `v`, multiplying by `W`
# only scales by `λ`. `W = [[0.5, 0], [0, 2]]` has eigenvalues 0.5 and 2: multiplying again and again
# shrinks the first axis and stretches the second. Eigenvalues can be complex: a rotation by the angle `θ`
# has eigenvalues `e^{±iθ}`, of modulus `|λ| = 1`: it turns vectors without changing their length.
#
# ## epoch
# One pass of training over all the training data (in mini-batches, several steps).
#
# ## fisher exact test
# For two groups of yes/no outcomes (runs that succeed, by how they started, say): the chance that a split
# at least as lopsided as the one seen arises when the outcomes are shuffled between the groups at random.
#
# ## fixed residual
# An unlearned part of a model's output that the head's output is added to: `x[n]` (the head predicts the
# change) or `2x[n] − x[n−1]` (the head predicts the curvature). Alone, it is persistence or linear
# extrapolation, so it is always shown as a row of its own.
#
# ## floquet multiplier
# How much a free-running model amplifies a small disturbance over one cycle of the wave (the eigenvalues of
# its Jacobian over one cycle). Above 1, errors grow every cycle.
#
# ## free running
# Generating: the model is fed its *own* predictions, so each error becomes part of the next input and
# errors can grow.
#
# ## gates
# In an LSTM or GRU, values between 0 and 1 computed at every step that scale what is kept, written and
# shown of the memory. See the primer in [chapter 00](00_overview.ipynb).
#
# ## gradient clipping
# Scaling the gradient down whenever its norm exceeds a limit, so one huge gradient cannot throw the weights
# far away. It does nothing against vanishing gradients.
#
# ## head
# The layer (usually one `nn.Linear`) that turns a hidden state into the prediction. In chapters 00–06 it is
# that plain layer. In the forecasting [recipe](#recipe) (chapter 07 on) its output is also multiplied
# by a fixed `scale` (the typical size of what it predicts: the training values' spread for a head that
# predicts the next value, the spread of their [curvature](#curvature) for one that predicts the curvature),
# so the layer's own outputs stay near 1. Not to be confused with an [attention](#attention) layer's *heads*.
#
# ## hidden state
# The vector `h_t` a recurrent network carries from one step to the next; its only memory of the past.
#
# ## horizon
# How many steps ahead a free run is scored. Across sampling rates horizons are compared in cycles of the
# wave, not steps.
#
# ## irnn
# A ReLU RNN whose recurrent weights start as the identity matrix and biases as zero (Le et al., 2015), so
# the state is copied from step to step at the start of training.
#
# ## jacobian
# The matrix of derivatives of one vector with respect to another, here `∂h_t/∂h_{t−1}`: how a small change
# in the state at one step changes the next.
#
# ## l-bfgs
# A quasi-Newton optimizer: it estimates the loss's curvature from recent gradients and takes larger, better
# aimed steps than Adam near a minimum; used on full batches to polish a fit.
#
# ## learned
# In this series a model has *learned* a task when its MSE is at least twice as low as the best of the
# zero predictor, persistence and linear extrapolation on the same targets; it *beats* a baseline when it is
# at least twice as low as that baseline (`sine_lab.baselines.judge`).
#
# ## least-squares recurrence
# Predicts `a·x[n] + b·x[n−1]` with `a`, `b` fitted by least squares to training data (also called the
# *2-tap* recurrence: each coefficient is a *tap*). The fit itself has a *closed form* (one small linear
# solve, no training loop). For a noise-free sine the fit recovers the exact recurrence (`a = 2cos ω`,
# `b = −1`), so no model can beat it there; it is the reference, not a bar.
#
# ## linear extrapolation
# Predicts `2x[n] − x[n−1]`: the straight line through the last two values, continued. No parameters; its
# one-step error is the wave's [curvature](#curvature), so on a finely sampled sine it is hard to beat.
#
# ## lru
# The linear recurrent unit (Orvieto et al., 2023): a recurrence with no nonlinearity inside, whose
# diagonal weights are kept just inside the unit circle, so memory fades as slowly as training wants. Each
# diagonal entry `λ` is one *mode*: a complex number whose modulus `|λ|` says how much of the mode survives
# one step (`|λ|^k` after `k` steps) and whose angle says how fast it turns.
#
# ## mse
# Mean squared error: the average of (prediction − target)². It is in squared units of the wave, whose
# amplitude is 1 here, so an MSE of 1e-4 means errors of about 0.01.
#
# ## nmse
# Normalised MSE: the MSE divided by the variance of the targets. About 1 for the best constant prediction,
# 0 for a perfect one.
#
# ## noise floor
# The lowest MSE any predictor can expect on noisy data: the variance of the noise in the targets.
#
# ## norm
# The size of a vector or matrix; here the Euclidean norm `‖v‖` and, for a matrix, the largest factor by
# which it stretches any vector (its largest singular value).
#
# ## one-cycle
# A learning-rate schedule that rises to a peak over the first part of training and then decays to nearly 0.
#
# ## one-step prediction
# Predicting the next value from true past values only. Errors cannot accumulate.
#
# ## orthogonal initialisation
# Starting the recurrent weights as a random orthogonal matrix, which keeps a vector's length when it
# multiplies it.
#
# ## overfitting
# Fitting the training data's accidents (such as noise) so well that error on new data grows.
#
# ## persistence
# Predicts that the next value equals the last one, `x[n]`. Good for slowly changing series; its error is
# the wave's slope per sample.
#
# ## quadratic extrapolation
# The parabola through the last three values, continued one step: `3x[n] − 3x[n−1] + x[n−2]`. Like linear
# extrapolation it needs no training; on a finely sampled wave it is far more accurate.
#
# ## recipe
# A complete training procedure: data, model, loss, optimizer, stages. Chapters 04–05 call their mini-batch
# procedure (windows, Adam with a one-cycle schedule, early stopping; chapter 04 section 2 lists it)
# "the recipe"; from chapter 07 on, *the recipe* is the one training procedure of the forecasting chapters,
# the same for every kind of model and every sampling rate: a [fixed residual](#fixed-residual) with a [head](#head) predicting the curvature, the
# [scaled loss](#scaled-loss), and three stages ([Adam](#adam), [L-BFGS](#l-bfgs), a [rollout](#rollout)
# stage). Chapter 07 prints it in full.
#
# ## rollout
# A free run of a fixed number of steps used in training: the loss scores the whole generated stretch, so
# the model learns from its own errors.
#
# ## sampling rate
# Counted in **samples per radian**, `P`: the series is `sin(n/P + φ)`, a cycle is `2πP` samples (`P = 20`:
# 126 samples per cycle). The article's data have `P ≈ 100` (628 per cycle). Chapters 04–05 and the
# README's one-step results count **samples per period** (per cycle), `2πP`, because their question is how
# much of a cycle a window covers; each says which unit it uses.
#
# ## saturation
# A `tanh` or sigmoid unit whose input is so large that its output sits near ±1 (or 0, 1): its slope is
# nearly zero, so almost no gradient passes through it.
#
# ## scaled loss
# The MSE divided by the square of the typical size of what the head predicts, so that the loss is near 1
# whatever that size is.
#
# ## seed
# The number that starts the random number generator; it fixes the initial weights and the data's order.
# A result that changes with the seed is reported as "n of N seeds". Two settings run on 3 seeds each are
# called *not resolved* when their seeds overlap. When every seed of one is below every seed of the other,
# chance alone would give that order 1 time in 20 (1 of the 20 ways to split 6 results into 3 and 3), so even
# that is a hint, not proof.
#
# ## sigmoid
# `σ(z) = 1 / (1 + e^{−z})`, a smooth step from 0 to 1; [gates](#gates) use it as a soft switch.
#
# ## sign test
# How often chance alone would split paired seeds at least as unevenly as observed, either way. Only seeds
# where the two arms differ count (where both succeed or both fail, the seed says nothing): a 5–0 split
# happens by chance with probability 2/32, a 4–0 split 2/16, and a 4–1 split or worse 12/32 ≈ 0.38. Below 5 %
# counts as beyond chance, so 5 seeds can never show it.
#
# ## singular value
# The largest singular value `σ_max(W)` is the most `W` stretches any vector, `max ‖W v‖ / ‖v‖`. It is never
# below the spectral radius, and can be far above it: `[[0.9, 3], [0, 0.9]]` has both eigenvalues `0.9` but
# stretches some vectors more than threefold ([chapter 06](06_gradients_through_time.ipynb), section 2).
#
# ## spectral radius
# The largest absolute value among a square matrix's [eigenvalues](#eigenvalue), `ρ(W)`. Multiplying by `W` again and
# again shrinks vectors in the long run when `ρ < 1` and grows them when `ρ > 1`.
#
# ## standardisation
# Shifting and scaling values to mean 0 and spread 1, with the mean and spread of the training data only.
#
# ## table columns
# Columns that recur in the chapters' tables: `median / best / worst` over the seeds; `x persist.` and
# `x extrapolation`, how many times the median error is below [persistence](#persistence)'s or
# [linear extrapolation](#linear-extrapolation)'s (above 1 is better, below 1 worse); `2x below`, the seeds
# that [learned](#learned); `x stronger`, the factor against whichever of those two baselines is stronger
# there; `steps`, optimizer steps taken; `quadratic` and `2-tap LS`, the errors of quadratic extrapolation and
# the [least-squares recurrence](#least-squares-recurrence) on the same targets.
#
# ## target variance
# `var(y)`, the variance of the targets: the MSE of predicting their mean for every target, which is the best
# one number can do. A model whose loss stops at var(y) has learned only the mean.
#
# ## teacher forcing
# Training on one-step predictions: at every step the model is fed the *true* previous value, whatever it
# predicted.
#
# ## transformer
# A network of attention layers and small feed-forward layers with residual connections (Vaswani et al.,
# 2017).
#
# ## vanishing and exploding gradients
# Backpropagation multiplies one [Jacobian](#jacobian) per step; over many steps the product can shrink
# towards zero (vanishing) or grow without bound (exploding), so distant steps get no useful gradient, or
# one that is far too large.
#
# ## warm-up
# The first values of a chunk, or of a forecast's observed past, that only set up the cell's
# [hidden state](#hidden-state): no prediction is scored on them (40 values in the recipe).
#
# ## window
# The last `W` values of the series, given to a model as one input of shape `(W, 1)` to predict what follows.
#
# ## zero predictor
# Always predicts 0, the average of a sine over whole cycles. Its MSE is the wave's mean square (0.5 for
# amplitude 1).

# %% [markdown]
# **Back:** [00 · Overview](00_overview.ipynb)
