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
# `σ² = 0.05² = 2.5e-3`. This one misses it, for two reasons. It is fed noisy inputs, and passes on their noise,
# weighted by the coefficients: `(a₁² + a₂²) σ²` on top of the target's `σ²`. And its shrunk coefficients no
# longer follow the clean wave itself: that miss is the fit's error on the noise-free series. The expected
# error is the sum of the two terms:
#
# $$\mathrm{E[MSE]} \approx (a_1^2 + a_2^2 + 1)\,\sigma^2 + \mathrm{mean}\big((a_1 c[n] + a_2 c[n-1] - c[n+1])^2\big),$$
#
# with `c` the clean wave. One draw of the noise scatters around this (150 scored values), so the check is
# the mean over 20 draws.

# %%
_, clean = sine_series(1000, step=DT)
exact = torch.tensor([2 * math.cos(DT), -1.0])
DRAWS = range(20)
measured, passed_on, wave_miss = [], [], []
for draw in DRAWS:
    _, noisy = sine_series(1000, step=DT, noise=0.05, seed=draw)
    a = fit_autoregressive(noisy[:700], order=2)
    measured.append(float(((a[0] * noisy[849:-1] + a[1] * noisy[848:-2] - noisy[850:]) ** 2).mean()))
    passed_on.append(float(a[0] ** 2 + a[1] ** 2 + 1) * 0.05**2)
    wave_miss.append(float(((a[0] * clean[849:-1] + a[1] * clean[848:-2] - clean[850:]) ** 2).mean()))
    if draw == 0:
        fitted = a
        print(f"draw 0: coefficients {[round(c, 3) for c in a.tolist()]} "
              f"(exact {[round(c, 3) for c in exact.tolist()]}), test MSE {measured[0]:.2e}")


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


print(f"mean over {len(DRAWS)} draws, in units of σ² = {0.05**2:.1e}: measured {mean(measured) / 0.05**2:.2f}; "
      f"passed-on noise {mean(passed_on) / 0.05**2:.2f} + wave miss {mean(wave_miss) / 0.05**2:.2f} "
      f"= {(mean(passed_on) + mean(wave_miss)) / 0.05**2:.2f}")
two_terms = mean(measured) / (mean(passed_on) + mean(wave_miss))
print(f"measured / both terms {two_terms:.3f}; measured / passed-on noise alone {mean(measured) / mean(passed_on):.2f}")
assert float((fitted - exact).abs().max()) > 0.5, "the coefficients move far from the exact ones"
assert 2.5 < mean(measured) / 0.05**2 < 4.5, "about 3.5x the noise variance"
assert abs(two_terms - 1) < 0.05, "the two terms predict the mean error within 5 %"
assert mean(measured) > 1.25 * mean(passed_on), "the passed-on noise alone falls short by more than 25 %"

# %% [markdown]
# Both terms matter at this rate: the mean error is 1.41 times the passed-on noise alone, and the
# coefficients' miss on the clean wave, about `σ²` itself, makes up the difference to within 5 %.
