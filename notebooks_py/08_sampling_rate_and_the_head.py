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
# **The question.** The article says an LSTM "might still underperform if the sine wave's period is
# significantly long relative to the sequence length". Chapter [07](07_forecasting_far_ahead.ipynb)'s
# forecasters met their targets at one [sampling rate](00_overview.ipynb#sampling-rate), and each of them outputs
# `2 x[n] − x[n−1] + scale · head(h)`: a fixed straight-line continuation of the last two inputs plus what
# the cell adds. So two questions: across sampling rates, compared fairly, do cells fail at slow waves? And
# how much of the result is the cell's, how much the fixed part's?
#
# **Fair comparisons.** The [sampling rate](00_overview.ipynb#sampling-rate) `P` counts samples per radian;
# one cycle of the wave is `2πP` samples. The benchmark task of chapter 07 scores [free runs](00_overview.ipynb#free-running) of 1000 and 2000
# steps, which are 32 cycles at `P = 5` but 1.6 at `P = 100`: equal steps are unequal tasks. Here free runs
# are also scored over **10 whole cycles** (314 steps at `P = 5`, 6,283 at `P = 100`).

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch

from sine_lab.bench import make_task
from sine_lab.forecasting import ForecastSettings
from sine_lab.models import build_model
from sine_lab.plots import colour
from sine_lab.studies.forecasting_study import (
    BARE_PATH,
    CELLS,
    CYCLES_PATH,
    KINDS_PATH,
    NEW,
    OLD,
    SKIP_PATH,
    VARIANTS,
    format_control,
    format_head_rows,
    gradient_rms,
    head_rows,
    load_control,
    load_sweep,
)
from sine_lab.training import seed_everything

torch.set_num_threads(1)

# %% [markdown]
# ## 1. Four rows, one grid
#
# Two stored sweeps of the benchmark, the same grid: periods 5, 20 and 100 samples per radian, [seeds](00_overview.ipynb#seed) 0–2
# (each seed draws its own task and initialisation), RNN, LSTM and GRU of 32 units, every stage of chapter
# 07's recipe (`ForecastSettings()`: [Adam](00_overview.ipynb#adam), [L-BFGS](00_overview.ipynb#l-bfgs), then L-BFGS on 200-step free runs, each validated).
# They differ in one setting, what the [head](00_overview.ipynb#head) predicts:
#
# - **recipe**: the curvature, output `2 x[n] − x[n−1] + scale · head(h)` (`delta_order=2`, chapter 07's);
# - **bare cell**: the next value itself, output `scale · head(h)`, `scale` the spread of the training
#   values, nothing fixed added (`delta_order=0`).
#
# Each sweep also scores two rows that need no training: the **residual only**, `2 x[n] − x[n−1]` with the
# head at zero ([linear extrapolation](00_overview.ipynb#linear-extrapolation)), and the two-coefficient
# [least-squares recurrence](00_overview.ipynb#least-squares-recurrence). A third sweep runs the kinds of
# [chapter 10](10_beyond_the_article.ipynb) (attention, Transformer, [LRU](00_overview.ipynb#lru), each 32 wide) with the recipe's
# head on the same grid, and a fourth the bare cells beside a learned linear skip (`rnn-skip` and so on: the
# output plus `a₁ x[n] + a₂ x[n−1]`, the taps learned with the cell from zero, as in LSTNet). The files record
# the commands:

# %%
recipe_sweep, bare_sweep = load_sweep(CYCLES_PATH), load_sweep(BARE_PATH)
kinds_sweep, skip_sweep = load_sweep(KINDS_PATH), load_sweep(SKIP_PATH)
for sweep in (recipe_sweep, bare_sweep, kinds_sweep, skip_sweep):
    print(sweep["command"])
rows = head_rows(recipe_sweep, bare_sweep, others=[kinds_sweep, skip_sweep])
further = {*kinds_sweep["cells"], *skip_sweep["cells"]} - {"residual only"}  # their rows come in section 3
print(format_head_rows([r for r in rows if r["kind"] not in further]))

