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
# > **You need:** [chapter 07](07_forecasting_far_ahead.ipynb)'s task, [benchmark
# > targets](glossary.ipynb#benchmark-targets) and [recipe](glossary.ipynb#recipe): networks that output
# > `2 x[n] − x[n−1] + scale · head(h)`, the straight line through the last two values plus a
# > [curvature](glossary.ipynb#curvature) from the [head](glossary.ipynb#head), in units of `scale`.
# >
# > **The question:** the article says an LSTM "might still underperform if the sine wave's period is
# > significantly long relative to the sequence length". Scored over equal cycles, do cells fail at slow
# > waves, and how much of the result is the cell's, how much the fixed line's? **The short answer:** a
# > cell that outputs the next value itself forecasts the fastest wave here in 9 of 9 runs, the slowest in 0
# > of 9; with the fixed line and the curvature head the same cells forecast both in most runs (9 and 7 of
# > 9), and the least-squares recurrence, fitted without training, beats their medians at every rate.
#
# **Samples per radian, and fair comparisons.** Throughout, the [sampling rate](glossary.ipynb#sampling-rate)
# is `P`, the number of *samples per radian*: the series is `sin(n/P + φ)`, and one cycle is `2πP` samples.
# A large `P` is a slow wave (the code calls it `period`). The article's own data, `sin(x)` at
# `x = linspace(0, 10, 1000)`, have `P ≈ 100`, the slowest wave here. Chapter 07's benchmark scores
# [free runs](glossary.ipynb#free-running) of 1000 and 2000 steps; 1000 steps are 32 cycles at `P = 5` but
# 1.6 at `P = 100`: equal steps are unequal tasks. Here free runs are scored over **10 whole cycles** (314
# steps at `P = 5`, 6,283 at `P = 100`). Only the scoring is equal in cycles; every training length is fixed
# in steps (§3).

# %%
# %matplotlib inline
import math
import statistics

import matplotlib.pyplot as plt
import torch

from sine_lab.bench import make_task
from sine_lab.forecasting import ForecastSettings, fit, one_step_mse
from sine_lab.models import build_model, forecast
from sine_lab.plots import colour
from sine_lab.skip import LearnedSkip
from sine_lab.studies.forecasting_study import (
    BARE_PATH,
    CELLS,
    CYCLES_PATH,
    KINDS_PATH,
    SKIP_PATH,
    STRETCHED_PATH,
    VARIANTS,
    AfterEachStage,
    format_by_period,
    format_commands,
    format_control_summary,
    gradient_rms,
    head_rows,
    load_control,
    load_sweep,
)
from sine_lab.training import fit_autoregressive, seed_everything

torch.set_num_threads(1)

# %% [markdown]
# ## 1. Four sweeps, one grid
#
# Each sweep trains on chapter 07's task at `P` = 5, 20 and 100, with [seeds](glossary.ipynb#seed) 0–2
# (each seed draws its own task and initialisation), cells of 32 units and every stage of chapter 07's
# recipe ([Adam](glossary.ipynb#adam), [L-BFGS](glossary.ipynb#l-bfgs), then L-BFGS on 200-step free
# runs). The first two sweeps train RNN, LSTM and GRU and differ in what the head predicts:
#
# - **recipe**: the curvature, output `2 x[n] − x[n−1] + scale · head(h)`, `scale` the spread of the
#   training series' curvature (chapter 07's);
# - **[bare cell](glossary.ipynb#bare-cell)**: the next value itself, output `scale · head(h)`, `scale` the
#   spread of the training values, nothing fixed added; so its loss is in units of the values (head and
#   loss both differ from the recipe; not separated here).
#
# Both also score two rows that need no training: **the straight line** alone, `2 x[n] − x[n−1]` with the
# head at zero ([linear extrapolation](glossary.ipynb#linear-extrapolation); the row `residual only`), and
# **the recurrence**, the [least-squares recurrence](glossary.ipynb#least-squares-recurrence)
# `a x[n] + b x[n−1]` (the row `2-tap recurrence`: a *tap* is one weighted past input). In the recipe the
# straight line is the fixed part of the output, the [fixed residual](glossary.ipynb#fixed-residual). The other two sweeps are in §3's optional part. The commands that made the
# four stored files:

