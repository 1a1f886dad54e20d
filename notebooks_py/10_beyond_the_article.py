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
# # 10 · Beyond the article: attention, Transformers and the LRU
#
# > **You need:** the forecasting [recipe](glossary.ipynb#recipe) and benchmark of
# > [chapter 07](07_forecasting_far_ahead.ipynb), the bare cells' failure on slow waves
# > ([chapter 08](08_sampling_rate_and_the_head.ipynb)) and the [delayed recall](glossary.ipynb#delayed-recall)
# > task ([chapter 09](09_when_memory_matters.ipynb)).
# >
# > **The question:** the article ends by recommending *attention mechanisms and Transformer networks* for
# > long-range dependencies; do they help here? **The short answer:** not to forecast the sine (no run of any
# > kind beats two numbers fitted in closed form). To give back a value seen 50 to 200 steps earlier, attention
# > and the Transformer, whose window still contains that value, succeed in 7 of 9 and 8 of 8 runs, the
# > article's cells in 0 of 27 (within 50 epochs), the LRU, a linear recurrence, in 9 of 9. Both have an exact
# > solution without training, so this measures training within a budget, not memory.
#
# The newer kinds: attention, a small Transformer and the **[Linear Recurrent Unit](glossary.ipynb#lru)**
# (LRU; Orvieto et al. 2023); 3 [seeds](glossary.ipynb#seed) per point, from stored sweeps. The
# [sampling rate](glossary.ipynb#sampling-rate) is counted in samples per radian, `P` (a cycle is `2πP` samples).

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch

from sine_lab.baselines import MARGIN, recurrence_run
from sine_lab.bench import FREE_RUN_TARGETS, TARGETS, cycle_steps, make_task
from sine_lab.data import delayed_recall
from sine_lab.models import MODEL_KINDS, build_model
from sine_lab.plots import colour
from sine_lab.studies import beyond
from sine_lab.studies.beyond import KINDS, RECALL_LOGS, load_bench, load_sweep, solved_counts
from sine_lab.training import fit_autoregressive, seed_everything

# One thread: faster for these small models on a shared machine; results do not depend on it.
torch.set_num_threads(1)
CELLS, NEW = ("rnn", "lstm", "gru"), ("attention", "transformer", "lru")
PERIODS, SEEDS = (5.0, 20.0, 100.0), (0, 1, 2)
recall_runs = load_sweep(*RECALL_LOGS).recall
teacher_sweep = load_sweep("beyond_forecast_teacher")
# The benchmark's sweeps: the cells and the baseline rows from one, the three newer kinds from the other.
standard = [r for r in load_bench("sweep_periods") if r.kind in CELLS + tuple(beyond.BASELINE_ROWS)]
standard += [r for r in load_bench("sweep_kinds") if r.kind in NEW]
standard = [r for r in standard if r.period in PERIODS and r.seed in SEEDS]
print(f"delayed recall: {len(recall_runs)} runs of scripts/beyond_sweep.py, from {len(RECALL_LOGS)} logs")
print("forecasting:", beyond.bench_header("sweep_periods"), beyond.bench_header("sweep_kinds"),
      *teacher_sweep.commands, sep="\n  ")

# %% [markdown]
# ## 1. The contenders
#
# All six share one contract, so the same code trains them all: `model(x)` maps sequences `(batch, steps, 1)`
# to one prediction each, `(batch, 1)`; `model.run(x, state)` returns every step's output and a state.
#
# - `rnn`, `lstm`, `gru`: PyTorch's cells, 32 units, with a linear [head](glossary.ipynb#head) (the output layer).
# - `attention`: **one** causal [attention](glossary.ipynb#attention) layer over a
#   [window](glossary.ipynb#window) of past values: each step averages the window's values with weights computed
#   from them, looking back only; 4 *attention heads* (parallel copies, width 32; not the output head), each
#   with a learned bonus per distance back; then a linear head.
# - `transformer`: a small causal [Transformer](glossary.ipynb#transformer): 2 blocks, each an attention layer
#   (2 attention heads, width 16) and a feed-forward network (32 units, GELU: a smooth ReLU).
# - `lru`: 32 *modes*, each a number that per step keeps a fixed fraction `|λ|` of itself (below 1, started
#   between 0.9 and 0.999) and adds a learned multiple of the input, with no tanh in between; each mode is a
#   complex number, so it also turns by a learned angle per step (started anywhere from 0 to 2π). A small
#   network reads the output from the modes' real parts and the input (sketched below in plain PyTorch).
#
# Sizes (printed): the GRU and the newer kinds within ±50 % of the LSTM, the RNN about a quarter. The
# benchmark of section 2 builds every kind 32 wide, so *its* Transformer is about four times the LSTM's.

# %% tags=["nbval-check-output"]
def parameters(model):
    return sum(p.numel() for p in model.parameters())

sizes = {kind: parameters(build_model(kind, hidden_size=beyond.FORECAST_HIDDEN.get(kind, 32))) for kind in KINDS}
for kind in KINDS:
    print(f"{kind:12s} {sizes[kind]:6,d} parameters   {MODEL_KINDS[kind].summary}")
print(f"(attention and transformer with their default window of {build_model('attention').receptive_field} steps)")
bench_transformer = next(r.parameters for r in standard if r.kind == "transformer")
print(f"the benchmark's Transformer (width 32): {bench_transformer:,d} parameters")
assert all(0.5 * sizes["lstm"] <= sizes[kind] <= 1.5 * sizes["lstm"] for kind in ("gru",) + NEW)
assert sizes["rnn"] < 0.3 * sizes["lstm"] and bench_transformer > 3.5 * sizes["lstm"]

# %%
# A sketch in plain PyTorch, not the package's code. One LRU step, for 4 modes: no tanh, only multiply and add.
torch.manual_seed(0)
lam = 0.95 * torch.exp(1j * torch.rand(4))  # each mode keeps |λ| = 0.95 of itself per step, and turns a little
b = torch.randn(4, dtype=torch.cfloat)  # how much of the input each mode takes in
state = torch.zeros(4, dtype=torch.cfloat)
for x_t in (1.0, 0.0, 0.0):  # one input, then two silent steps
    state = lam * state + b * x_t
print("LRU: each mode's size after 2 silent steps / just after the input:",
      [round(v, 4) for v in (state.abs() / b.abs()).tolist()])
# One attention read: the last step's query is compared with every step's key; softmax turns the scores into
# weights that sum to 1, and the read is the weighted average of the steps' values.
steps = torch.randn(6, 8)  # a window of 6 past steps, each an 8-number vector
w_query, w_key, w_value = (0.3 * torch.randn(8, 8) for _ in range(3))  # learned, in a real layer
query, keys, values = steps[-1] @ w_query, steps @ w_key, steps @ w_value
weights = torch.softmax(keys @ query / 8**0.5, dim=0)
read = weights @ values
print(f"attention: weights over the 6 steps {[round(w, 3) for w in weights.tolist()]}, sum {float(weights.sum()):.2f};"
      f" the read has {read.numel()} numbers")
