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
# # 08 · The sampling rate and the head
#
# (Split from chapter 09; the introduction is to be written.)

# %%
# %matplotlib inline
import copy
import math
import statistics

import matplotlib.pyplot as plt
import torch

from sine_lab.bench import format_sweep, free_run_mse, make_task, plot_sweep, summarize
from sine_lab.callbacks import ClipGradNorm
from sine_lab.data import make_windows, random_sines
from sine_lab.diagnostics import free_run_multipliers
from sine_lab.forecasting import ForecastSettings, estimate_period, fit, one_step_mse
from sine_lab.plots import colour as palette
from sine_lab.models import SequenceModel, build_model, forecast
from sine_lab.studies.forecasting_study import (
    CELLS,
    NEW,
    OLD,
    SWEEP_PATH,
    VARIANTS,
    AfterEachStage,
    describe_recipe,
    difference_spread,
    error_misses,
    format_control,
    gradient_rms,
    load_control,
    load_sweep,
    run_control,
    sweep_run,
)
from sine_lab.training import seed_everything, train

seed_everything(0)
torch.set_num_threads(1)  # small models step through time one sample at a time: one thread is enough
# One colour per kind of forecaster, in every figure of this chapter.
COLOURS = {name: palette(key) for name, key in [
    ("LSTM, teacher forcing only", "lstm, teacher forcing only"), ("LSTM + rollout loss", "lstm"),
    ("linear (least squares)", "recurrence"), ("zero", "zero"), ("persistence", "persistence"), ("truth", "truth")]}

# %%
# NBVAL_CHECK_OUTPUT
task = make_task(20.0, seed=0)
print(f"train {tuple(task.train.shape)}, test {tuple(task.test.shape)}, test shifts {task.test_shifts.tolist()}")

# %% [markdown]
# ## 1. The recipe and the forecasters, disclosed
#
# Three terms first.
# - A **fixed residual of second order**: the network does not output the next value, nor its change,
#   but the wave's **curvature**, the second difference `s[n+1] − 2 s[n] + s[n−1]`:
#   `output = 2 x[n] − x[n−1] + scale · head(h)`, where `h` is the cell's state, `head` a linear layer
#   and `scale` the spread (standard deviation) of the second differences in the training series. The
#   part `2 x[n] − x[n−1]` (continue in a straight line) is fixed, not learned. For a sine of `P` samples
#   per radian the second difference is `−(2 − 2cos(1/P)) · s[n]`: proportional to the current value at
#   every sampling rate, so the head has the same simple job on a fast wave as on a slow one. Every row
#   named LSTM (or RNN, GRU) below is *that cell plus this head*: not a bare cell.
# - A **scaled loss**: every stage minimises the MSE divided by `scale²` (`ScaledMSE`), the error in units
#   of the second difference. Same minimum as the MSE; why it matters is measured in §6.
# - **One-cycle schedule**: Adam's learning rate rises to its peak and anneals to near zero over the run.
#   **L-BFGS**: a quasi-Newton optimizer; from the last few gradients it estimates the curvature of the
#   loss and takes full-batch steps with a line search. It polishes a solution Adam has found.
#
# The recipe is `ForecastSettings()`, the benchmark's, the same for every cell and every period. Calling it
# on the training series gives the model's settings and the stages; both are printed next (the numbers
# in the prose are read from there): stage 1, mini-batch Adam on the per-step error of *teacher-forced*
# chunks (each prediction made from true past values) after a warm-up; stage 2, L-BFGS on a fixed batch of
# the same chunks, validated one step ahead on the later stretch `n ≥ 800` of the training series; stage 3,
# L-BFGS on the error of 200-step *free-running* forecasts from 200 observed values (a **rollout loss**:
# the loss of the model fed its own predictions), validated by free-running each training series from its
# values before `n = 800` to its end. Validated stages stop after two scores without improvement and keep
# the best weights, the starting ones included.

# %%
SETTINGS = ForecastSettings()
RECIPE = SETTINGS(task.train)
print(SETTINGS)
print(describe_recipe(RECIPE))
before_cut = task.train[:, : SETTINGS.validation_start]
print(f"spread of the training series' differences: first {difference_spread(before_cut, 1):.2e}, "
      f"second {difference_spread(before_cut, 2):.2e} (the head's scale)")
print(f"measured period {estimate_period(before_cut):.6f} samples/radian (label 20)")