# %%
recipe_sweep, bare_sweep = load_sweep(CYCLES_PATH), load_sweep(BARE_PATH)
kinds_sweep, skip_sweep = load_sweep(KINDS_PATH), load_sweep(SKIP_PATH)
print(format_commands([sweep["command"] for sweep in (recipe_sweep, bare_sweep, kinds_sweep, skip_sweep)]))
rows = head_rows(recipe_sweep, bare_sweep, others=[kinds_sweep, skip_sweep])
periods = recipe_sweep["periods"]
MAIN = [f"{c}, {how}" for how in ("bare cell", "recipe") for c in CELLS] + ["residual only", "2-tap recurrence"]

# %% [markdown]
# The eight rows of the first two sweeps, each the median of 3 seeds (numbers in §2 and §3):

# %%
def row(name: str, period: float) -> dict:
    return next(r for r in rows if r["row"] == name and r["period"] == period)


ONE_STEP_TARGET = 1e-6
one_step_misses = [f"{r['cell']} {how}, P = {r['period']:g}, seed {r['seed']} ({r['one_step_mse']:.1e})"
                   for how, sweep in (("bare cell", bare_sweep), ("recipe", recipe_sweep)) for r in sweep["runs"]
                   if r["cell"] in CELLS and r["one_step_mse"] > ONE_STEP_TARGET]
fig, (ax_one, ax_free) = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained")
for number, name in enumerate(MAIN):
    kind = row(name, periods[0])["kind"]
    nudge = 1 + 0.03 * (number - len(MAIN) / 2)  # a small offset along P, so equal medians stay visible
    bare = "bare" in name  # bare cells dashed with hollow squares, so that rows meeting at a point stay visible
    marks = dict(linestyle="--", marker="s", markersize=8, markerfacecolor="none") if bare else dict(marker="o")
    for ax, key in ((ax_one, "one_step"), (ax_free, "free_run")):
        ax.plot([p * nudge for p in periods], [row(name, p)[key] for p in periods], color=colour(kind), label=name,
                **marks)
ax_one.axhline(1e-6, color=colour("reference"), linestyle=":", label="target: one step 1e-6, 10 cycles 1e-4")
ax_free.axhline(1e-4, color=colour("reference"), linestyle=":")
ax_one.set(xscale="log", yscale="log", xlabel="samples per radian P (larger: slower wave)",
           ylabel="one-step MSE (median of 3)",
           title="One step: the straight line alone meets the target at P = 100;\n"
                 "every trained median is below the target "
                 f"({len(one_step_misses)} of 54 runs is not)")
ax_free.set(xscale="log", yscale="log", xlabel="samples per radian P (larger: slower wave)",
            ylabel="free-run MSE over 10 cycles (median of 3)",
            title="Free running over 10 cycles: at P = 100 every bare-cell\nmedian is above the target, every "
                  "recipe median below it")
for ax in (ax_one, ax_free):
    ax.set_xticks(periods, [f"{p:g}" for p in periods], minor=False)
    ax.minorticks_off()
ax_free.legend(*ax_one.get_legend_handles_labels(), fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1));

# %% [markdown]
# ## 2. One step ahead, the straight line does most of the work at slow waves
#
# The one-step target of the benchmark is an [MSE](glossary.ipynb#mse) of at most 1e-6. The straight line
# alone, with no training, scores the wave's squared curvature, which shrinks as `1/P⁴`: 7.9e-4 at
# `P = 5`, 3.1e-6 at 20 and 5.0e-9 at 100 (the `residual only` row). So at `P = 100` the straight line
# alone meets the one-step target 200 times over: there the one-step target says nothing about what a cell
# learned. The recipe's cells are 10⁵ times or more below the straight line alone at every `P` (the
# "straight line alone / the recipe's cells" line); at `P = 100` every bare cell's median is *above* the
# straight line alone (8.5e-9 to 2.3e-7), and one bare RNN run is above the target itself (2.4e-06; every
# other trained run meets it). The recurrence, with no training, is lower still: below every trained row at
# every `P`, by ×5 or more (the "best trained row" line). Its own one-step error, about 1e-15, is float32's
# rounding of values of size 1, so at `P = 100` the best trained row (×7.8) is within ×10 of that floor.

# %%
print("one-step MSE, median of 3 seeds:")
print(format_by_period(rows, MAIN, value="one_step"))
residual = {p: row("residual only", p)["one_step"] for p in periods}
added = {p: min(residual[p] / row(f"{c}, recipe", p)["one_step"] for c in CELLS) for p in periods}
print("the straight line alone / the recipe's cells, one step (smallest): "
      + ", ".join(f"P = {p:g}: x{v:.0e}" for p, v in added.items()))
