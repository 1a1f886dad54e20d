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
import math

import matplotlib.pyplot as plt
import torch

from sine_lab.bench import make_task
from sine_lab.callbacks import ClipGradNorm
from sine_lab.data import make_windows, random_sines
from sine_lab.forecasting import ForecastSettings, fit, one_step_mse
from sine_lab.models import SequenceModel, forecast
from sine_lab.plots import colour as palette
from sine_lab.studies.forecasting_study import recurrence_forecast
from sine_lab.training import LBFGS_ITERATIONS_PER_STEP, fit_autoregressive, seed_everything, train

torch.set_num_threads(1)
task = make_task(20.0, seed=0)

# %% [markdown]
# ## Exercise 1
# **What the L-BFGS stage adds one step ahead**
# ([back to the exercise](../07_forecasting_far_ahead.ipynb#try-this))
#
# Seed 0, the recipe without its free-running stage, with and without the L-BFGS stage. The one-step MSE
# is scored on the test series after the 40-step warm-up, as in the chapter. With L-BFGS this is the
# chapter's "LSTM, teacher forcing only, seed 0", so its number must match the chapter's table.

# %%
one_step = {}
for name, settings in (("Adam only", ForecastSettings(rollout=0, lbfgs_steps=0)),
                       ("Adam + L-BFGS", ForecastSettings(rollout=0))):
    model, _ = fit("lstm", task.train, settings, seed=0)
    one_step[name] = one_step_mse(model, task.test, settings.warmup)
    print(f"{name:14s} one-step MSE {one_step[name]:.2e}")
factor = one_step["Adam only"] / one_step["Adam + L-BFGS"]
print(f"seed 0: adding the L-BFGS stage lowers it x{factor:.0f}")
recipe = ForecastSettings()
print(f"the recipe's budgets: Adam {recipe.adam_steps} steps on batches of {recipe.batch_size} chunks;\n  L-BFGS at "
      f"most {recipe.lbfgs_steps} steps of up to {LBFGS_ITERATIONS_PER_STEP} evaluations each, on "
      f"{recipe.batch_size} chunks at once")
CHAPTER_SEED_0 = 8.03e-13  # the chapter's table: "LSTM, teacher forcing only, seed 0", one-step MSE
assert math.isclose(one_step["Adam + L-BFGS"], CHAPTER_SEED_0, rel_tol=0.01), "the same run as the chapter's"
assert factor > 100, "in seed 0 (a spot check) the L-BFGS stage lowers the one-step error more than x100"
assert one_step["Adam only"] < 1e-6 / 100, "Adam alone: more than 100x below the one-step target"

# %% [markdown]
# In seed 0 the L-BFGS stage lowers the one-step error by the factor printed above. That is a spot check
# (one seed), and not a comparison at equal compute: the recipe gives Adam 150 mini-batch steps, and L-BFGS
# up to 8 steps of up to 20 evaluations each, on 32 chunks of the same training series at once (printed
# above). In seed 0, as the recipe runs it, the polishing stage is where the last digits of one-step
# precision come from; Adam alone already meets the benchmark's one-step target (1e-6) with room to spare
# (printed above). Whether Adam given the same compute would get there is not tested here.

# %% [markdown]
# ## Exercise 2
# **Why the recurrence's error grows as it does**
# ([back to the exercise](../07_forecasting_far_ahead.ipynb#try-this))
#
# A wave forecast with a frequency off by `δω` is off in phase by `n·δω` after `n` steps; for small errors
# its squared error is proportional to `(n·δω)²`, so it grows as `n²`. Over steps `n` of a stretch, the mean
# of `n²` sets the mean squared error: the ratio of the last 1000 of 5000 steps to the first 1000 is
# `mean(n², n = 4001..5000) / mean(n², n = 1..1000)`, about `(5000³ − 4000³) / 1000³ = 61`.

# %%
linear, _ = fit("linear", task.train, ForecastSettings(), seed=0)
# The model holds its correction to 2x[n] - x[n-1]; the pair is that plus (2, -1). Round a to float32:
pair = linear.head.weight.detach().flatten().double() + torch.tensor([2.0, -1.0], dtype=torch.float64)
rounded_ab = pair.float()
generated = recurrence_forecast(task.test[:, :999], rounded_ab.double(), 5001)[:, 1:]  # n = 1000 .. 5999
truth = task.continuation(5000).double()
first, last = (float(((generated[:, s] - truth[:, s]) ** 2).mean()) for s in (slice(0, 1000), slice(4000, 5000)))
n = torch.arange(1, 5001, dtype=torch.float64)
predicted = float((n[4000:] ** 2).mean() / (n[:1000] ** 2).mean())
print(f"the recurrence with a rounded to float32: first 1000 steps {first:.2e}, last 1000 {last:.2e}:\n  "
      f"x{last / first:.1f} measured, "
      f"x{predicted:.1f} predicted from n²")
