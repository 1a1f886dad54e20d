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
# # 11 · Solutions: The playground
#
# Worked solutions to the exercises of [11 · The playground](../11_playground.ipynb#try-this). Each drives the
# playground as a reader would — sets a control's `.value`, presses a button with `.click()` — without the
# background thread, so that every cell finishes its run before the next starts.

# %%
import torch

from sine_lab.studies.playground import Settings
from sine_lab.studies.widgets import ON_WAVE_MSE, Playground

torch.set_num_threads(1)

# %% [markdown]
# ## Exercise 1
# **The bare cell on a slow wave**
# ([back to the exercise](../11_playground.ipynb#try-this))
#
# The default run (recipe framing, head 2: the curvature) against the same settings with head 0, the bare
# cell, at 80 samples per radian. One seed each: a spot check (chapter 08 has the sweep: 0 of 9 bare runs
# within the target at 100 samples per radian).

# %%
forecasts = {}
for order in (2, 0):
    playground = Playground(Settings(period=80.0), run_in_background=False)
    playground.delta_order.value = order
    playground.train_button.click()
    forecasts[order] = playground.evaluation.forecast_mse
    print(f"head {order}: free-running MSE {forecasts[order]:.2e} ({playground.message.splitlines()[-1]})")
assert forecasts[2] <= ON_WAVE_MSE < forecasts[0], "the curvature head stays on the wave, the bare cell leaves it"

# %% [markdown]
# ## Exercise 2
# **Where vanishing turns into exploding**
# ([back to the exercise](../11_playground.ipynb#try-this))
#
# The gradient-flow explorer scales a fresh RNN's recurrent weights. Sliding the scale up, the regime it
# reports leaves "vanishing" once the spectral radius of the scaled weights passes 1, and reaches
# "exploding" by a scale of 8:

# %%
playground = Playground(run_in_background=False)
playground.cell.value = "rnn"
regimes = {}
for scale in (0.5, 1.0, 2.0, 4.0, 8.0):
    playground.flow_scale.value = scale
    regimes[scale] = (playground.flow.regime, playground.flow.spectral_radius)
    print(f"scale {scale}: spectral radius {playground.flow.spectral_radius:.2f}, {playground.flow.regime}")
assert regimes[0.5][0] == "vanishing" and regimes[8.0][0] == "exploding"
assert all((regime == "vanishing") == (radius < 1) for regime, radius in regimes.values()), "it turns at radius 1"