assert torch.allclose(state.abs(), 0.95**2 * b.abs()) and abs(float(weights.sum()) - 1) < 1e-6

# %% [markdown]
# ## 2. Forecasting the benchmark's sine
#
# The benchmark task (chapter 07): 97 training series `sin((n + shift)/P)`, 3 test series; a model sees 999
# values, then [runs free](glossary.ipynb#free-running), scored over **10 whole cycles** at `P` = 5, 20 and 100.
# The [benchmark targets](glossary.ipynb#benchmark-targets): one-step [MSE](glossary.ipynb#mse) ≤ 10⁻⁶ and
# free-run MSE ≤ 10⁻⁴.
#
# **The recipe, for every kind alike** (chapter 07's). The output is
# `2 x[n] − x[n−1] + scale · head(h)`: a [fixed residual](glossary.ipynb#fixed-residual), the straight line
# through the last two values, plus the head, which predicts only the wave's
# [curvature](glossary.ipynb#curvature) in units of `scale` (the spread of the training series' curvature); the
# row `rnn` is *the RNN cell plus this head*. The loss is the [scaled loss](glossary.ipynb#scaled-loss).
# Stages: 150 mini-batch [Adam](glossary.ipynb#adam) steps ([one-cycle](glossary.ipynb#one-cycle) learning rate
# up to 5·10⁻³, [clipping](glossary.ipynb#gradient-clipping) at 1), then up to 8
# [L-BFGS](glossary.ipynb#l-bfgs) steps on 32 fixed chunks, both [teacher-forced](glossary.ipynb#teacher-forcing);
# then the [rollout](glossary.ipynb#rollout) stage: 6 L-BFGS steps on 32 200-step free runs. Each L-BFGS stage
# keeps the weights that validate best, its starting weights included, so a stage that does not help is undone.
#
# **The baselines** need no training loop: the [least-squares recurrence](glossary.ipynb#least-squares-recurrence)
# `a x[n] + b x[n−1]` (the "2-tap"), [linear extrapolation](glossary.ipynb#linear-extrapolation), the
# [zero predictor](glossary.ipynb#zero-predictor) and [persistence](glossary.ipynb#persistence). A run
# **beats** a baseline where its MSE is at least 2× lower.
#
# ### 2.1 Every kind against the baselines, over 10 cycles

# %%
def rows(kind, period, source=standard):
    return sorted((r for r in source if r.kind == kind and r.period == period), key=lambda r: r.seed)

def ten(r):
    return r.free_run_cycles["10"]

def median(values):
    # The true median: for an even count the mean of the two middle values (torch.median gives the lower).
    return float(torch.tensor(values, dtype=torch.float64).quantile(0.5))

def meets(one_step, free_run):
    return one_step <= TARGETS["one_step_mse"] and free_run <= FREE_RUN_TARGETS[1000]

two_tap = {(r.period, r.seed): r for r in standard if r.kind == "linear"}
beats = {}  # (kind, period) -> [two-tap's 10-cycle MSE / the run's, per seed]
for period in PERIODS:
    print(f"P = {period:g}: 10 cycles = {cycle_steps(10, period)} steps           one-step MSE"
          "         free run, 10 cycles    met  beats 2-tap")
    print(f"{'':46s}{'median':>9s}{'worst':>9s}{'median':>12s}{'worst':>10s}")
    for kind in KINDS:
        r = rows(kind, period)
        beats[kind, period] = [ten(two_tap[period, f.seed]) / ten(f) for f in r]
        met = sum(meets(f.one_step_mse, ten(f)) for f in r)
        print(f"  {kind:42s}{median([f.one_step_mse for f in r]):9.1e}{max(f.one_step_mse for f in r):9.1e}"
              f"{median([ten(f) for f in r]):12.2e}{max(map(ten, r)):10.2e}{met:4d}/{len(r)}"
              f"{sum(b >= MARGIN for b in beats[kind, period]):6d}/{len(r)}")
    trivial = [beyond.trivial_free_run_mse(make_task(period, seed=s), cycle_steps(10, period)) for s in SEEDS]
    for kind, label in [("linear", "2-tap recurrence (baseline)"), ("residual only", "2 x[n] - x[n-1] (baseline)")]:
        r = rows(kind, period)
        print(f"  {label:42s}{median([f.one_step_mse for f in r]):9.1e}{max(f.one_step_mse for f in r):9.1e}"
              f"{median([ten(f) for f in r]):12.2e}{max(map(ten, r)):10.2e}")
    for name in ("zero", "persistence"):
        print(f"  {name + ' (baseline)':42s}{'':18s}{median([t[name] for t in trivial]):12.2e}"
              f"{max(t[name] for t in trivial):10.2e}")
print(f"met: one-step MSE <= {TARGETS['one_step_mse']:g} and 10-cycle free-run MSE <= {FREE_RUN_TARGETS[1000]:g}; "
      f"beats 2-tap: 10-cycle MSE at least {MARGIN:g}x below the 2-tap recurrence's on the same task")

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4.9), sharey=True)
for ax, period in zip(axes, PERIODS, strict=True):
    for i, kind in enumerate(KINDS):
        values = [ten(f) for f in rows(kind, period)]
        ax.scatter([i + 0.14 * (s - 1) for s in range(len(values))], values, color=colour(kind), s=28,
                   label=kind if period == PERIODS[0] else None)
    ax.axhline(median([ten(f) for f in rows("linear", period)]), color=colour("linear"), linewidth=1.5,
               label="2-tap recurrence (median of 3 tasks)" if period == PERIODS[0] else None)
    ax.axhline(FREE_RUN_TARGETS[1000], color=colour("reference"), linestyle=":",
               label="target" if period == PERIODS[0] else None)
    ax.set(xticks=range(len(KINDS)), xticklabels=KINDS, yscale="log",
           ylabel="free-run MSE over 10 cycles (wave units²)",
           title=f"{period:g} samples per radian ({cycle_steps(10, period)} steps)")
    ax.tick_params(axis="x", labelrotation=30)
fig.legend(loc="lower center", ncol=len(KINDS) + 2, fontsize=9)
fig.suptitle("Free running 10 cycles, each dot a seed (one y-axis for all three panels): every run of every kind "
             "above the 2-tap recurrence")
fig.tight_layout(rect=(0, 0.06, 1, 1))
plt.show()

# %%
trained = [r for r in standard if r.kind in KINDS]
misses = sorted((r.kind, r.period, r.seed, ten(r)) for r in trained if not meets(r.one_step_mse, ten(r)))
met_per_kind = {kind: (sum(meets(f.one_step_mse, ten(f)) for p in PERIODS for f in rows(kind, p)),
                        sum(len(rows(kind, p)) for p in PERIODS)) for kind in KINDS}