trained_rows = [name for name in MAIN if name not in ("residual only", "2-tap recurrence")]
behind = {p: min(row(name, p)["one_step"] for name in trained_rows) / row("2-tap recurrence", p)["one_step"]
          for p in periods}
print("the best trained row / the recurrence, one step: "
      + ", ".join(f"P = {p:g}: x{v:.1f}" for p, v in behind.items()))
print(f"trained runs above the one-step target: {len(one_step_misses)} of 54 (" + "; ".join(one_step_misses) + ")")

# %%
# The claims above, checked.
assert residual[100.0] < ONE_STEP_TARGET < residual[20.0], "the straight line alone meets the target at P = 100 only"
assert min(added.values()) > 1e5, "the recipe's cells add five orders of magnitude or more at every P"
assert all(row(f"{c}, bare cell", 100.0)["one_step"] > residual[100.0] for c in CELLS), "bare cells: worse at 100"
assert min(behind.values()) > 5, "one step ahead the recurrence beats every trained row by x5 or more"
assert behind[100.0] < 10, "at P = 100 the best trained row is within x10 of the recurrence"
assert all(row(name, p)["one_step"] < ONE_STEP_TARGET for name in trained_rows for p in periods), "every median"
assert len(one_step_misses) == 1, "one trained run misses the one-step target"

# %% [markdown]
# ## 3. Free running over equal cycles
#
# Over 10 cycles of free running (the figure's right panel; target: MSE at most 1e-4, the benchmark's
# 1000-step target), counted in runs of 9 per head and `P` (3 cells × 3 seeds; the table gives each row's
# count of 3 and median):
#
# - **The bare cells get worse as the wave gets slower**: 9 of 9 runs within the target at `P = 5`, 3 of 9
#   at `P = 20`, 0 of 9 at `P = 100`, where their median errors, 0.3 to 0.9, are of the order of the zero
#   predictor's 0.5 (chapter 07). For a bare cell under this recipe the slow-wave failure the article
#   predicts is observed; the cause it names is not tested. The recipe's training lengths are fixed in
#   *steps*, so at `P = 100` a training chunk is under a fifth of a cycle ("a period long relative to the
#   sequence length", the article's words), but a longer warm-up still gives 0 of 9 (the fold), and the
#   budget was not tuned for the bare cell. Not tried: bare cells at `P = 100` on longer series
#   with chunks of a cycle or more, or bare cells at `P = 5` or 20 on chunks cut to 0.19 cycle, which would
#   separate the slow rate from the short chunk.
# - **With the recipe's head the same cells, on the same short chunks, meet the target in 9, 9 and 7 of 9
#   runs at `P` = 5, 20 and 100.** The slow wave is harder for them too: their medians rise ×700 or more
#   from `P = 20` to `P = 100`, the recurrence's about ×100 (the "10-cycle median" line).
# - **The straight line alone never forecasts** (0 of 3 at each `P`): it leaves the wave within a cycle (its
#   median MSE over one cycle is above 10).
# - **The recurrence**, with no training, meets the target in 3 of 3 at every `P`, and its median is
#   below the recipe cells' in 9 of the 9 pairs of cell and `P` (and the bare cells' in 9 of 9).
#
# <details><summary>Controls and caveats: lengths in cycles, a longer warm-up, the misses</summary>
#
# At `P = 100` the series holds 1.6 cycles and a training chunk 0.19 (the "lengths in cycles" line). A
# control: the same bare cells at `P = 100` with the warm-up stretched 5× (chunks of 280 values, 0.45
# cycle) still meet the target in 0 of 9 runs (the "control" line). Chunks of whole cycles cannot be tried
# within this 1000-sample task: 1.6 cycles are too few for them and a held-out stretch for
# [early stopping](glossary.ipynb#early-stopping). The recipe's two misses at `P = 100` are an RNN at
# 1.004e-4, on the threshold, and a GRU at 1.6e-4. And one run within the 10-cycle target is not within
# the task's 1000 steps: the LSTM at `P = 5`, seed 0, is at 1.0e-5 over 10 cycles and has left the wave by step 1000.
#
# </details>

# %%
print("free runs over 10 cycles: runs within 1e-4 of 3, median MSE of 3 seeds")
print(format_by_period(rows, MAIN))
bare_met = {p: sum(row(f"{c}, bare cell", p)["met"] for c in CELLS) for p in periods}
recipe_met = {p: sum(row(f"{c}, recipe", p)["met"] for c in CELLS) for p in periods}
recurrence = {p: row("2-tap recurrence", p)["free_run"] for p in periods}
print("runs within the target at P = " + "/".join(f"{p:g}" for p in periods) + ": bare cells "
      + ", ".join(f"{bare_met[p]} of 9" for p in periods)
      + "; recipe " + ", ".join(f"{recipe_met[p]} of 9" for p in periods))