# %% [markdown]
# The exact linear recurrence restarts the wave from the last two observed samples; their *difference*
# carries the slope, and noise in it is amplified by about `1/(ωΔt) = 20`. The LSTM with the second-order
# head does no better in the median: its median error is within 25% of the linear recurrence's at every
# noise level (the factors printed above; asserted), and its worst forecast is worse at every level, by
# more than ×2 at `σ = 0.1`. A plausible reading (not tested here): its fixed part, `2 x[n] − x[n−1]`, is
# the same two-sample extrapolation, so it inherits the same noise amplification, and the head, trained on
# clean waves only, adds to it on inputs that noisy. Noise was not among the recipe's targets; Exercise 4
# asks what a first-order head does here.
#
#
# ## 6. Every sampling rate
#
# The article's explanation of when the LSTM fails is the sampling rate: it "might still underperform if
# the sine wave's period is significantly long relative to the sequence length. The LSTM's internal state
# might not effectively capture the long-range temporal dependencies." Here the sequence is fixed (1000
# observed values) and the period varies, from 5 to 100 samples per radian (31 to 628 samples per cycle:
# at 100 a training series holds 1.6 cycles).
#
# ### The sweep
#
# The benchmark sweeps it: `python -m sine_lab.bench --periods 5,10,20,50,100 --seeds 0-4 --json
# sine_lab/studies/results/sweep_periods.json` trains RNN, LSTM and GRU (each with the head and recipe of
# §1, the same settings at every period) and the 2-unit linear recurrence, the reference, at five periods with
# five seeds (each seed draws its own task and initialisation). Its output is committed; the next cell
# prints it (worst / median over the seeds, targets met per run). The targets (issue 12): one-step MSE
# ≤ 1e-6, free-running MSE ≤ 1e-4 over 1000 steps and ≤ 1e-3 over 2000, training ≤ 10 s, median ≤ 5 s.

# %%
sweep = load_sweep()
print(format_sweep(sweep))

# %%
fig, axes = plt.subplots(3, 1, figsize=(9, 12), layout="constrained", sharex=True)
plot_sweep(sweep, "one_step_mse", ax=axes[0],
           title="One step ahead: every cell below the target at every period")
plot_sweep(sweep, "free_run_mse", horizon=1000, ax=axes[1],
           title="1000 steps free running: the slow waves are not the problem")
plot_sweep(sweep, "train_seconds", ax=axes[2], title="Training time (wall clock, one thread)")
for ax in axes[1:]:
    ax.get_legend().remove()
axes[0].set_xlabel("")
axes[1].set_xlabel("")
axes[2].set_ylabel("training time (s)");

# %%
runs = [r for r in sweep["runs"] if r["cell"] in CELLS]
misses = [(r["cell"], r["period"], r["seed"], error_misses(r)) for r in runs if error_misses(r)]
print(f"RNN, LSTM and GRU: {len(runs) - len(misses)} of {len(runs)} runs meet every error target")
for cell, period, seed, missed in misses:
    row = sweep_run(sweep, cell, period, seed)
    print(f"  missed: {cell} at period {period:g}, seed {seed}: {', '.join(missed)} "
          f"(one-step {row['one_step_mse']:.1e}, free run 1000 {row['free_run_mse']['1000']:.1e}, "
          f"2000 {row['free_run_mse']['2000']:.1e})")
floor = [r for r in sweep["runs"] if r["cell"] == "linear"]
print(f"linear recurrence: {sum(not error_misses(r) for r in floor)} of {len(floor)} runs meet every error target")
summary = [e for e in summarize(sweep) if e["cell"] in CELLS]
slow_time = [(e["cell"], e["period"], e["train_seconds"]["median"]) for e in summary if "median time" in e["missed"]]
over_10 = sum(r["train_seconds"] > 10 for r in runs)
print(f"time: {over_10} of {len(runs)} runs over 10 s; median over 5 s for {len(slow_time)} of {len(summary)} "
      f"cells x periods: " + ", ".join(f"{c} {p:g} ({t:.1f} s)" for c, p, t in slow_time))
print(f"load average during the sweep: {sweep['load_average'][0]:g} before, {sweep['load_average'][1]:g} after")
linear_median = {e["period"]: e["free_run_mse"]["1000"]["median"] for e in summarize(sweep) if e["cell"] == "linear"}
below = [(e["cell"], e["period"]) for e in summary if e["free_run_mse"]["1000"]["median"] < linear_median[e["period"]]]
print("median 1000-step free run below the linear recurrence's: " + ", ".join(f"{c} {p:g}" for c, p in below))

