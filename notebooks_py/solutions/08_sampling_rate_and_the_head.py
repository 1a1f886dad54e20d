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
# # 08 · Solutions: The sampling rate and the head
#
# Worked solutions to the exercises of [08 · The sampling rate and the head](../08_sampling_rate_and_the_head.ipynb#try-this).
# Try each exercise first; every solution ends with the `assert` that checks its answer.

# %%
import math
import statistics

from sine_lab.studies.forecasting_study import BARE_PATH, CYCLES_PATH, head_rows, load_sweep

recipe_sweep, bare_sweep = load_sweep(CYCLES_PATH), load_sweep(BARE_PATH)
rows = head_rows(recipe_sweep, bare_sweep)

# %% [markdown]
# ## Exercise 1
# **The worst trained row at the slowest wave**
# ([back to the exercise](../08_sampling_rate_and_the_head.ipynb#try-this))
#
# `head_rows` of the first two sweeps alone holds exactly the six RNN, LSTM and GRU rows (bare cell and
# recipe) beside the residual and the recurrence; the kinds are `"rnn"`, `"lstm"` and `"gru"`.

# %%
trained = [r for r in rows if r["period"] == 100.0 and r["kind"] in ("rnn", "lstm", "gru")]
worst = max(trained, key=lambda r: r["free_run"])
print(f"worst at P = 100: {worst['row']}, median 10-cycle MSE {worst['free_run']:.2f}, "
      f"x{worst['free_run'] / 1e-4:.0f} the target")
# The chapter's table at P = 100: the bare GRU's 9.1e-01 is the largest, ahead of the bare RNN's 8.8e-01.
assert len(trained) == 6 and worst["row"] == "gru, bare cell", worst["row"]
assert 9000 < worst["free_run"] / 1e-4 < 9200, "it misses the target about x9100"

# %% [markdown]
# ## Exercise 2
# **Equal steps against equal cycles**
# ([back to the exercise](../08_sampling_rate_and_the_head.ipynb#try-this))
#
# 1000 steps are `1000 / (2πP)` cycles: 31.8 at `P = 5`, 1.6 at `P = 100`. Ten cycles are 314 steps at
# `P = 5` and 6,283 at `P = 100`. So the 1000-step score asks for more cycles than 10 at the fast wave and
# far fewer at the slow one. In the medians the two horizons differ most at the slow wave, where 10 cycles
# run six times longer than 1000 steps.

# %%
ratio = {}
for period in recipe_sweep["periods"]:
    runs = [r for r in recipe_sweep["runs"] if r["cell"] == "lstm" and r["period"] == period]
    steps = statistics.median(r["free_run_mse"]["1000"] for r in runs)
    cycles = statistics.median(r["free_run_cycles"]["10"] for r in runs)
    ratio[period] = cycles / steps
    print(f"P = {period:g}: 1000 steps = {1000 / (2 * math.pi * period):.1f} cycles; LSTM median MSE over 1000 steps "
          f"{steps:.1e}, over 10 cycles {cycles:.1e};\n  per seed, 1000 steps: "
          + ", ".join(f"{r['free_run_mse']['1000']:.1e}" for r in runs))
gap = {period: abs(math.log10(r)) for period, r in ratio.items()}  # how far apart, whichever is the larger
print("|log10(10-cycle median / 1000-step median)|: " + ", ".join(f"P = {p:g}: {g:.1f}" for p, g in gap.items()))
assert ratio[100.0] > 10 and gap[100.0] == max(gap.values()), "in the medians the slow wave differs most"

# %% [markdown]
# The medians hide one run. Per seed, the fast wave's seed 0 (printed above) stays within 1e-4 for 10 cycles
# (314 steps) and leaves the wave by step 1000, 32 cycles on: there the longer horizon is the 1000 steps, and
# it is the one that catches the failure. A median of three seeds passes over one such run; read the runs.

# %%
fast = sorted((r for r in recipe_sweep["runs"] if r["cell"] == "lstm" and r["period"] == 5.0), key=lambda r: r["seed"])
caught = [r["seed"] for r in fast if r["free_run_cycles"]["10"] <= 1e-4 < r["free_run_mse"]["1000"]]
assert caught == [0], "at P = 5 only seed 0 passes 10 cycles and fails 1000 steps"

# %% [markdown]
# ## Exercise 3
# **The residual's one-step error, predicted**
# ([back to the exercise](../08_sampling_rate_and_the_head.ipynb#try-this))
#
# With `u = n/P + φ` and `v = 1/P`, the hint gives
# `s[n+1] + s[n−1] = sin(u + v) + sin(u − v) = 2 sin u cos v = 2cos(1/P) s[n]`. Subtract `2 s[n]`: the curvature is `s[n+1] − 2s[n] + s[n−1] = −(2 − 2cos(1/P)) s[n]`,
# the current value times a constant. The residual alone predicts `2 s[n] − s[n−1]`, so its error is that
# curvature, and its mean square is `(2 − 2cos(1/P))²` times the mean of `s²`, which over whole cycles is
# 1/2.

# %%
for period in recipe_sweep["periods"]:
    predicted = (2 - 2 * math.cos(1 / period)) ** 2 / 2
    measured = next(r["one_step"] for r in rows if r["row"] == "residual only" and r["period"] == period)
    print(f"P = {period:g}: predicted {predicted:.2e}, measured {measured:.2e}")
    assert abs(measured / predicted - 1) < 0.1, "the formula gives the residual's error within 10 %"