one_step_factor = max(two_tap[r.period, r.seed].one_step_mse / r.one_step_mse for r in trained)
one_step_ratio = {(r.kind, r.period, r.seed): r.one_step_mse / two_tap[r.period, r.seed].one_step_mse for r in trained}
one_step_ties = sorted(key for key, ratio in one_step_ratio.items() if ratio < 1.1)
others_one_step = [ratio for key, ratio in one_step_ratio.items() if key not in one_step_ties]
factors = [b for key in beats for b in beats[key]]
# The 2-tap rows ran in float32, as the models do; the same least-squares pair run in float64 is lower still.
in_float64 = {}
for period in PERIODS:
    for task_seed in SEEDS:
        task, steps = make_task(period, seed=task_seed), cycle_steps(10, period)
        run = recurrence_run(task.test.double(), fit_autoregressive(task.train, 2, dtype=torch.float64), steps)
        error = float(((run - task.continuation(steps).double()) ** 2).mean())
        in_float64[period, task_seed] = ten(two_tap[period, task_seed]) / error
print("runs meeting both targets, over the three rates: "
      + ", ".join(f"{kind} {n} of {total}" for kind, (n, total) in met_per_kind.items())
      + "; all kinds {} of {}".format(*map(sum, zip(*met_per_kind.values(), strict=True))))
print("runs missing a target (kind, P, seed, 10-cycle MSE):", [(k, p, s, f"{m:.4g}") for k, p, s, m in misses])
print(f"over 10 cycles, runs beating the 2-tap: {sum(b >= MARGIN for b in factors)} of {len(factors)}; "
      f"with a larger MSE than it: {sum(b < 1 for b in factors)}, from {1 / max(factors):.1f}x to "
      f"{1 / min(factors):.1e}x its MSE")
print(f"one step ahead, runs within 10 % of the 2-tap's MSE: {len(one_step_ties)} of {len(one_step_ratio)} "
      f"{one_step_ties}, best ratio {1 / one_step_factor:.2f}; the other {len(others_one_step)}: "
      f"{min(others_one_step):.1f}x to {max(others_one_step):.1e}x its MSE")
print(f"one-step MSEs at P = 100: the 2-tap's median {median([two_tap[100.0, s].one_step_mse for s in SEEDS]):.1e}, "
      f"the runs' median {median([r.one_step_mse for r in trained if r.period == 100.0]):.1e} (float32 rounding level)")
all_seeds = [r for r in load_bench("sweep_periods") if r.kind in CELLS and r.period == 100.0]
five_seed = {kind: (sum(meets(r.one_step_mse, ten(r)) for r in all_seeds if r.kind == kind),
                    sum(r.kind == kind for r in all_seeds)) for kind in CELLS}
print(f"the stored sweep also holds seeds 3 and 4 of the cells; with all {len({r.seed for r in all_seeds})} seeds at "
      f"P = 100 they meet both targets in {sum(m for m, _ in five_seed.values())} of {len(all_seeds)} runs ("
      + ", ".join(f"{kind} {m}/{n}" for kind, (m, n) in five_seed.items()) + ")")
print(f"the 2-tap run in float64 instead of float32: 10-cycle MSE at least {min(in_float64.values()):.0f}x lower "
      "still (the truth itself is float32-rounded, so the upper end is rounding noise)")

# %%
# The claims above, checked. Every run meets the one-step target; over 10 cycles two cell runs on the slow wave
# miss the free-run target. The 2-tap recurrence meets both targets on every task.
assert all(r.one_step_mse <= TARGETS["one_step_mse"] for r in trained)
assert all(meets(r.one_step_mse, ten(r)) for r in two_tap.values())
assert [(k, p, s) for k, p, s, _ in misses] == [("gru", 100.0, 1), ("rnn", 100.0, 2)]
assert [met_per_kind[kind] for kind in KINDS] == [(8, 9), (9, 9), (8, 9), (9, 9), (9, 9), (9, 9)]
# One step ahead the best run and the 2-tap recurrence tie (within 10 % either way, at rounding level): no
# ranking. That tie holds for 2 of 54 runs, attention's at P = 100; every other run's one-step MSE is more
# than 1.3x the 2-tap's. Over 10 cycles every run of every kind is above it, by more than 5x.
assert 0.9 < one_step_factor < 1.1, "one step ahead the best run ties the 2-tap recurrence"
assert one_step_ties == [("attention", 100.0, 1), ("attention", 100.0, 2)] and min(others_one_step) > 1.3
assert max(factors) < 1 / 5, "over 10 cycles the 2-tap recurrence is more than 5x below every run"
assert min(in_float64.values()) > 200
assert five_seed == {"rnn": (4, 5), "lstm": (5, 5), "gru": (3, 5)}

# %% [markdown]
# **What the table and figure show.** With the recipe every kind forecasts the wave: the RNN and the GRU meet
# both targets in 8 of 9 runs, the other kinds in 9 of 9; both misses are on the slow wave, and the RNN's
# (1.004e-4 against 10⁻⁴) is a coin flip. The stored sweep also holds seeds 3 and 4 of the cells: with all five,
# the cells meet the targets at P = 100 in 12 of 15 runs. But **no trained run beats the 2-tap recurrence**: over
# 10 cycles every run has a larger MSE, and one step ahead only 2 of 54 runs tie it (attention at P = 100, at
# float32 rounding level). For a noise-free sine that pair is exact, so nothing can beat it by much. The
# straight line's free run flies off (its rows): a line never turns.
#
# ### 2.2 Without the rollout stage, over 1000 steps (optional)
#
# The same kinds trained with the teacher-forced stages only (`teacher`; its Transformer is 16 wide), scored
# over 1000 steps, beside the benchmark's runs (`standard`) and the 2-tap recurrence.

# %%
teacher = teacher_sweep.forecast
print("1000 steps are " + ", ".join(f"{1000 / (2 * torch.pi * p):.1f} cycles at P = {p:g}" for p in (20, 100)))
print(f"{'kind':12s}{'P':>7s}   teacher: met  beats 2-tap   standard: met  beats 2-tap   (1000 steps)")
beats_1000 = {}
for period in (20.0, 100.0):
    for kind in KINDS:
        columns = ""
        for recipe, source in (("teacher", teacher), ("standard", standard)):
            r = rows(kind, period, source)
            beats_1000[recipe, kind, period] = sum(
                two_tap[period, f.seed].free_run_mse >= MARGIN * f.free_run_mse for f in r)
            met = sum(meets(f.one_step_mse, f.free_run_mse) for f in r)
            columns += f"{met:13d}/{len(r)}{beats_1000[recipe, kind, period]:12d}/{len(r)}"
        print(f"{kind:12s}{period:7g}{columns}")
teacher_misses = [(f.kind, f.period, f.seed, f.free_run_mse) for f in teacher
                  if not meets(f.one_step_mse, f.free_run_mse)]
print("teacher runs missing a target:", teacher_misses)
teacher_runs = [f for f in teacher if f.kind in KINDS and f.period in (20.0, 100.0)]
print(f"teacher runs meeting both targets over 1000 steps: {len(teacher_runs) - len(teacher_misses)} of "
      f"{len(teacher_runs)}")