# %%
lstm_misses = [(period, seed) for cell, period, seed, _ in misses if cell == "lstm"]
assert all(cell == "lstm" for cell, *_ in misses), "RNN and GRU meet every error target in every run"
assert {period for period, _ in lstm_misses} == {5.0} and len(lstm_misses) == 3, "the LSTM misses at period 5 only"
assert all(not error_misses(r) for r in runs if r["period"] == max(sweep["periods"])), "period 100: every run meets"
assert max(r["one_step_mse"] for r in runs) < 1e-9, "one step ahead, every run is 1000x below the target"
assert all(not error_misses(r) for r in floor), "the linear recurrence meets every error target"
assert over_10 > 0 and slow_time, "the time targets are missed"
median_missed = {(cell, period) for cell, period, _ in slow_time}
assert all(("gru", period) in median_missed for period in sweep["periods"]), "GRU: median over 5 s at every period"
assert {p for c, p in median_missed if c == "lstm"} == {20.0, 50.0, 100.0}, "LSTM: median over 5 s from period 20"
assert linear_median[100.0] > 50 * linear_median[5.0], "the linear recurrence's free run is worse at slow periods"
assert len({period for _, period in below}) >= 3, "at several periods some cell's median is below the linear one"

# %% [markdown]
# Read from the table and the figure:
#
# - **One step ahead every cell is far below the target at every period**: the worst of the 75 runs of RNN,
#   LSTM and GRU is about 1e-10, a thousandth of the 1e-6 target (asserted).
# - **Free running, the slowest wave is not where the failures are.** At period 100 (a training series holds
#   1.6 cycles) every one of the 15 runs meets every error target. RNN and GRU meet every error target in
#   every run at every period (50 of 50). The LSTM misses only at the *fastest* wave, period 5, in 3 of 5
#   seeds (seeds 0, 3 and 4; free-running MSE over 1000 steps up to 13, printed above): its one-step error
#   there is as small as anywhere, yet its free run leaves the wave. That is a miss of the target,
#   stated, not explained away: the recipe's rollout stage trains 200-step free runs, and the validated long
#   free run is what diverges.
# - The free-running error does rise with the period for every model, the linear recurrence included
#   (its median from 1.7e-9 at period 5 to 1.6e-7 at period 100, more than ×50; asserted)
#   (the 2-coefficient recurrence's error comes from its float32 coefficients and arithmetic, not from
#   learning). So the linear row is a reference, not a hard floor: at periods 5 to 50 some cell's median
#   free run is below it (the pairs are printed above).
# - **Time targets are missed.** Training must take ≤ 10 s per run and ≤ 5 s in the median over seeds. Runs
#   over 10 s and the cells × periods whose median is over 5 s are printed above: the GRU misses the median
#   at every period, the LSTM from period 20 on, the RNN at period 20 (nn.GRU runs one time step at a time
#   on this CPU, nn.LSTM a fused kernel). These are the sweep's wall-clock seconds, one process on an otherwise idle machine (the
#   load average printed above, about 1, is the sweep itself).

# %% [markdown]
# The grid has five periods; the recipe is meant for any period in between. A second sweep, at periods
# 7, 13, 35 and 70 with seeds 0–2 (`python -m sine_lab.bench --periods 7,13,35,70 --seeds 0-2 --json
# sine_lab/studies/results/sweep_offgrid.json`, run while other work shared the machine, so only its errors
# count), is read the same way:

# %%
offgrid = load_sweep(SWEEP_PATH.with_name("sweep_offgrid.json"))
offgrid_runs = [r for r in offgrid["runs"] if r["cell"] in CELLS]
offgrid_misses = [(r["cell"], r["period"], r["seed"], r["free_run_mse"]["1000"])
                  for r in offgrid_runs if error_misses(r)]
print(f"periods {', '.join(f'{p:g}' for p in offgrid['periods'])}, seeds {offgrid['seeds']}: RNN, LSTM and GRU, "
      f"{len(offgrid_runs) - len(offgrid_misses)} of {len(offgrid_runs)} runs meet every error target")
