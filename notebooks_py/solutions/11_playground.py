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

from sine_lab.baselines import judge
from sine_lab.studies.playground import Settings, baseline_forecasts, cycle_horizon, evaluate
from sine_lab.studies.widgets import Playground

torch.set_num_threads(1)

# %% [markdown]
# ## Exercise 1
# **The bare cell on a slow wave**
# ([back to the exercise](../11_playground.ipynb#try-this))
#
# The default run (recipe framing, head 2: the curvature) against the same settings with head 0, the bare
# cell, at 80 samples per radian, each run free over 3 whole cycles beside the baselines (the 2-tap
# least-squares recurrence among them). One seed each: a spot check (chapter 08 has the sweep: 0 of 9 bare runs
# within the target at 100 samples per radian).

# %%
forecasts, steps = {}, cycle_horizon(3, 80.0)
for order in (2, 0):
    playground = Playground(Settings(period=80.0), run_in_background=False)
    playground.delta_order.value = order
    playground.train_button.click()
    forecasts[order] = evaluate(playground.runs[-1], horizon=steps).forecast_mse
    print(f"head {order}: free-running MSE over 3 cycles ({steps} steps) {forecasts[order]:.2e}")
base = baseline_forecasts(playground.runs[-1], horizon=steps)
print("baselines over the same steps: " + ", ".join(f"{k} {v:.2e}" for k, v in base.items()))
verdicts = {order: judge(forecasts[order], base) for order in (2, 0)}
for order, verdict in verdicts.items():
    best, best_mse = verdict.strongest
    print(f"head {order}: learned: {'yes' if verdict.learned else 'no'} ({best_mse / verdict.mse:.3g}x below {best}, "
          f"the strongest baseline with no parameters); beats the 2-tap: "
          f"{'yes' if verdict.beats('recurrence') else 'no'} ({verdict.mse / base['recurrence']:.3g}x its MSE)")
# The curvature head stays on the wave (below 5e-6) and has learned it; the bare cell is not 2x below zero.
assert forecasts[2] < 5e-6 and verdicts[2].learned and not verdicts[0].learned
assert base["recurrence"] < forecasts[2] / 100, "the 2-tap recurrence is more than 100x below the curvature head"

# %% [markdown]
# The curvature head stays on the wave: its MSE over 3 cycles, 9.62e-07, is far below zero's 5.00e-01, so by the
# series' rule (`judge`: 2× below the strongest baseline with no parameters) it has **learned** the wave. The
# bare cell has not: 4.76e-01 is not 2× below predicting zero. Neither beats the 2-tap recurrence (2.07e-09),
# which needs no training loop: learned, but not better than two numbers fitted in closed form.

# %% [markdown]
# ## Exercise 2
# **Where vanishing turns into exploding**
# ([back to the exercise](../11_playground.ipynb#try-this))
#
# The gradient-flow explorer scales a fresh RNN's recurrent weights and names the regime from the fitted change
# of the gradient per step of lag: shrinking faster than ×0.9 per step is "vanishing", growing faster than
# ×1/0.9 "exploding". Sliding the scale from 0.5 to 8 in steps of 0.1 (the explorer's own function,
# `gradient_flow`, once per scale; the slider itself is checked at the two turning points):

# %%
from sine_lab.studies.playground import EXPLODING_FACTOR, VANISHING_FACTOR, gradient_flow

playground = Playground(run_in_background=False)
playground.cell.value = "rnn"
scales = [round(0.5 + 0.1 * i, 1) for i in range(76)]
flows = {scale: gradient_flow("rnn", playground.hidden_size.value, scale) for scale in scales}
print(f"regimes: vanishing below x{VANISHING_FACTOR:g} per step, exploding above x{EXPLODING_FACTOR:.3g}")
for before, scale in zip([None, *scales[:-1]], scales, strict=True):
    if before is None or flows[scale].regime != flows[before].regime:
        print(f"from scale {scale}: spectral radius {flows[scale].spectral_radius:.2f}, {flows[scale].regime}")
leaves = next(scale for scale in scales if flows[scale].regime != "vanishing")
explodes = next(scale for scale in scales if flows[scale].regime == "exploding")
for scale in (leaves, explodes):
    playground.flow_scale.value = scale
    assert playground.flow.regime == flows[scale].regime, "the slider reports what gradient_flow measures"
# The check of the exercise: one step of 0.1 below each answer the regime is still the earlier one.
assert flows[round(leaves - 0.1, 1)].regime == "vanishing" and flows[round(explodes - 0.1, 1)].regime != "exploding"
# It stops vanishing before the spectral radius reaches 1, and explodes only well past it.
assert flows[leaves].spectral_radius < 1 and flows[explodes].spectral_radius > 2

# %% [markdown]
# The regime leaves "vanishing" at scale 1.7, where the spectral radius is 0.97: already below 1, because
# "vanishing" means shrinking faster than ×0.9 per step, and near radius 1 the gradient shrinks more slowly than
# that. It first reads "exploding" at scale 4.1 (radius 2.34), not at radius 1: per step the gradient changes by
# about the radius times the mean tanh slope ([chapter 06](../06_gradients_through_time.ipynb) measures this), and that slope is below 1.
# The reading is not monotone in the scale: it is "stable" once more at 5.3, then "exploding" again from 5.4
# (printed above).