print("the Transformer rows differ in width too (teacher 16, standard 32): two models, not two recipes")
# Without the rollout stage one run of 36 misses; against the 2-tap no run of either recipe beats it.
assert [(k, p, s) for k, p, s, _ in teacher_misses] == [("transformer", 100.0, 0)] and len(teacher_runs) == 36
assert not any(beats_1000.values()), "over 1000 steps no run of either recipe beats the 2-tap recurrence"

# %% [markdown]
# Without the rollout stage, 35 of 36 runs meet both targets over 1000 steps, and no run of either recipe
# beats the 2-tap recurrence. Not compared: the Transformer across recipes (its width changed too), and the
# two rates (1000 steps are unequal numbers of cycles).
#
# ### 2.3 A spot check: attention on the slow wave, re-run here (optional)
#
# Attention's seed 0 at P = 100 with the teacher-forced stages only, trained again on the current code, beside
# both stored rows of that seed: the teacher-only log (`teacher`) and the benchmark's (`standard`).

# %%
spot_model, spot = beyond.run_forecast_trial("attention", 100.0, 0, "teacher")
stored = {"teacher": rows("attention", 100.0, teacher)[0], "standard": rows("attention", 100.0)[0]}
spot_factors = {"1000 steps": two_tap[100.0, 0].free_run_mse / spot.free_run_mse,
                "10 cycles": ten(two_tap[100.0, 0]) / spot.free_run_cycles["10"]}
print(f"{'attention, P = 100, seed 0':30s}{'one-step':>10s}{'1000 steps':>12s}{'10 cycles':>11s}")
print(f"{'live, teacher-forced only':30s}{spot.one_step_mse:10.3e}{spot.free_run_mse:12.3e}"
      f"{spot.free_run_cycles['10']:11.3e}")
for name, r in stored.items():
    print(f"{'stored, ' + name:30s}{r.one_step_mse:10.3e}{r.free_run_mse:12.3e}"
          + (f"{ten(r):11.3e}" if "10" in r.free_run_cycles else f"{'–':>11s}"))
print("the 2-tap recurrence is below the live run by "
      + ", ".join(f"{1 / v:.1f}x over {k}" for k, v in spot_factors.items()))
same_as_standard = abs(spot.free_run_mse / stored["standard"].free_run_mse - 1) < 1e-3
assert spot.one_step_mse <= TARGETS["one_step_mse"] and meets(spot.one_step_mse, spot.free_run_cycles["10"])
assert max(spot_factors.values()) < 1, "the 2-tap recurrence stays ahead of the live run"
assert same_as_standard and abs(spot.free_run_mse / stored["teacher"].free_run_mse - 1) > 0.05

# %% [markdown]
# The live teacher-forced run matches the benchmark's stored row, not the teacher log (why that log differs is
# not known). So for seed 0 the benchmark's rollout stage changed nothing, as when the keep-best rule undoes a
# stage (not checked); seeds 1 and 2 were not re-run. The 2-tap recurrence stays ahead.

# %% [markdown]
# ### 2.4 Without the fixed residual, on the slow wave
#
# With the fixed residual nearly every run meets the targets (52 of 54). The cells fail as a
# [bare cell](glossary.ipynb#bare-cell) (the head predicts the value itself): 3 of 9 runs meet the targets at
# `P = 20`, 0 of 9 on the slowest wave (chapter 08). The newer kinds ran bare on the slowest wave only (same
# recipe, seeds 0–2, **32 wide**).

# %%
bare = [r for r in load_bench("sweep_bare") if r.kind in CELLS and r.period == 100.0]
bare += [r for r in load_bench("sweep_kinds_bare") if r.kind in NEW]
print("bare:", beyond.bench_header("sweep_bare"), beyond.bench_header("sweep_kinds_bare"), sep="\n  ")
bare_trivial = [beyond.trivial_free_run_mse(make_task(100.0, seed=s), cycle_steps(10, 100.0)) for s in SEEDS]
print("P = 100, no fixed residual     params  one-step MSE         free run, 10 cycles    met  best / 2-tap"
      "  learned")
print(f"{'':38s}{'median':>9s}{'worst':>9s}{'median':>12s}{'worst':>10s}")
bare_met, bare_vs_2tap, bare_learned = {}, {}, {}
for kind in KINDS:
    r = rows(kind, 100.0, bare)
    bare_met[kind] = (sum(meets(f.one_step_mse, ten(f)) for f in r), len(r))
    bare_vs_2tap[kind] = min(ten(f) / ten(two_tap[100.0, f.seed]) for f in r)  # the best run, same task
    # The series' rule: learned where the MSE is at least 2x below the zero predictor's on the same task.
    bare_learned[kind] = (sum(MARGIN * ten(f) <= bare_trivial[f.seed]["zero"] for f in r), len(r))
    print(f"  {kind:28s}{r[0].parameters:8,d}{median([f.one_step_mse for f in r]):9.1e}"
          f"{max(f.one_step_mse for f in r):9.1e}{median([ten(f) for f in r]):12.2e}{max(map(ten, r)):10.2e}"
          f"{bare_met[kind][0]:4d}/{len(r)}{bare_vs_2tap[kind]:11.1e}x{bare_learned[kind][0]:7d}/{len(r)}")
print(f"  {'2-tap recurrence (baseline)':36s}{'':18s}{median([ten(two_tap[100.0, s]) for s in SEEDS]):12.2e}")
print(f"  {'zero (baseline)':36s}{'':18s}{median([t['zero'] for t in bare_trivial]):12.2e}")
bare_new_met = sum(bare_met[kind][0] for kind in NEW)
print(f"targets met without the fixed residual: the cells {sum(bare_met[k][0] for k in CELLS)} of "
      f"{sum(bare_met[k][1] for k in CELLS)}, attention, the Transformer and the LRU {bare_new_met} of "
      f"{sum(bare_met[k][1] for k in NEW)}")
diverged = [(r.kind, r.seed) for r in bare if not torch.isfinite(torch.tensor(ten(r)))]
best_bare = min(ten(f) for f in bare if (f.kind, f.seed) not in diverged)
print(f"runs with a non-finite error (diverged): {diverged}; the best 10-cycle MSE of any kind {best_bare:.4f}, "
      f"{best_bare / FREE_RUN_TARGETS[1000]:.0f}x the target")
print(f"learned (10-cycle MSE at least {MARGIN:g}x below zero's): the Transformer and the LRU "
      f"{sum(bare_learned[k][0] for k in NEW[1:])} of 6, attention {bare_learned['attention'][0]} of 3, the cells "
      f"{sum(bare_learned[k][0] for k in CELLS)} of 9")