slower = {c: row(f"{c}, recipe", 100.0)["free_run"] / row(f"{c}, recipe", 20.0)["free_run"] for c in CELLS}
print("10-cycle median at P = 100 / at P = 20: recipe " + ", ".join(f"{c} x{v:.0f}" for c, v in slower.items())
      + f"; the recurrence x{recurrence[100.0] / recurrence[20.0]:.0f}")
line_one_cycle = {p: statistics.median(r["free_run_cycles"]["1"] for r in recipe_sweep["runs"]
                                        if r["cell"] == "residual only" and r["period"] == p) for p in periods}
print("the straight line alone over 1 cycle, median MSE: "
      + ", ".join(f"P = {p:g}: {v:.1f}" for p, v in line_one_cycle.items()))
below = {how: {(c, p) for c in CELLS for p in periods if row(f"{c}, {how}", p)["free_run"] < recurrence[p]}
         for how in ("recipe", "bare cell")}
pairs = len(CELLS) * len(periods)
print("the recurrence's median is the lower in " + "; ".join(
    f"{pairs - len(b)} of {pairs} pairs of {how} and P" for how, b in below.items()))

# %%
# The fold's details: training lengths in cycles, the control, the misses, training times.
settings = ForecastSettings()
print(f"{'lengths in cycles (fixed in steps)':<36}" + "".join(f"{f'P = {p:g}':>9}" for p in periods))
for name, steps in (("series", 1000), ("early-stopping stretch", 1000 - settings.validation_start),
                    ("training chunk", settings.chunk), ("free run of the rollout stage", settings.rollout)):
    print(f"{name:<36}" + "".join(f"{steps / (2 * math.pi * p):>9.2f}" for p in periods))
stretched = load_sweep(STRETCHED_PATH)
longer = ForecastSettings(reference_period=20.0).for_period(100.0)
stretched_runs = [r["free_run_cycles"]["10"] for r in stretched["runs"] if r["cell"] in CELLS]
print(f"the control at P = 100: warm-up {longer.warmup} values, chunks of {longer.chunk} "
      f"({longer.chunk / (2 * math.pi * 100):.2f} cycle);\n  bare cells within 1e-4 over 10 cycles: "
      f"{sum(v <= 1e-4 for v in stretched_runs)} of {len(stretched_runs)}, "
      f"MSE {min(stretched_runs):.2f} to {max(stretched_runs):.2f}")
misses = [(r["cell"], r["seed"], r["free_run_cycles"]["10"]) for r in recipe_sweep["runs"]
          if r["cell"] in CELLS and r["period"] == 100.0 and r["free_run_cycles"]["10"] > 1e-4]
print("recipe runs above 1e-4 over 10 cycles at P = 100: " + ", ".join(f"{c} seed {s} ({v:.3e})" for c, s, v in misses))
within_10_not_1000 = [(r["cell"], r["period"], r["seed"], r["free_run_cycles"]["10"], r["free_run_mse"]["1000"])
                      for r in recipe_sweep["runs"]
                      if r["cell"] in CELLS and r["free_run_cycles"]["10"] <= 1e-4 < r["free_run_mse"]["1000"]]
print("recipe runs within 1e-4 over 10 cycles but not over 1000 steps:\n  " + ", ".join(
    f"{c} P = {p:g} seed {s} ({a:.1e} over 10 cycles, {b:.1e} over 1000 steps)"
    for c, p, s, a, b in within_10_not_1000))
step_misses = [(r["cell"], r["period"], r["seed"], r["free_run_mse"]["1000"]) for r in recipe_sweep["runs"]
               if r["cell"] in CELLS and r["free_run_mse"]["1000"] > 1e-4]
print("recipe runs above 1e-4 over the task's 1000 steps: "
      + ", ".join(f"{c} P = {p:g} seed {s} ({v:.1e})" for c, p, s, v in step_misses))
seconds = {c: [statistics.median(r["cpu_seconds"] for r in recipe_sweep["runs"]
                                if r["cell"] == c and r["period"] == p) for p in periods] for c in CELLS}
print("recipe runs' median training CPU seconds at P = " + "/".join(f"{p:g}" for p in periods) + ": "
      + ", ".join(f"{c} " + "/".join(f"{v:.1f}" for v in vs) for c, vs in seconds.items()))