assert abs(last / first / predicted - 1) < 0.1, "a constant frequency error explains the growth"

# %% [markdown]
# ## Exercise 3
# **Frequencies and amplitudes outside the training range**
# ([back to the exercise](../07_forecasting_far_ahead.ipynb#try-this))
#
# A different training set from the chapter's: many series at random phases with angular frequency
# `ω ∈ [0.7, 1.3]` and amplitude `A ∈ [0.5, 1.5]` (`Δt = 0.05`), windows of 30 past values predicting the next; a 32-unit LSTM
# *without* the curvature head, 8 epochs of mini-batch Adam (one-cycle to 0.01,
# [clipping](../glossary.ipynb#gradient-clipping) at 1), no L-BFGS and no rollout stage: a quick, general
# model, one seed, a spot check. We test it at frequencies and amplitudes inside and outside those ranges,
# against rules that need no training:
# - **one step ahead**, as a fraction of the error of linear extrapolation (1: no better than the straight
#   line) and of the least-squares recurrence fitted to the same training series (one pair `a`, `b` for the
#   whole range);
# - **free running** for 400 steps from 30 observed values (steps, not cycles: a slow `ω` runs under one
#   cycle, a fast one several, so the panels do not compare frequencies on equal terms), as a fraction of the
#   signal power `A²/2` (the error of predicting zero: 1 means no forecast at all), beside that recurrence and a recurrence fitted
#   by least squares to the 30 observed values of each test series itself.

# %%
DT, W, FREE = 0.05, 30, 400
values, _, _ = random_sines(64, 400, step=DT, angular_frequency=(0.7, 1.3), amplitude=(0.5, 1.5), seed=0)
x, y = make_windows(values, W, stride=2)
seed_everything(0)
general = SequenceModel("lstm", hidden_size=32)
train(general, x, y, epochs=8, lr=1e-2, batch_size=64, schedule="onecycle", callbacks=[ClipGradNorm(1.0)], seed=0)
general.eval()
pooled_ab = fit_autoregressive(values, 2)  # the least-squares recurrence: one a, b for the whole training range


def scores(omega: float, amplitude: float) -> dict:
    """One-step MSE ratios and 400-step free-run MSE / (A²/2) on 8 fresh series."""
    test_values, _, _ = random_sines(8, W + FREE, step=DT, angular_frequency=(omega, omega),
                                     amplitude=(amplitude, amplitude), seed=5)
    x_test, y_test = make_windows(test_values, W)
    context, future, power = test_values[:, :W, None], test_values[:, W:], amplitude**2 / 2
    with torch.no_grad():
        lstm = float(((general(x_test) - y_test) ** 2).mean())
        extrapolation = float(((2 * x_test[:, -1] - x_test[:, -2] - y_test) ** 2).mean())
        recurrence = float(((pooled_ab[0] * x_test[:, -1] + pooled_ab[1] * x_test[:, -2] - y_test) ** 2).mean())
        own_ab = torch.stack([fit_autoregressive(c.T, 2) for c in context])  # each series' a, b from its 30 values
        own = recurrence_forecast(context[..., 0], own_ab, FREE, dtype=torch.float32)
        runs = {"LSTM": forecast(general, context, FREE), "own": own,
                "recurrence": recurrence_forecast(context[..., 0], pooled_ab, FREE, dtype=torch.float32)}
    return {"vs extrapolation": lstm / extrapolation, "vs recurrence": lstm / recurrence,
            **{name: float(((run - future) ** 2).mean()) / power for name, run in runs.items()}}


omegas = [0.3, 0.5, 0.7, 0.85, 1.0, 1.15, 1.3, 1.6, 2.0, 3.0]
tests = {(w, 1.0): scores(w, 1.0) for w in omegas} | {(1.0, a): scores(1.0, a) for a in (0.25, 3.0)}
print(f"{'':>17}{'LSTM one-step MSE / that of':>30}{'400-step free-run MSE / (A²/2)':>39}")
print(f"{'ω':>5}{'A':>5}{'range':>7}{'extrapolation':>16}{'recurrence':>14}"
      f"{'LSTM':>10}{'recurrence':>13}{'own a, b':>16}")
for (w, a), s in tests.items():
    inside = "inside" if 0.7 <= w <= 1.3 and 0.5 <= a <= 1.5 else "outside"
    print(f"{w:>5}{a:>5}{inside:>8}{s['vs extrapolation']:>15.3g}{s['vs recurrence']:>14.3g}"
          f"{s['LSTM']:>10.2f}{s['recurrence']:>13.2f}{s['own']:>16.1e}")
ahead_of_line = [key for key, s in tests.items() if s["vs extrapolation"] < 1]
print(f"the LSTM beats linear extrapolation one step ahead at {len(ahead_of_line)} of {len(tests)} tests: "
      f"{ahead_of_line};\n  the recurrence of the training range at "
      f"{sum(s['vs recurrence'] < 1 for s in tests.values())}")