for cell, period, seed, free in offgrid_misses:
    print(f"  missed: {cell} at period {period:g}, seed {seed} (free run 1000 {free:.1e})")
assert [(cell, period) for cell, period, *_ in offgrid_misses] == [("lstm", 7.0)], "off the grid, only the LSTM at 7"

# %% [markdown]
# Off the grid too, every RNN and GRU run meets every error target; the one miss is again the LSTM at a fast
# wave, period 7 (printed above).
#
# So with this recipe the article's claim does not hold: a period long relative to the sequence is no
# harder for RNN, LSTM or GRU, and the LSTM's only failures are at the fastest wave. Did the article's
# explanation ever hold? The recipe before issue 12 missed at period 100 (the control below repeats it:
# 0 of 9 runs meet the error targets). The control finds what changed.
#
# ### A spot check, live
#
# The sweep's numbers are read from a file; here the same runs are repeated live, seed 0, at the slowest
# period (100) and the fastest (5), for each cell, by the same code (`run_control(cell, period, 0, NEW)`
# trains with `ForecastSettings()`, exactly the benchmark's run). §1 already repeated the sweep's LSTM run
# at period 20, seed 0.

# %%
SPOT_PERIODS = (100.0, 5.0)
spot = {(cell, period): run_control(cell, period, 0, NEW) for period in SPOT_PERIODS for cell in CELLS}
# The sweep's seed also draws the task, so of §1's runs (all on the task of seed 0) only seed 0 is the sweep's.
reference = {("lstm", 20.0, 0): (one_step["LSTM + rollout loss", 0], mse_1000["LSTM + rollout loss", 0])}
reference.update({(cell, period, 0): (run.one_step_mse, run.free_run_mse["1000"])
                  for (cell, period), (_, run) in spot.items()})
print(f"{'cell':<5}{'period':>7}{'seed':>5}{'one-step live':>15}{'in the sweep':>14}"
      f"{'free run 1000 live':>20}{'in the sweep':>14}")
agreement = []
for (cell, period, seed), (live_one, live_free) in reference.items():
    stored = sweep_run(sweep, cell, period, seed)
    agreement += [live_one / stored["one_step_mse"], live_free / stored["free_run_mse"]["1000"]]
    print(f"{cell:<5}{period:>7g}{seed:>5}{live_one:>15.2e}{stored['one_step_mse']:>14.2e}"
          f"{live_free:>20.2e}{stored['free_run_mse']['1000']:>14.2e}")
print(f"live / sweep: from {min(agreement):.3f} to {max(agreement):.3f}")
for (cell, period), (_, run) in spot.items():
    verdict = "meets every error target" if run.met else "misses " + ", ".join(run.misses)
    print(f"{cell} at period {period:g}: {verdict}")

# %%
TOLERANCE = 2.0  # live / sweep: the same code and seed, so equal up to rounding, which a free run amplifies
assert all(1 / TOLERANCE < ratio < TOLERANCE for ratio in agreement), "the live runs repeat the sweep's"
spot_met = {key: run.met for key, (_, run) in spot.items()}
assert all(spot_met[cell, 100.0] for cell in CELLS), "period 100: every cell meets every error target"
assert spot_met["rnn", 5.0] and spot_met["gru", 5.0] and not spot_met["lstm", 5.0], "period 5: the LSTM misses"

# %% [markdown]
# The live runs repeat the sweep's (the ratios printed above; asserted within a factor of 2, since a free
# run amplifies any difference in rounding between machines): at period 100 every cell meets every error
# target, and at period 5 the RNN and the GRU meet them while the LSTM misses, its free run leaving the wave
# although its one-step error is as small as anywhere.
#
# Why does a model that predicts every next value to within 1e-10 leave the wave when it feeds itself?
# A generated step maps the model's state and its last output to the next state and output; a small
# disturbance of that state (a rounding error, a one-step error) is carried along by the product of the
# map's Jacobians. Over one cycle of the wave (`2π · 5 ≈ 31` steps) the moduli of that product's
# eigenvalues say by how much a disturbance grows or shrinks per cycle (`free_run_multipliers`, computed
# from each test series' context; a perfect oscillator has 1 for its phase and amplitude, and a growing
# oscillation more than 1):