# %%
def row(name: str, period: float) -> dict:
    return next(r for r in rows if r["row"] == name and r["period"] == period)


periods = recipe_sweep["periods"]
fig, (ax_one, ax_free) = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained")
for name in [f"{c}, {how}" for how in ("recipe", "bare cell") for c in CELLS] + ["residual only", "2-tap recurrence"]:
    kind = row(name, periods[0])["kind"]
    style = "--" if "bare" in name else "-"
    for ax, key in ((ax_one, "one_step"), (ax_free, "free_run")):
        ax.plot(periods, [row(name, p)[key] for p in periods], style, marker="o", color=colour(kind), label=name)
ax_one.axhline(1e-6, color=colour("reference"), linestyle=":", label="one-step target 1e-6")
ax_free.axhline(1e-4, color=colour("reference"), linestyle=":", label="free-run target 1e-4")
ax_one.set(xscale="log", yscale="log", xlabel="period P (samples per radian)", ylabel="one-step MSE (median of 3)",
           title="One step: the residual alone meets the target\nat P = 100; every trained row is below it")
ax_free.set(xscale="log", yscale="log", xlabel="period P (samples per radian)",
            ylabel="free-run MSE over 10 cycles (median of 3)",
            title="Free running over 10 cycles: the bare cells miss at\nthe slowest wave, the recipe's cells do not")
ax_free.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1));

# %% [markdown]
# ## 2. One step ahead, the fixed part does most of the work at slow waves
#
# The one-step target of the benchmark is an [MSE](00_overview.ipynb#mse) of at most 1e-6. The residual alone, with no training,
# scores the wave's squared curvature, which shrinks as `1/P⁴`: 7.9e-4 at `P = 5`, 3.1e-6 at 20 and 5.0e-9 at
# 100 (printed below). So at `P = 100` the fixed part alone meets the one-step target 200 times over, and
# the one-step target says nothing about what a cell learned there. What the cell adds shows in the ratio:
# the recipe's cells are 10⁵ times or more below the residual alone at every period, while at `P = 100`
# every bare cell is *above* it (its median one-step MSE from 8.5e-9 to 2.3e-7, against 5.0e-9).

# %%
ONE_STEP_TARGET = 1e-6
residual = {p: row("residual only", p)["one_step"] for p in periods}
print("residual only, one-step MSE: " + ", ".join(f"P = {p:g}: {v:.1e}" for p, v in residual.items()))
added = {p: min(residual[p] / row(f"{c}, recipe", p)["one_step"] for c in CELLS) for p in periods}
print("the residual alone / the recipe's cells, one step (smallest ratio): "
      + ", ".join(f"P = {p:g}: x{v:.0e}" for p, v in added.items()))
assert residual[100.0] < ONE_STEP_TARGET < residual[20.0], "the residual alone meets the target at P = 100 only"
assert min(added.values()) > 1e5, "the recipe's cells add five orders of magnitude or more at every period"
assert all(row(f"{c}, bare cell", 100.0)["one_step"] > residual[100.0] for c in CELLS), "bare cells: worse at 100"

# %% [markdown]
# ## 3. Free running over equal cycles
#
# Over 10 cycles of free running (the right panel; target: MSE at most 1e-4, the benchmark's 1000-step
# target), counted in runs of 9 per row kind and period (3 cells × 3 seeds):
#
# - **The bare cells get worse as the wave gets slower**: 9 of 9 runs within the target at `P = 5`, 3 of 9
#   at `P = 20`, 0 of 9 at `P = 100`, where their median errors are 0.3 to 0.9 — no forecast at all. For a
#   bare cell trained with this recipe the article's remark holds: a period long relative to what the model
#   sees is harder. (The recipe's stages were designed with the residual head; other training for the
#   bare cell was not tried here.)
# - **With the recipe's head the same cells meet the target at every period**: 9, 9 and 7 of 9 (at
#   `P = 100` the RNN and the GRU each miss in one seed of 3, over 6,283 steps).
# - **The residual alone never forecasts** (0 of 3 at each period): a straight line leaves a sine within a
#   cycle. It is not what forecasts; it is what lets the cell learn a small, period-independent correction.
# - **Every kind with the recipe's head**: attention, the Transformer and the LRU meet it in 9 of 9 at every
#   period.
# - **A learned skip is not the fixed one**: the bare cells beside a learned linear skip meet it in 9, 3 and
#   0 of 9, the bare cells' own counts.
# - **The two-coefficient recurrence**, with no training, meets the target in 3 of 3 at every period. It is
#   the row to beat, and no cell beats it everywhere: at `P = 100` every recipe cell's median is above it,
#   at `P = 20` the LSTM's is more than ×2 below it (the ratios are printed below).