print(f"slowest run {max(r['cpu_seconds'] for r in recipe_sweep['runs'] if r['cell'] in CELLS):.1f} s")

# %%
# The claims of this section, checked.
assert bare_met == {5.0: 9, 20.0: 3, 100.0: 0} and recipe_met == {5.0: 9, 20.0: 9, 100.0: 7}
recurrence_slower = recurrence[100.0] / recurrence[20.0]
assert min(slower.values()) > 700 and 80 < recurrence_slower < 130, "slower: cells x700+, recurrence about x100"
assert min(line_one_cycle.values()) > 10, "the straight line is off the wave within one cycle"
assert all(row("2-tap recurrence", p)["met"] == 3 and row("residual only", p)["met"] == 0 for p in periods)
assert not any(below.values()), f"every cell's median is above the recurrence's, with either head: {below}"
assert settings.chunk / (2 * math.pi * 100.0) < 0.2, "at P = 100 a training chunk is under a fifth of a cycle"
assert len(stretched_runs) == 9 and not any(v <= 1e-4 for v in stretched_runs), "stretched: still 0 of 9"
assert sorted((c, s) for c, s, _ in misses) == [("gru", 1), ("rnn", 2)] and min(v for *_, v in misses) < 1.01e-4
assert [(c, p, s) for c, p, s, *_ in within_10_not_1000] == [("lstm", 5.0, 0)]
assert min(seconds["gru"]) > 5 > max(seconds["rnn"] + seconds["lstm"]), "only the GRU's median misses 5 s"
assert max(r["cpu_seconds"] for r in recipe_sweep["runs"] if r["cell"] in CELLS) < 10

# %% [markdown]
# ### Other kinds, and the learned skip (optional)
#
# The third sweep trains three more kinds (met again in
# [chapter 10](10_beyond_the_article.ipynb)), 32 wide, with the recipe's head: attention and a
# Transformer, which look back over a [window](glossary.ipynb#window) of past inputs instead of carrying a
# state, and the [LRU](glossary.ipynb#lru), a recurrent unit whose state update is linear. The fourth asks
# whether training finds the straight line by itself: a **learned linear skip** adds `a₁ x[n] + a₂ x[n−1]` to
# the bare cell's output, as LSTNet (Lai et al. 2018, a forecasting network) does, with `a₁` and `a₂`
# trained with the cell from zero. The recipe's straight line is
# the same sum with `a₁ = 2` and `a₂ = −1` set by hand.
#
# - **Every kind with the recipe's head**: attention, the Transformer and the LRU meet the target in 9 of 9
#   at every `P`.
# - **A learned skip does not change how many bare-cell runs meet the target**: 9, 3 and 0 of 9 at `P` = 5,
#   20 and 100, the bare cells' own counts; run by run, one LSTM run at `P = 20` is gained and another lost
#   (the last line). These rows differ from the recipe in two things (taps learned, not fixed; head and loss
#   in units of the values) and do not say which matters. And they test little: with its
#   taps set to the recurrence's `a` and `b` and its head at zero, the skip model forecasts every `P`
#   within the target, but trained from zero the nine RNN runs' taps end far from 2 and −1 (`a₁` at most
#   0.52; Adam moved them less than 0.1; LSTM and GRU taps not measured; longer training not tried).

# %%
further = [f"{k}, recipe" for k in kinds_sweep["cells"] if k != "residual only"] + [
    f"{k}, bare cell" for k in skip_sweep["cells"] if k != "residual only"]
print(format_by_period(rows, further))
kinds_met = {p: sum(row(name, p)["met"] for name in further if name.endswith("recipe")) for p in periods}
skip_met = {p: sum(row(name, p)["met"] for name in further if name.endswith("bare cell")) for p in periods}
print("runs within the target at P = " + "/".join(f"{p:g}" for p in periods) + ": attention, Transformer, "
      "LRU " + ", ".join(f"{kinds_met[p]} of 9" for p in periods) + ";\n  bare cells beside a learned skip "
      + ", ".join(f"{skip_met[p]} of 9" for p in periods))