def against_line(omega: float, seed: int) -> float:
    """The LSTM's one-step MSE / linear extrapolation's on 8 fresh sines of amplitude 1 drawn with ``seed``."""
    test_values, _, _ = random_sines(8, W + FREE, step=DT, angular_frequency=(omega, omega), amplitude=(1.0, 1.0),
                                     seed=seed)
    x_test, y_test = make_windows(test_values, W)
    with torch.no_grad():
        return float(((general(x_test) - y_test) ** 2).mean()) / float(
            ((2 * x_test[:, -1] - x_test[:, -2] - y_test) ** 2).mean())


# The exercise's check of the answer: test sines of another seed must give the same frequencies.
again = {w: against_line(w, 6) for w in omegas}
print("test sines of seed 6, A = 1, the LSTM's one-step MSE / linear extrapolation's:")
for chunk in range(0, len(again), 6):
    print("  " + ", ".join(f"ω = {w:g}: {r:.3g}" for w, r in list(again.items())[chunk:chunk + 6]))

# %%
by_omega = [tests[w, 1.0] for w in omegas]
fig, (ax_one, ax_run) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
ax_one.semilogy(omegas, [s["vs extrapolation"] for s in by_omega], "o-", color=palette("lstm"),
                label="LSTM, A = 1")
ax_one.semilogy([1.0], [tests[1.0, 3.0]["vs extrapolation"]], "^", color=palette("lstm"), label="LSTM, A = 3")
ax_one.semilogy(omegas, [s["vs extrapolation"] / s["vs recurrence"] for s in by_omega], "s--",
                color=palette("recurrence"), label="recurrence, one a, b for the training range")
ax_one.axhline(1.0, color=palette("extrapolation"), linestyle=":", label="linear extrapolation")
ax_one.set(ylabel="one-step MSE / linear extrapolation's",
           title="One step: the LSTM beats the straight line\nonly at the centre of its range")
ax_run.semilogy(omegas, [s["LSTM"] for s in by_omega], "o-", color=palette("lstm"), label="LSTM, A = 1")
ax_run.semilogy(omegas, [s["recurrence"] for s in by_omega], "s--", color=palette("recurrence"),
                label="recurrence, one a, b for the training range")
ax_run.axhline(1.0, color=palette("zero"), linestyle="--", label="zero predictor")
ax_run.set(ylabel="400-step free-run MSE / (A²/2)", ylim=(0.05, 10),
           title="Free running: the LSTM leaves the wave at every ω;\na recurrence fitted to each series' own "
                 "30 values does not\n(below 1e-6 at every ω, off this scale: the table)")
for ax in (ax_one, ax_run):
    ax.axvspan(0.7, 1.3, color=palette("fit"), alpha=0.5, label="training range of ω")
    ax.set(xlabel="angular frequency ω (rad per unit time, Δt = 0.05)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))

# %%
ratio = {w: tests[w, 1.0]["vs extrapolation"] for w in omegas}
left, right = [w for w in omegas if w <= 1.0], [w for w in omegas if w >= 1.0]
assert all(ratio[a] > ratio[b] for a, b in zip(left, left[1:], strict=False)), "one-step error falls towards ω = 1"
assert all(ratio[a] < ratio[b] for a, b in zip(right, right[1:], strict=False)), "and rises above it"
assert ahead_of_line == [(1.0, 1.0)], "ahead of linear extrapolation only at the centre"
assert [w for w, r in again.items() if r < 1] == [1.0], "and with test sines of seed 6 too"
assert min(s["vs recurrence"] for s in tests.values()) > 60, "behind the training range's recurrence everywhere"
assert min(s["LSTM"] for s in tests.values()) > 0.3, "no LSTM free run below 30% of the signal power"
assert max(s["own"] for s in tests.values()) < 1e-6, "each series' own recurrence free-runs every test"

# %% [markdown]
# This quick general model learned less than the rules that need no training. One step ahead, it is behind
# the least-squares recurrence of its own training series at every frequency and amplitude tested, by more
# than ×60 (the smallest factor, 65.7, is in the table above), and ahead of linear extrapolation only at the
# centre of its range (`ω = 1`, `A = 1`), with test sines of seed 6 too (the exercise's check); its error relative to the straight line grows with every step away
# from that centre, on both sides. Its free runs end with an error above 30 % of the signal power at every
# frequency, inside the range too, while a two-coefficient recurrence fitted to each test series' own 30
# observed values forecasts all of them (below 1e-6 of the signal power). So this spot check (one seed, one
# training run) says nothing about whether a well-trained network extrapolates in frequency: one quick
# training run is not that network. The chapter's benchmark LSTMs, trained on one frequency with the full
# recipe, free-run 5000 steps of that frequency.