# %%
bare_met = {p: sum(row(f"{c}, bare cell", p)["met"] for c in CELLS) for p in periods}
recipe_met = {p: sum(row(f"{c}, recipe", p)["met"] for c in CELLS) for p in periods}
recurrence = {p: row("2-tap recurrence", p)["free_run"] for p in periods}
print("runs within the target over 10 cycles, bare cells:", bare_met, "recipe:", recipe_met)
for p in periods:
    print(f"P = {p:g}: the recurrence's median / each recipe cell's: " + ", ".join(
        f"{c} x{recurrence[p] / row(f'{c}, recipe', p)['free_run']:.2f}" for c in CELLS))
step_misses = [(r["cell"], r["period"], r["seed"], r["free_run_mse"]["1000"]) for r in recipe_sweep["runs"]
               if r["cell"] in CELLS and r["free_run_mse"]["1000"] > 1e-4]
print("recipe runs above 1e-4 over the task's 1000 steps: "
      + ", ".join(f"{c} P = {p:g} seed {s} ({v:.1e})" for c, p, s, v in step_misses))
kinds_met = {p: sum(row(f"{k}, recipe", p)["met"] for k in kinds_sweep["cells"] if k != "residual only")
             for p in periods}
print(format_head_rows([r for r in rows if r["kind"] in further]))
print("the kinds of chapter 10 with the recipe's head:", kinds_met)
assert bare_met == {5.0: 9, 20.0: 3, 100.0: 0} and recipe_met == {5.0: 9, 20.0: 9, 100.0: 7}
assert kinds_met == {5.0: 9, 20.0: 9, 100.0: 9}
skip_met = {p: sum(row(f"{k}, bare cell", p)["met"] for k in skip_sweep["cells"] if k != "residual only")
            for p in periods}
print("the bare cells beside a learned skip:", skip_met)
assert skip_met == bare_met == {5.0: 9, 20.0: 3, 100.0: 0}
assert all(row("2-tap recurrence", p)["met"] == 3 and row("residual only", p)["met"] == 0 for p in periods)
assert all(row(f"{c}, recipe", 100.0)["free_run"] > recurrence[100.0] for c in CELLS), "P = 100: the recurrence wins"
assert recurrence[20.0] > 2 * row("lstm, recipe", 20.0)["free_run"], "P = 20: the LSTM is more than x2 below it"

# %% [markdown]
# ## 4. Why the head's form matters at slow waves: a control
#
# An earlier form of the recipe predicted the *change* (`delta_order=1`: `output = x[n] + scale · head(h)`)
# and minimised the raw MSE; at period 100 it missed the error targets. A control separates the two
# changes, residual order (1 or 2) × loss (raw MSE or MSE in units of `scale`, `ScaledMSE`), at period 100
# for 3 cells × 3 seeds with everything else equal (`scripts/residual_control.py`; its file records the
# commands). "taught / zero head" is the loss after the [teacher-forced](00_overview.ipynb#teacher-forcing) stages as a fraction of the loss with
# the head fixed at zero: near 1 means teacher forcing learned almost nothing.

# %%
command, control = load_control()
print(command)
print(format_control([r for r in control if r.period == 100.0]))


def grid(variant) -> list:
    return [r for r in control if r.period == 100.0 and r.variant == variant]