# %%
CYCLE = round(2 * math.pi * 5.0)
task5 = make_task(5.0, seed=0)
multipliers, error_after = {}, {}
for cell in CELLS:
    model = spot[cell, 5.0][0]
    multipliers[cell] = [float(free_run_multipliers(model, task5.test[i : i + 1, :999, None], CYCLE)[0])
                         for i in range(task5.test.shape[0])]
    _, generated5 = free_run_mse(model, task5, 1000)
    worst = (generated5 - task5.continuation(1000)).abs().amax(dim=0)
    error_after[cell] = {k: float(worst[:k].max()) for k in (10, 100, 300)}
    print(f"{cell}: largest multiplier over one cycle ({CYCLE} steps), per test series: "
          + ", ".join(f"{m:.3f}" for m in multipliers[cell])
          + "; largest error within " + ", ".join(f"{k} steps {e:.1e}" for k, e in error_after[cell].items()))

# %%
assert min(multipliers["lstm"]) > 1.2, "the LSTM's free run amplifies a disturbance every cycle"
assert max(multipliers["rnn"] + multipliers["gru"]) < 1.0, "the RNN's and the GRU's do not"
assert error_after["lstm"][300] > 100 * error_after["lstm"][10], "the LSTM's error grows along the run"
assert max(error_after["rnn"][300], error_after["gru"][300]) < 1e-3, "the RNN's and the GRU's stay small"

# %% [markdown]
# The LSTM at period 5, seed 0, amplifies a disturbance about 1.35 times per cycle, on every test series,
# and its free run's error grows accordingly, by orders of magnitude between 10 and 300 steps (printed
# above). The RNN and the GRU, trained by the same recipe on the same task, shrink a disturbance slightly
# every cycle, and their errors stay small. Teacher forcing cannot see this: it never feeds the model its
# own output. The recipe's rollout stage does, yet this model is the recipe's final one: the stage did not
# remove the growth. This is one seed, measured live; the sweep's other two LSTM misses at period 5 were
# not analysed here.

# %% [markdown]
# ### What fixed the slow waves: a control
#
# Before issue 12 the recipe's head predicted the *change* (order 1: `output = x[n] + scale · head(h)`) and
# its stages minimised the raw MSE; at period 100 it missed the error targets, as if the article were right. The new recipe changed two
# things at once, so a control separates them: the same recipe with each of the four combinations of
# residual order (1 or 2) and loss (raw or scaled MSE), everything else equal.
#
# First the mechanism, in numbers. At period 100 a training series changes by about `1/100` per step and
# bends by about `1/100²`:

# %%
slow = make_task(100.0, seed=0)
slow_before_cut = slow.train[:, : SETTINGS.validation_start]
spread = {order: difference_spread(slow_before_cut, order) for order in (1, 2)}
print(f"period 100: spread of the first differences {spread[1]:.2e}, of the second {spread[2]:.2e}")
raw_recipe = VARIANTS[2].settings(SETTINGS)(slow.train)  # order 2, raw MSE
scaled_recipe = NEW.settings(SETTINGS)(slow.train)
seed_everything(0)
fresh = build_model("rnn", **raw_recipe.model)  # an untrained RNN with the order-2 head
adam_eps = torch.optim.Adam([torch.zeros(1, requires_grad=True)]).defaults["eps"]
raw_gradient = gradient_rms(fresh, raw_recipe, slow.train)
scaled_gradient = gradient_rms(fresh, scaled_recipe, slow.train)
print(f"untrained RNN, order 2: gradient RMS under the raw MSE {raw_gradient:.1e}, "
      f"under the scaled MSE {scaled_gradient:.1e}; Adam's eps {adam_eps:g}")
# Adam moves each weight by lr * m / (sqrt(v) + eps); for a steady gradient g that is lr * g / (|g| + eps).
step_fraction = {name: g / (g + adam_eps) for name, g in (("raw", raw_gradient), ("scaled", scaled_gradient))}
print(f"Adam's step, as a fraction of lr, for a steady gradient of that size: raw MSE "
      f"{step_fraction['raw']:.2f}, scaled MSE {step_fraction['scaled']:.2f}")