# %%
# Capacity: the skip model itself, its two taps set to the least-squares pair and its cell's head at zero.
taps_mse = {}
for period in periods:
    for seed in (0, 1, 2):
        skip_task = make_task(period, seed=seed)
        skip = LearnedSkip("rnn", hidden_size=32)
        with torch.no_grad():
            skip.taps.copy_(fit_autoregressive(skip_task.train, 2, dtype=torch.float64).float())
            skip.cell.head.weight.zero_()
            skip.cell.head.bias.zero_()
            steps = round(10 * 2 * math.pi * period)
            run = forecast(skip, skip_task.test[:, :999, None], steps + 1)[:, 1:]
        taps_mse[period, seed] = float(((run - skip_task.continuation(steps)) ** 2).mean())
print("the skip with its taps set to the least-squares pair and its head at zero, 10-cycle MSE, worst of 3 seeds:"
      "\n  "
      + ", ".join(f"P = {p:g}: {max(taps_mse[p, s] for s in (0, 1, 2)):.1e}" for p in periods))

# %%
# How far do the taps travel from zero over the whole recipe? The RNN runs of the skip sweep, trained again
# (the cheapest cell), with the taps recorded at the end of each stage: Adam, L-BFGS, L-BFGS on free runs.
skip_recipe = ForecastSettings(delta_order=0)  # the bare cell's head, as in the sweep
tap_path = {}
for period in periods:
    for seed in (0, 1, 2):
        skip_task = make_task(period, seed=seed)
        stages = AfterEachStage(lambda model: model.taps.detach().clone())
        model, _ = fit("rnn-skip", skip_task.train, skip_recipe, seed=seed, callbacks=[stages])
        stored = next(r["one_step_mse"] for r in skip_sweep["runs"]
                      if (r["cell"], r["period"], r["seed"]) == ("rnn-skip", period, seed))
        again = one_step_mse(model, skip_task.test, skip_recipe.for_period(period).warmup)
        assert math.isclose(again, stored, rel_tol=1e-6), f"P = {period:g}, seed {seed}: not the stored run"
        tap_path[period, seed] = stages.values
print("rnn-skip, taps (a1, a2); the straight line's are (2, -1)")
print(f"{'P':>6}{'seed':>6}{'after Adam':>16}{'at the end':>16}")
for (period, s), path in tap_path.items():
    print(f"{period:>6g}{s:>6}" + "".join(f"{f'({t[0]:.2f}, {t[1]:.2f})':>16}" for t in (path[0], path[-1])))
after_adam = torch.stack([path[0] for path in tap_path.values()])
final = torch.stack([path[-1] for path in tap_path.values()])
lbfgs_further = sum(abs(float(p[-1][0] - p[0][0])) > abs(float(p[0][0])) for p in tap_path.values())
print(f"largest |tap| after Adam {float(after_adam.abs().max()):.2f}; at the end a1 from "
      f"{float(final[:, 0].min()):.2f} to {float(final[:, 0].max()):.2f}, a2 from {float(final[:, 1].min()):.2f} "
      f"to {float(final[:, 1].max()):.2f};\n  "
      f"the L-BFGS stages moved a1 further than Adam in {lbfgs_further} of {len(tap_path)} runs")


# %%
def runs_within(sweep: dict, suffix: str = "") -> set:
    """(cell, P, seed) of the runs within 1e-4 over 10 cycles; a seed draws the same task in every sweep."""
    return {(r["cell"].removesuffix(suffix), r["period"], r["seed"]) for r in sweep["runs"]
            if r["cell"].removesuffix(suffix) in CELLS and r["cell"].endswith(suffix)
            and r["free_run_cycles"]["10"] <= 1e-4}


gained = runs_within(skip_sweep, "-skip") - runs_within(bare_sweep)
lost = runs_within(bare_sweep) - runs_within(skip_sweep, "-skip")
print("run by run, the learned skip against the bare cell: " + "; ".join(
    f"{word} " + (", ".join(f"{c} P = {p:g} seed {s}" for c, p, s in sorted(runs)) or "none")
    for word, runs in (("gained", gained), ("lost", lost))))

# %%
# The claims of this part, checked.
assert kinds_met == {5.0: 9, 20.0: 9, 100.0: 9}
assert skip_met == bare_met == {5.0: 9, 20.0: 3, 100.0: 0}
assert max(taps_mse.values()) < 1e-4, "the taps alone would forecast every P within the target"
assert float(after_adam.abs().max()) < 0.1, "Adam moved the taps by less than 0.1"
assert float(final[:, 0].max()) < 0.55 and float(final[:, 1].min()) > -0.05, "the taps end far from 2 and -1"
assert lbfgs_further == 7
assert gained == {("lstm", 20.0, 0)} and lost == {("lstm", 20.0, 2)}