order_2_raw = grid(VARIANTS[2])
print(f"order 2, raw MSE: {sum(r.met for r in order_2_raw)} of {len(order_2_raw)} runs meet every error target")

# %%
assert not any(r.met for r in grid(OLD) + grid(VARIANTS[1])), "order 1: no run meets, with either loss"
assert all(r.met for r in grid(NEW)), "order 2, scaled MSE: every run meets"
assert min(r.teacher_forced / r.zero_head_loss for r in order_2_raw) > 0.3, "raw MSE: teacher forcing learns little"
assert max(r.teacher_forced / r.zero_head_loss for r in grid(NEW)) < 1e-3, "scaled MSE: it learns"

# %% [markdown]
# With the change as the head's target, no run met the targets at period 100, with either loss (0 of 9
# each). With the curvature and the [scaled loss](00_overview.ipynb#scaled-loss) every run did (9 of 9); with the curvature and the raw MSE,
# the teacher-forced stages left more than 0.3 of the zero head's loss in every run (the column above),
# and the runs that met the targets owe it to the free-running stage.
#
# Why would the raw MSE stall teacher forcing? One measured fact and a hypothesis. The fact: at period 100
# the curvature spreads about `7e-5`, so raw losses are of order `5e-9`, and on an untrained RNN their
# gradients are smaller than Adam's `eps` (next cell). Adam divides each step by the gradient's running size
# plus `eps`, so a gradient below `eps` takes a fraction of its intended step. That can explain the Adam
# stage; it does not explain why the L-BFGS stage, which has no `eps`, also learned little (not measured
# here).

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
# - **On equal cycles, the sampling rate decides for the bare cell, not for the recipe's.** Bare RNN, LSTM
#   and GRU forecast 10 cycles of the fast wave (9 of 9 runs) and none of the slow one (0 of 9). With the
#   [fixed residual](00_overview.ipynb#fixed-residual) and a head that predicts the curvature, the same cells meet the target at every period
#   (9, 9 and 7 of 9). The article's long-period remark describes the bare cell; its remedy here is the form
#   of the output, not more memory.
# - **The fixed part is a control row of its own.** Alone, it meets the one-step target at `P = 100` and
#   never forecasts. One-step targets at slow waves say little; free runs over whole cycles do.
# - **The two-coefficient recurrence is the row to beat**, and no cell beats it at every period.
# - **The loss's units matter for the head** (§4): with the change as the head's target nothing met the
#   targets at period 100; with the curvature and the scaled loss everything did. Gradients below Adam's
#   `eps` explain part of why the raw loss learns slowly, not all of it.
# - Missed here: the recipe's LSTM at the fastest wave, seed 0, leaves the wave within the task's 1000 steps
#   (MSE 3.0e+02, printed in §3; over 10 cycles, 314 steps, it is still fine), and training takes longer
#   than the benchmark's time targets (the stored files hold the seconds). Neither is solved here.
#
# ## Try this
#
# 1. Which trained row is worst at the slowest wave, and by how much does it miss the free-run target?
#    Find it in `rows` with code (not by eye); you are right if your factor matches the solution's.
#    [solution](solutions/08_sampling_rate_and_the_head.ipynb#exercise-1)
# 2. Equal steps against equal cycles: from `recipe_sweep["runs"]`, print for each period the median
#    1000-step free-run MSE of the recipe's LSTM and its median 10-cycle MSE. At which period do the two
#    [horizons](00_overview.ipynb#horizon) differ most, and why? [solution](solutions/08_sampling_rate_and_the_head.ipynb#exercise-2)
# 3. The one-step error of the residual alone is the wave's squared curvature. Predict it from `P` with
#    `(2 − 2cos(1/P))² / 2` (the mean of `sin²` is 1/2) and compare with the table at each period.
#    [solution](solutions/08_sampling_rate_and_the_head.ipynb#exercise-3)
#
# **Previous:** [07 · Forecasting far ahead](07_forecasting_far_ahead.ipynb) · **Next:** [09 · When memory matters](09_when_memory_matters.ipynb)