print(f"the benchmark's Transformer has {bench_transformer / sizes['lstm']:.2f}x the LSTM's parameters")
print(f"every bare run's 10-cycle MSE over the 2-tap's on its task: at least {min(bare_vs_2tap.values()):.1e}x")
window = build_model("attention").receptive_field
print(f"attention's window here: its default {window} steps, {window / 100:.2f} rad at P = 100")
# No bare run of any kind meets the targets (the cells' 0 of 9 is chapter 08's); the best of any kind is over
# 200x the free-run target and millions of times the 2-tap recurrence's MSE. By the learned rule the Transformer
# (3 of 3) and the LRU (2 of 3) learn the wave, attention does not (0 of 3), the cells once (LSTM, 1 of 9).
assert all(bare_met[kind] == (0, 3) for kind in KINDS), "0 of 9 bare cells and 0 of 9 bare newer kinds at P = 100"
assert diverged == [("lru", 2)] and best_bare > 200 * FREE_RUN_TARGETS[1000]
assert [bare_learned[kind][0] for kind in KINDS] == [0, 1, 0, 0, 3, 2]
assert min(bare_vs_2tap.values()) > 5e6
assert next(r.parameters for r in bare if r.kind == "transformer") > 3.5 * sizes["lstm"]

# %% [markdown]
# Bare, no run of any kind meets the targets on the slow wave: the cells 0 of 9 (chapter 08's runs), the newer
# kinds 0 of 9 (one LRU run diverged); the best is 226× the target. By the series' learned rule (2× below
# zero's MSE) the Transformer learns the wave in 3 of 3 runs and the LRU in 2 of 3, attention in 0 of 3, the
# cells in 1 of 9. Confounds: this Transformer has 3.85× the LSTM's parameters, and the LRU starts on slow
# modes. Attention gave no help **under the cells' recipe and a 32-step window** (0.32 rad); a window of one
# cycle (628 steps) was not run.
#
# ## 3. Delayed recall: which models give back a value after `k` steps?
#
# Chapter 09's task: a 5-step sine burst of amplitude `a ~ U(−1, 1)`, then `k` zeros; the model must output
# `a` at the last step. A run succeeds if its held-out normalised error ([NMSE](glossary.ipynb#nmse)) is below
# 0.1 (a constant answer scores about 1). **Recipe, for every kind alike (chapter 09's):** 256 training
# sequences, Adam (learning rate 5·10⁻³, batches of 64) for at most 50 [epochs](glossary.ipynb#epoch), that is
# at most 200 Adam steps, stopping once the training loss is below 1 % of the variance; scored on 256 fresh
# sequences. The cells have 32 units. The window models see the whole sequence (`5 + k` steps), so for them
# the task is to read back a value their window contains, not to hold it.

# %%
counts = solved_counts(recall_runs)
LAGS = sorted({r.lag for r in recall_runs})
print("seeds solved of seeds run" + " " * 3 + "".join(f"{'k=' + str(lag):>8s}" for lag in LAGS))
for kind in KINDS:
    cells = (f"{counts[kind][lag][0]:d}/{counts[kind][lag][1]:d}" if lag in counts[kind] else "–" for lag in LAGS)
    print(f"{kind:28s}" + "".join(f"{cell:>8s}" for cell in cells))
figure = beyond.plot_recall(recall_runs, title="Delayed recall: RNN and GRU fail from k = 50, the LSTM at 20; from "
                                               "k = 50 to 200 attention, the Transformer and the LRU solve most seeds")
figure.axes[1].set_title("Median error, by lag (the Transformer at k = 200: the mean of its 2 runs)", fontsize=10)
plt.show()

# %%
# The counts the text quotes, point by point (k: solved, run).
assert counts["rnn"] == counts["gru"] == {20: (3, 3), 50: (0, 3), 100: (0, 3), 200: (0, 3)}
assert counts["lstm"] == {20: (0, 3), 50: (0, 3), 100: (0, 3), 200: (0, 3)}
assert counts["attention"] == {20: (3, 3), 50: (2, 3), 100: (3, 3), 200: (2, 3)}
assert counts["transformer"] == {20: (3, 3), 50: (3, 3), 100: (3, 3), 200: (2, 2)}
assert counts["lru"] == {20: (3, 3), 50: (3, 3), 100: (3, 3), 200: (3, 3), 500: (2, 3), 1000: (1, 3)}
failures = [(r.kind, r.lag, r.seed, round(r.test_nmse, 3), r.epochs) for r in recall_runs
            if r.kind in NEW and not r.success]
print("runs of attention / transformer / LRU that missed (kind, k, seed, NMSE, epochs run of at most 50):", failures)
assert all(epochs == 50 for kind, _, _, _, epochs in failures if kind == "attention")
cell_failures = [r for r in recall_runs if r.kind in CELLS and not r.success]
print(f"failed cell runs: {len(cell_failures)}, of which {sum(r.epochs == 50 for r in cell_failures)} ran all "
      "50 epochs")
assert len(cell_failures) == 30 and all(r.epochs == 50 for r in cell_failures)
fragile = [(r.kind, r.lag, r.seed, r.test_nmse) for r in recall_runs if 0.05 <= r.test_nmse <= 0.2]
print("verdicts within 2x of the 0.1 threshold (kind, k, seed, NMSE):", fragile)
assert len(fragile) == 5

# Two exact solutions with no training loop. The burst's middle step (step 2) is the amplitude itself, so a
# least-squares linear readout of the window (what a window model could learn) recovers it; and one mode with
# |λ| = 1 (an LRU that keeps everything) sums the input, which divided by the burst's own sum is the amplitude.
shape_sum = float(torch.sin(torch.pi * torch.arange(1, beyond.BURST + 1) / (beyond.BURST + 1)).sum())
exact = {"linear readout of the window": [], "running sum, |λ| = 1": []}
for lag in (50, 100, 200, 1000):
    for seed in SEEDS:
        x_train, y_train = delayed_recall(256, lag, seed=seed)
        x_test, y_test = delayed_recall(256, lag, seed=seed + 10_000)
        readout = torch.linalg.pinv(x_train[..., 0].double()) @ y_train.double()
        answers = {"linear readout of the window": (x_test[..., 0].double() @ readout).float(),
                   "running sum, |λ| = 1": x_test[..., 0].sum(1, keepdim=True) / shape_sum}
        for name, answer in answers.items():
            exact[name].append(float(((answer - y_test) ** 2).mean() / y_test.var()))
for name, nmses in exact.items():
    print(f"{name}: largest held-out NMSE over k = 50, 100, 200 and 1000, 3 seeds each: {max(nmses):.1e}")
assert max(max(nmses) for nmses in exact.values()) < 1e-10, "both trivial solutions are exact, far below 0.1"

# %% [markdown]
# From k = 50 on, no run of the article's cells succeeds (0 of 27); the default LSTM fails even at k = 20
# (chapter 09 measures what a forget-gate bias of 1 changes). Attention solves 7 of its 9 runs from k = 50 to
# 200, the Transformer all 8 it finished (its third k = 200 seed was started and stopped, not finished), the LRU
# 9 of 9, then 2 of 3 at k = 500 and 1 of 3 at k = 1000. Every failed cell run and both of attention's misses hit
# the 50-epoch cap: budget and architecture are not separated. Five verdicts are fragile (the row *verdicts
# within 2x*). The last two rows are the yardstick: a linear readout of the window, and one LRU mode that keeps
# everything, solve every lag exactly with no training loop.
#
# ### A spot check on the current code
#
# These logs were written by an earlier version of the models' code (what changed is not recorded). Three
# runs trained again on the current code match their logs' verdicts and epochs, and the RNN's and attention's
# NMSE to 4 digits; the LRU's live NMSE is 2.21× its log's. That is one re-run (a spot check): how far the other logged runs drift is unknown.
# Were every run to drift that much, only the five fragile verdicts could flip.

