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
# # 05 · Solutions: The article's advice, measured
#
# Worked solutions to the exercises of [05 · The article's advice](../05_the_articles_advice.ipynb#try-this).
# Try each exercise first; every solution ends with the `assert` that checks its answer.

# %%
import math

import torch

from sine_lab.data import sine_series
from sine_lab.studies.framing import nearest_window_distance
from sine_lab.training import fit_autoregressive

torch.set_num_threads(1)

# %% [markdown]
# ## Exercise 1
# **How little noise makes a test window new?**
# ([back to the exercise](../05_the_articles_advice.ipynb#try-this))
#
# Section 3 of the chapter found every noise-free test window within 7.5e-4 RMS of a training window, and none within 0.1
# with noise 0.3. The nearest-window distance grows with the noise; here is where it crosses 0.01:

# %%
W, n_train, first_test = 20, 700, 850
distances = {}
for noise in (0.0, 0.001, 0.003, 0.01, 0.03):
    _, s = sine_series(1000, step=0.1, noise=noise)
    distances[noise] = float(nearest_window_distance(s, W, n_train, first_test).min())
    print(f"noise {noise:<6} closest test window to a training window: RMS {distances[noise]:.1e}")
assert distances[0.0] < 1e-3 and distances[0.03] > 0.01, "a few hundredths of noise make every window new"
values = list(distances.values())
assert all(a < b for a, b in zip(values, values[1:], strict=False)), "it grows with noise"

# %% [markdown]
# ## Exercise 2
# **Two values of a slow wave, with a little noise**
# ([back to the exercise](../05_the_articles_advice.ipynb#try-this))
#
# Section 2 of the chapter: two values hold all the information about the next one, even at 200 samples per
# period. A guess: with noise the slow wave suffers more, since its slope must be read from neighbours that
# differ by about `2π/200 ≈ 0.03`. The measurement says otherwise: on each of 5 draws of the noise, both land
# at a few times the noise variance `σ² = 0.01²`, and the *fast* wave (20 samples per period) is the higher
# one on every draw, by less than 1.5×.

# %%
DRAWS = range(5)
ratios = {}  # (samples per period, draw) -> test MSE / σ²
for per_period in (20, 200):
    for draw in DRAWS:
        _, s = sine_series(1000, step=2 * math.pi / per_period, noise=0.01, seed=draw)
        a = fit_autoregressive(s[:700], order=2)
        mse = float(((a[0] * s[849:-1] + a[1] * s[848:-2] - s[850:]) ** 2).mean())
        ratios[per_period, draw] = mse / 0.01**2
    print(f"{per_period} samples per period: 2-value regression test MSE / σ², per draw: "
          + ", ".join(f"{ratios[per_period, d]:.1f}" for d in DRAWS))
assert all(3 < r < 7 for r in ratios.values()), "3x to 7x the noise variance at either rate, on every draw"
assert all(ratios[20, d] > ratios[200, d] for d in DRAWS), "the fast wave's error is the higher on every draw"
assert all(ratios[20, d] < 1.5 * ratios[200, d] for d in DRAWS), "by less than 1.5x"

# %% [markdown]
# **Why.** Two terms, both set by the fitted coefficients, not by how finely the period is sampled. The
# prediction `a₁ s[n] + a₂ s[n−1]` adds the noise of both inputs, weighted by the coefficients, to the noise
# of the target: `(a₁² + a₂² + 1) σ²`. And noisy inputs pull least-squares coefficients towards 0 (at 200
# samples per period far from the noise-free `2cos(2π/200)` and `−1`; printed below for draw 0), which passes on less noise but misses the
# clean wave itself: the fit's error on the noise-free series. The expected error is the sum. The 150 scored
# values of one draw scatter around it, so the check is the mean over 20 draws (a second of CPU):

# %%
first_draw = {}  # samples per period -> draw 0's fitted coefficients
terms = {}  # samples per period -> mean over 20 draws of (measured, passed-on noise, wave miss), in σ²
for per_period in (20, 200):
    _, clean = sine_series(1000, step=2 * math.pi / per_period)
    sums = [0.0, 0.0, 0.0]
    for draw in range(20):
        _, s = sine_series(1000, step=2 * math.pi / per_period, noise=0.01, seed=draw)
        a = fit_autoregressive(s[:700], order=2)
        sums[0] += float(((a[0] * s[849:-1] + a[1] * s[848:-2] - s[850:]) ** 2).mean()) / 0.01**2
        sums[1] += float(a[0] ** 2 + a[1] ** 2 + 1)
        sums[2] += float(((a[0] * clean[849:-1] + a[1] * clean[848:-2] - clean[850:]) ** 2).mean()) / 0.01**2
        if draw == 0:
            print(f"{per_period} samples per period, draw 0: coefficients ({float(a[0]):.3f}, {float(a[1]):.3f}), "
                  f"noise-free ({2 * math.cos(2 * math.pi / per_period):.3f}, -1)")
            first_draw[per_period] = a
    measured, passed_on, wave_miss = (total / 20 for total in sums)
    terms[per_period] = measured, passed_on, wave_miss
    print(f"{per_period} samples per period, mean over 20 draws, in σ²: measured {measured:.2f}; passed-on noise "
          f"{passed_on:.2f} + wave miss {wave_miss:.2f} = {passed_on + wave_miss:.2f} "
          f"(measured / sum {measured / (passed_on + wave_miss):.3f})")
for measured, passed_on, wave_miss in terms.values():
    assert abs(measured / (passed_on + wave_miss) - 1) < 0.05, "the two terms predict the mean error within 5 %"
assert terms[200][2] > 0.5 and terms[20][2] < 0.05, "the wave miss: over σ²/2 at 200 per period, under σ²/20 at 20"
assert terms[200][0] > 1.15 * terms[200][1], "at 200 per period the passed-on noise alone falls short by over 15 %"
assert abs(float(first_draw[200][1]) + 1) > 0.2, "draw 0 at 200 per period: the second coefficient far from -1"

# %% [markdown]
# The sum predicts the mean error within 5 % at both rates. At 20 samples per period the coefficients stay
# near the noise-free ones and the wave miss is negligible (0.02 σ²); at 200 they shrink far, pass on less
# noise (3.74 σ² against 5.58 σ²) and miss the wave by 0.93 σ². The fast wave's error is the higher because
# its coefficients pass on more noise.