# %% [markdown]
# ## 4. Why the head's form matters at the slow wave: a control
#
# A simpler head predicts the *change*, the **change head**: output `x[n] + scale · head(h)`
# ([persistence](glossary.ipynb#persistence) plus what the cell adds); the recipe's is the **curvature head**. The recipe differs from it in two
# ways: the curvature, and the [scaled loss](glossary.ipynb#scaled-loss) (the MSE divided by `scale²`).
# A control separates them: head (change or curvature) × loss (raw MSE or scaled), at `P = 100` for 3 cells × 3 seeds with everything else equal (`scripts/residual_control.py`). A run "meets every target" if it meets the benchmark's one-step,
# 1000-step and 2000-step targets (at `P = 100` fewer than 4 cycles, a weaker test than §3's). The next
# columns say where a run learned: its training loss after the
# [teacher-forced](glossary.ipynb#teacher-forcing) stages, then after the free-run stage, over the loss with
# the head at zero (persistence for the change head, the straight line for the curvature head). Near 1,
# nothing was learned.

# %%
_, control = load_control()  # the file also stores the commands that made it
at_100 = [r for r in control if r.period == 100.0]
print(format_control_summary(at_100))


def grid(variant) -> list:
    return [r for r in at_100 if r.variant == variant]


FIRST_RAW, FIRST_SCALED, SECOND_RAW, SECOND_SCALED = VARIANTS
unchanged = sum(r.stage_losses[1] == r.stage_losses[0] for r in grid(SECOND_RAW))
print(f"curvature head, raw MSE: the L-BFGS stage left the teacher-forced loss exactly as Adam left it in "
      f"{unchanged} of {len(grid(SECOND_RAW))} runs")
at_20 = [r for r in control if r.period == 20.0]  # the contrast: one seed per cell at P = 20, a spot check
print("\nthe same grid at P = 20, seed 0 only (one run per cell: a spot check):")
print(format_control_summary(at_20))

# %%
# The claims below, checked.
assert not any(r.met for r in grid(FIRST_RAW) + grid(FIRST_SCALED)), "change head: no run meets, with either loss"
assert all(r.met for r in grid(SECOND_SCALED)), "curvature head, scaled MSE: every run meets"
assert sum(r.met for r in grid(SECOND_RAW)) == 7, "curvature head, raw MSE: 7 of 9"
assert min(r.teacher_forced / r.zero_head_loss for r in grid(SECOND_RAW)) > 0.6, "raw MSE: teacher forcing stalls"
assert max(r.stage_losses[-1] / r.zero_head_loss for r in grid(SECOND_RAW)) < 1e-3, "it learns in the free-run stage"
assert max(r.teacher_forced / r.zero_head_loss for r in grid(SECOND_SCALED)) < 1e-4, "scaled MSE: it learns"
assert unchanged == len(grid(SECOND_RAW))
assert all(r.met for r in at_20), "at P = 20 every variant meets the targets (3 of 3 each)"
assert max(r.teacher_forced / r.zero_head_loss for r in at_20 if r.variant == SECOND_RAW) < 0.003, \
    "at P = 20 the raw-MSE curvature head learns in teacher forcing"

# %% [markdown]
# With the change as the head's target, no run met the targets at `P = 100`, with either loss (0 of 9
# each). With the curvature, the loss's units decide *where* the runs learn. Scaled, teacher forcing alone
# took the loss below 1e-4 of the zero head's, and every run met the targets (9 of 9). Raw, the
# teacher-forced stages left more than 0.6 of the zero head's loss in every run; it fell below 1e-3 of it
# only in the free-running stage, and 7 of 9 runs met the targets. With 3 seeds per cell, 7 against 9 of 9
# is a small difference; the measured effect of the units is on the teacher-forced stages. In a spot check at `P = 20` (seed 0, one run per cell) every variant met the targets, and the
# raw-MSE curvature head learned in teacher forcing too, to under 0.003 of the zero head's loss.
#
# Why would the raw MSE stall teacher forcing? A hypothesis, with one measured fact: on an untrained RNN
# at `P = 100` (seed 0, a spot check, not during training) raw-loss gradients are smaller than Adam's `eps`,
# the small number it adds before dividing by the gradient's running size (next cell), so Adam's steps shrink. It does not explain the L-BFGS stage, which
# has no `eps`: it left the teacher-forced loss exactly as Adam left it in 9 of 9 raw-MSE runs (its early stopping keeps the starting
# weights when no step improves the validation score: it made no step, or none helped).