# %%
spot_recall = {}
for kind, lag in [("rnn", 50), ("attention", 100), ("lru", 100)]:
    model, result = beyond.run_recall_trial(kind, lag, 0)
    stored_recall = next(r for r in recall_runs if (r.kind, r.lag, r.seed) == (kind, lag, 0))
    spot_recall[kind] = (model, result)
    print(f"{kind:10s} k = {lag:3d}, seed 0: NMSE {result.test_nmse:.4f} (stored {stored_recall.test_nmse:.4f}), "
          f"{'solved' if result.success else 'failed'} (stored: {'solved' if stored_recall.success else 'failed'}), "
          f"{result.epochs} epochs (stored {stored_recall.epochs})")
    assert result.success == stored_recall.success and result.epochs == stored_recall.epochs
    if kind == "lru":  # this one run's live NMSE drifts from the log's: 2 to 2.5 times it (measured 2.21x)
        drift = result.test_nmse / stored_recall.test_nmse
        print(f"           the LRU's live NMSE / the log's: {drift:.2f}")
        assert 2 < drift < 2.5
        # A drift of that size either way could flip only the verdicts within that factor of 0.1.
        in_reach = {(r.kind, r.lag, r.seed) for r in recall_runs if 0.1 / drift <= r.test_nmse <= 0.1 * drift}
        print(f"           logged verdicts within {drift:.2f}x of the 0.1 threshold: {len(in_reach)}, the fragile ones")
        assert in_reach == {(k, lag, s) for k, lag, s, _ in fragile}, "this drift reaches only the fragile verdicts"
    else:  # the same NMSE to the log's 4 digits
        assert abs(result.test_nmse - stored_recall.test_nmse) < 5e-5

# %% [markdown]
# ## 4. What the models look like inside (optional; no measure here explains the outcomes)
#
# **Where attention looks.** A value `k` steps back is reached in one comparison of the answer step's *query*
# with that step's *key*, so no gradient passes back through `k` steps. That this is why the window models succeed is
# a hypothesis: no head was switched off, nor the bonus per distance frozen. Below, per attention head, where
# the trained layer looks from the answer step (k = 100).

# %%
attention_model, attention_result = spot_recall["attention"]
x_look, _ = delayed_recall(256, 100, seed=10_000)
(weights,) = attention_model.attention_weights(x_look)
last = weights[:, :, -1, :].mean(0)  # (heads, seq): mean over held-out sequences
on_burst = last[:, :beyond.BURST].sum(-1)  # each head's share of attention on the burst
uniform = beyond.BURST / x_look.shape[1]
looking = [head for head in range(len(on_burst)) if on_burst[head] > 5 * uniform]
fig, ax = plt.subplots(figsize=(10, 3.8))
# One colour per head: four orange tints (brown is the Transformer's colour); the uniform line grey and dotted.
shades = plt.get_cmap("Oranges")(torch.linspace(0.35, 0.8, last.shape[0]).tolist())
for head, style in zip(range(last.shape[0]), ["-", "--", "-.", (0, (5, 1, 1, 1, 1, 1))], strict=True):
    ax.plot(last[head], color=shades[head], linestyle=style, linewidth=2.5 if head in looking else 1.2,
            label=f"attention head {head}: {float(on_burst[head]):.2g} on the burst")
ax.axvspan(-0.5, beyond.BURST - 0.5, color=colour("highlight"), alpha=0.4, label="the burst (steps 0–4)")
ax.axhline(1 / x_look.shape[1], color=colour("reference"), linestyle=":", linewidth=1.2, label="uniform attention")
ax.set(xlabel="key step (0 = first input; the query is the last step, 104)",
       ylabel="attention weight (mean over sequences)", yscale="log", ylim=(0.5 * float(last.min()), 1.5),
       title=f"From the answer step, {len(looking)} of the 4 attention heads (thick) look at the burst, 100 steps back")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()
plt.show()
print("share of attention on the 5 burst steps, by attention head: " + ", ".join(f"{float(v):.2g}" for v in on_burst)
      + f" (uniform {uniform:.3f})")
assert attention_result.success and len(looking) == 2


def share(r):  # the log stores the share as a multiple of the uniform share 5 / (5 + k)
    return r.evidence["burst_attention"] * beyond.BURST / (beyond.BURST + r.lag)


window_runs = [r for r in recall_runs if r.kind in NEW[:2]]
print("every run of the sweep: the most attentive attention head's share on the burst, by seed (* failed)")
for kind in NEW[:2]:
    for lag in sorted({r.lag for r in window_runs if r.kind == kind}):
        found = sorted((r for r in window_runs if (r.kind, r.lag) == (kind, lag)), key=lambda r: r.seed)
        print(f"  {kind:12s} k = {lag:3d}: " + ", ".join(f"{share(r):.2f}{'' if r.success else '*'}" for r in found)
              + f"   (uniform {beyond.BURST / (beyond.BURST + lag):.3f})")
solved = [share(r) for r in window_runs if r.success]
failed = [share(r) for r in window_runs if not r.success]
print(f"solved runs {min(solved):.2f} to {max(solved):.2f}; failed runs {min(failed):.2f} to {max(failed):.2f}")
# Every run, solved or failed, has a head putting over 0.3 of its attention on the 5 burst steps, and the
# failed runs' shares lie inside the solved runs' range: the share does not separate the outcomes.
assert min(solved + failed) > 0.3 and min(solved) < min(failed) <= max(failed) < max(solved)

# %% [markdown]
# In every run of both window models the most attentive head puts 0.32 to 0.51 of its weight on the 5 burst
# steps: they look at the burst. But attention's two failed runs (0.45 each) lie inside the solved runs' range.
#
# **The LRU's memory fades slowly, and that alone does not pick the seeds that succeed.** A mode of modulus
# `|λ|` keeps `|λ|^k` of a value after `k` steps, and the gradient back to it is scaled by the same factor.
# Left: each dot a mode of an LRU before and after training at k = 100, its angle (turn per step) against
# `1 − |λ|` (loss per step; lower keeps longer). Right: what the best-kept mode still holds after `k` steps.

# %%
lru_model, lru_result = spot_recall["lru"]
seed_everything(0)
lru_initial = beyond.recall_model("lru", 100)
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
looks = [(lru_initial, "at initialisation", {"facecolors": "none", "edgecolors": colour("reference")}),
         (lru_model, "after training (k = 100)", {"color": colour("lru")})]
for model, label, style in looks:
    eig = model.eigenvalues()
    axes[0].scatter(torch.angle(eig), 1 - eig.abs(), s=16, label=label, **style)
axes[0].set(xlabel="angle of λ (radians turned per step)", ylabel="1 − |λ| (fraction lost per step)", yscale="log",
            title="The LRU's modes before and after training at k = 100")
axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
lags = torch.arange(0, 1001)
for (model, label, _), line in zip(looks, [{"color": colour("reference"), "linestyle": "--"},
                                           {"color": colour("lru")}], strict=True):
    axes[1].semilogy(lags, [model.memory_at_lag(int(k)) for k in lags], label=label, **line)
axes[1].set(xlabel="lag k (steps)", ylabel="max |λ|^k (kept fraction, gradient scale)",
            title="What the best-kept mode still holds after k steps")
axes[1].legend(loc="lower left")
fig.tight_layout()
plt.show()
print(f"largest modulus |λ|: {float(lru_initial.eigenvalue_moduli().max()):.4f} at initialisation, "
      f"{float(lru_model.eigenvalue_moduli().max()):.4f} after training")

# %%
lru_runs = [r for r in recall_runs if r.kind == "lru"]
print("LRU run         held-out NMSE  epochs  best-kept mode holds: at initialisation  after training")
for r in lru_runs:
    memory_at_init = r.evidence["gradient_at_lag"]  # for the LRU this field stores max|λ|^k at initialisation
    print(f"k = {r.lag:4d}, seed {r.seed}{r.test_nmse:14.4f}{r.epochs:8d}{memory_at_init:25.4f}"
          f"{r.evidence['memory_after']:16.4f}")
cell_runs = [r for r in recall_runs if r.kind in CELLS]
memory = {lag: sorted((r.evidence["memory_after"], r.success, r.seed) for r in lru_runs if r.lag == lag)
          for lag in (500, 1000)}
# At k = 1000 the one success keeps the least, the run keeping most fails outright; at k = 500 the failure
# keeps the most: after training, how much a mode keeps does not rank the seeds.
assert memory[1000][0][1] and not memory[1000][-1][1] and not memory[500][-1][1]
overfit = next(r for r in lru_runs if (r.lag, r.seed) == (1000, 0))
assert overfit.epochs < 50 and not overfit.success  # stopped on a training loss below 1 % of the variance
# Every LRU run's slowest mode keeps more than 3 % over the lag after training; every RNN and GRU run from k = 50
# starts with a gradient to it below 1e-8 (the LSTM's measure leaves out its cell state, so it is not counted).
assert min(r.evidence["memory_after"] for r in lru_runs) > 0.03
assert max(r.evidence["gradient_at_lag"] for r in cell_runs if r.lag >= 50 and r.kind != "lstm") < 1e-8

# %% [markdown]
# What the best-kept mode keeps does not rank the seeds: at k = 1000 the one solved run keeps the least (0.0355)
# and the run that keeps most (0.1040) fails. At k = 1000 seed 0 [overfits](glossary.ipynb#overfitting): it stopped after 23 epochs on a
# training loss below 1 % of the variance, yet scores a held-out NMSE of 0.1518.
#
# **The cells' gradient at the lag**, `‖∂h_T/∂h_{T−k}‖` at initialisation, for every cell run of the sweep
# (chapter 09 measured it with 16 units, here 32).

# %%
for lag in LAGS:
    at_lag = [r for r in cell_runs if r.lag == lag]
    if at_lag:
        print(f"k = {lag:4d}: " + "; ".join(f"{r.kind} {r.seed} {r.evidence['gradient_at_lag']:.3g} "
                                            f"{'solved' if r.success else 'failed'}" for r in at_lag))
at_20 = [r for r in cell_runs if r.lag == 20 and r.kind != "lstm"]
# At k = 20 every RNN and GRU run starts above 1e-5 and succeeds (the LSTM rows leave out the cell state).
assert all(r.success for r in at_20) and len(at_20) == 6
assert min(r.evidence["gradient_at_lag"] for r in at_20) > 1e-5

# %% [markdown]
# For an LSTM this measure holds fixed the cell state `c`, where an LSTM keeps its memory, so the sentences
# below count only the RNN and the GRU. From k = 50 on every RNN and GRU
# run starts with a gradient [norm](glossary.ipynb#norm) below 10⁻⁸ and fails; at k = 20 every one starts above
# 10⁻⁵ and succeeds. Gradient, lag and the epoch cap move together here, so these runs do not tell whether the
# [vanishing gradient](glossary.ipynb#vanishing-and-exploding-gradients) defeats the cells.

# %% [markdown]
# ## 5. Cost
#
# Parameters and epochs per recall run, from the logs; then one Adam step timed on 8 sequences of 105 to 805
# steps (median of 5, one thread), and the exponent of time against length fitted.

# %%
def stored_epochs(kind, lag):
    values = [r.epochs for r in recall_runs if r.kind == kind and r.lag == lag]
    return median(values) if values else float("nan")

RECALL_COST_LAGS = (20, 50, 100, 200)
recall_sizes = {kind: [parameters(beyond.recall_model(kind, k)) for k in RECALL_COST_LAGS] for kind in KINDS}
print(f"{'kind':12s}{'params, k = 20 to 200':>22s}   recall: epochs, median"
      + "".join(f"{'k=' + str(k):>7s}" for k in RECALL_COST_LAGS))
for kind in KINDS:
    low, high = min(recall_sizes[kind]), max(recall_sizes[kind])
    size_range = f"{low:,d}" if low == high else f"{low:,d} to {high:,d}"
    print(f"{kind:12s}{size_range:>22s}{'':26s}" + "".join(f"{stored_epochs(kind, k):7.0f}" for k in RECALL_COST_LAGS))
print("medians over 3 runs, except the Transformer at k = 200: 2 runs (their mean)")
assert all(0.5 * sizes["lstm"] <= n <= 1.5 * sizes["lstm"] for kind in ("gru",) + NEW for n in recall_sizes[kind])
# From k = 50 to 200 the LRU's median run takes fewer epochs than each window model's.
assert all(stored_epochs("lru", k) < stored_epochs(kind, k) for kind in NEW[:2] for k in (50, 100, 200))

growth, rising, lines, step_lags = {}, {}, [], (100, 200, 400, 800)
lengths = [beyond.BURST + k for k in step_lags]
log_length = torch.log(torch.tensor(lengths, dtype=torch.float64))
for kind in KINDS:
    seconds = torch.tensor([beyond.training_step_seconds(kind, k, batch=8, repeats=5, warmup=2) for k in step_lags],
                           dtype=torch.float64)
    x, y = log_length - log_length.mean(), torch.log(seconds) - torch.log(seconds).mean()
    growth[kind] = float((x * y).sum() / (x * x).sum())  # least-squares slope of log time against log length
    rising[kind] = bool((seconds.diff() > 0).all())
    lines.append(f"{kind:12s}" + ", ".join(f"{1e3 * t:6.1f} ms" for t in seconds.tolist())
                 + f" at {', '.join(map(str, lengths))} steps: time ~ length^{growth[kind]:.1f}")
print(*lines, sep="\n")
others = max(growth[kind] for kind in CELLS + ("lru",))
print(f"smallest window-model exponent minus the largest of the cells and the LRU: "
      f"{min(growth['attention'], growth['transformer']) - others:.2f}")
