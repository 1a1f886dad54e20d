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
# # 04 · Solutions: Framing the problem: past values, not time
#
# Worked solutions to the exercises of [04 · Framing the problem](../04_framing_the_problem.ipynb#try-this).
# Try each exercise first; every solution ends with the `assert` that checks its answer.

# %%
import math

import torch

from sine_lab.baselines import one_step
from sine_lab.data import make_windows, sine_series
from sine_lab.training import fit_autoregressive

torch.set_num_threads(1)
DT = 0.1

# %% [markdown]
# ## Exercise 1
# **What a forecaster with no training scores**
# ([back to the exercise](../04_framing_the_problem.ipynb#try-this))
#
# For `s[n] = sin(n Δt)`, persistence errs by `s[n+1] − s[n] ≈ Δt · cos`, so its MSE is about `Δt²/2`;
# linear extrapolation `2 s[n] − s[n−1]` errs by the curvature, `≈ Δt² · sin`, MSE about `Δt⁴/2`. At
# `Δt = 0.1` extrapolation should be about `1/Δt² = 100` times better than persistence, before any training.

# %%
_, s = sine_series(1000, step=DT)
past, target = make_windows(s[848:], 2)  # the last two values before each test target
scores = one_step(past, target, names=("persistence", "extrapolation"))
print(", ".join(f"{name} {mse:.2e}" for name, mse in scores.items()),
      f"(predicted {DT**2 / 2:.1e} and {DT**4 / 2:.1e})")
ratio = scores["persistence"] / scores["extrapolation"]
print(f"extrapolation is x{ratio:.0f} better than persistence")
assert 80 < ratio < 125, "about 1/Δt² = 100, with no training"

# %% [markdown]
# So a model "100× better than persistence" on this series does no better than a straight line through the
# last two values; the chapter's tables judge every model against extrapolation for that reason, and section 3
# adds the least-squares recurrence, which every network misses by more than 10⁸.

# %% [markdown]
# ## Exercise 2
# **Make the regression fail**
# ([back to the exercise](../04_framing_the_problem.ipynb#try-this))
#
# With noise of standard deviation 0.05 on every value, the coefficients are fitted to noisy *inputs*, and
# least squares then shrinks them (noise in the inputs biases it towards zero): here from `(1.99, −1)` to
# about `(1.26, −0.28)`. No predictor can expect to beat the noise on the target, its variance
# `σ² = 0.05² = 2.5e-3`; this one, fed noisy inputs too, also passes on their noise, weighted by the
# coefficients: an expected error of about `(a₁² + a₂² + 1) σ²`.

# %%
_, noisy = sine_series(1000, step=DT, noise=0.05)
exact = torch.tensor([2 * math.cos(DT), -1.0])
fitted = fit_autoregressive(noisy[:700], order=2)
prediction = fitted[0] * noisy[849:-1] + fitted[1] * noisy[848:-2]
test_mse = float(((prediction - noisy[850:]) ** 2).mean())
predicted = float(fitted[0] ** 2 + fitted[1] ** 2 + 1) * 0.05**2
print(f"coefficients {[round(a, 3) for a in fitted.tolist()]} (exact {[round(a, 3) for a in exact.tolist()]}); "
      f"test MSE {test_mse:.2e}, σ² {0.05**2:.1e}, (a₁² + a₂² + 1) σ² {predicted:.2e}")
assert float((fitted - exact).abs().max()) > 0.5, "the coefficients move far from the exact ones"
assert 2.5 < test_mse / 0.05**2 < 4, "about 3x the noise variance"
assert abs(test_mse / predicted - 1) < 0.25, "the passed-on noise predicts it within 25 %"
