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
# # 09 · The playground: change a setting, press Train, watch
#
# The earlier chapters answered the article's question by measuring. This one lets you *play*: pick a
# preset or set the controls (the framing, the wave's samples per radian, noise, the training recipe, the
# model kind, sizes, the forecast horizon), press **Train**, and watch the loss, the prediction against
# the truth, the free-running forecast and how far back in time the gradient reaches.
#
# The guided experiments below drive the playground exactly as you would with the mouse (setting
# controls, choosing presets, pressing Train) and check each sentence with `assert`: this page says
# nothing that its cells did not just measure. Every run here uses seed 0 (one seed: where a result
# could depend on the seed, the text says so).

# %%
# %matplotlib inline
import time
import warnings

import torch

from sine_lab.studies.playground import Settings, recipe_settings
from sine_lab.studies.widgets import Playground

# These models are tiny: on one CPU thread they train faster than on several.
torch.set_num_threads(1)

# %% [markdown]
# ## The playground
#
# - **preset** loads one of the series' key experiments and trains it in one click.
# - **framing**: *forecasting recipe* (the default) trains with the recipe of
#   [Chapter 06](06_forecasting_far_ahead.ipynb), sized down to train in seconds; *windows* feeds
#   `window` past values and predicts the next one (full-batch Adam); *article* is the article's own
#   setup, `t = linspace(0, 10, 1000)` in, one number out, broadcast against all 1000 values of `sin t`.
# - **samples/radian** sets how slowly the wave turns (20: one radian every 20 samples), **noise** adds
#   Gaussian noise to the training values, **recipe** chooses teacher forcing only or with the rollout
#   stages, **forecast steps** how far the free run goes.
# - Controls a framing does not use are greyed out, and a line under them says which and why; a panel
#   that needs a recurrent layer says so for a model kind without one. The kinds offered are read from
#   the model registry, so a newly registered kind appears here.
# - **Train** starts a run, **Stop** ends it within one optimizer step. The bar counts steps and the loss
#   curve redraws while it trains.
# - The **gradient-flow explorer** at the bottom scales the recurrent weights of a fresh, untrained model
#   and names the regime by the fitted change of the gradient per step of lag.

# %%
playground = Playground()
playground

# %% [markdown]
# ## Experiment 1: the defaults forecast on the wave
#
# Press **Train** with the defaults. The recipe it runs is disclosed here (the `ForecastSettings` the
# playground builds): a 16-unit RNN with the residual head (output = last input + scaled change), Adam
# with a one-cycle schedule on teacher-forced chunks, then L-BFGS, then L-BFGS on 100-step free runs,
# on 24 series of the wave at random phases. The free-running forecast of a held-out series must stay
# on the wave over the 300 plotted steps: MSE at most 1e-3.

# %%
print(recipe_settings(playground.settings()))
started = time.process_time()
playground.train_button.click()
playground.wait()
cpu_seconds = time.process_time() - started
default = playground.evaluation
print(f"one-step MSE {default.one_step_mse:.2e}; free-running MSE over {default.forecast.numel()} steps "
      f"{default.forecast_mse:.2e}; CPU time {cpu_seconds:.1f} s")
assert default.forecast_mse <= 1e-3
assert "stays on the wave" in playground.message

# %% [markdown]
# Seed 0 gives a free-running MSE of 1.9e-7 over 300 steps (one step ahead 1.3e-7), four
# orders of magnitude inside the target; the cell also prints the CPU time the run took.

# %% [markdown]
# ## Experiment 2: the article's setup, then its first fix
#
# The preset *the article* is Example 1: an RNN with 10 units, fed `t` and trained to answer one number
# for all 1000 values of `sin t`. Its loss cannot go below `var(sin t)`, the best any constant can do.
# The preset *the first fix* feeds the same data as windows of 20 past values: one step ahead it
# learns the wave, but fed its own outputs it leaves the wave; one-step accuracy is necessary for
# forecasting, not sufficient. (The article's broadcasting warning is shown in the playground's status
# line; this cell keeps it out of the page.)

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # this run only: the playground's status line shows the warning
    playground.preset.value = "the article: t → sin t, one output"
    playground.wait()
article = playground.runs[-1]
floor = article.experiment.constant_floor
print(f"article: lowest loss {min(article.history.loss):.4f}, var(sin t) = {floor:.4f}")
assert min(article.history.loss) >= floor - 1e-6
assert any("different to the input size" in w for w in article.history.warnings)

playground.preset.value = "the first fix: windows of the article's data"
playground.wait()
first_fix = playground.evaluation
print(f"windows: one-step MSE {first_fix.one_step_mse:.2e}, free-running MSE over "
      f"{first_fix.forecast.numel()} steps {first_fix.forecast_mse:.2e}")
assert first_fix.one_step_mse < 1e-3 * floor
assert first_fix.forecast_mse > 100 * default.forecast_mse and first_fix.forecast_mse > 1e-2

# %% [markdown]
# The article's run ends at its floor (0.4432 = `var(sin t)`). Windows bring the one-step MSE to
# 2.1e-4, yet the same model's free run scores 0.24 over 300 steps: it leaves the wave.

# %% [markdown]
# ## Experiment 3: what the rollout stages add
#
# The preset *teacher forcing only* changes one control of the defaults, the recipe: it stops after
# the teacher-forced stages. One step ahead both are excellent; the free run is where they differ
# (seed 0 only: try other seeds).

