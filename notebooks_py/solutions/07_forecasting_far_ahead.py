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
# # 07 · Solutions: Forecasting far ahead
#
# Worked solutions to the exercises of [07 · Forecasting far ahead](../07_forecasting_far_ahead.ipynb#try-this).
# Try each exercise first; every solution ends with the `assert` that checks its answer.

# %%
import torch

from sine_lab.bench import free_run_mse, make_task
from sine_lab.forecasting import ForecastSettings, fit, one_step_mse

torch.set_num_threads(1)
task = make_task(20.0, seed=0)

# %% [markdown]
# ## Exercise 1
# **What the L-BFGS stage adds one step ahead**
# ([back to the exercise](../07_forecasting_far_ahead.ipynb#try-this))
#
# Seed 0, the recipe without its free-running stage, with and without the L-BFGS stage. The one-step MSE
# is scored on the test series after the warm-up, as in the chapter.

# %%
one_step = {}
for name, settings in (("Adam only", ForecastSettings(rollout=0, lbfgs_steps=0)),
                       ("Adam + L-BFGS", ForecastSettings(rollout=0))):
    model, _ = fit("lstm", task.train, settings, seed=0)
    one_step[name] = one_step_mse(model, task.test, settings.warmup)
    print(f"{name:14s} one-step MSE {one_step[name]:.2e}")
factor = one_step["Adam only"] / one_step["Adam + L-BFGS"]
print(f"L-BFGS lowers it x{factor:.0f}")
assert factor > 10, "most of the one-step precision comes from the L-BFGS stage"

# %% [markdown]
# ## Exercise 2
# **Does the closed-form recurrence drift too?**
# ([back to the exercise](../07_forecasting_far_ahead.ipynb#try-this))
#
# The least-squares recurrence has no training noise, but its two coefficients are float32 numbers fitted
# to sampled data: a tiny error in them shifts the frequency or the amplitude a little, and a shift in
# frequency becomes a phase error that grows with every cycle.

# %%
linear, _ = fit("linear", task.train, ForecastSettings(), seed=0)
_, generated = free_run_mse(linear, task, 5000)
truth = task.continuation(5000)
first, last = (float(((generated[:, s] - truth[:, s]) ** 2).mean()) for s in (slice(0, 1000), slice(4000, 5000)))
print(f"recurrence: first 1000 steps {first:.2e}, last 1000 {last:.2e}: x{last / first:.0f}")
assert last > 10 * first, "its error grows along the horizon as well"