# %% [markdown]
# At period 100 the second differences spread about a hundredth of the first differences (printed above).
# With the head predicting the second difference, a head that outputs zero, the fixed residual alone, is
# already within that spread, so every loss the raw MSE sees is of order `(7e-5)² = 5e-9`, and so are its
# gradients: at initialisation their RMS is 6.8e-10, below Adam's `eps = 1e-8`. Adam normalises each step
# by the gradient's running size plus `eps`; when the gradient is smaller than `eps`, `eps` wins, and the
# step shrinks to about 6% of its intended size (printed above). The scaled loss divides the loss, and so every gradient, by
# `scale²`: the same gradients are then far above `eps`, and Adam takes its full steps.
#
# Live, the corner that fits in about a minute: the RNN, seed 0, the four variants at period 100 (the new
# recipe's run is the spot check's). `stage_losses` is the raw teacher-forced loss after each stage.

# %%
control = {variant: run_control("rnn", 100.0, 0, variant)[1] for variant in VARIANTS[:-1]}
control[NEW] = spot["rnn", 100.0][1]
live = list(control.values())
print(format_control(live))
for variant, run in control.items():
    print(f"{variant.label:<21} loss after each stage " + ", ".join(f"{v:.2e}" for v in run.stage_losses)
          + f"; head fixed at zero {run.zero_head_loss:.2e}; {run.cpu_seconds:.1f} CPU s")

# %%
tf_fraction = {variant: run.teacher_forced / run.zero_head_loss for variant, run in control.items()}
assert not control[OLD].met and not control[VARIANTS[1]].met, "order 1 misses at period 100, with either loss"
assert control[VARIANTS[2]].met and control[NEW].met, "order 2 meets every error target, with either loss"
assert tf_fraction[VARIANTS[2]] > 0.3, "raw MSE: the teacher-forcing stages leave most of the zero head's loss"
assert tf_fraction[NEW] < 1e-3, "scaled MSE: the teacher-forcing stages learn the curvature"
assert raw_gradient < adam_eps < scaled_gradient, "raw gradients are below Adam's eps, scaled ones above"

# %% [markdown]
# For this RNN (seed 0) the control separates the two causes:
#
# - **The residual's order decides whether the slow wave is learned at all.** With the head predicting the
#   change (order 1) both losses miss the targets at period 100; with it predicting the curvature (order 2)
#   both meet them.
# - **The loss decides how it is learned.** With the raw MSE the teacher-forcing stages (Adam, then L-BFGS)
#   leave the loss at 3.4e-9, against 5.08e-9 for the head fixed at zero: they learned little, and L-BFGS
#   nothing. Only the rollout stage rescues the run (1.7e-13 after it), at a higher CPU cost. With the
#   scaled loss Adam alone brings it to 1.9e-12 and L-BFGS to 6.1e-14, five orders of magnitude below the
#   zero head. (CPU seconds here are taken on a shared machine; the file below has three seeds.)
#
# The full grid, 3 cells × 4 variants × 3 seeds at period 100 (and period 20 as the reference), is
# `scripts/residual_control.py`, one process; its stored output:

# %%
command, stored_control = load_control()
print(command)
print(format_control(stored_control))
stored_by_key = {(s.cell, s.period, s.seed, s.variant): s for s in stored_control}
ratios = [r.free_run_mse["1000"] / stored_by_key[r.cell, r.period, r.seed, r.variant].free_run_mse["1000"]
          for r in live]
print(f"the live runs against the file's: free run 1000 live / stored from {min(ratios):.3f} to {max(ratios):.3f}")

# %%
def grid(period: float, variant) -> list:
    return [r for r in stored_control if r.period == period and r.variant == variant]


def cpu_median(period: float, variant, cell: str) -> float:
    return statistics.median(r.cpu_seconds for r in grid(period, variant) if r.cell == cell)


raw_order_2 = grid(100.0, VARIANTS[2])
assert all(1 / TOLERANCE < ratio < TOLERANCE for ratio in ratios), "the live runs repeat the file's"
assert not any(r.met for r in grid(100.0, OLD) + grid(100.0, VARIANTS[1])), "order 1: no run meets, either loss"
assert all(r.met for r in grid(100.0, NEW)), "order 2, scaled MSE: every run meets"
assert 0 < sum(r.met for r in raw_order_2) < len(raw_order_2), "order 2, raw MSE: most runs meet, not all"
assert min(r.teacher_forced / r.zero_head_loss for r in raw_order_2) > 0.3, "raw MSE: teacher forcing learns little"
assert max(r.teacher_forced / r.zero_head_loss for r in grid(100.0, NEW)) < 1e-3, "scaled MSE: it learns"
assert all(cpu_median(100.0, NEW, cell) < cpu_median(100.0, VARIANTS[2], cell) for cell in CELLS), "scaled: faster"
assert all(r.met for variant in VARIANTS for r in grid(20.0, variant)), "period 20: every variant meets"