# %%
playground.preset.value = "teacher forcing only (no rollout stages)"
playground.wait()
teacher = playground.evaluation
assert playground.runs[-1].settings == Settings(recipe="teacher_forcing")
print(f"teacher forcing only: one-step MSE {teacher.one_step_mse:.2e}, free-running MSE {teacher.forecast_mse:.2e}")
print(f"with rollout stages:  one-step MSE {default.one_step_mse:.2e}, free-running MSE {default.forecast_mse:.2e}")
print(f"ratio of free-running errors: {teacher.forecast_mse / default.forecast_mse:.0f}x")
assert teacher.forecast_mse > 10 * default.forecast_mse

# %% [markdown]
# Both are on the wave one step ahead (2e-7 and 1.3e-7). Without the rollout stages the free run's
# MSE is 1.1e-5, 58 times the full recipe's 1.9e-7 — still inside 1e-3 at this period, so here the
# rollout stages buy accuracy, not rescue (seed 0 only).

# %% [markdown]
# ## Experiment 4: a slow wave
#
# The article warns that the LSTM "underperforms when the period is long relative to the sequence
# length". The preset *a slow wave* sets 80 samples per radian and changes nothing else; the recipe
# stretches its warm-up by the period (`ForecastSettings.for_period`).

# %%
playground.preset.value = "a slow wave: period 80"
playground.wait()
slow = playground.evaluation
print(recipe_settings(playground.settings()))
print(f"period 80: one-step MSE {slow.one_step_mse:.2e}, free-running MSE {slow.forecast_mse:.2e} "
      f"(period 20: {default.forecast_mse:.2e})")
assert slow.forecast_mse > 10 * default.forecast_mse

# %% [markdown]
# At 80 samples per radian the same small recipe reaches 2.8e-6 one step ahead but 1.8e-3 free
# running: it **misses** the 1e-3 target that the default period meets by four orders of magnitude, and
# the playground's status line says "leaves the wave". The full-size recipe of chapter 06 and the
# benchmark's period sweep are where slow waves are measured properly.

# %% [markdown]
# ## Experiment 5: watch gradients vanish and explode as you scale the weights
#
# The explorer scales the recurrent weights of an untrained 16-unit `rnn` and fits how the gradient
# norm `‖∂h_T/∂h_{T−k}‖` changes per step of lag: shrinking faster than ×0.9 per step is *vanishing*,
# growing faster than ×1/0.9 *exploding* (the same per-step language as
# [Chapter 05](05_gradients_through_time.ipynb)).

# %%
playground.cell.value = "rnn"
playground.hidden_size.value = 16
flows = {}
for scale in (0.3, 1.0, 5.0, 30.0):
    playground.flow_scale.value = scale
    flows[scale] = playground.flow
    print(f"×{scale:<4}: spectral radius {flows[scale].spectral_radius:6.2f}, "
          f"gradient at lag 50 {float(flows[scale].lag_norms[50]):9.3g}, {flows[scale].regime}")
assert flows[0.3].lag_norms[50] < 1e-3 * flows[0.3].lag_norms[1] and flows[0.3].regime == "vanishing"
assert flows[5.0].lag_norms[50] > 1e3 * flows[5.0].lag_norms[1] and flows[5.0].regime == "exploding"
assert flows[30.0].regime == "vanishing"

# %% [markdown]
# At ×0.3 and ×1 the gradient at lag 50 is 1e-39 and 1e-13 of lag 0: vanishing. At ×5 it has grown
# to 4.7e3: exploding. At ×30 the gradient vanishes again (1.6e-6 at lag 50) although the spectral radius is 17: a large
# radius does not by itself make gradients explode (saturated tanh units pass almost no gradient;
# Chapter 05 measures this).

# %% [markdown]
# Back to the defaults, ready for your own experiments:

# %%
playground.apply(Settings())
playground.flow_scale.value = 1.0

# %% [markdown]
# ## What we learned
#
# - With the forecasting recipe the defaults forecast on the wave (Experiment 1's numbers); the
#   article's setup cannot go below `var(sin t)`, and windows alone learn one step ahead but not to
#   forecast.
# - At period 20 the rollout stages make the free run 58 times more accurate (one seed); teacher
#   forcing alone already stays within 1e-3 there.
# - A slow wave (period 80) is harder for the same small recipe: free-running MSE 1.8e-3, a miss of the
#   1e-3 target, which the playground reports as "leaves the wave".
# - Vanishing and exploding gradients are easy to produce by scaling the recurrent weights.
#
# ## Try this
#
# 1. Set **samples/radian** to 5 and then to 100 and press Train: where does the default recipe stay on
#    the wave? Then try `lstm` and `gru` at the slow wave.
# 2. Add **noise** 0.05: how close to the noise level does one step get, and does the free run stay on
#    the wave?
# 3. Switch the framing to *windows* and raise the learning rate until training breaks (the preset
#    *too large a learning rate* is one such run).
# 4. Choose a model kind without a recurrent layer (if one is registered) and see what the gradient
#    panels say.
#
# **Previous:** [Chapter 07 — When memory matters](07_when_memory_matters.ipynb) · Back to the [overview](00_overview.ipynb) or the [README](../README.md#chapters).