# %%
slow = make_task(100.0, seed=0)
raw_recipe, scaled_recipe = (ForecastSettings(scaled_loss=scaled)(slow.train) for scaled in (False, True))
seed_everything(0)
fresh = build_model("rnn", **raw_recipe.model)
adam_eps = torch.optim.Adam([torch.zeros(1, requires_grad=True)]).defaults["eps"]
raw_gradient, scaled_gradient = (gradient_rms(fresh, r, slow.train) for r in (raw_recipe, scaled_recipe))
print(f"head scale {raw_recipe.model['delta_scale']:.1e}; gradient RMS of an untrained RNN: raw MSE "
      f"{raw_gradient:.1e}, scaled MSE {scaled_gradient:.1e}; Adam's eps {adam_eps:g}")
assert raw_gradient < adam_eps < scaled_gradient

# %% [markdown]
# ## What we learned
#
# - **Scored over equal cycles, bare cells trained with this recipe fail at the slow wave; the recipe's
#   cells mostly do not, though their errors grow ×700 or more from `P = 20` to 100.** Bare RNN, LSTM and
#   GRU forecast 10 cycles in 9 of 9 runs at `P = 5` and 0 of 9 at `P = 100`; with the
#   [fixed residual](glossary.ipynb#fixed-residual) and the curvature head, 9 of 9 at `P = 5` and 7 of 9 at
#   `P = 100`. The article's stated cause is not tested (§3).
# - **The least-squares recurrence is the row to beat**: no cell's median beats it at any `P`.
# - **At `P = 100` the head's target matters, and the loss's units decide where the head learns** (§4):
#   with the change as target no run met the step targets; with the curvature and the scaled loss, teacher
#   forcing learned and every run met them; with the raw MSE the runs learned only in the free-running
#   stage (why, not measured).
# - Missed here: the recipe's LSTM at `P = 5`, seed 0, leaves the wave within the task's 1000 steps (MSE
#   3.0e+02; over 10 cycles it is fine), and the GRU's median training time, 6.1 to 7.9 CPU seconds, misses
#   the benchmark's target of a 5-second median (printed in §3).
#
# > **In plain words.** *Shown:* the article's warning about slow waves fits a network that must output the
# > next value itself: trained this way, it forecasts a fast sine and loses a slow one. Let it add a small
# > learned correction to a fixed straight line instead, and the same networks forecast both in most runs.
# > *Not shown:* why the slow wave is hard for the first kind (its training stretches, fixed in steps, are
# > under a fifth of a cycle at the slow rate). And no RNN, LSTM or GRU
# > here forecasts better, in the median, than two numbers fitted by least squares.
#
# ## Try this
#
# 1. Among the six RNN, LSTM and GRU rows at `P = 100` (bare cell and recipe), which has the highest median 10-cycle MSE, and by what factor does it
#    miss the target 1e-4? You can check yourself: it must be the largest of those six medians in §3's
#    first table, and your factor that median divided by 1e-4.
#    [solution](solutions/08_sampling_rate_and_the_head.ipynb#exercise-1)
# 2. Equal steps against equal cycles: from `recipe_sweep["runs"]`, print for each `P` the median
#    1000-step free-run MSE of the recipe's LSTM (`run["free_run_mse"]["1000"]`) and its median 10-cycle MSE
#    (`run["free_run_cycles"]["10"]`). At which `P` do the two [horizons](glossary.ipynb#horizon) differ
#    most, and why? You can check yourself: your 10-cycle medians must equal the `lstm, recipe` row of §3's
#    first table, and your reason should name the `P` from `1000 / (2πP)` alone.
#    [solution](solutions/08_sampling_rate_and_the_head.ipynb#exercise-2)
# 3. The one-step error of the straight line alone is the wave's squared curvature. Show that for
#    `s[n] = sin(n/P + φ)` the curvature `s[n+1] − 2 s[n] + s[n−1]` is `−(2 − 2cos(1/P)) · s[n]` (hint:
#    `sin(u + v) + sin(u − v) = 2 sin u cos v`), then predict the straight line's one-step MSE from `P` as
#    `(2 − 2cos(1/P))² / 2` (the mean of `sin²` over whole cycles is 1/2). You are right if your three
#    predictions are within 10 % of the `residual only` row of §2's table.
#    [solution](solutions/08_sampling_rate_and_the_head.ipynb#exercise-3)
#
# **Previous:** [07 · Forecasting far ahead](07_forecasting_far_ahead.ipynb) · **Next:** [09 · When memory matters](09_when_memory_matters.ipynb)