# %% [markdown]
# The command line above shows how the file was made: the first invocation ran the whole grid at period 100
# and was stopped after it to fit this session's time; the second (`--resume`) added period 20 for seed 0
# only. Over the grid at period 100 (3 seeds per row):
#
# - **Order 1 missed in every run, with either loss** (0 of 9 with the raw MSE, the recipe before issue 12;
#   0 of 9 with the scaled MSE). The scaled loss alone does not fix the slow wave.
# - **Order 2 with the scaled loss met every error target in 9 of 9 runs**; with the raw MSE in fewer (the
#   `met` column: the GRU missed in 2 of 3 seeds, its 1000-step free run near 9e-4, above the 1e-4 target). With the raw MSE the
#   teacher-forcing stages left at least a third of the zero head's loss in every run, the scaled loss less
#   than 1e-3 of it (the `TF loss / zero head` column), and the raw runs cost more CPU time for every cell:
#   their rollout stage has to do the learning.
# - At period 20 (seed 0) every variant met every error target for every cell: the old recipe was not
#   wrong at the period it was tuned on.
#
# So the article's failure at long periods is reproduced here — by the old recipe, whose head had to
# output the wave's slope, a slow change hidden in values that differ by a hundredth from step to step. A
# head that outputs the curvature, a fixed multiple of the current value at every period, removes it for
# every cell, and a loss measured in the units of that curvature lets plain teacher forcing learn it
# quickly. Neither change touches the long-range memory the article blames: one is the form of the output,
# the other the units of the loss.
#
# ## What we learned
#
# - One step ahead (teacher forcing) is easy; free running compounds small errors (§2): over 1000 steps
#   more than ×1000 the one-step error. Trained with the recipe (second-order head, scaled loss), an LSTM
#   still forecasts 1000 steps with an error more than a million times below the naive baselines for every
#   seed (asserted), and stays on the wave after 5000.
# - A rollout (multi-step) loss from long warm-ups, validated by free running, lowered the 1000-step
#   error of every seed (3 of 3) and of the worst teacher-forced seed by more than ×10 (asserted); the error
#   of every LSTM still grows along the horizon.
# - Forecasting beyond the training times is no problem for a model of the dynamics. A quick model
#   trained on a *range* of frequencies is accurate one step ahead only near the centre of that range,
#   and free-runs none of them; amplitudes outside the training range break even the one-step prediction.
# - On noisy observations the LSTM with the second-order head is no better than the exact linear
#   recurrence in the median, and worse in its worst forecasts.
# - **The sampling rate, measured** (§6): with one recipe for every period, RNN and GRU met every error
#   target from 5 to 100 samples per radian (50 of 50 runs), the LSTM in 22 of 25, missing only at the
#   *fastest* wave (period 5, 3 of 5 seeds). A period long relative to the sequence is not what makes a
#   cell fail. What made the old recipe fail at period 100 was its first-order head (0 of 9 runs met the
#   targets with either loss; with the second-order head and the scaled loss 9 of 9); the scaled loss is
#   what lets teacher forcing learn the slow wave, and quickly. Training times miss their targets (GRU
#   and LSTM medians over 5 s).
#
# ## Try this
#
# 1. In the training cell of §1, fit with `ForecastSettings(rollout=0, lbfgs_steps=0)` (Adam only): how
#    much of the one-step precision comes from the L-BFGS stage?
# 2. The LSTM's miss at period 5: `run_control("lstm", 5.0, 0, NEW)` repeats it. Does a longer rollout
#    (`base=ForecastSettings(rollout=400)`) or more rollout steps keep its free run on the wave, and what
#    does it cost in time?
# 3. Between the grid's periods: `python -m sine_lab.bench --periods 7,35,70 --seeds 0-2` (about 5 minutes).
#    Does any period between 5 and 100 break a cell the grid did not?
# 4. In §5, add an LSTM trained with `ForecastSettings(delta_order=1)` to `forecasters`: does a head that
#    predicts the change average the noise away better than one that predicts the curvature?
#
# **Previous:** [07 · Forecasting far ahead](07_forecasting_far_ahead.ipynb) · **Next:** [09 · When memory matters](09_when_memory_matters.ipynb)