# Each window model's step time, attending over the whole sequence, rises at every length and grows faster
# than every cell's and the LRU's: its exponent more than 0.5 above theirs (0 would mean no faster growth).
assert rising["attention"] and rising["transformer"]
assert min(growth["attention"], growth["transformer"]) > others + 0.5

# %% [markdown]
# From k = 50 to 200 the LRU's median recall run takes fewer epochs than each window model's. Per training step
# the window models' time grows faster with length than the cells' and the LRU's (exponent more than 0.5
# larger; timed on a shared machine, so no ratio of costs is claimed).
#
# ## 6. Verdict: where the article's recommendation is right, and where it is not needed

# %%
def forecast_met(period):
    return lambda kind: (sum(meets(f.one_step_mse, ten(f)) for f in rows(kind, period)), len(rows(kind, period)))

def beats_2tap(period):
    return lambda kind: (sum(b >= MARGIN for b in beats[kind, period]), len(beats[kind, period]))

def recall_met(low, high):
    def met(kind):
        found = [r for r in recall_runs if r.kind == kind and low <= r.lag <= high]
        return (sum(r.success for r in found), len(found))
    return met

TASKS = {f"forecast P={p:g}: targets met": forecast_met(p) for p in PERIODS}
TASKS |= {f"forecast P={p:g}: beats 2-tap": beats_2tap(p) for p in PERIODS}
TASKS |= {"forecast P=100 bare: met": bare_met.get, "forecast P=100 bare: learned": bare_learned.get}
TASKS |= {"recall, k = 20": recall_met(20, 20), "recall, k = 50 to 200": recall_met(50, 200),
          "recall, k = 500": recall_met(500, 500), "recall, k = 1000": recall_met(1000, 1000)}
print(f"{'task (seeds meeting it / run)':30s}" + "".join(f"{kind:>12s}" for kind in KINDS))
for task, met in TASKS.items():
    cells = (f"{met(kind)[0]:d}/{met(kind)[1]:d}" if met(kind)[1] else "–" for kind in KINDS)
    print(f"{task:30s}" + "".join(f"{cell:>12s}" for cell in cells))
print(f"{'recall, k = 50 to 1000, exact':30s}  a linear readout of the window, or one LRU mode with |λ| = 1, "
      f"NMSE at most {max(max(nmses) for nmses in exact.values()):.0e}, no training loop")
print("forecast: over 10 cycles, the benchmark's recipe (bare: without the fixed residual); "
      "recall: held-out NMSE < 0.1")
long_memory = TASKS["recall, k = 50 to 200"]
totals = {group: [sum(met(k)[i] for k in kinds for met in (TASKS[f"forecast P={p:g}: targets met"] for p in PERIODS))
                  for i in (0, 1)] for group, kinds in (("cells", CELLS), ("newer kinds", NEW))}
recall_cells = [sum(long_memory(k)[i] for k in CELLS) for i in (0, 1)]
print("forecast targets met: " + ", ".join(f"{g} {met} of {run}" for g, (met, run) in totals.items())
      + f"; recall, k = 50 to 200: the cells {recall_cells[0]} of {recall_cells[1]}")
assert totals == {"cells": [25, 27], "newer kinds": [27, 27]} and recall_cells == [0, 27]
assert [long_memory(k) for k in KINDS] == [(0, 9), (0, 9), (0, 9), (7, 9), (8, 8), (9, 9)]
assert sum(TASKS["forecast P=100 bare: met"](k)[0] for k in KINDS) == 0
cells_p100 = [TASKS[task](k)[0] for task in ("forecast P=100: targets met", "forecast P=100 bare: met") for k in CELLS]
print(f"the cells at P = 100 meet the targets in {sum(cells_p100[:3])} of 9 runs with the fixed residual, "
      f"{sum(cells_p100[3:])} of 9 bare (the loss is scaled in both)")
assert sum(cells_p100[:3]) == 7 and sum(cells_p100[3:]) == 0

# %% [markdown]
# From the table above (each entry counts seeds meeting the task over seeds run):
#
# - **Not needed to forecast this sine, never better than a formula (0 of 54 runs).** The cells meet the targets
#   in 25 of 27 runs (one miss a coin flip), the newer kinds in 27 of 27; at P = 100 the cells need the fixed
#   residual (7 of 9, bare 0 of 9). Without it attention is no help (learned 0 of 3, 32-step window); the
#   Transformer and the LRU learn the slow wave in 5 of 6 runs but meet the targets in none (confounds: the
#   Transformer's size, the LRU's start).
# - **Not needed for short recall.** At k = 20 the plain RNN and the GRU succeed in every seed.
# - **Easier to train for long recall within 200 Adam steps, not evidence of memory.** From k = 50 to 200 no
#   cell run succeeds, while attention (7 of 9) and the Transformer (8 of 8 run), reading back from a window
#   that contains the value, do; the LRU 9 of 9, then k = 500 in 2 of 3, k = 1000 in 1 of 3 (fragile). An
#   exact solution exists for both (the last row).
#
# > **In plain words.** *Shown:* every kind forecasts this sine within the targets, none better than a
# > two-number formula; without the fixed straight-line part none meets them on the slow wave. The window models
# > and the LRU give back a value from 50 to 200 steps earlier in most seeds, the cells in none; both tasks have
# > exact answers in closed form, so this is about what training finds, not memory.
# > *Not shown:* why. Every failed cell run hit the 50-epoch cap from PyTorch's default start, while the LRU
# > starts on slow modes; chapter 09's remedy (an [orthogonal initialisation](glossary.ipynb#orthogonal-initialisation)
# > and 200 epochs) was not run here. That attention wins by looking straight back at the burst is a hypothesis.
# > With 3 seeds per point, counts are not rates.

# %% [markdown]
# ## Try this
#
# 1. After `torch.manual_seed(0)`, build an untrained `build_model("attention", context=50).eval()` and feed it
#    `x, y = delayed_recall(64, 100, seed=0)`: at lag 100 the burst lies outside its 50-step window. What NMSE
#    do you expect whatever its training, and why is that no failure of attention? Check: its 64 answers differ
#    by less than 10⁻⁶, and its NMSE, `((answers − y)²).mean() / y.var()` as the series computes it, is at
#    least `(n − 1)/n` for `n = 64`. [solution](solutions/10_beyond_the_article.ipynb#exercise-1)
# 2. Register a kind of your own with `sine_lab.models.register_model_kind` (the smallest wraps a
#    `SequenceModel`, say a GRU of 8 units). Check the contract of section 1: `model(x[:2])` has shape `(2, 1)`,
#    `model.run(x[:2, :10])` gives outputs `(2, 10, 1)`, and running those 10 steps as 5 + 5, passing the state
#    on, gives the same outputs. [solution](solutions/10_beyond_the_article.ipynb#exercise-2)
#
# **Previous:** [09 · When memory matters](09_when_memory_matters.ipynb) · **Next:** [11 · The playground](11_playground.ipynb)
