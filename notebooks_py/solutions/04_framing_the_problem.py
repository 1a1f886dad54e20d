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

from sine_lab.data import sine_series
from sine_lab.training import fit_autoregressive

torch.set_num_threads(1)

# %% [markdown]
# ## Exercise 1
# **What a forecaster with no training scores**
# ([back to the exercise](../04_framing_the_problem.ipynb#try-this))
#
# The prediction first. For `s[n] = sin(n Δt)`, persistence errs by `s[n+1] − s[n] ≈ Δt · cos(n Δt)`, the slope
# times the step; a squared cosine averages 1/2, so its MSE is about `Δt²/2`. Linear extrapolation
# `2 s[n] − s[n−1]` continues the slope and errs only by the bend, `s[n+1] − 2 s[n] + s[n−1] ≈ −Δt² sin(n Δt)`,
# so its MSE is about `Δt⁴/2`. The ratio is `1/Δt²`: 100 at `Δt = 0.1`, 400 at `Δt = 0.05`.

# %%
ratios = {}
for dt, length in ((0.1, 1000), (0.05, 2000)):
    _, s = sine_series(length, step=dt)
    first = int(0.85 * length)  # the last 15 % is scored
    persistence = float(((s[first - 1 : -1] - s[first:]) ** 2).mean())
    extrapolation = float(((2 * s[first - 1 : -1] - s[first - 2 : -2] - s[first:]) ** 2).mean())
    ratios[dt] = persistence / extrapolation
    print(f"Δt = {dt}: persistence {persistence:.2e} (predicted {dt**2 / 2:.1e}), extrapolation "
          f"{extrapolation:.2e} (predicted {dt**4 / 2:.1e}); ratio {ratios[dt]:.0f}, predicted {1 / dt**2:.0f}")
assert all(abs(ratio * dt**2 - 1) < 0.25 for dt, ratio in ratios.items()), "1/Δt² within 25 % at both rates"

# %% [markdown]
# Halving the step makes extrapolation 4 times more valuable against persistence. So a model "100× better than
# persistence" on the chapter's series does no better than a straight line through the last two values: the
# chapter judges every network against extrapolation, and against quadratic extrapolation beyond it.

# %% [markdown]
# ## Exercise 2
# **Make the regression fail**
# ([back to the exercise](../04_framing_the_problem.ipynb#try-this))
#
# With noise of standard deviation `σ = 0.05` on every value, no predictor can expect to beat the noise on the
# target, its variance `σ² = 2.5e-3`. The regression misses it for two reasons.
#
# - **It passes on the inputs' noise.** The prediction `a₁ s[n] + a₂ s[n−1]` adds each input's noise times its
#   coefficient, so the error holds `(a₁² + a₂²) σ²` on top of the target's own `σ²`.
# - **Its coefficients shrink.** Least squares weighs how well each input predicts the target. A noisy input is
#   a less reliable predictor, so the fit leans on it less: the coefficients move towards 0 (from `(1.99, −1)` to
#   about `(1.26, −0.28)` here). That passes on less noise, but the shrunk coefficients no longer follow the
#   clean wave: their error on the noise-free series is the second term.
#
# $$\mathrm{E[MSE]} \approx (a_1^2 + a_2^2 + 1)\,\sigma^2 + \mathrm{mean}\big((a_1 c[n] + a_2 c[n-1] - c[n+1])^2\big),$$
#
# with `c` the clean wave. One draw of the noise scatters around this (150 scored values), so the check is
# the mean over 20 draws.

# %%
DT, SIGMA = 0.1, 0.05
_, clean = sine_series(1000, step=DT)
exact = torch.tensor([2 * math.cos(DT), -1.0])
DRAWS = range(20)
measured, passed_on, wave_miss = [], [], []
for draw in DRAWS:
    _, noisy = sine_series(1000, step=DT, noise=SIGMA, seed=draw)
    a = fit_autoregressive(noisy[:700], order=2)
    measured.append(float(((a[0] * noisy[849:-1] + a[1] * noisy[848:-2] - noisy[850:]) ** 2).mean()))
    passed_on.append(float(a[0] ** 2 + a[1] ** 2 + 1) * SIGMA**2)
    wave_miss.append(float(((a[0] * clean[849:-1] + a[1] * clean[848:-2] - clean[850:]) ** 2).mean()))
    if draw == 0:
        fitted = a
        print(f"draw 0: coefficients {[round(c, 3) for c in a.tolist()]} "
              f"(exact {[round(c, 3) for c in exact.tolist()]}), test MSE {measured[0]:.2e}")


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


print(f"mean over {len(DRAWS)} draws, in units of σ² = {SIGMA**2:.1e}: measured {mean(measured) / SIGMA**2:.2f}; "
      f"passed-on noise {mean(passed_on) / SIGMA**2:.2f} + wave miss {mean(wave_miss) / SIGMA**2:.2f} "
      f"= {(mean(passed_on) + mean(wave_miss)) / SIGMA**2:.2f}")
two_terms = mean(measured) / (mean(passed_on) + mean(wave_miss))
print(f"measured / both terms {two_terms:.3f}; measured / passed-on noise alone {mean(measured) / mean(passed_on):.2f}")
assert float((fitted - exact).abs().max()) > 0.5, "the coefficients move far from the exact ones"
assert 2.5 < mean(measured) / SIGMA**2 < 4.5, "about 3.5x the noise variance"
assert mean(measured) > 1.25 * mean(passed_on), "the passed-on noise alone falls short by more than 25 %"
assert abs(two_terms - 1) < 0.05, "the two terms predict the mean error within 5 %"

# %% [markdown]
# Both terms matter at this rate: the mean error is 1.41 times the passed-on noise alone, and the
# coefficients' miss on the clean wave, about `σ²` itself, makes up the difference to within 5 %.
